package app

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/i18n"
	"scnetbot/internal/pgtest"
	"scnetbot/internal/wait"
	"scnetbot/lease"
	"scnetbot/outbox"
	"scnetbot/state"
)

// TestPausedNoticeOncePerGap: a leader that takes over long after the
// last heartbeat posts one notice of the gap, from the last heartbeat to
// now, and a second takeover without a new gap posts none; a takeover
// within WATCH_INTERVAL + STATE_LEASE_TIMEOUT posts none either.
func TestPausedNoticeOncePerGap(t *testing.T) {
	url := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, err := state.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	l := lease.New(url, lease.Config{Timeout: time.Second})
	lctx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = l.Run(lctx, func(ctx context.Context, _ uint64) { <-ctx.Done() }) })
	defer wg.Wait()
	defer stop()
	wait.Until(t, "the lease", l.Leading)

	cfg := config.Defaults()
	cfg.WatchChannel = "C0ALERTS"
	cfg.WatchInterval.D = time.Minute
	cfg.StateLeaseTimeout.D = 10 * time.Second
	clock := time.Date(2026, 12, 2, 1, 0, 0, 0, time.UTC)
	a := &App{cfg: cfg, log: slog.New(slog.DiscardHandler), pollStore: pg.Fenced(l.Epoch),
		deliv: outbox.New(nil, pg, outbox.Config{}), now: func() time.Time { return clock },
		channelPrinter: i18n.MustLoad().Printer(cfg.Language)}
	notices := func() []state.Message {
		var ms []state.Message
		if err := pg.View(ctx, func(tx state.Tx) error {
			return tx.Outbox(func(m state.Message) error { ms = append(ms, m); return nil })
		}); err != nil {
			t.Fatal(err)
		}
		return ms
	}
	step := func(d time.Duration, resume bool) {
		t.Helper()
		clock = clock.Add(d)
		if err := a.beat(ctx, resume); err != nil {
			t.Fatal(err)
		}
	}
	step(0, true) // the first leader ever: nothing to compare with
	step(a.beatEvery(), false)
	step(a.pausedAfter(), true) // a failover as long as allowed
	if ms := notices(); len(ms) != 0 {
		t.Fatalf("%d notices without a gap: %+v", len(ms), ms)
	}
	last := clock
	step(a.pausedAfter()+time.Second, true) // a gap
	step(0, true)                           // taken again at once: same gap
	ms := notices()
	if len(ms) != 1 {
		t.Fatalf("%d notices for one gap, want 1: %+v", len(ms), ms)
	}
	for _, want := range []string{"paused from " + last.In(cfg.Location).Format("2006-01-02 15:04:05 MST"),
		"to " + clock.In(cfg.Location).Format("2006-01-02 15:04:05 MST"), "state database was unreachable or no replica led", "alerted now"} {
		if !strings.Contains(ms[0].Text, want) {
			t.Errorf("notice %q lacks %q", ms[0].Text, want)
		}
	}
	if ms[0].Channel != "C0ALERTS" {
		t.Errorf("notice goes to %q, want WATCH_CHANNEL", ms[0].Channel)
	}
}
