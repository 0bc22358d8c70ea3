package watcher

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"scnetbot/state"
	"scnetbot/tracked"
)

// Watcher polls SCNet and queues alerts in the store. Build it with New.
type Watcher struct {
	lister Lister
	st     state.Store
	pst    state.Store // what polls write through (Config.PollStore)
	cfg    Config

	// pollMu serialises polls; mu guards the memory below and is held only
	// while a poll applies its result, so buttons never wait for SCNet.
	pollMu sync.Mutex
	// accountOK is set once a poll answered since the start or the last
	// refusal took the region off the account warning, so later answered
	// polls need not look; frozenLogged says a refusal was logged when
	// there is no AccountStore. Both are guarded by pollMu.
	accountOK, frozenLogged bool
	mu                      lock
	loaded                  bool
	// tracked mirrors the store's instances so a poll does not re-read
	// every tracked instance from disk.
	tracked map[string]state.Instance
	// edits are tracked instances changed outside a poll (an incident
	// resolved, an action expected), already in the store. They are kept
	// apart because a poll reads tracked without mu while SCNet answers;
	// the next poll's plan sees them and folds them into tracked.
	edits   map[string]state.Instance
	snoozes map[string]state.Snooze
	health  tracked.Health
	pruned  time.Time
}

// New builds a watcher. It reads nothing until the first Poll or Run.
func New(l Lister, st state.Store, cfg Config) *Watcher {
	cfg = cfg.withDefaults()
	pst := cfg.PollStore
	if pst == nil {
		pst = st
	}
	return &Watcher{
		lister: l,
		st:     state.Namespace(st, cfg.Region),
		pst:    state.Namespace(pst, cfg.Region),
		cfg:    cfg,
		mu:     newLock(),
		edits:  map[string]state.Instance{},
		health: tracked.Health{Enabled: true, Channel: cfg.Channel, Interval: cfg.Interval},
	}
}

