package home

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// StoreSource builds the Overview from the state store the watcher
// writes and the watcher's health, in read-only transactions. It works on
// both layouts: each region's namespace (state.Namespace) when the health
// names regions, the store's root when it names none (a watcher not told
// its region).
type StoreSource struct {
	// Store is the state store the watchers write (the app's store, not a
	// region's namespace).
	Store state.Store
	// Health is the watcher's health, as watcher.Group.Health gives it;
	// nil when the watcher is off. Do not pass the method of a nil
	// *watcher.Group: leave Health nil instead.
	Health func(ctx context.Context) (tracked.Health, error)
	// Now is the clock snoozes are judged by; time.Now when nil.
	Now func() time.Time
}

// statusOrder is the order statuses are counted in: the trouble and the
// work first, the finished last.
var statusOrder = []scnet.Status{scnet.StatusFailed, scnet.StatusRunning, scnet.StatusDeploying,
	scnet.StatusWaiting, scnet.StatusTerminated, scnet.StatusCompleted}

// Overview reads the state of things. A store that cannot be read is not
// an error but part of the answer (StoreTrouble): the tab must say so
// rather than go blank. Only a context that ended is an error.
func (s StoreSource) Overview(ctx context.Context) (Overview, error) {
	if s.Health == nil {
		return Overview{}, nil
	}
	now := time.Now()
	if s.Now != nil {
		now = s.Now()
	}
	o := Overview{Watching: true}
	h, err := s.Health(ctx)
	switch {
	case ctx.Err() != nil:
		return Overview{}, fmt.Errorf("home overview: %w", ctx.Err())
	case err != nil:
		o.Health.Unknown = true
	case !h.Enabled:
		return Overview{}, nil
	default:
		o.Health = healthOf(h)
	}
	type region struct{ id, name string }
	rs := []region{{}}
	if len(h.Regions) > 0 {
		rs = rs[:0]
		for _, r := range h.Regions {
			rs = append(rs, region{r.ID, r.Name})
		}
	}
	if s.Store == nil {
		o.StoreTrouble = true
		return o, nil
	}
	for _, r := range rs {
		st := s.Store
		if r.id != "" {
			st = state.Namespace(s.Store, r.id)
		}
		var rc RegionCounts
		var incs []Incident
		var snoozes []Snooze
		err := st.View(ctx, func(tx state.Tx) error {
			var err error
			rc, incs, snoozes, err = readRegion(tx, r.id, r.name, now)
			return err
		})
		if err != nil {
			if ctx.Err() != nil {
				return Overview{}, fmt.Errorf("home overview: %w", ctx.Err())
			}
			o.StoreTrouble = true
			continue
		}
		o.Regions = append(o.Regions, rc)
		o.Incidents = append(o.Incidents, incs...)
		o.Snoozes = append(o.Snoozes, snoozes...)
	}
	slices.SortStableFunc(o.Incidents, func(a, b Incident) int {
		if (a.AckedBy == "") != (b.AckedBy == "") {
			if a.AckedBy == "" {
				return -1
			}
			return 1
		}
		return cmp.Or(a.Opened.Compare(b.Opened), cmp.Compare(a.AlertID, b.AlertID))
	})
	slices.SortStableFunc(o.Snoozes, func(a, b Snooze) int {
		return cmp.Or(a.Until.Compare(b.Until), cmp.Compare(a.InstanceID, b.InstanceID))
	})
	return o, nil
}

// healthOf is what the tab shows of the watcher's health.
func healthOf(h tracked.Health) Health {
	out := Health{Interval: h.Interval, LastPoll: h.LastPoll, LastSuccess: h.LastSuccess,
		Outage: h.Outage, Failing: h.LastError != "" || h.LastCause != nil, StateTrouble: h.StateError != "",
		TokenExpiresAt: h.TokenExpiresAt, PendingAlerts: h.PendingAlerts}
	if len(h.Regions) > 1 {
		for _, r := range h.Regions {
			name := cmp.Or(r.Name, r.ID)
			if r.Outage {
				out.OutageRegions = append(out.OutageRegions, name)
			}
			if r.LastCause != nil {
				out.FailingRegions = append(out.FailingRegions, name)
			}
		}
	}
	return out
}

// readRegion reads one region's counts, open incidents and snoozes in one
// transaction. It decodes every tracked instance once (the counts) and
// looks up only the instances of open incidents by id.
func readRegion(tx state.Tx, id, name string, now time.Time) (RegionCounts, []Incident, []Snooze, error) {
	rc := RegionCounts{ID: id, Name: name}
	// Storm summaries are the message people saw and acknowledged for
	// their members; they are no incident of their own.
	storms := map[string]string{}
	var open []state.Alert
	if err := tx.Alerts(func(a state.Alert) error {
		switch {
		case a.Storm:
			storms[a.ID] = a.AckedBy
		case a.InstanceID == "", !a.Closed.IsZero(), a.Dead:
			// A notice (outage, account) is shown with the health; a
			// closed incident is over; a dead one never reached Slack.
		default:
			open = append(open, a)
		}
		return nil
	}); err != nil {
		return rc, nil, nil, fmt.Errorf("read alerts of region %q: %w", id, err)
	}
	counts := map[scnet.Status]int{}
	if err := tx.Instances(func(in state.Instance) error {
		counts[in.Status]++
		return nil
	}); err != nil {
		return rc, nil, nil, fmt.Errorf("read instances of region %q: %w", id, err)
	}
	rc.Counts = countsOf(counts)
	incs := make([]Incident, 0, len(open))
	for _, a := range open {
		inc := Incident{AlertID: a.ID, InstanceID: a.InstanceID, Status: a.To, Region: name, Opened: a.Created,
			AckedBy: cmp.Or(a.AckedBy, storms[a.Parent])}
		in, ok, err := tx.Instance(a.InstanceID)
		if err != nil {
			return rc, nil, nil, fmt.Errorf("read instance %q of region %q: %w", a.InstanceID, id, err)
		}
		if ok {
			inc.Name, inc.Status = in.Name, in.Status
		} else {
			inc.Name = snapshotName(a.Snapshot)
		}
		incs = append(incs, inc)
	}
	var snoozes []Snooze
	if err := tx.Snoozes(func(sn state.Snooze) error {
		if sn.Until.After(now) {
			snoozes = append(snoozes, Snooze{InstanceID: sn.InstanceID, Name: sn.InstanceName, Region: name, Until: sn.Until, By: sn.By})
		}
		return nil
	}); err != nil {
		return rc, nil, nil, fmt.Errorf("read snoozes of region %q: %w", id, err)
	}
	return rc, incs, snoozes, nil
}

// countsOf orders the counts: known statuses in statusOrder, then the
// others by name.
func countsOf(m map[scnet.Status]int) []StatusCount {
	var out []StatusCount
	for _, st := range statusOrder {
		if n := m[st]; n > 0 {
			out = append(out, StatusCount{st, n})
			delete(m, st)
		}
	}
	rest := make([]StatusCount, 0, len(m))
	for st, n := range m {
		rest = append(rest, StatusCount{st, n})
	}
	slices.SortFunc(rest, func(a, b StatusCount) int { return cmp.Compare(a.Status, b.Status) })
	return append(out, rest...)
}

// snapshotName is the instance name an alert kept when it was raised.
func snapshotName(raw json.RawMessage) string {
	var in scnet.Instance
	_ = json.Unmarshal(raw, &in) // a broken snapshot shows the id only
	return in.Name
}
