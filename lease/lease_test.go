package lease

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"scnetbot/internal/wait"
	"scnetbot/metrics"
)

// testTimeout is the lease timeout in tests: short, so takeovers are quick,
// yet with room for a busy machine under -race inside its Timeout/4 pings.
const testTimeout = time.Second

// replica is one Lease run the way the bot runs it, recording what its
// lead function saw.
type replica struct {
	name string
	l    *Lease
	m    *metrics.Metrics

	mu        sync.Mutex
	epochs    []uint64 // every epoch lead was called with
	active    bool     // lead is running
	cancelled int      // lead calls whose context was cancelled
	onLead    func(epoch uint64)

	stop   context.CancelFunc
	runErr chan error
}

// startReplica runs a lease named name against dbURL until stopped or t ends.
// setup, if not nil, adjusts the Lease before Run starts.
func startReplica(t testing.TB, dbURL, name string, timeout time.Duration, setup func(*replica)) *replica {
	t.Helper()
	m := metrics.New()
	r := &replica{name: name, m: m, runErr: make(chan error, 1)}
	r.l = New(dbURL, Config{Holder: name, Timeout: timeout, Metrics: m, Logger: testLogger(t)})
	if setup != nil {
		setup(r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.runErr <- r.l.Run(ctx, r.lead) }()
	t.Cleanup(func() { r.halt(t) })
	return r
}

// testLogger logs through t, so a failing test shows what the leases did.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

func (r *replica) lead(ctx context.Context, epoch uint64) {
	r.mu.Lock()
	r.epochs = append(r.epochs, epoch)
	r.active = true
	hook := r.onLead
	r.mu.Unlock()
	if hook != nil {
		hook(epoch)
	}
	<-ctx.Done()
	r.mu.Lock()
	r.active = false
	r.cancelled++
	r.mu.Unlock()
}

// halt stops Run and checks it returned nil. Calls after the first do
// nothing.
func (r *replica) halt(t testing.TB) {
	t.Helper()
	if r.stop == nil {
		return
	}
	r.stop()
	r.stop = nil
	select {
	case err := <-r.runErr:
		if err != nil {
			t.Errorf("%s: Run = %v, want nil once its context ends", r.name, err)
		}
	case <-time.After(wait.Timeout):
		t.Errorf("%s: Run did not return after its context ended", r.name)
	}
}

func (r *replica) leading() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.active
}

func (r *replica) led() []uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]uint64(nil), r.epochs...)
}

// lastPing is when l's last successful ping was sent.
func lastPing(l *Lease) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lastOK
}

// leaseRow reads the lease row.
func leaseRow(t testing.TB, db *pgx.Conn) (epoch int64, holder string) {
	t.Helper()
	if err := db.QueryRow(context.Background(), "SELECT epoch, holder FROM scnetbot_lease WHERE id = 1").Scan(&epoch, &holder); err != nil {
		t.Fatalf("read lease row: %v", err)
	}
	return epoch, holder
}

// terminate kills name's lease session from the server side, as an
// administrator or a failing network path would, and reports how many
// backends it ended.
func terminate(t testing.TB, db *pgx.Conn, name string) int {
	t.Helper()
	var n int
	err := db.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, "scnetbot lease "+name).Scan(&n)
	if err != nil {
		t.Fatalf("terminate %s's session: %v", name, err)
	}
	return n
}

// sessions counts name's lease sessions.
func sessions(t testing.TB, db *pgx.Conn, name string) int {
	t.Helper()
	var n int
	err := db.QueryRow(context.Background(), `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = $1`, "scnetbot lease "+name).Scan(&n)
	if err != nil {
		t.Fatalf("count %s's sessions: %v", name, err)
	}
	return n
}

// onlyOne waits until exactly one of rs leads and returns it and the rest.
func onlyOne(t testing.TB, rs ...*replica) (leader *replica, others []*replica) {
	t.Helper()
	wait.Until(t, "one replica leading", func() bool {
		n := 0
		for _, r := range rs {
			if r.leading() {
				n++
			}
		}
		return n >= 1
	})
	for _, r := range rs {
		if r.leading() && leader == nil {
			leader = r
		} else {
			others = append(others, r)
		}
	}
	for _, o := range others {
		if o.leading() || o.l.Leading() {
			t.Fatalf("%s and %s both lead", leader.name, o.name)
		}
	}
	return leader, others
}

