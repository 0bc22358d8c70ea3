package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"time"

	"scnetbot/blockkit"
)

// AckTimeout is how long Slack waits for the ack of a slash command or an
// interaction before it shows the user "operation_timeout".
const AckTimeout = 3 * time.Second

// envelope is a request sent over a socket, awaiting its ack.
type envelope struct {
	id              string
	typ             string
	sentAt          time.Time
	acceptsResponse bool
	channel, user   string
	payload         any
	// retryAttempt and retryReason are set on a redelivery, as Slack sets
	// them; retryAttempt on the original counts its redeliveries.
	retryAttempt int
	retryReason  string
	// trigger is the trigger_id the payload carries, whose TTL starts when
	// it is first sent.
	trigger string
	// viewID is set for a view_submission: its ack decides the view's fate.
	viewID string
	// conn is the socket the latest delivery went to.
	conn int
}

// Ack is the bot's answer to one envelope.
type Ack struct {
	EnvelopeID string
	// Payload is the ack's payload, nil when the ack carried none.
	Payload json.RawMessage
	// Latency is the time from sending the envelope to reading the ack.
	Latency time.Duration
	// Size is the ack frame's size in bytes.
	Size int
	// Dropped is set when Size reached blockkit.MaxAckBytes: Slack ignores
	// such acks, so the user sees a timeout.
	Dropped bool
	// Late is set when Latency exceeded AckTimeout.
	Late bool
	// Type is the envelope's type: slash_commands or interactive.
	Type string
	// Conn is the socket the ack came on, and DeliveredTo the one the
	// envelope's latest delivery went to, by the IDs Deliveries uses.
	Conn, DeliveredTo int
}

// sendEnvelope delivers an envelope to exactly one usable socket, waiting
// for one if none is connected. Slack gives each payload to one of the app's
// connections, picked at random; the emulator takes them in turn, so a test
// with n connections knows each gets 1/n of the traffic.
func (s *Server) sendEnvelope(ctx context.Context, env *envelope, payload any) error {
	env.payload = payload
	frame := struct {
		EnvelopeID             string `json:"envelope_id"`
		Payload                any    `json:"payload"`
		Type                   string `json:"type"`
		AcceptsResponsePayload bool   `json:"accepts_response_payload"`
		RetryAttempt           int    `json:"retry_attempt,omitempty"`
		RetryReason            string `json:"retry_reason,omitempty"`
	}{env.id, payload, env.typ, env.acceptsResponse, env.retryAttempt, env.retryReason}
	for {
		var c *socketConn
		err := s.waitFor(ctx, "a connection for envelope "+env.id, func() bool {
			usable := s.usableLocked()
			if len(usable) == 0 {
				return false
			}
			c = usable[s.nextConn%len(usable)]
			s.nextConn++
			return true
		})
		if err != nil {
			return err
		}
		s.mu.Lock()
		env.sentAt = time.Now()
		env.conn = c.id
		s.envelopes[env.id] = env
		s.triggerSentLocked(env.trigger)
		s.mu.Unlock()
		if err := c.writeJSON(frame); err != nil {
			// The socket died under us; Slack would pick another one. Until
			// its read loop ends it is still listed, so take it out of the
			// turn at once.
			s.mu.Lock()
			c.draining = true
			s.notifyLocked()
			s.mu.Unlock()
			c.abort()
			continue
		}
		s.mu.Lock()
		s.deliveries[c.id]++
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	}
}

// Redeliver sends an envelope again, with the same envelope_id and payload,
// as Slack does when an ack is late or missing; retry_attempt counts the
// redeliveries and retry_reason says why (Slack sends e.g. "timeout"). Its
// ack is recorded like any other, so Acks then holds two for the id.
func (s *Server) Redeliver(ctx context.Context, envelopeID, reason string) error {
	s.mu.Lock()
	orig, ok := s.envelopes[envelopeID]
	var again envelope
	if ok {
		orig.retryAttempt++
		again = *orig
		again.retryReason = reason
	}
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("redeliver envelope %q: %w", envelopeID, ErrUnknownEnvelope)
	}
	if err := s.sendEnvelope(ctx, &again, again.payload); err != nil {
		return fmt.Errorf("redeliver envelope %q: %w", envelopeID, err)
	}
	return nil
}

