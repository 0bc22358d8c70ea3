// Package outbox sends the alert messages queued in the state store to
// Slack exactly once: it drains the queue in order per channel, paces each
// channel, retries what Slack did not take, and checks the channel's history
// before resending a message whose outcome is unknown.
package outbox

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/metrics"
	"scnetbot/retry"
	"scnetbot/state"
)

// SlackAPI is the part of the Slack Web API alert delivery uses;
// *slack.Client implements it. The two reads look for a message whose
// outcome is unknown, at top level or in its alert's thread, before it is
// sent again.
type SlackAPI interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	UpdateMessageContext(ctx context.Context, channelID, timestamp string, options ...slack.MsgOption) (string, string, string, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
	GetConversationRepliesContext(ctx context.Context, params *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error)
}

var _ SlackAPI = (*slack.Client)(nil)

// Config tunes the deliverer. Zero values take the defaults noted.
type Config struct {
	// PerChannelInterval spaces messages to one channel (default 1s,
	// Slack's chat.postMessage pace).
	PerChannelInterval time.Duration
	// SendTimeout bounds one Slack call (default 10s). A post that times
	// out may have landed; the channel is checked before it is sent again.
	SendTimeout time.Duration
	// MinBackoff and MaxBackoff bound the wait after a 5xx or network
	// error (defaults 1s and 5m), doubling per consecutive failure.
	MinBackoff, MaxBackoff time.Duration
	// Rescan is how often the outbox is read without a Kick (default 30s).
	Rescan time.Duration
	// HistoryLag is how long after a send whose outcome is unknown the
	// channel is checked for it (default 10s): Slack's history may not show
	// a post at once, and not finding it there means sending it again.
	HistoryLag time.Duration
	// ClockSkew is how far Slack's clock may be from this host's (default
	// 1m). A send whose outcome is unknown is looked for only from this
	// long before the attempt to this long after its SendTimeout: had it
	// landed, it would be there, so not finding it there means it was not
	// posted. Without that bound, a busy channel has more messages since
	// the attempt than the check can page through, and the check never
	// ends.
	ClockSkew time.Duration
	// Logger may be nil, which discards, as in every scnetbot package: the
	// app passes its own. Metrics may be nil.
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// Now is the clock (default time.Now). It must be the real clock in
	// production: it is compared with Slack's message timestamps.
	Now func() time.Time
	// MayPost is asked immediately before every chat.postMessage and
	// chat.update: false means this replica may no longer act for the
	// bot (its lease may be lost), so nothing is sent and the message
	// stays queued for whoever leads now. The store's fencing cannot
	// guard Slack, which is why this is asked at the last moment. nil
	// always allows.
	MayPost func() bool
}

// MetadataEventType marks every message the deliverer posts, so that a post
// whose outcome is unknown can be recognised in the channel's history.
const MetadataEventType = "scnetbot_alert"

// Deliverer sends the store's outbox to Slack: in order per channel, paced,
// retried, and never twice. Build it with New and run Run once.
type Deliverer struct {
	api  SlackAPI
	st   state.Store
	cfg  Config
	kick chan struct{}

	// backoff is the wait after failures: the project's one retry policy,
	// with the outbox's bounds. Its Do is not used: a message's retry is
	// a NotBefore in the store, not a sleep.
	backoff retry.Policy

	// Touched only by the Run goroutine.
	deliverNextAt   map[string]time.Time
	deliverFailures map[string]int
}