func TestOneOfTwoLeads(t *testing.T) {
	dbURL := freshDB(t)
	db := connect(t, dbURL)
	a := startReplica(t, dbURL, "a", testTimeout, nil)
	b := startReplica(t, dbURL, "b", testTimeout, nil)
	leader, others := onlyOne(t, a, b)
	follower := others[0]

	// The follower keeps campaigning, and keeps failing, while the leader
	// holds the lock: give it several campaign intervals.
	wait.Until(t, "the follower to campaign", func() bool { return sessions(t, db, follower.name) == 1 })
	for range 4 {
		prev := lastPing(leader.l)
		wait.Until(t, "the leader's next ping", func() bool { return lastPing(leader.l).After(prev) })
		if follower.leading() || follower.l.Leading() || len(follower.led()) != 0 {
			t.Fatalf("%s leads while %s holds the lease", follower.name, leader.name)
		}
	}

	epoch, valid := leader.l.Epoch()
	if !valid || epoch != 1 || !leader.l.Leading() {
		t.Errorf("leader Epoch() = %d, %v; want 1, valid", epoch, valid)
	}
	if e, v := follower.l.Epoch(); v || e != 0 {
		t.Errorf("follower Epoch() = %d, %v; want 0, invalid", e, v)
	}
	if e, h := leaseRow(t, db); e != 1 || h != leader.name {
		t.Errorf("lease row = epoch %d holder %q, want 1 %q", e, h, leader.name)
	}
	if got := leader.led(); len(got) != 1 || got[0] != 1 {
		t.Errorf("lead called with %v, want [1]", got)
	}
	lm, fm := leader.m, follower.m
	if testutil.ToFloat64(lm.Leader) != 1 || testutil.ToFloat64(lm.LeaderEpoch) != 1 || testutil.ToFloat64(lm.LeaderTakeovers) != 1 {
		t.Errorf("leader metrics: leader %v epoch %v takeovers %v", testutil.ToFloat64(lm.Leader), testutil.ToFloat64(lm.LeaderEpoch), testutil.ToFloat64(lm.LeaderTakeovers))
	}
	if testutil.ToFloat64(fm.Leader) != 0 || testutil.ToFloat64(fm.LeaderTakeovers) != 0 {
		t.Errorf("follower metrics: leader %v takeovers %v", testutil.ToFloat64(fm.Leader), testutil.ToFloat64(fm.LeaderTakeovers))
	}
}

// Each takeover, by any replica, takes the next epoch; a replica that stops
// releases the lease at once.
func TestEpochGrowsByOnePerTakeover(t *testing.T) {
	dbURL := freshDB(t)
	db := connect(t, dbURL)
	rs := []*replica{startReplica(t, dbURL, "r0", testTimeout, nil)}
	wait.Until(t, "r0 leading", rs[0].leading)
	for i := 1; i <= 4; i++ {
		next := startReplica(t, dbURL, fmt.Sprintf("r%d", i), testTimeout, nil)
		wait.Until(t, next.name+" campaigning", func() bool { return sessions(t, db, next.name) == 1 })
		old := rs[len(rs)-1]
		old.halt(t)
		if old.leading() || old.l.Leading() {
			t.Fatalf("%s still leads after Run returned", old.name)
		}
		wait.Until(t, next.name+" leading", next.leading)
		want := uint64(i + 1)
		if got := next.led(); len(got) != 1 || got[0] != want {
			t.Fatalf("%s led with epochs %v, want [%d]", next.name, got, want)
		}
		if e, ok := next.l.Epoch(); e != want || !ok {
			t.Errorf("%s Epoch() = %d, %v; want %d, valid", next.name, e, ok, want)
		}
		if e, h := leaseRow(t, db); e != int64(want) || h != next.name {
			t.Errorf("lease row = epoch %d holder %q, want %d %q", e, h, want, next.name)
		}
		if old.cancelled != 1 {
			t.Errorf("%s's lead context was cancelled %d times, want 1", old.name, old.cancelled)
		}
		rs = append(rs, next)
	}
}

