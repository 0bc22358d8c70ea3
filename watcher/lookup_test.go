package watcher_test

import (
	"context"
	"fmt"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/watcher"
)

// refusingLister is the real client in front of the simulator, except that
// the detail endpoint answers code 10004 for the ids in refuse even when the
// instance exists (10004 meaning something other than "unknown id"), and
// that listings by a name in nameErr fail with that error.
type refusingLister struct {
	*scnet.Client
	refuse  map[string]bool
	nameErr map[string]error
	lookups atomic.Int64
}

func (l *refusingLister) Instance(ctx context.Context, id string) (*scnet.Instance, error) {
	l.lookups.Add(1)
	if l.refuse[id] {
		return nil, fmt.Errorf("get instance %q: %w", id, &scnet.APIError{Code: scnet.CodeInvalidParams, Msg: "参数无效"})
	}
	return l.Client.Instance(ctx, id)
}

func (l *refusingLister) All(ctx context.Context, opts scnet.ListOptions) iter.Seq2[scnet.Instance, error] {
	if err := l.nameErr[opts.Name]; opts.Name != "" && err != nil {
		return func(yield func(scnet.Instance, error) bool) { yield(scnet.Instance{}, err) }
	}
	return l.Client.All(ctx, opts)
}

// TestLookupAnsweredInvalidParams covers the detail endpoint answering
// 10004, which the simulator (and possibly SCNet) uses for an unknown id but
// which may also mean something else: only a complete listing of the
// instance's name that lacks the id counts as "deleted".
func TestLookupAnsweredInvalidParams(t *testing.T) {
	tests := []struct {
		name string
		// inst is the tracked instance's name; twin adds another live
		// instance of the same name.
		inst string
		twin bool
		// deleted deletes the instance; else it moves to Completed (not
		// listed by any poll, so only the lookup can tell).
		deleted bool
		// refused makes the detail endpoint answer 10004 for it anyway.
		refused bool
		nameErr error
		// wantTracked is the count after the poll; wantFail a failed poll.
		wantTracked int
		wantFail    bool
	}{
		{name: "deleted, unique name", inst: "solo", deleted: true, wantTracked: 0},
		{name: "deleted, name shared with a live instance", inst: "shared", twin: true, deleted: true, wantTracked: 1},
		{name: "exists, detail refuses, name shared", inst: "shared", twin: true, refused: true, wantTracked: 2},
		{name: "exists, detail refuses, unique name", inst: "solo", refused: true, wantTracked: 1},
		{name: "deleted, no name: no evidence, kept", inst: "", deleted: true, wantTracked: 1},
		{name: "deleted, name listing hits the page cap: kept", inst: "common", deleted: true,
			nameErr: fmt.Errorf("list: %w", scnet.ErrPageCap), wantTracked: 1},
		{name: "deleted, name listing hits the instance cap: kept", inst: "common", deleted: true,
			nameErr: fmt.Errorf("list: %w", scnet.ErrInstanceCap), wantTracked: 1},
		{name: "deleted, name listing fails: poll fails", inst: "flaky", deleted: true,
			nameErr: &scnet.APIError{Code: scnet.CodeInternal, Msg: "busy"}, wantTracked: 1, wantFail: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 0)
			r := e.add(scnettest.Record{Name: tt.inst, Status: scnet.StatusRunning})
			if tt.twin {
				e.add(scnettest.Record{Name: tt.inst, Status: scnet.StatusRunning})
			}
			l := &refusingLister{Client: e.client, refuse: map[string]bool{}, nameErr: map[string]error{tt.inst: tt.nameErr}}
			e.useLister(l)
			e.poll()
			if tt.deleted {
				e.sim.Delete(r.ID)
			} else {
				e.setStatus(r.ID, scnet.StatusCompleted)
			}
			l.refuse[r.ID] = tt.refused
			e.clock.Advance(time.Minute)
			err := e.w.Poll(e.ctx)
			if (err != nil) != tt.wantFail {
				t.Fatalf("poll error = %v, want failure %v", err, tt.wantFail)
			}
			if h := e.health(); h.Tracked != tt.wantTracked {
				t.Errorf("tracked %d, want %d", h.Tracked, tt.wantTracked)
			}
			// Polls go on: an instance that cannot be resolved must not
			// block the next one.
			if !tt.wantFail {
				e.step()
			}
		})
	}
}

// TestUnresolvableInstanceDoesNotBlindTheWatcher: an instance whose lookup
// can never be settled stays as it was, and other instances still alert.
func TestUnresolvableInstanceDoesNotBlindTheWatcher(t *testing.T) {
	e := newEnv(t, 0)
	nameless := e.add(scnettest.Record{Status: scnet.StatusRunning})
	other := e.add(scnettest.Record{Name: "other", Status: scnet.StatusRunning})
	e.poll()
	e.drain()
	e.sim.Delete(nameless.ID)
	e.setStatus(other.ID, scnet.StatusFailed)
	e.step()
	e.step()
	e.drain()
	if alerts := e.alerts(); len(alerts) != 1 || countContaining(alerts, other.ID) != 1 {
		t.Errorf("got %d alerts, want one for %s", len(alerts), other.ID)
	}
}

// TestUnsettledLookupsAreSpaced: an instance whose lookups cannot be
// settled is not looked up (and its name listed) again on every poll, only
// every FollowUpEvery, so it does not make every poll cost more.
func TestUnsettledLookupsAreSpaced(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.FollowUpEvery = 10 * time.Minute }))
	r := e.add(scnettest.Record{Name: "common", Status: scnet.StatusRunning})
	l := &refusingLister{Client: e.client, nameErr: map[string]error{"common": fmt.Errorf("list: %w", scnet.ErrPageCap)}}
	e.useLister(l)
	e.poll()
	e.sim.Delete(r.ID)
	for range 5 {
		e.step()
	}
	if n := l.lookups.Load(); n != 1 {
		t.Errorf("%d lookups in five polls within FollowUpEvery, want 1", n)
	}
	e.clock.Advance(10 * time.Minute)
	e.poll()
	if n := l.lookups.Load(); n != 2 {
		t.Errorf("%d lookups after FollowUpEvery, want 2", n)
	}
	if h := e.health(); h.Tracked != 1 {
		t.Errorf("tracked %d, want the unsettled instance kept", h.Tracked)
	}
}
