package watcher

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"scnetbot/state"
	"scnetbot/tracked"
)

// resolveIn finds a tracked (or snoozed) instance by id, else by exact
// name, else by name ignoring case, among tracked and snoozes.
func (w *Watcher) resolveIn(ts map[string]state.Instance, snoozes map[string]state.Snooze, nameOrID string) (id, name string, err error) {
	how, cs := w.matchIn(ts, snoozes, nameOrID)
	switch {
	case how == noMatch:
		return "", "", fmt.Errorf("snooze %q: %w", nameOrID, tracked.ErrUnknownInstance)
	case len(cs) == 1:
		return cs[0].ID, cs[0].Name, nil
	}
	return "", "", &tracked.AmbiguousError{Name: strings.TrimSpace(nameOrID), Candidates: cs}
}

// How a word matched tracked instances, best first.
const (
	byID = iota
	byName
	byFoldedName
	noMatch
)

// matches finds the instances a word names, by the best way it matches
// any, sorted by id: among the store's tracked instances and snoozes in
// shared mode, else in memory.
func (w *Watcher) matches(ctx context.Context, nameOrID string) (how int, cs []tracked.Candidate, err error) {
	if w.cfg.Shared {
		var ts map[string]state.Instance
		var ss map[string]state.Snooze
		if err := w.st.View(ctx, func(tx state.Tx) error {
			var err error
			ts, ss, err = readTracked(tx)
			return err
		}); err != nil {
			return noMatch, nil, err
		}
		how, cs = w.matchIn(ts, ss, nameOrID)
		return how, cs, nil
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return noMatch, nil, err
	}
	defer w.mu.Unlock()
	how, cs = w.matchIn(w.tracked, w.snoozes, nameOrID)
	return how, cs, nil
}

// matchIn is matches among tracked and snoozes.
func (w *Watcher) matchIn(trackedIDs map[string]state.Instance, snoozes map[string]state.Snooze, nameOrID string) (how int, cs []tracked.Candidate) {
	nameOrID = strings.TrimSpace(nameOrID)
	if t, ok := trackedIDs[nameOrID]; ok {
		return byID, []tracked.Candidate{{ID: t.ID, Name: t.Name, Status: string(t.Status), Region: w.cfg.RegionName}}
	}
	if s, ok := snoozes[nameOrID]; ok {
		return byID, []tracked.Candidate{{ID: s.InstanceID, Name: s.InstanceName, Region: w.cfg.RegionName}}
	}
	for how, fold := range []bool{false, true} {
		for _, t := range trackedIDs {
			if t.Name == nameOrID || fold && strings.EqualFold(t.Name, nameOrID) {
				cs = append(cs, tracked.Candidate{ID: t.ID, Name: t.Name, Status: string(t.Status), Region: w.cfg.RegionName})
			}
		}
		if len(cs) > 0 {
			slices.SortFunc(cs, func(a, b tracked.Candidate) int { return strings.Compare(a.ID, b.ID) })
			return byName + how, cs
		}
	}
	return noMatch, nil
}

// Started reports whether a poll has succeeded since this watcher was
// built. Until then the tracked instances are at best what an earlier run
// stored (nothing at all before the first, baseline, poll), so an unknown
// name may simply not have been seen yet: callers say "still starting"
// rather than "not tracked".
//
// In shared mode a poll by any replica counts (the region's LastSuccess
// in the store): a follower never polls, yet knows what the leader saw.
func (w *Watcher) Started() bool {
	w.mu.Lock()
	started := !w.health.LastSuccess.IsZero()
	w.mu.Unlock()
	if started || !w.cfg.Shared {
		return started
	}
	// Started has no context of its own; a store that does not answer
	// soon is "not started", which only softens an "unknown" answer.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	var m state.Meta
	err := w.st.View(ctx, func(tx state.Tx) error {
		var err error
		m, err = tx.Meta()
		return err
	})
	return err == nil && !m.LastSuccess.IsZero()
}