// New builds a deliverer.
func New(api SlackAPI, st state.Store, cfg Config) *Deliverer {
	if cfg.PerChannelInterval <= 0 {
		cfg.PerChannelInterval = time.Second
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = 10 * time.Second
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.Rescan <= 0 {
		cfg.Rescan = 30 * time.Second
	}
	if cfg.HistoryLag <= 0 {
		cfg.HistoryLag = 10 * time.Second
	}
	if cfg.ClockSkew <= 0 {
		cfg.ClockSkew = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MayPost == nil {
		cfg.MayPost = func() bool { return true }
	}
	return &Deliverer{api: api, st: st, cfg: cfg, kick: make(chan struct{}, 1),
		backoff:       retry.Policy{Base: cfg.MinBackoff, Cap: cfg.MaxBackoff, Jitter: true},
		deliverNextAt: map[string]time.Time{}, deliverFailures: map[string]int{}}
}

// Kick tells the deliverer that something was queued. It never blocks.
func (d *Deliverer) Kick() {
	select {
	case d.kick <- struct{}{}:
	default:
	}
}

// Run delivers until ctx ends. Messages left in the store by an earlier run
// are delivered first, checked against the channel when they may already
// have been posted.
func (d *Deliverer) Run(ctx context.Context) error {
	// failing counts the steps in a row that failed before sending (the
	// store could not be read, typically): their waits double up to
	// MaxBackoff, so a corrupt store is not asked, and logged, every second.
	failing := 0
	fenced := false
	for {
		wait, err := d.deliverStep(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, state.ErrFenced) {
			// Another replica leads, and its deliverer sends: not a
			// failure to log and back off from, and the app stops this
			// one as soon as its lease says so. Said once.
			if !fenced {
				d.cfg.Logger.Info("alert delivery paused: another replica leads", "err", err)
			}
			fenced, err, wait = true, nil, d.cfg.Rescan
		} else if err == nil {
			fenced = false
		}
		switch {
		case err != nil:
			failing++
			wait = d.backoff.Backoff(failing)
			d.cfg.Logger.Error("alert delivery", "err", err, "failures_in_a_row", failing, "retry_in", wait)
		case failing > 0:
			d.cfg.Logger.Info("alert delivery works again", "after_failures", failing)
			failing = 0
		}
		if wait <= 0 {
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-d.kick:
			t.Stop()
		case <-t.C:
		}
	}
}

// deliverTarget is a message ready to go and where it goes.
type deliverTarget struct {
	m state.Message
	// threadTS is the parent's ts for a reply; updateTS the message an
	// update rewrites.
	threadTS, updateTS string
	// orphan is set for a reply or update whose alert message will never
	// exist (Slack refused it, or it is gone from the store).
	orphan bool
}

// deliverStep sends at most one message and says how long to wait before the
// next step (0: at once).
func (d *Deliverer) deliverStep(ctx context.Context) (time.Duration, error) {
	now := d.cfg.Now()
	wait := d.cfg.Rescan
	var pick *deliverTarget
	heads := map[string]bool{}
	err := d.st.View(ctx, func(tx state.Tx) error {
		return tx.Outbox(func(m state.Message) error {
			// Strict order per channel: only the oldest live message of a
			// channel may go, so a reply never overtakes its parent.
			if m.Dead || heads[m.Channel] {
				return nil
			}
			heads[m.Channel] = true
			ready := m.NotBefore
			if t := d.deliverNextAt[m.Channel]; t.After(ready) {
				ready = t
			}
			if t := m.Attempted.Add(d.cfg.HistoryLag); m.Attempts > 0 && m.Kind == state.KindPost && t.After(ready) {
				ready = t // the check before resending must be able to see it
			}
			if ready.After(now) {
				wait = min(wait, ready.Sub(now))
				return nil
			}
			t := &deliverTarget{m: m}
			if ref := deliverRef(m); ref != "" {
				a, ok, err := tx.Alert(ref)
				if err != nil {
					return err
				}
				switch {
				case !ok || a.Dead || a.MessageTS == "":
					// The parent's post is not ahead of this message in
					// the queue, so its ts will never come.
					t.orphan = true
				case m.Kind == state.KindUpdate:
					t.updateTS = a.MessageTS
				default:
					t.threadTS = a.MessageTS
				}
			}
			pick = t
			return state.ErrStop
		})
	})
	if err != nil || pick == nil {
		return wait, err
	}
	return 0, d.deliverOne(ctx, pick)
}

// deliverRef is the alert a message depends on.
func deliverRef(m state.Message) string {
	if m.Kind == state.KindUpdate {
		return m.AlertID
	}
	return m.ThreadOf
}

// deliverOne handles one message: drop, check, or send.
func (d *Deliverer) deliverOne(ctx context.Context, t *deliverTarget) error {
	m := t.m
	if t.orphan && m.Kind == state.KindUpdate {
		// Nothing to update; the content lives in the alert record.
		return d.deliverConfirm(ctx, m, "")
	}
	if t.orphan {
		d.cfg.Logger.Warn("thread reply posted at top level: its alert message does not exist", "message", m.ID, "thread_of", m.ThreadOf)
	}
	if m.Attempts > 0 && m.Kind == state.KindPost {
		ts, found, err := d.deliverFind(ctx, m, t.threadTS)
		if err != nil {
			d.deliverCount("slack.history", "network")
			d.deliverBackoff(m.Channel)
			return err
		}
		if found {
			d.cfg.Logger.Info("message already in Slack; not sent again", "message", m.ID, "ts", ts)
			d.deliverOutcome("deduplicated")
			return d.deliverConfirm(ctx, m, ts)
		}
	}
	read := m.Attempts
	m.Attempts++
	m.Attempted = d.cfg.Now()
	claimed := false
	if err := d.st.Update(ctx, func(tx state.Tx) error {
		claimed = false
		// Claimed in the transaction that counts the attempt: a message
		// another deliverer holds, or attempted since it was read here,
		// is left to it (the next step reads it again, and checks the
		// channel before a resend).
		cur, ok, err := tx.ClaimMessage(m.Seq)
		if err != nil || !ok || cur.ID != m.ID || cur.Attempts != read {
			return err
		}
		claimed = true
		return tx.PutMessage(m)
	}); err != nil {
		if errors.Is(err, state.ErrNotQueued) {
			return nil // replaced by a newer update meanwhile
		}
		return err
	}
	if !claimed {
		d.cfg.Logger.Debug("message claimed by another deliverer; skipped", "message", m.ID)
		return nil
	}
	if !d.cfg.MayPost() {
		// The attempt is counted, so the next sender checks the channel
		// first: harmless, and it cannot double a message.
		d.cfg.Logger.Info("not sending: this replica no longer leads; the message stays queued", "message", m.ID)
		return nil
	}
	ts, err := d.deliverSend(ctx, t, m)
	now := d.cfg.Now()
	d.deliverNextAt[m.Channel] = now.Add(d.cfg.PerChannelInterval)
	if err == nil {
		d.deliverFailures[m.Channel] = 0
		d.deliverOutcome("sent")
		return d.deliverConfirm(ctx, m, ts)
	}
	if ctx.Err() != nil {
		return nil // shutting down; the message stays queued
	}
	return d.deliverFailed(ctx, m, err, now)
}

// Drain delivers until the outbox holds nothing but dead messages, or ctx
// ends; it keeps the per-channel pace. Shutdown and tests use it.
func (d *Deliverer) Drain(ctx context.Context) error {
	for {
		pending := 0
		if err := d.st.View(ctx, func(tx state.Tx) error {
			return tx.Outbox(func(m state.Message) error {
				if !m.Dead {
					pending++
				}
				return nil
			})
		}); err != nil {
			return err
		}
		if pending == 0 {
			return nil
		}
		wait, err := d.deliverStep(ctx)
		if err != nil && ctx.Err() == nil {
			d.cfg.Logger.Warn("alert delivery", "err", err)
		}
		if wait > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			case <-t.C:
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}
