package pgtest

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
)

// EnvCtl names pg_ctl, e.g. /usr/lib/postgresql/15/bin/pg_ctl
// (.ci/with-postgres exports it). A test that stops or restarts the server
// runs a throwaway cluster of its own with it and the initdb beside it,
// since restarting the shared test server would break every other
// package's tests using it at the same time.
const EnvCtl = "SCNETBOT_TEST_POSTGRES_CTL"

// Cluster is a throwaway PostgreSQL server one test owns.
type Cluster struct {
	ctl, data string
	startArgs []string
	cred      *syscall.Credential // the user the server runs as, when we are root
	url       string
}

// StartCluster initdb's and starts a cluster on a free loopback port, and
// removes it when the test ends. Without SCNETBOT_TEST_POSTGRES_CTL the
// test is skipped, unless CI=true: CI must run it, so there it fails.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	ctl := os.Getenv(EnvCtl)
	if ctl == "" {
		msg := EnvCtl + " is not set: this test needs pg_ctl to run a throwaway cluster of its own; run `" + Command + "`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: this test must run)")
		}
		t.Skip(msg)
	}
	c := &Cluster{ctl: ctl}
	dir, err := os.MkdirTemp("", "scnetbot-pg-cluster-")
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
	c.Start(t)
	t.Cleanup(func() { c.run(t, ctl, "-D", c.data, "-m", "immediate", "-w", "stop") })
	c.url = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
	return c
}

// URL is the cluster's postgres database, as its superuser postgres.
func (c *Cluster) URL() string { return c.url }

// Stop stops the server the way a failover or a minor upgrade does (fast:
// every session is ended at once).
func (c *Cluster) Stop(t testing.TB) {
	t.Helper()
	c.run(t, c.ctl, "-D", c.data, "-m", "fast", "-w", "stop")
}

// Start starts the stopped server and waits until it accepts connections.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	c.run(t, c.ctl, c.startArgs...)
}

// Restart restarts the server (fast: sessions are ended, as in a failover
// or an upgrade) and waits until it accepts connections again.
func (c *Cluster) Restart(t testing.TB) {
	t.Helper()
	c.run(t, c.ctl, "-D", c.data, "-m", "fast", "-w", "restart")
}

func (c *Cluster) run(t testing.TB, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = os.TempDir()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	// A file, not a pipe: the postmaster pg_ctl starts inherits its
	// output, and Wait would wait on a pipe until the server exits.
	out, err := os.CreateTemp("", "scnetbot-pg-cluster-out-")
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
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
