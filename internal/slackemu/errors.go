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

// ErrUnknownView is returned for a view the bot never opened.
var ErrUnknownView = errors.New("no such view")

// ErrViewClosed is returned by SubmitView for a view no longer open.
var ErrViewClosed = errors.New("view is closed")

// ErrNoConfirm is returned by ClickDeny for a button without a confirm
// dialog: there is no Cancel to press, the click goes straight out.
var ErrNoConfirm = errors.New("button has no confirm dialog")

// InputError reports a SubmitView that Slack's client would not send: a
// required input left empty, a value outside the input's length bounds, or
// an input the view does not have.
type InputError struct {
	ViewID, BlockID, ActionID string
	Reason                    string
}

func (e *InputError) Error() string {
	return fmt.Sprintf("submit view %q: input %s/%s: %s", e.ViewID, e.BlockID, e.ActionID, e.Reason)
}

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
