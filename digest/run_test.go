package digest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/wait"
	"scnetbot/state"
)

const at = 9*time.Hour + 30*time.Minute

// runEnv is one store and its regions, with digesters run on a fake clock.
type runEnv struct {
	t     *testing.T
	loc   *time.Location
	clock *fakeClock
	path  string
	st    state.Store
	rs    []*simRegion
}

func newRunEnv(t *testing.T, start string) *runEnv {
	loc := shanghai(t)
	now, err := time.ParseInLocation("2006-01-02 15:04", start, loc)
	if err != nil {
		t.Fatal(err)
	}
	e := &runEnv{t: t, loc: loc, clock: newClock(now), path: storePath(t)}
	e.st = openStore(t, e.path)
	e.rs = newRegions(t, e.clock.Now, "华东一区【昆山】")
	return e
}

func (e *runEnv) digester(st state.Store) *Digester {
	return New(Config{Store: st, Regions: regionSet(e.rs), Channel: "C1", At: at, Location: e.loc,
		Printer: printer("en"), Now: e.clock.Now, Sleep: e.clock.Sleep, RetryEvery: time.Minute, MaxNap: 48 * time.Hour})
}

// run starts d.Run until the test ends or the returned stop is called.
func (e *runEnv) run(d *Digester) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			e.t.Errorf("Run: %v", err)
		}
	}()
	stop = func() { cancel(); <-done }
	e.t.Cleanup(stop)
	return stop
}

func (e *runEnv) at(s string) time.Time {
	e.t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, e.loc)
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// sleeping waits until n loops sleep until s.
func (e *runEnv) sleeping(n int, s string) {
	e.t.Helper()
	until := e.at(s)
	wait.Until(e.t, "digest loops asleep until "+s, func() bool { return e.clock.sleepingUntil(until) == n })
}

func ids(ms []state.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

// TestTwoLoopsQueueOneDigestADay: two digesters on one store (replicas,
// or a loop started twice) started after the day's time queue that day's
// digest once, and the next day's once at its time.
func TestTwoLoopsQueueOneDigestADay(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 10:00")
	e.run(e.digester(e.st))
	e.run(e.digester(e.st))
	e.sleeping(2, "2026-12-03 09:30")
	if got := ids(queued(t, e.st)); len(got) != 1 || got[0] != "digest-2026-12-02" {
		t.Fatalf("outbox after the catch-up: %v, want one digest of 2026-12-02", got)
	}
	if m := queued(t, e.st)[0]; m.Kind != state.KindPost || m.Channel != "C1" || m.Text == "" || len(m.Blocks) == 0 {
		t.Errorf("queued digest: %+v", m)
	}
	if got := digestDay(t, e.st); got != "2026-12-02" {
		t.Errorf("recorded day %q", got)
	}
	e.clock.Set(e.at("2026-12-03 09:30"))
	e.sleeping(2, "2026-12-04 09:30")
	if got := ids(queued(t, e.st)); len(got) != 2 || got[1] != "digest-2026-12-03" {
		t.Fatalf("outbox after the second day: %v, want the two days' digests", got)
	}
}

// TestRestartAfterTheDigestPostsNone: a process restarted the same day
// after its digest was queued queues none, and does not even ask SCNet.
func TestRestartAfterTheDigestPostsNone(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 09:00")
	stop := e.run(e.digester(e.st))
	e.sleeping(1, "2026-12-02 09:30")
	e.clock.Set(e.at("2026-12-02 09:30"))
	e.sleeping(1, "2026-12-03 09:30")
	stop()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}

	e.st = openStore(t, e.path)
	e.rs[0].sim.ResetRequests()
	e.clock.Set(e.at("2026-12-02 11:00"))
	e.run(e.digester(e.st))
	e.sleeping(1, "2026-12-03 09:30")
	if got := ids(queued(t, e.st)); len(got) != 1 {
		t.Errorf("outbox after the restart: %v, want the one digest", got)
	}
	if n := e.rs[0].sim.RequestCount(""); n != 0 {
		t.Errorf("the restarted loop asked SCNet %d times for a digest already queued", n)
	}
}

// TestStartedNextMorningSkipsYesterday: a bot down all through yesterday's
// digest time does not post yesterday's the next morning; it waits for
// today's.
func TestStartedNextMorningSkipsYesterday(t *testing.T) {
	e := newRunEnv(t, "2026-12-03 08:00")
	if err := e.st.Update(context.Background(), func(tx state.Tx) error {
		return tx.PutMeta(state.Meta{DigestDay: "2026-12-01"})
	}); err != nil {
		t.Fatal(err)
	}
	e.run(e.digester(e.st))
	e.sleeping(1, "2026-12-03 09:30")
	if got := ids(queued(t, e.st)); len(got) != 0 {
		t.Fatalf("outbox before the day's time: %v, want nothing", got)
	}
	e.clock.Set(e.at("2026-12-03 09:30"))
	e.sleeping(1, "2026-12-04 09:30")
	if got := ids(queued(t, e.st)); len(got) != 1 || got[0] != "digest-2026-12-03" {
		t.Errorf("outbox: %v, want today's digest only", got)
	}
}