func TestTerminatedSessionStepsDown(t *testing.T) {
	dbURL := freshDB(t)
	db := connect(t, dbURL)
	a := startReplica(t, dbURL, "a", testTimeout, nil)
	wait.Until(t, "a leading", a.leading)
	b := startReplica(t, dbURL, "b", testTimeout, nil)
	wait.Until(t, "b campaigning", func() bool { return sessions(t, db, "b") == 1 })

	if n := terminate(t, db, "a"); n != 1 {
		t.Fatalf("terminated %d sessions of a, want 1", n)
	}
	wait.Until(t, "a stepping down", func() bool { return !a.leading() })
	wait.Until(t, "b leading", b.leading)
	if got := b.led(); len(got) != 1 || got[0] != 2 {
		t.Errorf("b led with epochs %v, want [2]", got)
	}
	if a.l.Leading() {
		t.Error("a still reports leading")
	}
	if e, h := leaseRow(t, db); e != 2 || h != "b" {
		t.Errorf("lease row = epoch %d holder %q, want 2 b", e, h)
	}
	// a campaigns again and, once b goes, leads with the next epoch.
	wait.Until(t, "a campaigning again", func() bool { return sessions(t, db, "a") == 1 })
	b.halt(t)
	wait.Until(t, "a leading again", a.leading)
	if got := a.led(); len(got) != 2 || got[1] != 3 {
		t.Errorf("a led with epochs %v, want [1 3]", got)
	}
}

