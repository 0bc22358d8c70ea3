package watcher

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// Load reads the tracked instances and snoozes, once per process. Alert
// buttons call it first, so a store the watcher cannot read is one answer
// whatever the button.
func (w *Watcher) Load(ctx context.Context) error { return w.load(ctx) }

// Owner returns w when the alert is one of w's, so a Watcher answers the
// alert buttons of its messages on its own as a Group does for several.
func (w *Watcher) Owner(ctx context.Context, alertID string) (*Watcher, bool, error) {
	_, found, err := w.Alert(ctx, alertID)
	if err != nil || !found {
		return nil, false, err
	}
	return w, true, nil
}

// RegionName is the name of the region w watches, "" for a watcher not
// told its region: what its alerts and their Details views name.
func (w *Watcher) RegionName() string { return w.cfg.RegionName }

// Alert reads one alert record.
func (w *Watcher) Alert(ctx context.Context, id string) (a state.Alert, found bool, err error) {
	err = w.st.View(ctx, func(tx state.Tx) error {
		a, found, err = tx.Alert(id)
		return err
	})
	return a, found, err
}

// Ack records who acknowledged an alert first; later clicks keep the first.
// Either way it queues the alert's message as it should look now (so an
// older queued update cannot overwrite it) and returns that rendering;
// found is false for an alert the watcher no longer keeps.
func (w *Watcher) Ack(ctx context.Context, alertID, user string) (text string, blocks json.RawMessage, found bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	err = w.st.Update(ctx, func(tx state.Tx) error {
		text, blocks, found = "", nil, false // an attempt may run again
		a, ok, err := tx.Alert(alertID)
		if err != nil || !ok {
			return err
		}
		found = true
		if a.AckedBy == "" {
			a.AckedBy, a.AckedAt = user, now
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		text, blocks, err = w.queueUpdate(tx, a, now)
		return err
	})
	if err != nil {
		return "", nil, false, fmt.Errorf("acknowledge alert %q: %w", alertID, err)
	}
	w.cfg.Notify()
	return text, blocks, found, nil
}

// queueUpdate renders an alert as it should look now and queues that as a
// chat.update, which replaces any older queued rendering.
func (w *Watcher) queueUpdate(tx state.Tx, a state.Alert, now time.Time) (string, json.RawMessage, error) {
	text, blocks, err := w.render(tx, a, now)
	if err != nil {
		return "", nil, err
	}
	_, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "u" + a.ID + "-" + now.Format("150405.000"),
		Channel: a.Channel, AlertID: a.ID, Text: text, Blocks: blocks, Created: now})
	return text, blocks, err
}

// Current renders an alert's message as it should look now; ok is false
// when the alert cannot be read.
func (w *Watcher) Current(ctx context.Context, alertID string) (text string, blocks json.RawMessage, ok bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	_ = w.st.View(ctx, func(tx state.Tx) error {
		a, found, err := tx.Alert(alertID)
		if err != nil || !found {
			return err
		}
		if text, blocks, err = w.render(tx, a, w.cfg.Now()); err != nil {
			return err
		}
		ok = true
		return nil
	})
	return text, blocks, ok
}

// Lookup looks an instance up now. When SCNet refuses the id as an invalid
// parameter it lists the instance's name to settle whether it is gone:
// scnet.ErrNotFound when it is, ErrUnsettled when that cannot be told.
func (w *Watcher) Lookup(ctx context.Context, id string) (*scnet.Instance, error) {
	in, err := w.lister.Instance(ctx, id)
	if invalidParams(err) {
		in, err = w.confirmGone(ctx, id, w.trackedName(ctx, id), err)
	}
	return in, err
}

// trackedName is the name the watcher knows an instance by, "" if none:
// in shared mode the store's, where the leader's polls keep it.
func (w *Watcher) trackedName(ctx context.Context, id string) string {
	if w.cfg.Shared {
		var name string
		_ = w.st.View(ctx, func(tx state.Tx) error {
			if t, ok, err := tx.Instance(id); err != nil || ok {
				name = t.Name
				return err
			}
			s, _, err := tx.Snooze(id)
			name = s.InstanceName
			return err
		})
		return name
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if t, ok := w.tracked[id]; ok {
		return t.Name
	}
	return w.snoozes[id].InstanceName
}
