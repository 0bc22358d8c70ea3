package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"scnetbot/internal/pgtest"
)

// envPostgresCtl names pg_ctl (.ci/with-postgres exports it). The database
// restart test runs a throwaway cluster of its own with it and the initdb
// beside it, since restarting the shared test server would break every
// other package's tests using it at the same time.
const envPostgresCtl = "SCNETBOT_TEST_POSTGRES_CTL"

// pgCluster is a PostgreSQL server this test owns.
type pgCluster struct {
	ctl, data string
	startArgs []string
	cred      *syscall.Credential // the user the server runs as, when we are root
	url       string
}

// startPGCluster initdb's and starts a cluster on a free loopback port.
// Without pg_ctl it skips, or fails under CI=true, where it must run.
func startPGCluster(t *testing.T) *pgCluster {
	t.Helper()
	ctl := os.Getenv(envPostgresCtl)
	if ctl == "" {
		msg := envPostgresCtl + " is not set: the database restart test needs pg_ctl to run a throwaway cluster of its own; run `" + pgtest.Command + "`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: this test must run)")
		}
		t.Skip(msg)
	}
	c := &pgCluster{ctl: ctl}
	dir, err := os.MkdirTemp("", "scnetbot-failover-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root, the cluster needs a postgres user (useradd -r -m postgres): %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	c.data = filepath.Join(dir, "data")
	c.run(t, filepath.Join(filepath.Dir(ctl), "initdb"), "-D", c.data, "-A", "trust", "-U", "postgres", "--no-sync")
	port := freePort(t)
	// Loopback only, the socket in the cluster's own directory.
	c.startArgs = []string{"-D", c.data, "-l", filepath.Join(dir, "log"), "-w",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s -c fsync=off", port, dir), "start"}
	c.start(t)
	t.Cleanup(func() { c.run(t, ctl, "-D", c.data, "-m", "immediate", "-w", "stop") })
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c
}

// stop stops the server the way a failover or a minor upgrade does (fast:
// every session is ended at once); start starts it and waits until it
// accepts connections.
func (c *pgCluster) stop(t *testing.T) {
	t.Helper()
	c.run(t, c.ctl, "-D", c.data, "-m", "fast", "-w", "stop")
}

func (c *pgCluster) start(t *testing.T) {
	t.Helper()
	c.run(t, c.ctl, c.startArgs...)
}

func (c *pgCluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = os.TempDir()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// A file, not a pipe: the postmaster pg_ctl starts inherits its
	// output, and Wait would wait on a pipe until the server exits.
	out, err := os.CreateTemp("", "scnetbot-failover-pg-out-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		b, _ := os.ReadFile(out.Name())
		t.Fatalf("%s %v: %v\n%s", name, args, err, b)
	}
}

// freePort is a loopback TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	_, p, err := net.SplitHostPort(freeHealthAddr(t))
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestFailoverDatabaseRestart stops PostgreSQL under two running replicas
// and starts it again. Neither replica crashes; while the database is down
// none leads and a command that needs no state still answers; once it is
// back one leads with a new epoch; failures before, during and after the
// outage are alerted once each: nothing lost, nothing doubled.
func TestFailoverDatabaseRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("failover tests run scnetbot processes for several seconds each")
	}
	c := startPGCluster(t)
	f := newFleet(t, fleetOptions{replicas: 2, dbURL: c.url})
	leader := f.leader()
	epoch, _ := leader.epoch()
	before, during, after := f.fresh(1)[0], f.fresh(1)[0], f.fresh(1)[0]
	f.fail(before)
	f.awaitAlerts(before)

	down := time.Now()
	c.stop(t)
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

	c.start(t)
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
