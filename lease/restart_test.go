package lease

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"scnetbot/internal/pgtest"
	"strconv"
	"syscall"
	"testing"

	"scnetbot/internal/wait"
)

// envPostgresCtl names pg_ctl, e.g. /usr/lib/postgresql/15/bin/pg_ctl. With
// it, the restart test starts a throwaway cluster of its own with the
// initdb beside it, since restarting the shared test server would break
// every other test using it.
const envPostgresCtl = "SCNETBOT_TEST_POSTGRES_CTL"

// cluster is a throwaway PostgreSQL server this test owns.
type cluster struct {
	ctl, data string
	cred      *syscall.Credential // the user the server runs as, when we are root
	url       string
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	ctl := os.Getenv(envPostgresCtl)
	if ctl == "" {
		t.Skipf("%s is not set: the database restart test needs pg_ctl to run a throwaway cluster of its own", envPostgresCtl)
	}
	c := &cluster{ctl: ctl}
	dir, err := os.MkdirTemp("", "lease-pg-")
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
	c.run(t, filepath.Join(filepath.Dir(ctl), "initdb"), "-D", c.data, "-A", "trust", "-U", "postgres")
	port := freePort(t)
	// Loopback only, and the socket in the cluster's own directory.
	c.run(t, ctl, "-D", c.data, "-l", filepath.Join(dir, "log"), "-w",
		"-o", fmt.Sprintf("-c listen_addresses=127.0.0.1 -p %d -k %s", port, dir), "start")
	t.Cleanup(func() { c.run(t, ctl, "-D", c.data, "-m", "immediate", "-w", "stop") })
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c
}

// restart restarts the server (fast: sessions are ended, as in a failover
// or an upgrade) and waits until it accepts connections again.
func (c *cluster) restart(t *testing.T) {
	t.Helper()
	c.run(t, c.ctl, "-D", c.data, "-m", "fast", "-w", "restart")
}

func (c *cluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = os.TempDir()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// A file, not a pipe: the postmaster pg_ctl starts inherits its
	// output, and Wait would wait on a pipe until the server exits.
	out, err := os.CreateTemp("", "lease-pg-out-")
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

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// A database restart ends every session: the leader steps down, and one
// replica leads again, with the next epoch, once the server is back.
func TestDatabaseRestartRegainsLeadership(t *testing.T) {
	c := startCluster(t)
	// The cluster of its own is the test server here.
	t.Setenv(pgtest.EnvVar, c.url)
	dbURL := freshDB(t)
	a := startReplica(t, dbURL, "a", testTimeout, nil)
	b := startReplica(t, dbURL, "b", testTimeout, nil)
	first, _ := onlyOne(t, a, b)
	if e, _ := first.l.Epoch(); e != 1 {
		t.Fatalf("first epoch %d, want 1", e)
	}

	c.restart(t)
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
