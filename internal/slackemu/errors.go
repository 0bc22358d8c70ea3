package slackemu

import (
	"errors"
	"fmt"
)

// ErrClosed is returned by waits and drivers once the emulator is closed.
var ErrClosed = errors.New("emulator closed")

// ErrAckDropped is returned by WaitAck when the ack reached MaxAckBytes and
// was dropped, as Slack drops it: to the user the request was never answered.
var ErrAckDropped = errors.New("ack dropped: 20 KB or larger")

// ErrUnknownEnvelope is returned by Redeliver for an envelope never sent.
var ErrUnknownEnvelope = errors.New("no such envelope")

// WaitError reports a wait that ended before its condition held.
type WaitError struct {
	What string // what was awaited, e.g. `ack of envelope "…"`
	Err  error  // ctx.Err() or ErrClosed
}

func (e *WaitError) Error() string { return "wait for " + e.What + ": " + e.Err.Error() }

// Unwrap lets errors.Is see context.DeadlineExceeded or ErrClosed.
func (e *WaitError) Unwrap() error { return e.Err }

// ButtonNotFoundError reports a Click on a message without that button.
type ButtonNotFoundError struct {
	Want    string   // the action_id or label asked for
	Buttons []string // "action_id (label)" of every button the message has
}

func (e *ButtonNotFoundError) Error() string {
	return fmt.Sprintf("no button %q in message (buttons: %v)", e.Want, e.Buttons)
}