// Run polls at once and then every Interval until ctx ends. Poll errors are
// logged and counted, never fatal: an unreachable SCNet is what the outage
// notice is for.
func (w *Watcher) Run(ctx context.Context) error {
	t := time.NewTicker(w.cfg.Interval)
	defer t.Stop()
	for {
		switch err := w.Poll(ctx); {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, state.ErrFenced):
			// Another replica leads and polls: the app stops this loop
			// as soon as the lease says so. Not a failure.
			w.cfg.Logger.Info("watcher poll not saved: another replica leads", "err", err)
		default:
			w.cfg.Logger.Warn("watcher poll failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// load reads the tracked instances and snoozes once per process; in
// shared mode a poll reloads them (reload), since other replicas write.
func (w *Watcher) load(ctx context.Context) error {
	return w.loadOnce(ctx, false)
}

// reload is load for a poll: in shared mode it always reads the store.
func (w *Watcher) reload(ctx context.Context) error {
	return w.loadOnce(ctx, w.cfg.Shared)
}

func (w *Watcher) loadOnce(ctx context.Context, again bool) error {
	if err := w.mu.LockContext(ctx); err != nil {
		return fmt.Errorf("load watcher state: %w", err)
	}
	defer w.mu.Unlock()
	if w.loaded && !again {
		return nil
	}
	var tracked map[string]state.Instance
	var snoozes map[string]state.Snooze
	err := w.st.View(ctx, func(tx state.Tx) error {
		var err error
		tracked, snoozes, err = readTracked(tx)
		return err
	})
	if err != nil {
		return fmt.Errorf("load watcher state: %w", err)
	}
	w.tracked, w.snoozes, w.loaded = tracked, snoozes, true
	return nil
}

// readTracked reads every tracked instance and snooze in tx.
func readTracked(tx state.Tx) (map[string]state.Instance, map[string]state.Snooze, error) {
	tracked := make(map[string]state.Instance)
	snoozes := make(map[string]state.Snooze)
	if err := tx.Instances(func(i state.Instance) error {
		tracked[i.ID] = i
		return nil
	}); err != nil {
		return nil, nil, err
	}
	err := tx.Snoozes(func(s state.Snooze) error {
		snoozes[s.InstanceID] = s
		return nil
	})
	return tracked, snoozes, err
}

// instanceIn is a tracked instance as it stands now, for a user-initiated
// path inside its transaction: the store's in shared mode, else memory
// (which mirrors the store, edits included). The caller holds w.mu.
func (w *Watcher) instanceIn(tx state.Tx, id string) (state.Instance, bool, error) {
	if w.cfg.Shared {
		return tx.Instance(id)
	}
	t, ok := w.instance(id)
	return t, ok, nil
}

// instance is a tracked instance as it stands now. The caller holds w.mu.
func (w *Watcher) instance(id string) (state.Instance, bool) {
	if t, ok := w.edits[id]; ok {
		return t, true
	}
	t, ok := w.tracked[id]
	return t, ok
}

// Health reports the watcher's state for /instances watch and /readyz. It
// gives up, with ctx's error, when ctx ends before the watcher's memory or
// the store could be read.
func (w *Watcher) Health(ctx context.Context) (tracked.Health, error) {
	if err := w.mu.LockContext(ctx); err != nil {
		return tracked.Health{}, fmt.Errorf("watcher health: %w", err)
	}
	h := w.health
	h.Tracked = len(w.tracked)
	now := w.cfg.Now()
	h.Snoozes = nil
	for _, s := range w.snoozes {
		if s.Until.After(now) {
			h.Snoozes = append(h.Snoozes, s)
		}
	}
	w.mu.Unlock()
	if w.cfg.Shared {
		// Whichever replica polls, the store has what it found: this
		// replica's memory may be a leadership or more old.
		sh, err := w.sharedHealth(ctx)
		if err != nil {
			return h, fmt.Errorf("watcher health: %w", err)
		}
		h.Tracked, h.Snoozes = sh.tracked, nil
		for _, s := range sh.snoozes {
			if s.Until.After(now) {
				h.Snoozes = append(h.Snoozes, s)
			}
		}
		if sh.lastSuccess.After(h.LastSuccess) {
			h.LastSuccess = sh.lastSuccess
			if h.LastPoll.Before(sh.lastSuccess) {
				h.LastPoll = sh.lastSuccess
			}
		}
	}
	slices.SortFunc(h.Snoozes, func(a, b state.Snooze) int { return a.Until.Compare(b.Until) })
	if w.cfg.TokenExpiry != nil {
		if t, ok := w.cfg.TokenExpiry(); ok {
			h.TokenExpiresAt = t
		}
	}
	if w.cfg.Region != "" {
		h.Regions = []tracked.RegionHealth{{ID: w.cfg.Region, Name: w.cfg.RegionName, Channel: w.cfg.Channel,
			LastPoll: h.LastPoll, LastSuccess: h.LastSuccess, Outage: h.Outage,
			TokenExpiry: h.TokenExpiresAt, LastCause: h.LastCause, Tracked: h.Tracked}}
	}
	// The outbox is small (it drains within seconds), so counting it here
	// is cheap. A store that cannot be read leaves the count at zero; the
	// poll that meets it says why in StateError.
	n := 0
	err := w.st.View(ctx, func(tx state.Tx) error {
		return tx.Outbox(func(m state.Message) error {
			if !m.Dead {
				n++
			}
			return nil
		})
	})
	switch {
	case err == nil:
		h.PendingAlerts = n
	case ctx.Err() != nil:
		return h, fmt.Errorf("watcher health: count the outbox: %w", ctx.Err())
	}
	return h, nil
}

// Readiness is what /readyz judges the watcher on: its last successful
// poll (zero before the first) and its interval, and an error when it
// cannot watch whatever SCNet does, such as a store it cannot use.
func (w *Watcher) Readiness(ctx context.Context) (lastSuccess time.Time, interval time.Duration, err error) {
	h, err := w.Health(ctx)
	if err != nil {
		return time.Time{}, w.cfg.Interval, err
	}
	if h.StateError != "" {
		return h.LastSuccess, h.Interval, fmt.Errorf("watcher state unusable: %s", h.StateError)
	}
	return h.LastSuccess, h.Interval, nil
}

// sharedState is what Health reads from a shared store.
type sharedState struct {
	tracked     int
	snoozes     []state.Snooze
	lastSuccess time.Time // the start of the region's last poll SCNet answered, by any replica
}

// sharedHealth reads the region's tracked count, snoozes and last
// successful poll from the store, in shared mode.
func (w *Watcher) sharedHealth(ctx context.Context) (sharedState, error) {
	var sh sharedState
	err := w.st.View(ctx, func(tx state.Tx) error {
		sh = sharedState{}
		if err := tx.Instances(func(state.Instance) error { sh.tracked++; return nil }); err != nil {
			return err
		}
		if err := tx.Snoozes(func(s state.Snooze) error { sh.snoozes = append(sh.snoozes, s); return nil }); err != nil {
			return err
		}
		m, err := tx.Meta()
		sh.lastSuccess = m.LastSuccess
		return err
	})
	if err != nil {
		return sharedState{}, fmt.Errorf("read the shared state: %w", err)
	}
	return sh, nil
}
