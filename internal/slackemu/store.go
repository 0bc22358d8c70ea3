package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Message is a message the bot sent, as the emulator recorded it.
type Message struct {
	Channel, TS, ThreadTS, Text, User string
	// Blocks is the blocks array as sent (nil for a text-only message).
	Blocks json.RawMessage
	// ResponseType is ephemeral or in_channel for response_url and ack messages.
	ResponseType                    string
	ReplaceOriginal, DeleteOriginal bool
	// Metadata is chat.postMessage's {event_type, event_payload}.
	Metadata json.RawMessage
	// Via is chat.postMessage, chat.update, chat.postEphemeral, response_url,
	// or ack (a slash command ack whose payload is a message).
	Via string
	// ResponseURL is the URL posted to, for Via == response_url.
	ResponseURL string
	// Edits counts chat.update calls and replace_original posts applied to
	// the message.
	Edits int
	// To is the only user who sees an ephemeral message.
	To string
	// Ephemeral marks messages only one user sees; they are not in the
	// channel's history.
	Ephemeral bool
}

// Via values.
const (
	ViaPostMessage   = "chat.postMessage"
	ViaUpdate        = "chat.update"
	ViaPostEphemeral = "chat.postEphemeral"
	ViaResponseURL   = "response_url"
	ViaAck           = "ack"
)

type msgKey struct{ channel, ts string }

// stored is the current state of one message; guarded by Server.mu.
type stored struct {
	Message
	deleted bool
}

// clone copies m so callers cannot reach the emulator's state.
func (m Message) clone() Message {
	m.Blocks = slices.Clone(m.Blocks)
	m.Metadata = slices.Clone(m.Metadata)
	return m
}

// nextTSLocked issues a message timestamp: Unix seconds and microseconds
// from the emulator's clock (the wall clock unless WithClock), so a bot
// computing "oldest" from its own clock sees what it would on Slack, and
// strictly increasing so each is unique.
func (s *Server) nextTSLocked() string {
	us := s.cfg.now().UnixMicro()
	if us <= s.tsLast {
		us = s.tsLast + 1
	}
	s.tsLast = us
	return formatTS(us)
}

func formatTS(us int64) string { return fmt.Sprintf("%d.%06d", us/1e6, us%1e6) }

// parseTS reads a Slack ts ("1700000000.000100") as microseconds.
func parseTS(ts string) (int64, bool) {
	sec, frac, _ := strings.Cut(ts, ".")
	s, err := strconv.ParseInt(sec, 10, 64)
	// Past this many seconds the microsecond count overflows an int64.
	if err != nil || s < 0 || s > math.MaxInt64/1_000_000-1 {
		return 0, false
	}
	if len(frac) > 6 {
		frac = frac[:6]
	}
	frac += strings.Repeat("0", 6-len(frac))
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || f < 0 {
		return 0, false
	}
	return s*1e6 + f, true
}

// postLocked stores a new message and logs it; s.mu must be held.
func (s *Server) postLocked(m Message) *stored {
	if m.TS == "" {
		m.TS = s.nextTSLocked()
	}
	st := &stored{Message: m.clone()}
	s.msgs = append(s.msgs, st)
	s.byKey[msgKey{m.Channel, m.TS}] = st
	s.logLocked(m)
	return st
}

// logLocked appends a snapshot to the arrival-order log.
func (s *Server) logLocked(m Message) {
	s.log = append(s.log, m.clone())
	s.notifyLocked()
}

// emit hands messages to the WithOnMessage callback; call without s.mu held.
func (s *Server) emit(ms ...Message) {
	if s.cfg.onMessage == nil {
		return
	}
	for _, m := range ms {
		s.cfg.onMessage(m.clone())
	}
}

// channelLocked lists a channel's visible messages, oldest first.
func (s *Server) channelLocked(channel string) []Message {
	var out []Message
	for _, st := range s.msgs {
		if st.Channel == channel && !st.Ephemeral && !st.deleted {
			out = append(out, st.Message.clone())
		}
	}
	slices.SortStableFunc(out, func(a, b Message) int {
		x, _ := parseTS(a.TS)
		y, _ := parseTS(b.TS)
		return compareInt(x, y)
	})
	return out
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ChannelMessages is the current state of the messages in a channel (updates
// applied, deleted ones gone, ephemeral ones left out as Slack's history
// leaves them out), oldest first, thread replies included.
func (s *Server) ChannelMessages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.channelLocked(channel)
}

// WaitChannelMessages blocks until the channel holds at least n messages and
// returns them as ChannelMessages does.
func (s *Server) WaitChannelMessages(ctx context.Context, channel string, n int) ([]Message, error) {
	var out []Message
	err := s.waitFor(ctx, fmt.Sprintf("%d messages in %s", n, channel), func() bool {
		out = s.channelLocked(channel)
		return len(out) >= n
	})
	return out, err
}

// AllMessages is every message the bot sent, in the order received, each as
// it was when received: posts, updates, ephemeral posts, response_url posts
// and acks carrying a message.
func (s *Server) AllMessages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.log))
	for i, m := range s.log {
		out[i] = m.clone()
	}
	return out
}

// WaitMessages blocks until at least n messages have been received in all
// and returns AllMessages.
func (s *Server) WaitMessages(ctx context.Context, n int) ([]Message, error) {
	var out []Message
	err := s.waitFor(ctx, fmt.Sprintf("%d messages", n), func() bool {
		if len(s.log) < n {
			return false
		}
		out = make([]Message, len(s.log))
		for i, m := range s.log {
			out[i] = m.clone()
		}
		return true
	})
	return out, err
}

// Violations lists every Block Kit rule broken by any message received, each
// prefixed with where: method, channel and ts or response URL.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.violations)
}
