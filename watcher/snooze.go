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

// resolve finds a tracked (or snoozed) instance by id, else by exact name,
// else by name ignoring case. The caller holds w.mu.
func (w *Watcher) resolve(nameOrID string) (id, name string, err error) {
	how, cs := w.matches(nameOrID)
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
// any, sorted by id. The caller holds w.mu.
func (w *Watcher) matches(nameOrID string) (how int, cs []tracked.Candidate) {
	nameOrID = strings.TrimSpace(nameOrID)
	if t, ok := w.tracked[nameOrID]; ok {
		return byID, []tracked.Candidate{{ID: t.ID, Name: t.Name, Status: string(t.Status), Region: w.cfg.RegionName}}
	}
	if s, ok := w.snoozes[nameOrID]; ok {
		return byID, []tracked.Candidate{{ID: s.InstanceID, Name: s.InstanceName, Region: w.cfg.RegionName}}
	}
	for how, fold := range []bool{false, true} {
		for _, t := range w.tracked {
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
func (w *Watcher) Started() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return !w.health.LastSuccess.IsZero()
}

// Snooze silences new alerts for one instance for d. Its transitions are
// still recorded; one still in an alert status when the snooze ends is
// alerted then.
func (w *Watcher) Snooze(ctx context.Context, nameOrID string, d time.Duration, userID string) (state.Snooze, error) {
	if d <= 0 {
		return state.Snooze{}, fmt.Errorf("snooze %q: duration %s is not positive", nameOrID, d)
	}
	if err := w.load(ctx); err != nil {
		return state.Snooze{}, err
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return state.Snooze{}, fmt.Errorf("snooze %q: %w", nameOrID, err)
	}
	defer w.mu.Unlock()
	id, name, err := w.resolve(nameOrID)
	if err != nil {
		return state.Snooze{}, err
	}
	now := w.cfg.Now()
	s := state.Snooze{InstanceID: id, InstanceName: name, Until: now.Add(d), By: userID}
	if err := w.saveSnooze(ctx, s, now); err != nil {
		return state.Snooze{}, err
	}
	return s, nil
}

// Unsnooze ends a snooze now. A transition it held back is alerted by the
// next poll if the instance is still in an alert status.
func (w *Watcher) Unsnooze(ctx context.Context, nameOrID string, userID string) (state.Snooze, error) {
	if err := w.load(ctx); err != nil {
		return state.Snooze{}, err
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return state.Snooze{}, fmt.Errorf("unsnooze %q: %w", nameOrID, err)
	}
	defer w.mu.Unlock()
	id, _, err := w.resolve(nameOrID)
	if err != nil {
		return state.Snooze{}, err
	}
	now := w.cfg.Now()
	s, ok := w.snoozes[id]
	if !ok || !s.Until.After(now) {
		return state.Snooze{}, fmt.Errorf("unsnooze %q: %w", nameOrID, tracked.ErrNotSnoozed)
	}
	// Ending it rather than deleting it lets the next poll release what it
	// held back, in the same place as a snooze that simply ran out.
	s.Until, s.By = now, userID
	if err := w.saveSnooze(ctx, s, now); err != nil {
		return state.Snooze{}, err
	}
	return s, nil
}

// saveSnooze stores a snooze and re-renders the instance's open alert so
// its message shows the snooze. The caller holds w.mu.
func (w *Watcher) saveSnooze(ctx context.Context, s state.Snooze, now time.Time) error {
	queued := false
	prev, hadPrev := w.snoozes[s.InstanceID]
	err := w.st.Update(ctx, func(tx state.Tx) error {
		if err := tx.PutSnooze(s); err != nil {
			return err
		}
		t, ok := w.instance(s.InstanceID)
		if !ok || t.AlertID == "" {
			return nil
		}
		a, ok, err := tx.Alert(t.AlertID)
		if err != nil || !ok || a.Parent != "" {
			return err
		}
		w.snoozes[s.InstanceID] = s // render sees it; undone below on failure
		if _, _, err := w.queueUpdate(tx, a, now); err != nil {
			return err
		}
		queued = true
		return nil
	})
	if err != nil {
		if hadPrev {
			w.snoozes[s.InstanceID] = prev
		} else {
			delete(w.snoozes, s.InstanceID)
		}
		return fmt.Errorf("save snooze of %q: %w", s.InstanceID, err)
	}
	w.snoozes[s.InstanceID] = s
	if queued {
		w.cfg.Notify()
	}
	return nil
}
