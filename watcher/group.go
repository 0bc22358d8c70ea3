package watcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"scnetbot/state"
	"scnetbot/tracked"
)

// ErrNoRegions is Group.Owner's answer while the group has no watcher yet.
var ErrNoRegions = errors.New("no region's watcher yet: SCNet's regions are not found yet")

// Group is the watchers of every region, one per region, each with its own
// poll loop, so an outage or a slow SCNet in one region neither delays nor
// stops the alerts of the others. It is what /instances (Health, Started,
// Snooze, Unsnooze) and the alert buttons (Owner) see: one watcher over
// every region. Build it with NewGroup; a region found later joins with Add.
type Group struct {
	mu  sync.Mutex
	ws  []*Watcher
	run context.Context // Run's context while it runs, nil otherwise
	// stopping is set while Run waits for its loops to stop: a watcher
	// added then is started by the next Run, not this one.
	stopping bool
	wg       sync.WaitGroup
}

// NewGroup groups watchers, one per region.
func NewGroup(ws ...*Watcher) *Group { return &Group{ws: slices.Clone(ws)} }

// Add adds a region's watcher; while Run runs it starts polling at once.
func (g *Group) Add(w *Watcher) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ws = append(g.ws, w)
	if g.run != nil {
		g.start(w)
	}
}

// start runs one region's poll loop; the caller holds g.mu.
func (g *Group) start(w *Watcher) {
	ctx := g.run
	g.wg.Go(func() { _ = w.Run(ctx) })
}

// Watchers returns the group's watchers in the order they were added.
func (g *Group) Watchers() []*Watcher {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.ws)
}

// Run runs every region's poll loop until ctx ends, each on its own, and
// returns once they all stopped. It may be called again once it returned
// (a replica that regains the lease polls again), never twice at once; a
// watcher added while no Run runs starts with the next.
func (g *Group) Run(ctx context.Context) error {
	g.mu.Lock()
	if g.run != nil || g.stopping {
		g.mu.Unlock()
		return errors.New("watcher group already running")
	}
	g.run = ctx
	for _, w := range g.ws {
		g.start(w)
	}
	g.mu.Unlock()
	<-ctx.Done()
	g.mu.Lock()
	// A watcher added from now on is not started: starting one while
	// wg.Wait waits is a race, and it would stop at once anyway.
	g.run, g.stopping = nil, true
	g.mu.Unlock()
	g.wg.Wait()
	g.mu.Lock()
	g.stopping = false
	g.mu.Unlock()
	return nil
}

// Health is every region's health in one: the sums and the worst of them,
// with each region's own in Regions.
func (g *Group) Health(ctx context.Context) (tracked.Health, error) {
	ws := g.Watchers()
	if len(ws) == 1 {
		return ws[0].Health(ctx)
	}
	names := make([]string, 0, len(ws))
	hs := make([]tracked.Health, 0, len(ws))
	for _, w := range ws {
		r, err := w.Health(ctx)
		if err != nil {
			return tracked.Health{}, err
		}
		names, hs = append(names, w.cfg.RegionName), append(hs, r)
	}
	return mergeHealth(names, hs), nil
}

// mergeHealth sums up the health of several regions' watchers, names[i]
// being hs[i]'s region. What one region says is not passed off as the
// group's: the channel is set only when every region alerts in the same
// one, and each region's error carries its name, so a reader of the sum
// alone is not told that SCNet as a whole failed when one region did.
func mergeHealth(names []string, hs []tracked.Health) tracked.Health {
	h := tracked.Health{Enabled: true}
	var errs []string
	var causes []error
	for i, r := range hs {
		if i == 0 {
			h.Channel, h.Interval, h.LastSuccess = r.Channel, r.Interval, r.LastSuccess
		} else if r.Channel != h.Channel {
			h.Channel = ""
		}
		if r.LastPoll.After(h.LastPoll) {
			h.LastPoll = r.LastPoll
		}
		// The group is as fresh as its stalest region.
		if r.LastSuccess.IsZero() || r.LastSuccess.Before(h.LastSuccess) {
			h.LastSuccess = r.LastSuccess
		}
		if r.LastError != "" {
			errs = append(errs, names[i]+": "+r.LastError)
		}
		if r.LastCause != nil {
			causes = append(causes, fmt.Errorf("%s: %w", names[i], r.LastCause))
		}
		if h.StateError == "" {
			h.StateError = r.StateError
		}
		h.Outage = h.Outage || r.Outage
		h.Tracked += r.Tracked
		h.PendingAlerts = max(h.PendingAlerts, r.PendingAlerts) // one outbox for all
		h.Snoozes = append(h.Snoozes, r.Snoozes...)
		if !r.TokenExpiresAt.IsZero() && (h.TokenExpiresAt.IsZero() || r.TokenExpiresAt.Before(h.TokenExpiresAt)) {
			h.TokenExpiresAt = r.TokenExpiresAt
		}
		h.Regions = append(h.Regions, r.Regions...)
	}
	h.LastError = strings.Join(errs, "; ")
	h.LastCause = errors.Join(causes...)
	slices.SortStableFunc(h.Snoozes, func(a, b state.Snooze) int { return a.Until.Compare(b.Until) })
	return h
}

// staleAfter is how many poll intervals without a successful poll make a
// region blind; it is the rule health.Checks.Ready applies to one watcher.
const staleAfter = 3

