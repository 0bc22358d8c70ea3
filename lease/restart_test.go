package lease

import (
	"testing"

	"scnetbot/internal/pgtest"
	"scnetbot/internal/wait"
)

// A database restart ends every session: the leader steps down, and one
// replica leads again, with the next epoch, once the server is back.
func TestDatabaseRestartRegainsLeadership(t *testing.T) {
	c := pgtest.StartCluster(t)
	// The cluster of its own is the test server here.
	t.Setenv(pgtest.EnvVar, c.URL())
	dbURL := freshDB(t)
	a := startReplica(t, dbURL, "a", testTimeout, nil)
	b := startReplica(t, dbURL, "b", testTimeout, nil)
	first, _ := onlyOne(t, a, b)
	if e, _ := first.l.Epoch(); e != 1 {
		t.Fatalf("first epoch %d, want 1", e)
	}

	c.Restart(t)
	wait.Until(t, first.name+" stepping down", func() bool {
		first.mu.Lock()
		defer first.mu.Unlock()
		return first.cancelled == 1
	})
	wait.Until(t, "a new leader after the restart", func() bool {
		return len(a.led())+len(b.led()) == 2 && (a.leading() || b.leading())
	})
	leader, _ := onlyOne(t, a, b)
	if e, ok := leader.l.Epoch(); e != 2 || !ok {
		t.Errorf("%s Epoch() after the restart = %d, %v; want 2, valid", leader.name, e, ok)
	}
	if e, h := leaseRow(t, connect(t, dbURL)); e != 2 || h != leader.name {
		t.Errorf("lease row = epoch %d holder %q, want 2 %q", e, h, leader.name)
	}
}
