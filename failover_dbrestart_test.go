package main

import (
	"testing"
	"time"

	"scnetbot/internal/pgtest"
)

// TestFailoverDatabaseRestart stops PostgreSQL under two running replicas
// and starts it again. Neither replica crashes; while the database is down
// none leads and a command that needs no state still answers; once it is
// back one leads with a new epoch; failures before, during and after the
// outage are alerted once each: nothing lost, nothing doubled.
func TestFailoverDatabaseRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("failover tests run scnetbot processes for several seconds each")
	}
	c := pgtest.StartCluster(t)
	f := newFleet(t, fleetOptions{replicas: 2, dbURL: c.URL()})
	leader := f.leader()
	epoch, _ := leader.epoch()
	before, during, after := f.fresh(1)[0], f.fresh(1)[0], f.fresh(1)[0]
	f.fail(before)
	f.awaitAlerts(before)

	down := time.Now()
	c.Stop(t)
	f.fail(during)
	f.waitFor("every replica to step down with the database gone", func() bool {
		for _, r := range f.live() {
			if lead, ok := r.leading(); !ok || lead {
				return false
			}
		}
		return true
	})
	t.Logf("no replica led %s after the database stopped", time.Since(down))
	ack, reply := f.command("help")
	mustShow(t, "help with the database down, on replica "+f.byConn(ack.Conn).name, reply, "/instances")
	// Long enough for a poll that would have seen the failure.
	time.Sleep(fleetInterval)

	c.Start(t)
	up := time.Now()
	var next *replica
	f.waitFor("a replica to lead again with a new epoch", func() bool {
		for _, r := range f.live() {
			if lead, ok := r.leading(); ok && lead {
				if e, _ := r.epoch(); e > epoch {
					next = r
					return true
				}
			}
		}
		return false
	})
	t.Logf("leader %s (epoch %v) before the outage, %s after, %s after the database was back", leader.name, epoch, next.name, time.Since(up))
	f.fail(after)
	f.awaitAlerts(during, after)
	f.exactlyOnce(before, during, after)
	if n := len(f.live()); n != 2 {
		t.Errorf("%d replicas are running after the database restart, want both", n)
	}
	for _, r := range f.live() {
		if !f.ready(r) {
			t.Errorf("replica %s is not ready after the database came back", r.name)
		}
	}
}
