package watcher

import (
	"context"
	"fmt"
	"strings"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// maxAlertActions bounds the actions kept on an alert: the incident's end
// names only the latest restart.
const maxAlertActions = 10

// RecordAction is told of an action on an instance of w's region
// (actions.Recorder). It writes the action in the thread of the
// instance's open alert, else of its latest alert still kept, and keeps it
// on that alert so the incident's end can name it. An action started
// writes no line: for a stop or a delete it makes the change it causes
// news instead of a new alert, for a restart it lets the end say "after
// restart by". An instance w does not track changes nothing (threaded is
// false and err nil), except that a stop started on one no poll has seen
// yet tracks it from then on, so the stop is expected there too.
func (w *Watcher) RecordAction(ctx context.Context, rec tracked.ActionRecord) (threaded bool, err error) {
	if err := w.load(ctx); err != nil {
		return false, err
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return false, fmt.Errorf("record %s of instance %q: %w", rec.Kind, rec.InstanceID, err)
	}
	defer w.mu.Unlock()
	now := w.cfg.Now()
	at := rec.At
	if at.IsZero() {
		at = now
	}
	var edited *state.Instance
	err = w.st.Update(ctx, func(tx state.Tx) error {
		threaded, edited = false, nil // an attempt may run again
		t, ok, err := w.instanceIn(tx, rec.InstanceID)
		if err != nil {
			return err
		}
		if !ok {
			if rec.Kind != tracked.ActionStop || rec.Outcome != tracked.ActionStarted || !scnet.ValidInstanceID(rec.InstanceID) {
				return nil
			}
			// Created since the last poll: tracked from now, as live (only a
			// live instance can be stopped), so the Terminated the stop
			// causes is expected rather than a failure between two polls.
			t = state.Instance{ID: rec.InstanceID, Name: rec.InstanceName, Status: scnet.StatusRunning, Changed: now}
		}
		a, found, err := w.actionAlert(tx, t)
		if err != nil {
			return err
		}
		cur := t
		switch rec.Outcome {
		case tracked.ActionStarted:
			cur.Expect = &state.Expectation{Kind: string(rec.Kind), User: rec.User, Until: now.Add(expectWindow)}
			if found {
				cur.Expect.AlertID = a.ID
			}
		case tracked.ActionFailed:
			// Nothing happened: nothing to expect.
			if cur.Expect != nil && cur.Expect.Kind == string(rec.Kind) {
				cur.Expect = nil
			}
		}
		if cur != t {
			if err := tx.PutInstance(cur); err != nil {
				return err
			}
			edited = &cur
		}
		if !found || rec.Outcome == tracked.ActionStarted {
			return nil
		}
		a.Actions = append(a.Actions, state.AlertAction{Kind: string(rec.Kind), User: rec.User, At: at, Outcome: string(rec.Outcome)})
		if n := len(a.Actions); n > maxAlertActions {
			a.Actions = a.Actions[n-maxAlertActions:]
		}
		if err := tx.PutAlert(a); err != nil {
			return err
		}
		name := rec.InstanceName
		if name == "" {
			name = t.Name
		}
		line := w.cfg.Render.UserNewsLine(name, rec.InstanceID, actionNews(w.words(), rec), rec.User, w.cfg.Render.Stamp(at))
		if err := w.queueThread(tx, a, line, now); err != nil {
			return err
		}
		threaded = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record %s of instance %q: %w", rec.Kind, rec.InstanceID, err)
	}
	if edited != nil && !w.cfg.Shared {
		// In shared mode the store is the truth; the next poll reloads it.
		w.edits[edited.ID] = *edited
	}
	if threaded {
		w.cfg.Notify()
	}
	return threaded, nil
}

// actionAlert is the alert whose thread an action on t is written in: its
// open incident's, else its latest one's while it is kept.
func (w *Watcher) actionAlert(tx state.Tx, t state.Instance) (state.Alert, bool, error) {
	for _, id := range []string{t.AlertID, t.LastAlertID} {
		if id == "" {
			continue
		}
		a, ok, err := tx.Alert(id)
		if err != nil || ok {
			return a, ok, err
		}
	}
	return state.Alert{}, false, nil
}

// actionNews is the thread line's words for an action in t's language,
// UserMark standing for the person. The detail is the actions' own words,
// passed on as given.
func actionNews(t *i18n.Printer, rec tracked.ActionRecord) string {
	// A UserMark in the detail is text, not the person.
	detail := strings.ReplaceAll(rec.Detail, UserMark, "{ user }")
	switch rec.Outcome {
	case tracked.ActionDone:
		switch rec.Kind {
		case tracked.ActionRestart:
			return t.T("WatchRestartedBy", "User", UserMark)
		case tracked.ActionStop:
			return t.T("WatchStoppedBy", "User", UserMark)
		case tracked.ActionDelete:
			return t.T("WatchDeletedByAction", "User", UserMark)
		}
		return t.T("WatchActionDoneBy", "Action", actionWord(t, rec.Kind), "User", UserMark)
	case tracked.ActionFailed:
		if detail != "" {
			return t.T("WatchActionFailedDetail", "Action", actionWord(t, rec.Kind), "User", UserMark, "Detail", detail)
		}
		return t.T("WatchActionFailed", "Action", actionWord(t, rec.Kind), "User", UserMark)
	case tracked.ActionUnknown:
		if detail != "" {
			return t.T("WatchActionUnknownDetail", "Action", actionWord(t, rec.Kind), "User", UserMark, "Detail", detail)
		}
		return t.T("WatchActionUnknown", "Action", actionWord(t, rec.Kind), "User", UserMark)
	}
	return t.T("WatchActionOutcome", "Action", actionWord(t, rec.Kind), "User", UserMark, "Outcome", string(rec.Outcome))
}

// actionWord names an action kind in t's language; a kind scnetbot does
// not know is shown as recorded.
func actionWord(t *i18n.Printer, k tracked.ActionKind) string {
	switch k {
	case tracked.ActionRestart:
		return t.T("WatchActionRestart")
	case tracked.ActionStop:
		return t.T("WatchActionStop")
	case tracked.ActionDelete:
		return t.T("WatchActionDelete")
	}
	return string(k)
}

// RecordAction passes an action to the watcher of its region
// (actions.Recorder): the one whose Region is rec.Region, or with Region
// "" the only one, else the one that tracks the instance. An action in a
// region without a watcher changes nothing.
func (g *Group) RecordAction(ctx context.Context, rec tracked.ActionRecord) (threaded bool, err error) {
	ws := g.Watchers()
	for _, w := range ws {
		if rec.Region != "" && w.cfg.Region == rec.Region || rec.Region == "" && len(ws) == 1 {
			return w.RecordAction(ctx, rec)
		}
	}
	if rec.Region != "" {
		return false, nil
	}
	for _, w := range ws {
		if err := w.load(ctx); err != nil {
			return false, err
		}
		ok, err := w.tracks(ctx, rec.InstanceID)
		if err != nil {
			return false, fmt.Errorf("record %s of instance %q: %w", rec.Kind, rec.InstanceID, err)
		}
		if ok {
			return w.RecordAction(ctx, rec)
		}
	}
	return false, nil
}

// tracks reports whether w tracks instance id: by the store in shared
// mode, else by its memory.
func (w *Watcher) tracks(ctx context.Context, id string) (bool, error) {
	if w.cfg.Shared {
		var ok bool
		err := w.st.View(ctx, func(tx state.Tx) error {
			var err error
			_, ok, err = tx.Instance(id)
			return err
		})
		return ok, err
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return false, err
	}
	defer w.mu.Unlock()
	_, ok := w.instance(id)
	return ok, nil
}
