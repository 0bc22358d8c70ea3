package watcher

import (
	"context"
	"iter"
	"log/slog"
	"slices"
	"time"

	"scnetbot/metrics"
	"scnetbot/scnet"
	"scnetbot/state"
)

// Lister is the part of the SCNet client the watcher uses. *scnet.Client
// implements it.
type Lister interface {
	ListInstances(ctx context.Context, opts scnet.ListOptions) (*scnet.Page, error)
	All(ctx context.Context, opts scnet.ListOptions) iter.Seq2[scnet.Instance, error]
	// Instance returns scnet.ErrNotFound when the instance is gone.
	Instance(ctx context.Context, id string) (*scnet.Instance, error)
}

// Config is what the watcher needs besides SCNet and the store. Zero values
// take the defaults documented on each field.
type Config struct {
	// Region is the id of the SCNet region this watcher polls (SCNet's
	// clusterId or center id). It keys the watcher's part of the store
	// (state.Namespace) and tags its alert and message ids, so they are
	// unique across regions. "" is the one-region layout: the store's
	// root and untagged ids.
	Region string
	// RegionName is the region's name as SCNet gives it ("西北一区"); the
	// outage notice, its recovery and the token warning name it.
	RegionName string
	// Channel is the Slack channel id alerts go to: the region's own
	// channel when WATCH_ROUTES routes it.
	Channel string
	// Interval between polls (default 60s).
	Interval time.Duration
	// Statuses raise an alert when an instance moves into them (default
	// Failed, Terminated).
	Statuses []scnet.Status
	// OutageAfter is how long polls must fail before one "SCNet
	// unreachable" notice is posted (default 5m; negative: at the first
	// failed poll).
	OutageAfter time.Duration
	// StormThreshold: more new incidents than this in one poll are posted as
	// one summary (default 5).
	StormThreshold int
	// TokenExpiry returns when the static SCNet token expires; false when
	// unknown or when tokens renew themselves. May be nil.
	TokenExpiry func() (time.Time, bool)
	// AccountStore is the store's root (not the region's Namespace), where
	// the one account warning of all regions is recorded: a poll refused
	// with code 10007 (user frozen) raises or joins it there. Nil: such a
	// poll is only logged.
	AccountStore state.Store
	// AccountChannel is where the account warning goes (WATCH_CHANNEL);
	// "" means Channel.
	AccountChannel string
	// Render writes the messages the watcher queues (alerts.Renderer).
	// Required.
	Render Renderer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger may be nil, which discards, as in every scnetbot package: the
	// app passes its own.
	Logger *slog.Logger
	// Metrics may be nil.
	Metrics *metrics.Metrics
	// PollStore is the store the polls write through (the store's root,
	// namespaced like the watcher's store): with several replicas, the
	// leader's fenced store (state.Postgres.Fenced), so a poll of a
	// replica that lost the lease writes nothing. The user-initiated
	// writes (Ack, Snooze, Resolve, RecordAction) go through the
	// watcher's own store, since any replica may make them. Nil: the
	// watcher's store.
	PollStore state.Store
	// Shared says the store is shared with other replicas (STATE_URL):
	// memory is then a cache and the store the truth. Each poll reloads
	// the tracked instances and snoozes, and Ack, Snooze, Unsnooze,
	// Resolve, RecordAction, Current and Health read what they need from
	// the store rather than from this process's memory, so a click on a
	// follower acts on the leader's latest state and the leader's next
	// poll sees it. Readiness then accepts the leader's polls (the
	// region's LastSuccess in the store's meta) as this replica's own.
	Shared bool
	// Notify is called after the watcher changed what it keeps: messages
	// queued, an alert acknowledged or resolved, a snooze set or lifted. The
	// app wires it to outbox.Deliverer.Kick, so queued messages go out
	// without waiting for its next scan, and to the Home tabs, which look
	// again.
	Notify func()

	// PageSize is the page size for the alert statuses' newest pages
	// (default 50).
	PageSize int
	// MaxRecentPages caps how many newest pages of each alert status one
	// poll reads (default 20).
	MaxRecentPages int
	// Skew is how far back before the last successful poll the newest
	// pages are read and an untracked failure counts as new, for SCNet's
	// clock running behind (default 10m; WATCH_CLOCK_SKEW).
	Skew time.Duration
	// Lookups bounds concurrent detail lookups (default 3, what SCNet's
	// own clients use).
	Lookups int
	// FollowUps bounds how many alerted instances in a terminal status are
	// looked up per poll to notice their deletion (default 20), each at most
	// once per FollowUpEvery (default 10m), for FollowUpFor after the alert
	// (default 24h).
	FollowUps     int
	FollowUpEvery time.Duration
	FollowUpFor   time.Duration
	// Retain is how long an instance in a terminal status without an open
	// incident stays tracked (default 24h, at least twice Skew). It must
	// exceed Skew plus the longest expected outage, or an old failure could
	// look new again. An instance in an alert status whose times SCNet does
	// not give stays tracked past it and is looked up once per Retain until
	// it is gone.
	Retain time.Duration
	// AlertRetention is how long alert records are kept for their buttons
	// and threads (default 30 days); older ones are deleted.
	AlertRetention time.Duration

	// EscalateAfter is how long an open alert may stay unacknowledged
	// before one reply in its thread mentions EscalateMention
	// (WATCH_ESCALATE_AFTER). Zero or negative, or no mention: off.
	EscalateAfter time.Duration
	// EscalateMention is whom the escalation mentions: a user id (U…,
	// W…), a user group id (S…), "here" or "channel".
	EscalateMention string
	// FlapWindow is how soon after its incident closed an instance that
	// fails again reopens that incident instead of raising a new alert
	// (WATCH_FLAP_WINDOW, whose default of 30m the app passes). Zero or
	// negative: off, every failure is a new alert.
	FlapWindow time.Duration
	// ExpiryWarn: a live instance whose time left (SCNet's remainingTime,
	// or its timeoutLimit less its run time) falls below it gets one
	// warning (WATCH_EXPIRY_WARN). Zero or negative: off.
	ExpiryWarn time.Duration
}

