package watcher_test

import (
	"strings"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/watcher"
)

// TestFlashFailureWithSCNetBehind: an instance created and failed between
// two polls is alerted although SCNet's clock runs 15 minutes behind, once
// the skew allowance covers that; a failure from before the baseline is
// still not news, after a restart neither.
func TestFlashFailureWithSCNetBehind(t *testing.T) {
	e := newEnv(t, 0, withSCNetBehind(15*time.Minute), withConfig(func(c *watcher.Config) { c.Skew = 30 * time.Minute }))
	old := e.add(scnettest.Record{Name: "old-failure", Status: scnet.StatusRunning})
	e.clock.Advance(10 * time.Minute)
	e.setStatus(old.ID, scnet.StatusFailed)
	e.clock.Advance(2 * time.Hour)
	e.poll() // the baseline
	e.clock.Advance(30 * time.Second)
	flash := e.add(scnettest.Record{Name: "flash", Status: scnet.StatusFailed})
	e.step()
	e.restart()
	e.step()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 || countContaining(alerts, flash.ID) != 1 {
		t.Fatalf("%d alerts, want one for the flash failure %s", len(alerts), flash.ID)
	}
}

// TestFlashFailureWithoutTimes: SCNet may send null createTime and endTime.
// An untracked failure with unknown times is new and alerted. One that was
// there at the baseline is tracked and never alerted: not after a restart,
// not after the time other old failures are forgotten. It stays tracked
// until SCNet says it is gone.
func TestFlashFailureWithoutTimes(t *testing.T) {
	// The days below outlive the simulator's usual 12h tokens.
	e := newEnv(t, 3, withRewrite(), withSim(scnettest.WithTokenLifetime(30*24*time.Hour)))
	e.rewrite.set(func(rec map[string]any) {
		if name, _ := rec["instanceServiceName"].(string); strings.HasPrefix(name, "no-times") {
			rec["createTime"], rec["startTime"], rec["endTime"] = nil, nil, nil
		}
	})
	old := e.add(scnettest.Record{Name: "no-times-old", Status: scnet.StatusFailed})
	e.clock.Advance(time.Hour)
	e.poll() // the baseline
	e.clock.Advance(30 * time.Second)
	flash := e.add(scnettest.Record{Name: "no-times-flash", Status: scnet.StatusFailed})
	e.step()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 || countContaining(alerts, flash.ID) != 1 {
		t.Fatalf("%d alerts, want one for the flash failure %s", len(alerts), flash.ID)
	}
	tracked := e.health().Tracked

	// Restarted, and well past the time a failure with known times is
	// forgotten: the old one is still no news.
	e.restart()
	e.step()
	for range 3 {
		e.clock.Advance(25 * time.Hour)
		e.poll()
	}
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("%d alerts after a restart and three days, want still 1", n)
	}
	if h := e.health(); h.Tracked != tracked {
		t.Errorf("tracked %d after three days, want still %d: an instance without times was forgotten", h.Tracked, tracked)
	}

	// Once SCNet says it is gone, it is forgotten.
	e.sim.Delete(old.ID)
	e.clock.Advance(25 * time.Hour)
	e.poll()
	if h := e.health(); h.Tracked != tracked-1 {
		t.Errorf("tracked %d after the old failure was deleted, want %d", h.Tracked, tracked-1)
	}
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Errorf("%d alerts at the end, want still 1", n)
	}
}

// TestLargeSkewKeepsOldFailuresTracked: with a skew allowance longer than
// the retention, an old failure forgotten after Retain would be news again
// (created within the allowance); the watcher keeps such instances longer.
func TestLargeSkewKeepsOldFailuresTracked(t *testing.T) {
	e := newEnv(t, 0, withSim(scnettest.WithTokenLifetime(30*24*time.Hour)),
		withConfig(func(c *watcher.Config) { c.Skew = 30 * time.Hour }))
	e.add(scnettest.Record{Name: "old", Status: scnet.StatusFailed})
	e.clock.Advance(time.Hour)
	e.poll() // the baseline
	for range 3 {
		e.clock.Advance(13 * time.Hour)
		e.poll()
	}
	e.drain()
	if n := len(e.alerts()); n != 0 {
		t.Errorf("%d alerts for a failure from before the baseline, want none", n)
	}
}
