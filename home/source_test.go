package home

import (
	"context"
	"errors"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

func TestStoreSourceRegions(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	t0 := now.Add(-time.Hour)
	put(t, st, "r1",
		[]state.Instance{failed("i1", "训练一号"), {ID: "i2", Status: scnet.StatusRunning}, {ID: "i3", Status: scnet.StatusRunning},
			{ID: "i4", Status: "Suspended"}, {ID: "s1", Name: "storm-a", Status: scnet.StatusFailed}, {ID: "s2", Name: "storm-b", Status: scnet.StatusRunning}},
		[]state.Alert{
			{ID: "a1", InstanceID: "i1", Created: t0, To: scnet.StatusFailed},
			// closed, dead, a notice: none is an open incident
			{ID: "a2", InstanceID: "i2", Created: t0, Closed: now},
			{ID: "a3", InstanceID: "i3", Created: t0, Dead: true},
			{ID: "o1", Created: t0},
			// a storm: its summary acknowledged; the members are the incidents
			{ID: "st", Storm: true, Created: t0.Add(time.Minute), AckedBy: "U0STORM"},
			{ID: "m1", InstanceID: "s1", Parent: "st", Created: t0.Add(time.Minute), To: scnet.StatusFailed},
			{ID: "m2", InstanceID: "s2", Parent: "st", Created: t0.Add(time.Minute), To: scnet.StatusFailed, AckedBy: "U0OWN"},
			// its instance no longer tracked: the snapshot names it
			{ID: "a4", InstanceID: "gone", Created: t0.Add(2 * time.Minute), To: scnet.StatusFailed,
				Snapshot: []byte(`{"id":"gone","instanceServiceName":"快照名称"}`)},
		},
		[]state.Snooze{{InstanceID: "i2", InstanceName: "later", Until: now.Add(2 * time.Hour), By: "U0A"},
			{InstanceID: "i3", Until: now.Add(-time.Minute)}})
	put(t, st, "r2", []state.Instance{{ID: "j1", Status: scnet.StatusRunning}},
		[]state.Alert{{ID: "b1", InstanceID: "j1", Created: t0.Add(-time.Hour), AckedBy: "U0B", To: scnet.StatusFailed}},
		[]state.Snooze{{InstanceID: "j1", InstanceName: "sooner", Until: now.Add(time.Hour)}})
	// The one-region layout's records are no region's.
	put(t, st, "", []state.Instance{failed("x1", "legacy")}, nil, nil)

	src := StoreSource{Store: st, Health: regionHealth(now, "r1", "西北一区", "r2", "华东一区"), Now: func() time.Time { return now }}
	o, err := src.Overview(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !o.Watching || o.StoreTrouble || o.Health.Unknown {
		t.Fatalf("overview %+v", o)
	}
	if len(o.Regions) != 2 || o.Regions[0].Name != "西北一区" || o.Regions[0].Total() != 6 || o.Regions[1].Total() != 1 {
		t.Fatalf("regions %+v", o.Regions)
	}
	want := []StatusCount{{scnet.StatusFailed, 2}, {scnet.StatusRunning, 3}, {"Suspended", 1}}
	if got := o.Regions[0].Counts; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	// Unacknowledged first, then the oldest.
	var ids []string
	for _, inc := range o.Incidents {
		ids = append(ids, inc.AlertID+"/"+inc.AckedBy)
	}
	if got, want := join(ids), "a1/,a4/,b1/U0B,m1/U0STORM,m2/U0OWN"; got != want {
		t.Errorf("incidents %s, want %s", got, want)
	}
	byID := map[string]Incident{}
	for _, inc := range o.Incidents {
		byID[inc.AlertID] = inc
	}
	if inc := byID["a1"]; inc.Name != "训练一号" || inc.Region != "西北一区" || !inc.Opened.Equal(t0) || inc.Status != scnet.StatusFailed {
		t.Errorf("a1 %+v", inc)
	}
	if inc := byID["m2"]; inc.Status != scnet.StatusRunning {
		t.Errorf("m2 shows %s, the status the watcher tracks now is Running", inc.Status)
	}
	if inc := byID["a4"]; inc.Name != "快照名称" {
		t.Errorf("a4 named %q", inc.Name)
	}
	if len(o.Snoozes) != 2 || o.Snoozes[0].Name != "sooner" || o.Snoozes[0].Region != "华东一区" || o.Snoozes[1].By != "U0A" {
		t.Errorf("snoozes %+v", o.Snoozes)
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ","
		}
		out += s
	}
	return out
}

// A watcher not told its region keeps its records at the store's root.
func TestStoreSourceOneRegionLayout(t *testing.T) {
	st := openStore(t)
	put(t, st, "", []state.Instance{failed("x1", "legacy"), {ID: "x2", Status: scnet.StatusRunning}},
		[]state.Alert{{ID: "a1", InstanceID: "x1", Created: now.Add(-time.Minute)}}, nil)
	put(t, st, "r1", []state.Instance{failed("y1", "region's")}, nil, nil)
	o, err := StoreSource{Store: st, Health: regionHealth(now)}.Overview(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Regions) != 1 || o.Regions[0].Total() != 2 || len(o.Incidents) != 1 || o.Incidents[0].Name != "legacy" {
		t.Errorf("overview %+v", o)
	}
}

func TestStoreSourceWatcherOff(t *testing.T) {
	for name, src := range map[string]StoreSource{
		"no health": {Store: openStore(t)},
		"disabled": {Store: openStore(t), Health: func(context.Context) (tracked.Health, error) {
			return tracked.Health{}, nil
		}},
	} {
		o, err := src.Overview(context.Background())
		if err != nil || o.Watching {
			t.Errorf("%s: %+v, %v", name, o, err)
		}
	}
}

func TestStoreSourceTrouble(t *testing.T) {
	ctx := context.Background()
	broken := state.Unusable(errors.New("disk on fire"))
	o, err := StoreSource{Store: broken, Health: regionHealth(now, "r1", "西北一区")}.Overview(ctx)
	if err != nil || !o.StoreTrouble || !o.Watching {
		t.Errorf("unusable store: %+v, %v", o, err)
	}
	// The watcher's health unreadable: the rest is still shown.
	st := openStore(t)
	put(t, st, "", []state.Instance{failed("x1", "x")}, nil, nil)
	o, err = StoreSource{Store: st, Health: func(context.Context) (tracked.Health, error) {
		return tracked.Health{}, errors.New("lock busy")
	}}.Overview(ctx)
	if err != nil || !o.Health.Unknown || len(o.Regions) != 1 || o.Regions[0].Total() != 1 {
		t.Errorf("health unknown: %+v, %v", o, err)
	}
	// A context that ended is the one error.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := (StoreSource{Store: st, Health: regionHealth(now)}).Overview(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestHealthOf(t *testing.T) {
	h := healthOf(tracked.Health{Enabled: true, Outage: true, LastError: "x", StateError: "y", PendingAlerts: 2,
		TokenExpiresAt: now, Regions: []tracked.RegionHealth{
			{ID: "r1", Name: "西北一区", Outage: true, LastCause: errors.New("down")},
			{ID: "r2", LastCause: errors.New("slow")}, {ID: "r3", Name: "fine"}}})
	if !h.Outage || !h.Failing || !h.StateTrouble || h.PendingAlerts != 2 || !h.TokenExpiresAt.Equal(now) ||
		join(h.OutageRegions) != "西北一区" || join(h.FailingRegions) != "西北一区,r2" {
		t.Errorf("%+v", h)
	}
}

func TestStoreSourceWithoutStore(t *testing.T) {
	o, err := StoreSource{Health: regionHealth(now, "r1", "x")}.Overview(context.Background())
	if err != nil || !o.Watching || !o.StoreTrouble {
		t.Errorf("%+v, %v", o, err)
	}
}