func (c Config) withDefaults() Config {
	if len(c.Statuses) == 0 {
		c.Statuses = []scnet.Status{scnet.StatusFailed, scnet.StatusTerminated}
	}
	c.Statuses = slices.Clone(c.Statuses)
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Region != "" {
		// Every line of a region's watcher says which region it is about.
		c.Logger = c.Logger.With("region", c.RegionName, "region_id", c.Region)
	}
	if c.Notify == nil {
		c.Notify = func() {}
	}
	positive(&c.Interval, time.Minute)
	if c.OutageAfter == 0 {
		c.OutageAfter = 5 * time.Minute
	}
	positive(&c.StormThreshold, 5)
	positive(&c.PageSize, 50)
	positive(&c.MaxRecentPages, 20)
	positive(&c.Skew, 10*time.Minute)
	positive(&c.Lookups, 3)
	positive(&c.FollowUps, 20)
	positive(&c.FollowUpEvery, 10*time.Minute)
	positive(&c.FollowUpFor, 24*time.Hour)
	positive(&c.Retain, 24*time.Hour)
	positive(&c.AlertRetention, 30*24*time.Hour)
	// A forgotten failure must be too old for Skew to make it news again;
	// twice Skew leaves room for the poll interval and SCNet's clock.
	c.Retain = max(c.Retain, 2*c.Skew)
	return c
}

// positive replaces a zero or negative setting with its default.
func positive[T int | time.Duration](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// liveStatuses are read in full every poll: they are the instances that can
// still change on their own, so the cost follows them and not history.
func liveStatuses() []scnet.Status {
	return []scnet.Status{scnet.StatusWaiting, scnet.StatusDeploying, scnet.StatusRunning}
}

func (w *Watcher) alerting(s scnet.Status) bool { return slices.Contains(w.cfg.Statuses, s) }
