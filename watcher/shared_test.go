package watcher_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"scnetbot/internal/pgtest"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/watcher"
)

// follower is a second watcher on e's store, as another replica builds
// it: shared mode, its memory loaded before the leader's polls, so what
// it knows it must read from the store.
func (e *env) follower() *watcher.Watcher {
	e.t.Helper()
	cfg := e.cfg
	cfg.Notify = e.d.Kick
	f := watcher.New(e.client, e.st, cfg)
	if err := f.Load(e.ctx); err != nil {
		e.t.Fatal(err)
	}
	return f
}

func (e *env) instance(id string) state.Instance {
	e.t.Helper()
	var in state.Instance
	if err := e.st.View(e.ctx, func(tx state.Tx) error {
		var err error
		in, _, err = tx.Instance(id)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return in
}

func (e *env) alert(id string) state.Alert {
	e.t.Helper()
	var a state.Alert
	if err := e.st.View(e.ctx, func(tx state.Tx) error {
		var err error
		a, _, err = tx.Alert(id)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return a
}

func shared(c *watcher.Config) { c.Shared = true }

// A Resolve clicked on a replica that does not poll acts on the incident
// the leader's poll opened, and the leader's next poll sees it resolved.
func TestSharedResolveOnAFollower(t *testing.T) {
	e := newEnv(t, 0, withConfig(shared))
	f := e.follower()
	r := e.alerted("gpu-train")
	alertID := e.instance(r.ID).AlertID
	if alertID == "" {
		t.Fatal("the leader's poll opened no incident")
	}
	if _, _, found, err := f.Resolve(e.ctx, alertID, "U2"); err != nil || !found {
		t.Fatalf("Resolve on the follower = found %v, %v", found, err)
	}
	if in := e.instance(r.ID); in.AlertID != "" || in.LastAlertID != alertID {
		t.Fatalf("after the follower's Resolve the instance is %+v, want its incident closed", in)
	}
	line := e.alert(alertID).StatusLine
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	if got := e.alert(alertID).StatusLine; got != line || !strings.HasPrefix(got, "Resolved by hand") {
		t.Fatalf("the leader's poll rewrote the resolved incident: %q, want %q", got, line)
	}
}

// A snooze by name on a follower finds an instance only the leader's polls
// saw, and the leader's next poll honours it.
func TestSharedSnoozeOnAFollower(t *testing.T) {
	e := newEnv(t, 0, withConfig(shared))
	f := e.follower()
	r := e.add(scnettest.Record{Name: "quiet-one", Status: scnet.StatusRunning})
	e.poll()
	if _, err := f.Snooze(e.ctx, "quiet-one", 3*e.cfg.Interval, "U2"); err != nil {
		t.Fatalf("Snooze on the follower: %v", err)
	}
	h, err := f.Health(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.Tracked != 1 || len(h.Snoozes) != 1 || h.LastSuccess.IsZero() {
		t.Fatalf("follower's health = tracked %d, snoozes %d, last success %v; want the leader's", h.Tracked, len(h.Snoozes), h.LastSuccess)
	}
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 0 {
		t.Fatalf("%d alerts for an instance the follower snoozed", n)
	}
	if _, err := f.Unsnooze(e.ctx, r.ID, "U2"); err != nil {
		t.Fatalf("Unsnooze on the follower: %v", err)
	}
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("%d alerts once the follower ended the snooze, want 1", n)
	}
}

// A group runs again after it stopped, with a watcher added meanwhile: a
// replica that loses and regains the lease polls every region again.
func TestGroupRunsAgain(t *testing.T) {
	e := newEnv(t, 2)
	g := watcher.NewGroup()
	ctx, stop := context.WithCancel(e.ctx)
	var wg sync.WaitGroup
	wg.Go(func() { _ = g.Run(ctx) })
	stop()
	wg.Wait()
	g.Add(e.w)
	if e.w.Started() {
		t.Fatal("a watcher added while the group is stopped polled")
	}
	ctx, stop = context.WithCancel(e.ctx)
	defer stop()
	errs := make(chan error, 1)
	wg.Go(func() { errs <- g.Run(ctx) })
	wait.Until(t, "the group's second run to poll", e.w.Started)
	stop()
	wg.Wait()
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
}

// A poll through a fenced store that does not hold the lease writes
// nothing and is no failure of the watcher's: its health stays clean.
func TestPollFencedIsQuiet(t *testing.T) {
	e := newEnv(t, 2)
	pg, err := state.OpenPostgres(e.ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	cfg := e.cfg
	cfg.Shared = true
	cfg.PollStore = pg.Fenced(func() (uint64, bool) { return 1, false })
	w := watcher.New(e.client, pg, cfg)
	if err := w.Poll(e.ctx); !errors.Is(err, state.ErrFenced) {
		t.Fatalf("fenced poll = %v, want ErrFenced", err)
	}
	h, err := w.Health(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.StateError != "" || h.LastError != "" || !h.LastPoll.IsZero() {
		t.Fatalf("health after a fenced poll = %+v, want nothing recorded", h)
	}
	var m state.Meta
	_ = pg.View(e.ctx, func(tx state.Tx) error { m, err = tx.Meta(); return err })
	if !m.Baseline.IsZero() {
		t.Fatal("the fenced poll wrote its baseline")
	}
}

// A follower counts the leader's polls as started, so an unknown name is
// "not tracked" there rather than "still starting" forever.
func TestSharedFollowerStarted(t *testing.T) {
	e := newEnv(t, 2, withConfig(shared))
	f := e.follower()
	if f.Started() {
		t.Fatal("follower started before any poll")
	}
	e.poll()
	if !f.Started() {
		t.Fatal("follower not started after the leader's poll")
	}
}