// Readiness is Watcher.Readiness over every region: ready while every
// region's watcher is. A region that cannot be watched (its part of the
// store unusable, no successful poll yet, or none within three intervals)
// is named in the error, so /readyz says which region is blind rather than
// only that some poll is old: the other regions are still watched, and the
// operator must know which one is not. lastSuccess is the stalest region's.
func (g *Group) Readiness(ctx context.Context) (lastSuccess time.Time, interval time.Duration, err error) {
	ws := g.Watchers()
	if len(ws) == 1 {
		return ws[0].Readiness(ctx)
	}
	var unusable, blind, stateErrs []string
	for i, w := range ws {
		// Within ctx: a poll holding the lock must not make the probe
		// hang, which is worse than "not ready".
		if err := w.mu.LockContext(ctx); err != nil {
			return time.Time{}, interval, fmt.Errorf("watcher readiness: %w", err)
		}
		h := w.health
		w.mu.Unlock()
		if w.cfg.Shared {
			// The leader's polls count, whichever replica made them.
			sh, err := w.sharedHealth(ctx)
			if err != nil {
				return time.Time{}, interval, fmt.Errorf("watcher readiness: %w", err)
			}
			h.LastSuccess = later(h.LastSuccess, sh.lastSuccess)
		}
		if i == 0 {
			lastSuccess, interval = h.LastSuccess, h.Interval
		} else if h.LastSuccess.IsZero() || h.LastSuccess.Before(lastSuccess) {
			lastSuccess = h.LastSuccess
		}
		name := w.cfg.RegionName + " (" + w.cfg.Region + ")"
		switch {
		case h.StateError != "":
			unusable = append(unusable, name+": "+h.StateError)
			stateErrs = append(stateErrs, h.StateError)
		case h.LastSuccess.IsZero():
			blind = append(blind, name+": not polled successfully yet")
		case w.cfg.Now().Sub(h.LastSuccess) > staleAfter*w.cfg.Interval:
			blind = append(blind, name+": last successful poll older than 3 intervals")
		}
	}
	switch {
	case len(unusable) == len(ws) && len(slices.Compact(stateErrs)) == 1:
		// The one file is unusable: once is enough.
		return lastSuccess, interval, fmt.Errorf("watcher state unusable: %s", stateErrs[0])
	case len(unusable) > 0:
		return lastSuccess, interval, fmt.Errorf("watcher state unusable: %s", strings.Join(unusable, "; "))
	case len(blind) > 0:
		return lastSuccess, interval, fmt.Errorf("watcher cannot see SCNet in %d of %d regions: %s",
			len(blind), len(ws), strings.Join(blind, "; "))
	}
	return lastSuccess, interval, nil
}

// Started reports whether every region's watcher has completed a poll.
func (g *Group) Started() bool {
	ws := g.Watchers()
	for _, w := range ws {
		if !w.Started() {
			return false
		}
	}
	return len(ws) > 0
}

// Snooze snoozes the one instance nameOrID names in any region; a name
// that matches instances in several regions is a *tracked.AmbiguousError
// whose candidates name their regions.
func (g *Group) Snooze(ctx context.Context, nameOrID string, d time.Duration, userID string) (state.Snooze, error) {
	w, id, err := g.resolve(ctx, "snooze", nameOrID)
	if err != nil {
		return state.Snooze{}, err
	}
	return w.Snooze(ctx, id, d, userID)
}

// Unsnooze ends the snooze of the one instance nameOrID names in any region.
func (g *Group) Unsnooze(ctx context.Context, nameOrID string, userID string) (state.Snooze, error) {
	w, id, err := g.resolve(ctx, "unsnooze", nameOrID)
	if err != nil {
		return state.Snooze{}, err
	}
	return w.Unsnooze(ctx, id, userID)
}

// resolve finds the region and id of the instance a word names: the best
// way it matches in any region wins (an id before a name), and several
// instances matched that way are ambiguous.
func (g *Group) resolve(ctx context.Context, verb, nameOrID string) (*Watcher, string, error) {
	best, owner := noMatch, []*Watcher(nil)
	var cs []tracked.Candidate
	for _, w := range g.Watchers() {
		if err := w.load(ctx); err != nil {
			return nil, "", err
		}
		how, found, err := w.matches(ctx, nameOrID)
		if err != nil {
			return nil, "", fmt.Errorf("%s %q: %w", verb, nameOrID, err)
		}
		switch {
		case how < best:
			best, cs, owner = how, found, nil
		case how > best || how == noMatch:
			continue
		default:
			cs = append(cs, found...)
		}
		for range found {
			owner = append(owner, w)
		}
	}
	switch {
	case best == noMatch:
		return nil, "", fmt.Errorf("%s %q: %w", verb, nameOrID, tracked.ErrUnknownInstance)
	case len(cs) == 1:
		return owner[0], cs[0].ID, nil
	}
	slices.SortStableFunc(cs, func(a, b tracked.Candidate) int {
		return strings.Compare(a.Region+"\x00"+a.ID, b.Region+"\x00"+b.ID)
	})
	return nil, "", &tracked.AmbiguousError{Name: strings.TrimSpace(nameOrID), Candidates: cs}
}

// Load reads every region's tracked instances and snoozes (Watcher.Load).
func (g *Group) Load(ctx context.Context) error {
	for _, w := range g.Watchers() {
		if err := w.Load(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Owner finds the region's watcher that raised an alert, by the alert's
// id: the one whose part of the store holds it. An alert of the
// one-region version belongs to the region its records were moved to
// (state.AdoptLegacy), so the buttons of messages already in Slack work.
//
// Before any region's watcher exists (SCNet's regions are not found yet,
// typically just after a restart while its login fails), the answer is
// ErrNoRegions: the alert may well be kept, only not looked up yet.
func (g *Group) Owner(ctx context.Context, alertID string) (*Watcher, bool, error) {
	ws := g.Watchers()
	if len(ws) == 0 {
		return nil, false, ErrNoRegions
	}
	for _, w := range ws {
		if o, found, err := w.Owner(ctx, alertID); err != nil || found {
			return o, found, err
		}
	}
	return nil, false, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