// Snooze silences new alerts for one instance for d. Its transitions are
// still recorded; one still in an alert status when the snooze ends is
// alerted then.
func (w *Watcher) Snooze(ctx context.Context, nameOrID string, d time.Duration, userID string) (state.Snooze, error) {
	if d <= 0 {
		return state.Snooze{}, fmt.Errorf("snooze %q: duration %s is not positive", nameOrID, d)
	}
	return w.changeSnooze(ctx, "snooze", nameOrID, func(id, name string, cur state.Snooze, had bool, now time.Time) (state.Snooze, error) {
		// A snooze renewed while it runs is one silence, which the digest
		// counts from its start.
		since := now
		if had && cur.Until.After(now) && !cur.Since.IsZero() {
			since = cur.Since
		}
		return state.Snooze{InstanceID: id, InstanceName: name, Until: now.Add(d), By: userID, Since: since}, nil
	})
}

// Unsnooze ends a snooze now. A transition it held back is alerted by the
// next poll if the instance is still in an alert status.
func (w *Watcher) Unsnooze(ctx context.Context, nameOrID string, userID string) (state.Snooze, error) {
	return w.changeSnooze(ctx, "unsnooze", nameOrID, func(_, _ string, s state.Snooze, had bool, now time.Time) (state.Snooze, error) {
		if !had || !s.Until.After(now) {
			return state.Snooze{}, fmt.Errorf("unsnooze %q: %w", nameOrID, tracked.ErrNotSnoozed)
		}
		// Ending it rather than deleting it lets the next poll release
		// what it held back, in the same place as a snooze that ran out.
		s.Until, s.By = now, userID
		return s, nil
	})
}

// changeSnooze resolves nameOrID, computes the instance's new snooze with
// change (from its current one) and stores it, re-rendering the
// instance's open alert so its message shows the snooze: all in one
// transaction, which in shared mode reads the tracked instances and
// snoozes from the store, so a replica that does not poll acts on the
// leader's latest. A refusal of resolve or change is returned as it is.
func (w *Watcher) changeSnooze(ctx context.Context, verb, nameOrID string,
	change func(id, name string, cur state.Snooze, had bool, now time.Time) (state.Snooze, error)) (state.Snooze, error) {
	if err := w.load(ctx); err != nil {
		return state.Snooze{}, err
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return state.Snooze{}, fmt.Errorf("%s %q: %w", verb, nameOrID, err)
	}
	defer w.mu.Unlock()
	now := w.cfg.Now()
	var (
		s       state.Snooze
		refused error
	)
	err := w.st.Update(ctx, func(tx state.Tx) error {
		s, refused = state.Snooze{}, nil // an attempt may run again
		ts, ss := w.tracked, w.snoozes
		if w.cfg.Shared {
			var err error
			if ts, ss, err = readTracked(tx); err != nil {
				return err
			}
		}
		id, name, err := w.resolveIn(ts, ss, nameOrID)
		if err == nil {
			cur, had := ss[id]
			s, err = change(id, name, cur, had, now)
		}
		if err != nil {
			refused = err
			return err
		}
		if err := tx.PutSnooze(s); err != nil {
			return err
		}
		t, ok, err := w.instanceIn(tx, s.InstanceID)
		if err != nil || !ok || t.AlertID == "" {
			return err
		}
		a, ok, err := tx.Alert(t.AlertID)
		if err != nil || !ok || a.Parent != "" {
			return err
		}
		// render reads the snooze just put in tx.
		_, _, err = w.queueUpdate(tx, a, now)
		return err
	})
	if refused != nil {
		return state.Snooze{}, refused
	}
	if err != nil {
		return state.Snooze{}, fmt.Errorf("save snooze of %q: %w", nameOrID, err)
	}
	if !w.cfg.Shared {
		w.snoozes[s.InstanceID] = s
	}
	// Told even when no alert was rewritten: the snooze itself is news
	// for whoever shows the watcher's state (the Home tab).
	w.cfg.Notify()
	return s, nil
}
