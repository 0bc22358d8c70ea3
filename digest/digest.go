package digest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"scnetbot/i18n"
	"scnetbot/regions"
	"scnetbot/retry"
	"scnetbot/state"
)

// DefaultExpiryWarn is how close to its time limit an instance is listed
// when WATCH_EXPIRY_WARN is not set.
const DefaultExpiryWarn = 24 * time.Hour

// Regions is where the digest finds the regions to ask SCNet in;
// *regions.Set is the real one.
type Regions interface {
	Regions(ctx context.Context) ([]*regions.Region, []regions.Suspended, error)
}

// Config is what a Digester needs. Zero values take the defaults noted.
type Config struct {
	// Store is the root of the state store: with PostgreSQL the leader's
	// fenced store (state.Postgres.Fenced), so a replica that lost the
	// lease records and queues nothing.
	Store state.Store
	// Regions are the regions whose SCNet is asked and whose snoozes are
	// read.
	Regions Regions
	// Channel is where the digest goes (config.DigestTarget).
	Channel string
	// At is the time of day of the digest after midnight in Location
	// (config.Digest); Location is DISPLAY_TIMEZONE (default UTC).
	At       time.Duration
	Location *time.Location
	// Printer writes the digest: BOT_LANGUAGE's (default English).
	Printer *i18n.Printer
	// ExpiryWarn is WATCH_EXPIRY_WARN; 0 lists the instances within
	// DefaultExpiryWarn of their limit, and says so.
	ExpiryWarn time.Duration
	// Kick tells the outbox something was queued (outbox.Deliverer.Kick);
	// nil: the outbox finds it at its next rescan.
	Kick func()
	// Now and Sleep are the clock (default time.Now and a timer). Sleep
	// returns early with ctx's error.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Logger may be nil, which discards.
	Logger *slog.Logger
	// SCNetTimeout bounds what one region's SCNet may take (default 1m),
	// RetryDelay the wait before its one retry (default 5s): a region
	// still failing then is named in the digest, which goes out without
	// its numbers rather than late.
	SCNetTimeout, RetryDelay time.Duration
	// MaxInstances bounds the newest instances read per region besides the
	// running ones (default 2000).
	MaxInstances int
	// TopUsers is how many users the GPU-hours list names (default 5).
	TopUsers int
	// RetryEvery is the wait after a digest could not be queued (the
	// store failed) before it is tried again, the same day only
	// (default 1m).
	RetryEvery time.Duration
	// MaxNap is the longest one wait for the digest's time (default
	// 10m): how late a wall clock that jumped can make it.
	MaxNap time.Duration
}

// Digester posts the daily digest. Build it with New; run Run once, and
// PostNow whenever someone asks.
type Digester struct {
	cfg Config
}

// New builds a digester.
func New(cfg Config) *Digester {
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Printer == nil {
		cfg.Printer = i18n.EnglishPrinter()
	}
	if cfg.Kick == nil {
		cfg.Kick = func() {}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = retry.Sleep
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SCNetTimeout <= 0 {
		cfg.SCNetTimeout = time.Minute
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 5 * time.Second
	}
	if cfg.MaxInstances <= 0 {
		cfg.MaxInstances = 2000
	}
	if cfg.TopUsers <= 0 {
		cfg.TopUsers = 5
	}
	if cfg.RetryEvery <= 0 {
		cfg.RetryEvery = time.Minute
	}
	if cfg.MaxNap <= 0 {
		cfg.MaxNap = 10 * time.Minute
	}
	return &Digester{cfg: cfg}
}

// Run posts each day's digest at its time until ctx ends. Started after
// the day's time (the bot was down then), it posts that day's digest at
// once unless it was already queued; never an earlier day's. With
// PostgreSQL, run it while this replica leads.
func (d *Digester) Run(ctx context.Context) error {
	failing := false
	for {
		done, err := d.recorded(ctx)
		if err == nil {
			now := d.cfg.Now()
			when, day := next(now, d.cfg.At, d.cfg.Location, done)
			if wait := when.Sub(now); wait > 0 {
				// In naps, each ending with the clock and the store read
				// again: a timer runs on the monotonic clock, which a
				// suspended host or a stepped wall clock leaves behind.
				if d.cfg.Sleep(ctx, min(wait, d.cfg.MaxNap)) != nil {
					return nil
				}
				continue
			}
			err = d.post(ctx, day, true)
		}
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			if failing {
				d.cfg.Logger.Info("digest queued again after failures")
			}
			failing = false
			continue
		}
		switch {
		case errors.Is(err, state.ErrFenced):
			// Another replica leads and posts it; the app stops this
			// loop as its lease says so.
			d.cfg.Logger.Info("digest not queued: another replica leads", "err", err)
		case !failing:
			d.cfg.Logger.Error("digest not queued; trying again the same day", "err", err, "retry_in", d.cfg.RetryEvery)
		}
		failing = true
		if d.cfg.Sleep(ctx, d.cfg.RetryEvery) != nil {
			return nil
		}
	}
}

// PostNow queues a digest of the last 24 hours now, for the demo's and an
// operator's "digest". It goes through the outbox like the daily one but
// records no day: asking for a digest must not cancel the one due later
// today.
func (d *Digester) PostNow(ctx context.Context) error {
	return d.post(ctx, d.cfg.Now().In(d.cfg.Location).Format(dayLayout), false)
}

// recorded is the last day whose digest was queued.
func (d *Digester) recorded(ctx context.Context) (string, error) {
	var day string
	err := d.cfg.Store.View(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		day = m.DigestDay
		return err
	})
	if err != nil {
		return "", fmt.Errorf("digest: read the day last posted: %w", err)
	}
	return day, nil
}

// post gathers, renders and queues one digest. With record, it is queued
// only if day is not recorded yet, and day is recorded in the same
// transaction: whoever commits first posts it, the others find it done.
func (d *Digester) post(ctx context.Context, day string, record bool) error {
	if record {
		// Gathering asks SCNet in every region: not for a day already done.
		if done, err := d.recorded(ctx); err != nil || done == day {
			return err
		}
	}
	r, err := d.gather(ctx, day)
	if err != nil {
		return err
	}
	text, blocks := Render(d.cfg.Printer, r, d.cfg.Location)
	now := d.cfg.Now()
	id := "digest-" + day
	if !record {
		id = "digest-now-" + strconv.FormatInt(now.UnixMilli(), 36)
	}
	queued := false
	err = d.cfg.Store.Update(ctx, func(tx state.Tx) error {
		queued = false // an attempt may run again
		if record {
			m, err := tx.Meta()
			if err != nil {
				return err
			}
			if m.DigestDay == day {
				return nil
			}
			m.DigestDay = day
			if err := tx.PutMeta(m); err != nil {
				return err
			}
		}
		if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id, Channel: d.cfg.Channel,
			Text: text, Blocks: blocks, Created: now}); err != nil {
			return err
		}
		queued = true
		return nil
	})
	if err != nil {
		return fmt.Errorf("queue the digest of %s: %w", day, err)
	}
	if queued {
		d.cfg.Logger.Info("digest queued", "day", day, "channel", d.cfg.Channel, "scheduled", record)
		d.cfg.Kick()
	}
	return nil
}