// TestRecordingFailsQueuesNothing: when the transaction that records the
// day fails, the digest is not queued either; it is tried again a minute
// later, the same day, and queued once the store works.
func TestRecordingFailsQueuesNothing(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 10:00")
	fs := &failingStore{Store: e.st, err: errCommit}
	fs.fail.Store(true)
	e.run(e.digester(fs))
	e.sleeping(1, "2026-12-02 10:01")
	if got := ids(queued(t, e.st)); len(got) != 0 {
		t.Fatalf("outbox after a failed commit: %v, want nothing", got)
	}
	if got := digestDay(t, e.st); got != "" {
		t.Errorf("recorded %q after a failed commit", got)
	}
	fs.fail.Store(false)
	e.clock.Set(e.at("2026-12-02 10:01"))
	e.sleeping(1, "2026-12-03 09:30")
	if got := ids(queued(t, e.st)); len(got) != 1 {
		t.Errorf("outbox once the store works: %v, want the digest", got)
	}
}

// TestFencedWritesNothing: a replica whose lease was taken over (the
// fenced store refuses its writes) queues nothing and keeps quiet.
func TestFencedWritesNothing(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 10:00")
	fs := &failingStore{Store: e.st, err: state.ErrFenced}
	fs.fail.Store(true)
	e.run(e.digester(fs))
	e.sleeping(1, "2026-12-02 10:01")
	if got := ids(queued(t, e.st)); len(got) != 0 || digestDay(t, e.st) != "" {
		t.Errorf("a fenced replica wrote: outbox %v, day %q", got, digestDay(t, e.st))
	}
}

// TestPostNowLeavesTheScheduleAlone: a digest asked for by hand goes
// through the outbox and records no day, so the day's digest still comes
// at its time.
func TestPostNowLeavesTheScheduleAlone(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 08:00")
	d := e.digester(e.st)
	if err := d.PostNow(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := queued(t, e.st)
	if len(got) != 1 || !strings.HasPrefix(got[0].ID, "digest-now-") || digestDay(t, e.st) != "" {
		t.Fatalf("PostNow: outbox %v, day %q; want one manual digest and no day", ids(got), digestDay(t, e.st))
	}
	e.run(d)
	e.sleeping(1, "2026-12-02 09:30")
	e.clock.Set(e.at("2026-12-02 09:30"))
	e.sleeping(1, "2026-12-03 09:30")
	if got := ids(queued(t, e.st)); len(got) != 2 || got[1] != "digest-2026-12-02" {
		t.Errorf("outbox: %v, want the manual digest then the day's", got)
	}
}

// TestPostNowReportsAStoreFailure: the demo's command says when nothing
// was queued.
func TestPostNowReportsAStoreFailure(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 08:00")
	fs := &failingStore{Store: e.st, err: errCommit}
	fs.fail.Store(true)
	if err := e.digester(fs).PostNow(context.Background()); !errors.Is(err, errCommit) {
		t.Errorf("PostNow = %v, want the commit's error", err)
	}
	if got := queued(t, e.st); len(got) != 0 {
		t.Errorf("outbox: %v", ids(got))
	}
}

// TestNapsFollowTheWallClock: the wait for the digest's time is taken in
// naps, so a wall clock that jumps ahead (a host resumed from suspend)
// brings the digest at the next nap's end, not a day's timer later.
func TestNapsFollowTheWallClock(t *testing.T) {
	e := newRunEnv(t, "2026-12-02 07:00")
	d := e.digester(e.st)
	d.cfg.MaxNap = time.Hour
	e.run(d)
	e.sleeping(1, "2026-12-02 08:00")
	e.clock.Set(e.at("2026-12-02 08:00"))
	e.sleeping(1, "2026-12-02 09:00")
	e.clock.Set(e.at("2026-12-02 09:00"))
	e.sleeping(1, "2026-12-02 09:30") // the last nap ends at the time
	if got := queued(t, e.st); len(got) != 0 {
		t.Fatalf("queued before the time: %v", ids(got))
	}
	e.clock.Set(e.at("2026-12-02 09:30"))
	e.sleeping(1, "2026-12-02 10:30")
	if got := ids(queued(t, e.st)); len(got) != 1 {
		t.Fatalf("queued %v at the time, want the digest", got)
	}

	// The clock jumps from 10:00 to past the next day's time during a nap.
	e.clock.Set(e.at("2026-12-02 10:00"))
	e.clock.Set(e.at("2026-12-03 09:45"))
	e.sleeping(1, "2026-12-03 10:45")
	if got := ids(queued(t, e.st)); len(got) != 2 || got[1] != "digest-2026-12-03" {
		t.Errorf("after the jump: %v, want the next day's digest at once", got)
	}
}
