package digest

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scnetbot/i18n"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
)

// fakeClock is a clock that moves only when a test advances it. Sleep
// blocks until the clock reaches its end, so a Run loop is driven day by
// day without waiting on the wall clock.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []*sleeper
}

type sleeper struct {
	until time.Time
	wake  chan struct{}
}

func newClock(t time.Time) *fakeClock { return &fakeClock{now: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	if d <= 0 {
		c.mu.Unlock()
		return ctx.Err()
	}
	s := &sleeper{until: c.now.Add(d), wake: make(chan struct{})}
	c.waiters = append(c.waiters, s)
	c.mu.Unlock()
	select {
	case <-s.wake:
		return nil
	case <-ctx.Done():
		c.mu.Lock()
		c.waiters = slices.DeleteFunc(c.waiters, func(x *sleeper) bool { return x == s })
		c.mu.Unlock()
		return ctx.Err()
	}
}

// Set moves the clock to t and wakes the sleepers whose end it reached.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
	c.waiters = slices.DeleteFunc(c.waiters, func(s *sleeper) bool {
		if !s.until.After(t) {
			close(s.wake)
			return true
		}
		return false
	})
}

// sleepingUntil counts the sleepers waiting for t.
func (c *fakeClock) sleepingUntil(t time.Time) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, s := range c.waiters {
		if s.until.Equal(t) {
			n++
		}
	}
	return n
}

// noSleep is the Sleep of tests that do not run the schedule: a retry is
// tried at once, and the waits are counted.
type noSleep struct{ n atomic.Int32 }

func (s *noSleep) Sleep(ctx context.Context, _ time.Duration) error {
	s.n.Add(1)
	return ctx.Err()
}

// shanghai is DISPLAY_TIMEZONE in these tests.
func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// simRegion is one simulated SCNet region.
type simRegion struct {
	sim    *scnettest.Server
	region *regions.Region
}

// newRegions starts one simulator per name, with no instances, on clock.
func newRegions(t testing.TB, now func() time.Time, names ...string) []*simRegion {
	t.Helper()
	var out []*simRegion
	for i, name := range names {
		sim := scnettest.New(scnettest.WithClock(now), scnettest.WithInstances(0, 1),
			scnettest.WithTokenLifetime(10*365*24*time.Hour))
		t.Cleanup(sim.Close)
		c, err := scnet.New(sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(sim.Token())),
			scnet.WithRetry(1, time.Millisecond), scnet.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, &simRegion{sim: sim, region: &regions.Region{ID: "r" + string(rune('1'+i)), Name: name, Client: c}})
	}
	return out
}

func regionSet(rs []*simRegion) *regions.Set {
	var list []*regions.Region
	for _, r := range rs {
		list = append(list, r.region)
	}
	return regions.Fixed(list...)
}

func openStore(t testing.TB, path string) *state.Bolt {
	t.Helper()
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

func storePath(t testing.TB) string { return filepath.Join(t.TempDir(), "state.db") }

func queued(t testing.TB, st state.Store) []state.Message {
	t.Helper()
	var ms []state.Message
	if err := st.View(context.Background(), func(tx state.Tx) error {
		ms = nil
		return tx.Outbox(func(m state.Message) error { ms = append(ms, m); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	return ms
}

func digestDay(t testing.TB, st state.Store) string {
	t.Helper()
	var day string
	if err := st.View(context.Background(), func(tx state.Tx) error {
		m, err := tx.Meta()
		day = m.DigestDay
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return day
}

func printer(l i18n.Lang) *i18n.Printer { return i18n.MustLoad().Printer(l) }

// failingStore commits nothing while fail is set: fn runs, then the
// transaction is rolled back with err, as a commit that fails would.
type failingStore struct {
	state.Store
	fail atomic.Bool
	err  error
}

func (f *failingStore) Update(ctx context.Context, fn func(state.Tx) error) error {
	return f.Store.Update(ctx, func(tx state.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if f.fail.Load() {
			return f.err
		}
		return nil
	})
}

var errCommit = errors.New("commit failed: disk full")

// failingRegions is a region discovery that never succeeds.
type failingRegions struct{}

func (failingRegions) Regions(context.Context) ([]*regions.Region, []regions.Suspended, error) {
	return nil, nil, errors.New("SCNet's login endpoint is down")
}