// recordAck reads one frame from the bot, on socket c, as an ack.
func (s *Server) recordAck(c *socketConn, data []byte) {
	now := time.Now()
	var a struct {
		EnvelopeID string          `json:"envelope_id"`
		Payload    json.RawMessage `json:"payload"`
	}
	err := json.Unmarshal(data, &a)
	s.mu.Lock()
	env, ok := s.envelopes[a.EnvelopeID]
	if err != nil || !ok {
		s.strayAcks++
		s.notifyLocked()
		s.mu.Unlock()
		return
	}
	ack := Ack{
		EnvelopeID: a.EnvelopeID, Payload: a.Payload, Latency: now.Sub(env.sentAt),
		Size: len(data), Dropped: len(data) >= blockkit.MaxAckBytes, Type: env.typ,
		Conn: c.id, DeliveredTo: env.conn,
	}
	if string(ack.Payload) == "null" {
		ack.Payload = nil
	}
	ack.Late = ack.Latency > AckTimeout
	s.acks = append(s.acks, ack)
	var emitted []Message
	var changed []View
	switch {
	case ack.Dropped || ack.Late:
		// To Slack the request was never answered.
	case env.viewID != "":
		changed = s.viewAckLocked(env, ack.Payload)
	case env.acceptsResponse && len(ack.Payload) > 0:
		emitted = s.ackMessageLocked(env, ack.Payload)
	}
	s.notifyLocked()
	s.mu.Unlock()
	s.emit(emitted...)
	s.emitViews(changed...)
}

// ackMessageLocked shows a slash command ack's payload as the message Slack
// would show: ephemeral to the user unless response_type is in_channel.
func (s *Server) ackMessageLocked(env *envelope, payload json.RawMessage) []Message {
	var body struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if json.Unmarshal(payload, &body) != nil || (body.Text == "" && !hasContent(body.Blocks)) {
		return nil
	}
	if string(body.Blocks) == "null" {
		body.Blocks = nil
	}
	vs, code := s.judge(body.Text, body.Blocks)
	where := fmt.Sprintf("ack of envelope %s", env.id)
	if s.refusedLocked(where, code, vs) {
		return nil
	}
	m := Message{
		Channel: env.channel, Text: body.Text, User: BotUserID, Blocks: body.Blocks,
		ResponseType: "ephemeral", Via: ViaAck, To: env.user, Ephemeral: true,
	}
	if body.ResponseType == "in_channel" {
		m.ResponseType, m.To, m.Ephemeral = "in_channel", "", false
	}
	st := s.postLocked(m)
	s.recordViolationsLocked(fmt.Sprintf("%s ts %s", where, st.TS), vs)
	return []Message{st.Message}
}

func hasContent(raw json.RawMessage) bool {
	return len(raw) > 0 && string(raw) != "null" && string(raw) != "[]"
}

// WaitAck blocks until the envelope is acked. A dropped ack is returned
// with ErrAckDropped, since to Slack it never came.
func (s *Server) WaitAck(ctx context.Context, envelopeID string) (Ack, error) {
	var got Ack
	err := s.waitFor(ctx, fmt.Sprintf("ack of envelope %q", envelopeID), func() bool {
		for _, a := range s.acks {
			if a.EnvelopeID == envelopeID {
				got = a
				return true
			}
		}
		return false
	})
	if err != nil {
		return Ack{}, err
	}
	if got.Dropped {
		return got, fmt.Errorf("envelope %q: %w", envelopeID, ErrAckDropped)
	}
	return got, nil
}

// Acks lists every ack received, in order, dropped ones included.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ack, len(s.acks))
	copy(out, s.acks)
	return out
}

// Deliveries counts the envelopes written to each socket, redeliveries
// included, by socket ID: 1 for the first socket opened, 2 for the next,
// and so on. Sockets that have closed keep their counts.
func (s *Server) Deliveries() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.deliveries)
}

// StrayAcks counts frames from the bot that were not the ack of a known envelope.
func (s *Server) StrayAcks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.strayAcks
}

// newEnvelopeID makes an ID shaped like Slack's (a UUID).
func newEnvelopeID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-a" + h[17:20] + "-" + h[20:32]
}
