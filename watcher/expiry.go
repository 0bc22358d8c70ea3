package watcher

import (
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// expiryGrain is how coarsely SCNet writes remainingTime (to the minute):
// a time left that grew by more than that is a renewed limit, not rounding.
const expiryGrain = time.Minute

// expiry warns once when a live instance's time left falls below
// ExpiryWarn. The warning is recorded on the tracked instance, so a
// restart does not repeat it; it is owed again once the instance leaves
// the live statuses or its time left grows (its limit was renewed).
func (p *plan) expiry(cur *state.Instance, in scnet.Instance) error {
	if !in.Status.Live() {
		cur.ExpiryWarned, cur.ExpiryLeft = time.Time{}, 0
		return nil
	}
	warn := p.w.cfg.ExpiryWarn
	if warn <= 0 {
		return nil
	}
	left, ok := in.TimeLeft(p.now)
	if !ok {
		return nil
	}
	if !cur.ExpiryWarned.IsZero() {
		if left <= cur.ExpiryLeft+expiryGrain {
			return nil
		}
		cur.ExpiryWarned, cur.ExpiryLeft = time.Time{}, 0
	}
	if left >= warn {
		return nil
	}
	cur.ExpiryWarned, cur.ExpiryLeft = p.now, left
	text, blocks := p.w.cfg.Render.ExpiryWarning(in, left, p.w.cfg.RegionName)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("x"), Text: text, Blocks: blocks})
}
