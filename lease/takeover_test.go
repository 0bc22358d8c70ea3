package lease

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"scnetbot/internal/wait"
)

// TestTakeoverTime measures how long the lease takes to change hands when
// the leader's session is killed: from pg_terminate_backend returning to the
// other replica's lead callback. It asserts nothing about speed; it prints
// the median and the maximum. LEASE_TAKEOVER_RUNS sets the runs (default 3)
// and LEASE_TAKEOVER_TIMEOUT the lease timeout (default 1s; the production
// default is 10s), e.g.
//
//	LEASE_TAKEOVER_RUNS=20 LEASE_TAKEOVER_TIMEOUT=10s go test -run TestTakeoverTime -v ./lease
func TestTakeoverTime(t *testing.T) {
	if testing.Short() {
		t.Skip("a measurement, not a check")
	}
	dbURL := freshDB(t)
	db := connect(t, dbURL)
	runs := 3
	if v := os.Getenv("LEASE_TAKEOVER_RUNS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("LEASE_TAKEOVER_RUNS=%q: want a positive count", v)
		}
		runs = n
	}
	timeout := testTimeout
	if v := os.Getenv("LEASE_TAKEOVER_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			t.Fatalf("LEASE_TAKEOVER_TIMEOUT=%q: want a duration", v)
		}
		timeout = d
	}

	took := make(chan time.Time, runs+1)
	start := func(name string) *replica {
		return startReplica(t, dbURL, name, timeout, func(r *replica) {
			r.onLead = func(uint64) { took <- time.Now() }
		})
	}
	leader := start("r0")
	<-took
	var times []time.Duration
	for i := 1; i <= runs; i++ {
		// A fresh follower each run, and the kill at a random point of its
		// campaign interval, as a crash would fall.
		follower := start(fmt.Sprintf("r%d", i))
		wait.Until(t, follower.name+" campaigning", func() bool { return sessions(t, db, follower.name) == 1 })
		time.Sleep(rand.N(timeout / 4))
		if n := terminate(t, db, leader.name); n != 1 {
			t.Fatalf("terminated %d sessions of %s, want 1", n, leader.name)
		}
		killed := time.Now()
		var at time.Time
		select {
		case at = <-took:
		case <-time.After(timeout + wait.Timeout):
			t.Fatalf("run %d: nobody took over", i)
		}
		if !follower.leading() {
			t.Fatalf("run %d: %s took the lease back instead of %s", i, leader.name, follower.name)
		}
		times = append(times, at.Sub(killed))
		leader.halt(t)
		leader = follower
	}
	slices.Sort(times)
	median := times[len(times)/2]
	if len(times)%2 == 0 {
		median = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	t.Logf("takeover after the leader's session was killed, lease timeout %v (campaign every %v), %d runs: median %v, max %v, min %v",
		timeout, timeout/4, runs, median.Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), times[0].Round(time.Millisecond))
}
