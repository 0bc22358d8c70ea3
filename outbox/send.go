package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/state"
)

// deliverMetadata is what each message carries to be recognisable later.
func deliverMetadata(m state.Message) slack.SlackMetadata {
	alert := m.AlertID
	if alert == "" {
		alert = m.ThreadOf
	}
	if alert == "" {
		alert = m.ID
	}
	return slack.SlackMetadata{EventType: MetadataEventType,
		EventPayload: map[string]any{"alert_id": alert, "msg_id": m.ID}}
}

// deliverSend makes the one Slack call for a message.
func (d *Deliverer) deliverSend(ctx context.Context, t *deliverTarget, m state.Message) (string, error) {
	opts := []slack.MsgOption{slack.MsgOptionText(m.Text, false), slack.MsgOptionMetadata(deliverMetadata(m))}
	if len(m.Blocks) > 0 {
		var blocks slack.Blocks
		if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
			return "", fmt.Errorf("decode blocks of message %s: %w", m.ID, deliverPermanent{err})
		}
		opts = append(opts, slack.MsgOptionBlocks(blocks.BlockSet...))
	}
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	if m.Kind == state.KindUpdate {
		_, ts, _, err := d.api.UpdateMessageContext(sctx, m.Channel, t.updateTS, opts...)
		return ts, err
	}
	if t.threadTS != "" {
		opts = append(opts, slack.MsgOptionTS(t.threadTS))
	}
	_, ts, err := d.api.PostMessageContext(sctx, m.Channel, opts...)
	return ts, err
}

// deliverPermanent marks an error no retry can fix.
type deliverPermanent struct{ err error }

func (e deliverPermanent) Error() string { return e.err.Error() }
func (e deliverPermanent) Unwrap() error { return e.err }

// deliverVerdict is what a failed call means for the message.
type deliverVerdict int

const (
	deliverRetryLater deliverVerdict = iota // not posted: retry after a delay
	deliverUnknown                          // may be posted: check, then retry
	deliverGiveUp                           // refused for good
	deliverDone                             // nothing left to do (update of a deleted message)
	deliverWaitFix                          // not posted: waits for an operator (token, channel)
	deliverNoBlocks                         // the blocks were refused: send the text alone
)

// deliverNeedsOperator are refusals that concern the bot's token or its
// access to the channel, not the message: every message to the channel
// would be refused alike until someone fixes it (a new token, an invite),
// so they wait rather than being given up. A channel that does not exist or
// is archived is not waited for: its messages could only ever go there.
func deliverNeedsOperator(code string) bool {
	switch code {
	case "not_authed", "invalid_auth", "account_inactive", "token_revoked", "token_expired",
		"missing_scope", "no_permission", "not_in_channel",
		"restricted_action", "team_access_not_granted", "ekm_access_denied":
		return true
	}
	return false
}

// deliverBlocksRefused are refusals of a message's blocks alone.
func deliverBlocksRefused(code string) bool {
	switch code {
	case "invalid_blocks", "invalid_blocks_format", "msg_blocks_too_long":
		return true
	}
	return false
}

// deliverClassify decides what a Slack error means. 429 and ok:false
// answers are definite refusals; timeouts, network errors and 5xx may hide a
// post that landed.
func deliverClassify(err error) (deliverVerdict, time.Duration, string) {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var se slack.SlackErrorResponse
	var perm deliverPermanent
	switch {
	case errors.As(err, &perm):
		return deliverGiveUp, 0, "permanent"
	case errors.As(err, &rl):
		return deliverRetryLater, rl.RetryAfter, "rate_limited"
	case errors.As(err, &sc):
		if sc.Code >= 500 {
			return deliverUnknown, 0, "server_error"
		}
		return deliverGiveUp, 0, "http_" + strconv.Itoa(sc.Code)
	case errors.As(err, &se):
		switch se.Err {
		case "ratelimited", "rate_limited":
			return deliverRetryLater, time.Minute, "rate_limited"
		case "internal_error", "fatal_error", "service_unavailable", "request_timeout":
			return deliverUnknown, 0, "server_error"
		case "message_not_found", "cant_update_message", "edit_window_closed":
			return deliverDone, 0, se.Err
		}
		if deliverNeedsOperator(se.Err) {
			return deliverWaitFix, 0, se.Err
		}
		if deliverBlocksRefused(se.Err) {
			return deliverNoBlocks, 0, se.Err
		}
		return deliverGiveUp, 0, se.Err
	case errors.Is(err, context.DeadlineExceeded):
		return deliverUnknown, 0, "unknown_outcome"
	}
	return deliverUnknown, 0, "network"
}