// A lead function that returns by itself has stopped doing the leader's
// work, so the lease goes to a replica that will.
func TestLeadReturningReleasesTheLease(t *testing.T) {
	dbURL := freshDB(t)
	db := connect(t, dbURL)
	quit := make(chan struct{})
	a := New(dbURL, Config{Holder: "a", Timeout: testTimeout})
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	var calls sync.Map
	go func() {
		runErr <- a.Run(ctx, func(lctx context.Context, epoch uint64) {
			calls.Store(epoch, true)
			select {
			case <-quit:
			case <-lctx.Done():
			}
		})
	}()
	defer func() {
		cancel()
		if err := <-runErr; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	wait.Until(t, "a leading", a.Leading)
	b := startReplica(t, dbURL, "b", testTimeout, nil)
	wait.Until(t, "b campaigning", func() bool { return sessions(t, db, "b") == 1 })
	close(quit)
	wait.Until(t, "b leading", b.leading)
	if a.Leading() {
		t.Error("a still reports leading after its lead returned")
	}
	if got := b.led(); len(got) != 1 || got[0] != 2 {
		t.Errorf("b led with %v, want [2]", got)
	}
}

// A leader frozen in place (its pings stop, as under SIGSTOP, while its
// lead function would still run) loses the lease through
// idle_session_timeout, and its Epoch turns invalid before the other
// replica leads.
func TestFrozenLeaderLosesLease(t *testing.T) {
	dbURL := freshDB(t)
	db := connect(t, dbURL)
	const timeout = 2 * time.Second
	var (
		fmu      sync.Mutex
		frozen   bool
		thaw     = make(chan struct{})
		frozenAt time.Time
	)
	a := startReplica(t, dbURL, "a", timeout, func(r *replica) {
		r.l.beforePing = func() {
			fmu.Lock()
			f := frozen
			if f && frozenAt.IsZero() {
				frozenAt = time.Now()
			}
			fmu.Unlock()
			if f {
				<-thaw
			}
		}
	})
	wait.Until(t, "a leading", a.leading)

	var (
		atTakeover struct {
			valid bool
			at    time.Time
		}
		took = make(chan struct{})
	)
	b := startReplica(t, dbURL, "b", timeout, func(r *replica) {
		r.onLead = func(uint64) {
			_, atTakeover.valid = a.l.Epoch()
			atTakeover.at = time.Now()
			close(took)
		}
	})
	wait.Until(t, "b campaigning", func() bool { return sessions(t, db, "b") == 1 })

	fmu.Lock()
	frozen = true
	fmu.Unlock()
	wait.Until(t, "a's ping loop to freeze", func() bool {
		fmu.Lock()
		defer fmu.Unlock()
		return !frozenAt.IsZero()
	})
	wait.Until(t, "a's Epoch to turn invalid", func() bool { return !a.l.Leading() })
	if !a.leading() {
		t.Fatal("a's lead was stopped although its ping loop is frozen: the test froze nothing")
	}
	// The spec's bound is Timeout + one campaign interval from the freeze;
	// one more Timeout of slack keeps a busy CI machine from failing it,
	// while a session without idle_session_timeout = Timeout still fails.
	interval := timeout / 4
	select {
	case <-took:
	case <-time.After(2*timeout + interval):
		t.Fatalf("b did not take over from the frozen a within %v", 2*timeout+interval)
	}
	if atTakeover.valid {
		t.Error("a's Epoch was still valid when b took the lease")
	}
	t.Logf("b led %v after a's pings froze (spec bound: Timeout + one campaign interval = %v)",
		atTakeover.at.Sub(frozenAt), timeout+interval)
	if e, h := leaseRow(t, db); e != 2 || h != "b" {
		t.Errorf("lease row = epoch %d holder %q, want 2 b", e, h)
	}

	// Thawed, a finds its session gone and stops its lead function.
	close(thaw)
	wait.Until(t, "a stepping down after the thaw", func() bool { return !a.leading() })
	if !b.leading() || !b.l.Leading() {
		t.Error("b stopped leading when a thawed")
	}
}

// The session the lease runs on ends itself after Timeout of silence: this
// is what frees the lease of a frozen leader.
func TestSessionHasIdleTimeout(t *testing.T) {
	dbURL := freshDB(t)
	l := New(dbURL, Config{Timeout: 1500 * time.Millisecond})
	pgcfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := l.connect(ctx, pgcfg)
	if err != nil {
		t.Fatal(err)
	}
	defer closeConn(conn)
	var got string
	if err := conn.QueryRow(ctx, "SHOW idle_session_timeout").Scan(&got); err != nil {
		t.Fatal(err)
	}
	if got != "1500ms" {
		t.Errorf("idle_session_timeout = %s, want 1500ms", got)
	}
}

func TestRunRefusesABadAddress(t *testing.T) {
	l := New("postgres://bot:hunter2@[::1/db", Config{})
	err := l.Run(context.Background(), func(context.Context, uint64) { t.Error("lead called") })
	if err == nil {
		t.Fatal("Run accepted an address that does not parse")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestDefaults(t *testing.T) {
	l := New("postgres://x", Config{})
	if l.cfg.Key != DefaultKey || l.cfg.Timeout != DefaultTimeout || l.cfg.Holder == "" || l.cfg.Now == nil {
		t.Errorf("defaults = %+v", l.cfg)
	}
	if e, v := l.Epoch(); e != 0 || v || l.Leading() {
		t.Errorf("before Run: Epoch() = %d, %v; Leading() = %v", e, v, l.Leading())
	}
}

// Epoch's validity runs out Timeout/2 after the last successful ping, by
// the clock it was given.
func TestEpochValidity(t *testing.T) {
	now := time.Unix(1000, 0)
	l := New("postgres://x", Config{Timeout: 4 * time.Second, Now: func() time.Time { return now }})
	l.lead(7, now)
	for _, tc := range []struct {
		after time.Duration
		valid bool
	}{{0, true}, {time.Second, true}, {2*time.Second - time.Nanosecond, true}, {2 * time.Second, false}, {time.Hour, false}} {
		now = time.Unix(1000, 0).Add(tc.after)
		if e, v := l.Epoch(); e != 7 || v != tc.valid {
			t.Errorf("%v after the last ping: Epoch() = %d, %v; want 7, %v", tc.after, e, v, tc.valid)
		}
	}
	now = time.Unix(1000, 0).Add(time.Hour)
	l.pinged(now)
	if !l.Leading() {
		t.Error("a fresh ping did not make the epoch valid again")
	}
	l.follow()
	if e, v := l.Epoch(); e != 7 || v {
		t.Errorf("after stepping down: Epoch() = %d, %v; want 7, invalid", e, v)
	}
}
