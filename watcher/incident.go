package watcher

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// expectWindow is how long an action started on an instance explains the
// status change it causes: SCNet stops or deletes within minutes, and a
// later change is the instance's own doing again.
const expectWindow = 15 * time.Minute

// expected returns the action a person started that explains a move into
// to, and forgets an expectation that had its effect or ran out.
func (p *plan) expected(cur *state.Instance, to scnet.Status) *state.Expectation {
	e := cur.Expect
	if e == nil {
		return nil
	}
	if !p.now.Before(e.Until) {
		cur.Expect = nil
		return nil
	}
	switch tracked.ActionKind(e.Kind) {
	case tracked.ActionStop:
		if to == scnet.StatusTerminated || to == scnet.StatusCompleted {
			cur.Expect = nil
			return e
		}
	case tracked.ActionRestart:
		// A restart goes through Waiting or Deploying first; it has had
		// its effect once the instance runs.
		if to == scnet.StatusRunning {
			cur.Expect = nil
			return e
		}
	}
	return nil
}

// restartBy is the person whose restart brought an incident's instance
// back: the one expected, else the latest restart written on the alert
// that did not fail.
func restartBy(a state.Alert, exp *state.Expectation) string {
	if exp != nil && exp.Kind == string(tracked.ActionRestart) {
		return exp.User
	}
	for i := len(a.Actions) - 1; i >= 0; i-- {
		act := a.Actions[i]
		if act.Kind == string(tracked.ActionRestart) && act.Outcome != string(tracked.ActionFailed) {
			return act.User
		}
	}
	return ""
}

// gone handles a tracked instance SCNet says no longer exists: its open
// incident ends, and a delete somebody asked for is news where the action
// was written.
func (p *plan) gone(prev state.Instance) error {
	var exp *state.Expectation
	if e := prev.Expect; e != nil && e.Kind == string(tracked.ActionDelete) && p.now.Before(e.Until) {
		exp = e
	}
	t, was := p.w.words(), p.w.cfg.Render.Status(prev.Status)
	what, user := t.T("WatchDeleted", "Status", was), ""
	if exp != nil {
		what, user = t.T("WatchDeletedBy", "User", UserMark, "Status", was), exp.User
	}
	if prev.AlertID != "" {
		return p.closeWith(prev.AlertID, prev, what, user, t.T("WatchWhyDeleted"))
	}
	if exp != nil {
		return p.newsTo(exp.AlertID, prev, what, user)
	}
	return nil
}

// newsTo writes a thread line in an alert's thread, if the alert is still
// kept.
func (p *plan) newsTo(alertID string, inst state.Instance, what, user string) error {
	if alertID == "" {
		return nil
	}
	a, ok, err := p.tx.Alert(alertID)
	if err != nil || !ok {
		return err
	}
	p.addNews(a, inst, what, user)
	return nil
}

// reopen reopens an instance's last incident when it fails again within
// FlapWindow of that incident's end: one thread, with a count, instead of
// a new alert each time it flaps.
func (p *plan) reopen(cur *state.Instance, from, to scnet.Status) (bool, error) {
	win := p.w.cfg.FlapWindow
	if win <= 0 || cur.LastAlertID == "" || p.now.Sub(cur.LastClosed) > win {
		return false, nil
	}
	a, ok, err := p.tx.Alert(cur.LastAlertID)
	if err != nil || !ok {
		return false, err
	}
	a.Failures = max(a.Failures, 1) + 1
	// The restart that ended the last round must not be credited with
	// ending this one.
	a.Closed, a.ResolvedBy, a.Actions = time.Time{}, "", nil
	a.From, a.To = from, to
	t := p.w.words()
	nth, within, tr := ordinal(t, a.Failures), p.w.cfg.Render.Span(p.now.Sub(a.Created)), p.w.transition(from, to)
	flap := t.T("WatchFailedAgain", "Nth", nth, "Within", within, "Transition", tr)
	a.StatusLine = t.T("WatchFailedAgainLine", "Nth", nth, "Within", within, "Transition", tr, "At", p.clock(p.now))
	cur.AlertID, cur.LastAlertID, cur.LastClosed = a.ID, "", time.Time{}
	p.addNews(a, *cur, flap, "")
	return true, p.tx.PutAlert(a)
}