// deliverFailed records a failed send and when to try again.
func (d *Deliverer) deliverFailed(ctx context.Context, m state.Message, sendErr error, now time.Time) error {
	verdict, after, reason := deliverClassify(sendErr)
	method := "chat.postMessage"
	if m.Kind == state.KindUpdate {
		method = "chat.update"
	}
	m.LastError = sendErr.Error()
	if verdict == deliverNoBlocks && len(m.Blocks) == 0 {
		verdict = deliverGiveUp
	}
	switch verdict {
	case deliverDone:
		return d.deliverConfirm(ctx, m, "")
	case deliverNoBlocks:
		// The text alone still tells the channel what happened; an alert
		// without its buttons beats no alert.
		m.Blocks = nil
		m.Attempts--
	case deliverWaitFix:
		m.Attempts--
		m.NotBefore = now.Add(d.cfg.MaxBackoff)
		d.deliverNextAt[m.Channel] = m.NotBefore
		d.cfg.Logger.Error("Slack refused the bot's token or channel access; messages wait until it is fixed",
			"message", m.ID, "channel", m.Channel, "err", sendErr)
	case deliverGiveUp:
		d.deliverOutcome("failed")
		d.cfg.Logger.Error("Slack refused a message; it is kept in the outbox as dead", "message", m.ID, "channel", m.Channel, "err", sendErr)
		return d.st.Update(ctx, func(tx state.Tx) error {
			m.Dead = true
			if m.Kind == state.KindPost && m.AlertID != "" {
				if a, ok, err := tx.Alert(m.AlertID); err != nil {
					return err
				} else if ok {
					a.Dead = true
					if err := tx.PutAlert(a); err != nil {
						return err
					}
				}
			}
			return deliverIgnoreGone(tx.PutMessage(m))
		})
	case deliverRetryLater:
		// Definitely not posted: no history check is needed next time.
		m.Attempts--
		m.NotBefore = now.Add(after)
		d.deliverNextAt[m.Channel] = m.NotBefore
	case deliverUnknown:
		m.NotBefore = now.Add(d.deliverBackoff(m.Channel))
	}
	d.deliverCount(method, reason)
	d.deliverOutcome("retried")
	d.cfg.Logger.Warn("Slack call failed; will retry", "message", m.ID, "reason", reason, "retry_at", m.NotBefore, "err", sendErr)
	return d.st.Update(ctx, func(tx state.Tx) error { return deliverIgnoreGone(tx.PutMessage(m)) })
}

func deliverIgnoreGone(err error) error {
	if errors.Is(err, state.ErrNotQueued) {
		return nil
	}
	return err
}

// deliverBackoff returns the next wait after a failure on a channel, by
// the outbox's retry policy: doubling from MinBackoff to MaxBackoff, with
// jitter so that several replicas do not retry in step. The wait is kept
// in the store (NotBefore), not slept, so it survives a restart.
func (d *Deliverer) deliverBackoff(channel string) time.Duration {
	n := d.deliverFailures[channel] + 1
	d.deliverFailures[channel] = n
	w := d.backoff.Backoff(n)
	d.deliverNextAt[channel] = d.cfg.Now().Add(w)
	return w
}

// deliverConfirm removes a delivered message and records the ts of a
// top-level alert message, in one transaction.
func (d *Deliverer) deliverConfirm(ctx context.Context, m state.Message, ts string) error {
	return d.st.Update(ctx, func(tx state.Tx) error {
		if m.Kind == state.KindPost && m.AlertID != "" && ts != "" {
			a, ok, err := tx.Alert(m.AlertID)
			if err != nil {
				return err
			}
			if ok {
				a.MessageTS = ts
				if err := tx.PutAlert(a); err != nil {
					return err
				}
			}
		}
		return tx.DeleteMessage(m.Seq)
	})
}

