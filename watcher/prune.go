package watcher

import (
	"maps"
	"time"

	"scnetbot/state"
)

// prune forgets instances in a terminal status once nothing about them can
// be news any more, at most every ten minutes, so tracking follows the
// live instances rather than history.
func (p *plan) prune() error {
	if p.now.Sub(p.w.pruned) < 10*time.Minute {
		return nil
	}
	p.pruned = true
	for id, t := range p.tracked {
		if _, changed := p.put[id]; changed || t.Status.Live() || t.Held != nil {
			continue
		}
		if t.NoTimes && p.w.alerting(t.Status) {
			// Forgotten, it would be news again the next time a listing
			// shows it; it goes when a lookup finds it gone.
			continue
		}
		age := p.now.Sub(t.Changed)
		// An open incident is followed for FollowUpFor; after that and the
		// retention, a still-failed instance is history like any other.
		if t.AlertID == "" && age > p.w.cfg.Retain || age > p.w.cfg.FollowUpFor+p.w.cfg.Retain {
			p.del[id] = true
		}
	}
	return p.pruneAlerts()
}

// pruneAlerts deletes alert records past AlertRetention that no tracked
// instance and no queued message still refers to. Their buttons then answer
// that the alert is no longer known.
func (p *plan) pruneAlerts() error {
	inUse := map[string]bool{p.meta.OutageAlertID: true}
	for _, ts := range []map[string]state.Instance{p.tracked, p.w.edits, p.put} {
		for _, t := range ts {
			// The last incident may reopen, and an expected action's
			// effect goes in the thread it was written in.
			inUse[t.AlertID], inUse[t.LastAlertID] = true, true
			if t.Expect != nil {
				inUse[t.Expect.AlertID] = true
			}
		}
	}
	delete(inUse, "")
	// A storm summary stays while any of its members is in use.
	for id := range maps.Clone(inUse) {
		if a, ok, err := p.tx.Alert(id); err != nil {
			return err
		} else if ok && a.Parent != "" {
			inUse[a.Parent] = true
		}
	}
	// A message Slack refused for good is kept for an operator to see for
	// as long as alerts are, then forgotten with its alert.
	var dead []uint64
	if err := p.tx.Outbox(func(m state.Message) error {
		if m.Dead && p.now.Sub(m.Created) > p.w.cfg.AlertRetention {
			dead = append(dead, m.Seq)
			return nil
		}
		inUse[m.AlertID], inUse[m.ThreadOf] = true, true
		return nil
	}); err != nil {
		return err
	}
	for _, seq := range dead {
		if err := p.tx.DeleteMessage(seq); err != nil {
			return err
		}
	}
	var old []state.Alert
	delete(inUse, "")
	if err := p.tx.Alerts(func(a state.Alert) error {
		if p.now.Sub(a.Created) > p.w.cfg.AlertRetention && !inUse[a.ID] && !inUse[a.Parent] {
			old = append(old, a)
		}
		return nil
	}); err != nil {
		return err
	}
	for _, a := range old {
		if err := p.tx.DeleteAlert(a.ID); err != nil {
			return err
		}
	}
	return nil
}
