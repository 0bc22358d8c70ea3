package app

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/internal/syncbuf"
	"scnetbot/internal/wait"
)

// TestCacheTTLZeroMeansNoCache: CACHE_TTL=0 asks SCNet for every command
// instead of quietly caching for 30s, and the help does not promise a
// cache that is not there.
func TestCacheTTLZeroMeansNoCache(t *testing.T) {
	e := newE2E(t, 50, func(c *config.Config) { c.CacheTTL.D = 0 })
	e.sim.ResetRequests()
	for range 2 {
		_, reply := e.command("running")
		mustContain(t, reply, "Running instances")
	}
	if got := e.sim.RequestCount("/ai/openapi/v2/instance-service/task"); got != 2 {
		t.Errorf("two commands with CACHE_TTL=0 made %d SCNet list requests, want 2", got)
	}
	_, help := e.command("help")
	if strings.Contains(everything(help), "up to 0s old") {
		t.Errorf("help promises a cache that is off: %s", everything(help))
	}
}

// TestOutageAfterZeroNoticesTheFirstFailedPoll: WATCH_OUTAGE_AFTER=0 posts
// the "SCNet unreachable" notice after one failed poll, not after 5m.
func TestOutageAfterZeroNoticesTheFirstFailedPoll(t *testing.T) {
	const channel = "C0ALERTS"
	e := newE2E(t, 20, func(c *config.Config) {
		c.WatchChannel = channel
		// Only the polls this test makes happen.
		c.WatchInterval.D = time.Hour
		c.WatchOutageAfter.D = 0
	})
	wait.Until(t, "baseline poll", func() bool {
		h, err := e.app.group.Health(context.Background())
		return err == nil && !h.LastSuccess.IsZero()
	})
	e.sim.SetDown(true)
	if err := e.app.group.Watchers()[0].Poll(timeout(t, 30*time.Second)); err == nil {
		t.Fatal("a poll of a down SCNet succeeded")
	}
	wait.Until(t, "the outage notice", func() bool {
		for _, m := range e.emu.ChannelMessages(channel) {
			if strings.Contains(everything(m), "SCNet unreachable") {
				return true
			}
		}
		return false
	})
}

// TestStatePathNamedOnce: a state file that cannot be opened is named once
// in the error, with the variable to fix.
func TestStatePathNamedOnce(t *testing.T) {
	sim, emu := newSimAndEmu(t)
	path := filepath.Join(t.TempDir(), "missing-dir", "scnetbot.db")
	cfg := e2eConfig(t, sim, emu)
	cfg.StatePath = path
	cfg.WatchChannel = "C0ALERTS"
	_, err := New(cfg, slog.New(slog.DiscardHandler), "dev")
	if err == nil {
		t.Fatal("New built a bot with a state file in a missing directory")
	}
	if n := strings.Count(err.Error(), path); n != 1 || !strings.Contains(err.Error(), "STATE_PATH") {
		t.Errorf("error names the path %d times, want once, with STATE_PATH: %v", n, err)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v no longer says the file does not exist", err)
	}
}

// TestBothLoginsWarnedAtStart: AK/SK and a password login both set is
// said in the log at start, not decided silently.
func TestBothLoginsWarnedAtStart(t *testing.T) {
	sim, emu := newSimAndEmu(t)
	cfg := loginConfig(t, sim, emu)
	cfg.SCNetPassword, cfg.SCNetOrgID = "pw", "org"
	var logs syncbuf.Buffer
	a, err := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)), "dev")
	if err != nil {
		t.Fatal(err)
	}
	a.close()
	if !strings.Contains(logs.String(), "logs in with AK/SK") {
		t.Errorf("no warning about the ignored password login:\n%s", logs.String())
	}
}