// deliverFind looks for a message in the channel (or its thread) by the id
// in its metadata. It is the guard against posting twice after a timeout or
// a crash between send and confirm. It looks only where the last attempt
// can have landed, so what comes after does not matter, however much.
func (d *Deliverer) deliverFind(ctx context.Context, m state.Message, threadTS string) (string, bool, error) {
	oldest, latest := d.deliverWindow(m)
	match := func(msgs []slack.Message) (string, bool) {
		for _, x := range msgs {
			if x.Metadata.EventType != MetadataEventType {
				continue
			}
			if id, _ := x.Metadata.EventPayload["msg_id"].(string); id == m.ID {
				return x.Timestamp, true
			}
		}
		return "", false
	}
	sctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	if threadTS != "" {
		cursor := ""
		for range deliverFindPages {
			msgs, more, next, err := d.api.GetConversationRepliesContext(sctx, &slack.GetConversationRepliesParameters{
				ChannelID: m.Channel, Timestamp: threadTS, Cursor: cursor, Oldest: oldest, Latest: latest,
				Inclusive: true, Limit: 200, IncludeAllMetadata: true})
			if err != nil {
				return "", false, fmt.Errorf("check thread %s for message %s: %w", threadTS, m.ID, err)
			}
			if ts, ok := match(msgs); ok {
				return ts, true, nil
			}
			if !more || next == "" {
				return "", false, nil
			}
			cursor = next
		}
		return "", false, fmt.Errorf("check thread %s for message %s: over %d pages between %s and %s", threadTS, m.ID, deliverFindPages, oldest, latest)
	}
	cursor := ""
	for range deliverFindPages {
		r, err := d.api.GetConversationHistoryContext(sctx, &slack.GetConversationHistoryParameters{
			ChannelID: m.Channel, Cursor: cursor, Oldest: oldest, Latest: latest, Inclusive: true,
			Limit: 200, IncludeAllMetadata: true})
		if err != nil {
			return "", false, fmt.Errorf("check channel %s for message %s: %w", m.Channel, m.ID, err)
		}
		if ts, ok := match(r.Messages); ok {
			return ts, true, nil
		}
		if !r.HasMore || r.ResponseMetaData.NextCursor == "" {
			return "", false, nil
		}
		cursor = r.ResponseMetaData.NextCursor
	}
	// Not knowing is not "not posted": better late than twice. Within the
	// window this takes thousands of messages in a few minutes, more than
	// Slack lets a channel be posted to.
	return "", false, fmt.Errorf("check channel %s for message %s: over %d pages between %s and %s", m.Channel, m.ID, deliverFindPages, oldest, latest)
}

// deliverFindPages bounds the pages of history read to settle one attempt.
const deliverFindPages = 10

// deliverWindow is the span of Slack time, as oldest and latest ts, in
// which the last attempt at m can have landed: from its start to the end of
// its timeout, widened by the clock skew allowed between Slack and us.
func (d *Deliverer) deliverWindow(m state.Message) (oldest, latest string) {
	from, to := m.Attempted, m.Attempted.Add(d.cfg.SendTimeout)
	if m.Attempted.IsZero() {
		// Not recorded: the attempt was made between queueing and now.
		from, to = m.Created, d.cfg.Now()
		if from.IsZero() || from.After(to) {
			from = to
		}
	}
	return deliverSlackTS(from.Add(-d.cfg.ClockSkew)), deliverSlackTS(to.Add(d.cfg.ClockSkew))
}

// deliverSlackTS writes t as a Slack ts: seconds and microseconds.
func deliverSlackTS(t time.Time) string {
	us := t.UnixMicro()
	return fmt.Sprintf("%d.%06d", us/1e6, us%1e6)
}

func (d *Deliverer) deliverCount(method, reason string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.SlackRetries.WithLabelValues(method, reason).Inc()
	}
}

func (d *Deliverer) deliverOutcome(outcome string) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.Alerts.WithLabelValues(outcome).Inc()
	}
}