// Resolve ends an incident by hand: who resolved it and after how long
// go on its status line and in its thread. A second click keeps the first
// resolution. Like Ack it queues the alert's message as it should look now
// and returns that rendering; found is false for an alert the watcher no
// longer keeps.
func (w *Watcher) Resolve(ctx context.Context, alertID, user string) (text string, blocks json.RawMessage, found bool, err error) {
	if err := w.load(ctx); err != nil {
		return "", nil, false, err
	}
	if err := w.mu.LockContext(ctx); err != nil {
		return "", nil, false, fmt.Errorf("resolve alert %q: %w", alertID, err)
	}
	defer w.mu.Unlock()
	now := w.cfg.Now()
	var edited *state.Instance
	err = w.st.Update(ctx, func(tx state.Tx) error {
		text, blocks, found, edited = "", nil, false, nil // an attempt may run again
		a, ok, err := tx.Alert(alertID)
		if err != nil || !ok {
			return err
		}
		found = true
		if a.Closed.IsZero() && !a.Storm && a.InstanceID != "" {
			a.Closed, a.ResolvedBy = now, user
			// The renderer names who resolved it (ResolvedBy); the line is
			// the text for anything that shows only the line.
			a.StatusLine = w.words().T("WatchResolvedByHandLine", "After", w.cfg.Render.Span(now.Sub(a.Created)), "At", w.cfg.Render.Stamp(now))
			if err := tx.PutAlert(a); err != nil {
				return err
			}
			t, tracked, err := w.instanceIn(tx, a.InstanceID)
			if err != nil {
				return err
			}
			name := unsnapshot(a.Snapshot).Name
			if tracked {
				name = t.Name
			}
			what := w.words().T("WatchResolvedBy", "User", UserMark, "After", w.cfg.Render.Span(now.Sub(a.Created)))
			line := w.cfg.Render.UserNewsLine(name, a.InstanceID, what, user, w.cfg.Render.Stamp(now))
			if err := w.queueThread(tx, a, line, now); err != nil {
				return err
			}
			if tracked && t.AlertID == a.ID {
				t.AlertID, t.LastAlertID, t.LastClosed = "", a.ID, now
				if err := tx.PutInstance(t); err != nil {
					return err
				}
				edited = &t
			}
		}
		text, blocks, err = w.queueUpdate(tx, a, now)
		return err
	})
	if err != nil {
		return "", nil, false, fmt.Errorf("resolve alert %q: %w", alertID, err)
	}
	if edited != nil && !w.cfg.Shared {
		// In shared mode the store is the truth and the next poll
		// reloads it; memory is not the place for another replica to see it.
		w.edits[edited.ID] = *edited
	}
	w.cfg.Notify()
	return text, blocks, found, nil
}

// queueThread queues one line in an alert's thread (its storm's, for a
// storm member). The caller holds w.mu.
func (w *Watcher) queueThread(tx state.Tx, a state.Alert, line string, now time.Time) error {
	thread := a.ID
	if a.Parent != "" {
		thread = a.Parent
	}
	meta, err := tx.Meta()
	if err != nil {
		return err
	}
	// Numbered as a poll numbers its messages, so the id, which finds a
	// message whose send may have happened, is never another's.
	id := w.messageID(&meta, "t")
	if err := tx.PutMeta(meta); err != nil {
		return err
	}
	text, blocks := w.cfg.Render.List([]string{line}, "", 0, 0)
	if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id,
		Channel: a.Channel, ThreadOf: thread, Text: text, Blocks: blocks, Created: now}); err != nil {
		return fmt.Errorf("queue message %s: %w", id, err)
	}
	return nil
}

// resolvedLine is the status line of an incident opened at opened and
// closed at closed, why in words ("Running again", "deleted").
func (w *Watcher) resolvedLine(opened, closed time.Time, why string) string {
	return w.words().T("WatchResolvedLine", "After", w.cfg.Render.Span(closed.Sub(opened)), "Why", why, "At", w.cfg.Render.Stamp(closed))
}

// ordinal writes n as t's language counts a repeat: "2nd", "3rd", "11th"
// in English, "第 3 次" in Chinese. go-i18n's plural forms are cardinal
// ("3 times"), so English's ordinal rule picks one of four messages here;
// a language without suffixes writes the four alike.
func ordinal(t *i18n.Printer, n int) string {
	id := "WatchOrdinalTh"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		id = "WatchOrdinalSt"
	case n%10 == 2:
		id = "WatchOrdinalNd"
	case n%10 == 3:
		id = "WatchOrdinalRd"
	}
	return t.T(id, "N", n)
}
