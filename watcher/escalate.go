package watcher

import (
	"maps"
	"slices"

	"scnetbot/state"
)

// escalate posts one reply mentioning EscalateMention in the thread of
// every open alert nobody acknowledged within EscalateAfter. It needs only
// the store, so it runs on polls SCNet did not answer too; the time it was
// sent is on the alert, so a restart neither repeats nor loses it. A storm
// member's incident escalates its storm summary, whose message carries the
// Acknowledge button.
func (p *plan) escalate() error {
	after, mention := p.w.cfg.EscalateAfter, p.w.cfg.EscalateMention
	if after <= 0 || mention == "" {
		return nil
	}
	targets := map[string]bool{}
	for _, id := range slices.Sorted(maps.Keys(p.openAlerts())) {
		a, ok, err := p.tx.Alert(id)
		if err != nil {
			return err
		}
		switch {
		case !ok || !a.Closed.IsZero() || p.now.Sub(a.Created) < after:
		case a.Parent != "":
			targets[a.Parent] = true
		default:
			targets[a.ID] = true
		}
	}
	for _, id := range slices.Sorted(maps.Keys(targets)) {
		a, ok, err := p.tx.Alert(id)
		if err != nil {
			return err
		}
		if !ok || a.AckedBy != "" || !a.EscalatedAt.IsZero() || a.Dead || p.now.Sub(a.Created) < after {
			continue
		}
		a.EscalatedAt = p.now
		if err := p.tx.PutAlert(a); err != nil {
			return err
		}
		text, blocks := p.w.cfg.Render.Escalation(a, mention, after)
		if err := p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("e"), Channel: a.Channel, ThreadOf: a.ID,
			Text: text, Blocks: blocks}); err != nil {
			return err
		}
	}
	return nil
}

// openAlerts are the ids of the open incidents of tracked instances, as
// this plan leaves them.
func (p *plan) openAlerts() map[string]bool {
	ids := map[string]bool{}
	for id := range p.tracked {
		if t, ok := p.get(id); ok && t.AlertID != "" {
			ids[t.AlertID] = true
		}
	}
	for _, ts := range []map[string]state.Instance{p.put, p.w.edits} {
		for id := range ts {
			if t, ok := p.get(id); ok && t.AlertID != "" {
				ids[t.AlertID] = true
			}
		}
	}
	return ids
}
