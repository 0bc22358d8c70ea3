package watcher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// Poll runs one poll: it reads SCNet, compares with what the store
// remembers and queues the resulting messages, all in one transaction. A
// poll that SCNet did not answer fully changes no instance and raises no
// instance alert; it only counts towards the outage notice.
func (w *Watcher) Poll(ctx context.Context) error {
	w.pollMu.Lock()
	defer w.pollMu.Unlock()
	// In shared mode another replica may have written since (a button
	// clicked there, or its own polls while it led): start from the store.
	if err := w.reload(ctx); err != nil {
		return w.unreadable(ctx, err)
	}
	start := w.cfg.Now()
	var meta state.Meta
	if err := w.st.View(ctx, func(tx state.Tx) error {
		var err error
		meta, err = tx.Meta()
		return err
	}); err != nil {
		return w.unreadable(ctx, fmt.Errorf("read watcher meta: %w", err))
	}
	since := meta.LastSuccess.Add(-w.cfg.Skew)
	if meta.Baseline.IsZero() {
		since = start.Add(-w.cfg.Skew)
	}
	// Only Poll writes w.tracked and pollMu is held, so reading it without
	// mu here is safe. A poll slower than OutageAfter is as good as none:
	// giving it up turns an SCNet too slow to use into the outage notice.
	// With the notice at the first failure, a poll still gets an interval.
	limit := w.cfg.OutageAfter
	if limit <= 0 {
		limit = w.cfg.Interval
	}
	octx, cancel := context.WithTimeout(ctx, limit)
	ob, err := w.observe(octx, w.tracked, since)
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down is not an outage
		}
		err = w.failed(ctx, start, err)
		if errors.Is(err, state.ErrFenced) {
			return err
		}
		if scnet.IsFrozen(err) {
			w.accountRefused(ctx)
		}
		return err
	}
	if err := w.apply(ctx, start, since, ob); err != nil {
		return err
	}
	// The account warning is the root's, not the region's: it is written
	// in a transaction of its own, without w.mu, so buttons do not wait.
	w.accountAnswered(ctx)
	return nil
}

// apply turns a complete observation into state changes and messages.
func (w *Watcher) apply(ctx context.Context, start, since time.Time, ob *observation) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	p, err := w.update(ctx, now, func(p *plan) error {
		observed := p.changes
		if p.meta.Baseline.IsZero() {
			observed = p.baseline
		}
		if err := observed(ob, since); err != nil {
			return err
		}
		for _, step := range []func() error{p.snoozesEnded, p.flush, p.escalate, p.outageOver, p.tokenWarning, p.prune, p.writeInstances} {
			if err := step(); err != nil {
				return err
			}
		}
		p.meta.LastSuccess = start
		p.meta.FailingSince = time.Time{}
		return nil
	})
	if errors.Is(err, state.ErrFenced) {
		// Another replica leads and its poll is the one that counts:
		// nothing here failed, so health records nothing.
		return fmt.Errorf("save poll: %w", err)
	}
	w.health.LastPoll = now
	if err != nil {
		err = fmt.Errorf("save poll: %w", err)
		w.health.LastError = err.Error()
		w.health.LastCause = err
		w.stateFailed(ctx, err)
		w.countPoll("error")
		return err
	}
	p.commitMemory()
	w.health.LastSuccess = now
	w.health.LastError = ""
	w.health.StateError = ""
	w.health.LastCause = nil
	w.health.Outage = false
	w.countPoll("ok")
	if p.queued > 0 {
		w.cfg.Notify()
	}
	return nil
}

// accountEpisode is the account warning's record in the root store, or
// false when the watcher has none.
func (w *Watcher) accountEpisode() (accountEpisode, bool) {
	ch := w.cfg.AccountChannel
	if ch == "" {
		ch = w.cfg.Channel
	}
	return accountEpisode{st: w.cfg.AccountStore, channel: ch, render: w.cfg.Render, now: w.cfg.Now}, w.cfg.AccountStore != nil
}

// accountAnswered takes the region off the account warning's list of
// refused regions after a poll SCNet answered, once per run of answered
// polls: the first after a start or a refusal. The caller holds pollMu.
func (w *Watcher) accountAnswered(ctx context.Context) {
	w.frozenLogged = false
	ep, ok := w.accountEpisode()
	if !ok || w.accountOK {
		return
	}
	queued, err := ep.answered(ctx, w.cfg.Region)
	if err != nil {
		w.cfg.Logger.Error("recording that SCNet answers the region's polls again on the account warning failed", "err", err)
		return
	}
	w.accountOK = true
	if queued {
		w.cfg.Notify()
	}
}

// accountRefused raises or joins the one account warning of all regions
// for a poll SCNet refused with code 10007 (user frozen). The caller holds
// pollMu.
func (w *Watcher) accountRefused(ctx context.Context) {
	w.accountOK = false
	ep, ok := w.accountEpisode()
	if !ok {
		if !w.frozenLogged {
			w.cfg.Logger.Warn("SCNet says the account is frozen: no instance is watched in this region until it is paid or unfrozen", "code", scnet.CodeUserFrozen)
		}
		w.frozenLogged = true
		return
	}
	newly, queued, err := ep.refused(ctx, w.cfg.Region, w.cfg.RegionName)
	if err != nil {
		w.cfg.Logger.Error("recording the region on the account warning failed", "err", err)
		return
	}
	if newly {
		w.cfg.Logger.Warn("SCNet says the account is frozen: no instance is watched in this region until it is paid or unfrozen", "code", scnet.CodeUserFrozen)
	}
	if queued {
		w.cfg.Notify()
	}
}

// update runs fn on a plan in one store transaction and saves the meta
// the plan changed. The caller holds w.mu.
func (w *Watcher) update(ctx context.Context, now time.Time, fn func(*plan) error) (*plan, error) {
	var p *plan
	err := w.pst.Update(ctx, func(tx state.Tx) error {
		meta, err := tx.Meta()
		if err != nil {
			return err
		}
		p = newPlan(w, tx, &meta, now)
		if w.cfg.Shared {
			// The truth is the store's as this transaction reads it: a
			// follower's Resolve since the poll began is seen, and one
			// committing meanwhile makes this transaction retry.
			if p.tracked, p.snoozes, err = readTracked(tx); err != nil {
				return err
			}
		}
		if err := fn(p); err != nil {
			return err
		}
		return tx.PutMeta(meta)
	})
	return p, err
}

// failed records a poll SCNet did not answer and posts the outage notice
// once polls have failed for OutageAfter.
func (w *Watcher) failed(ctx context.Context, start time.Time, cause error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	p, err := w.update(ctx, now, func(p *plan) error {
		if scnet.IsFrozen(cause) {
			// SCNet answered: the account, not SCNet, is what is wrong,
			// and the account warning says so (Poll calls
			// accountRefused) instead of an outage notice.
			if err := p.escalate(); err != nil {
				return err
			}
			return p.tokenWarning()
		}
		if p.meta.FailingSince.IsZero() {
			p.meta.FailingSince = start
		}
		if p.meta.OutageAlertID == "" && now.Sub(p.meta.FailingSince) >= w.cfg.OutageAfter {
			if err := p.outageBegan(cause); err != nil {
				return err
			}
		}
		// Escalation needs only the store: an alert nobody acknowledged
		// is escalated while SCNet is down too.
		if err := p.escalate(); err != nil {
			return err
		}
		return p.tokenWarning()
	})
	if errors.Is(err, state.ErrFenced) {
		return fmt.Errorf("save failed poll: %w", err)
	}
	w.health.LastPoll = now
	w.health.LastError = cause.Error()
	w.health.LastCause = cause
	w.countPoll("error")
	if err != nil {
		w.stateFailed(ctx, fmt.Errorf("save failed poll: %w", err))
		return fmt.Errorf("poll failed (%w) and saving that failed: %w", cause, err)
	}
	w.health.StateError = ""
	if p.meta.OutageAlertID != "" {
		w.health.Outage = true
	}
	if p.queued > 0 {
		w.cfg.Notify()
	}
	return cause
}

// unreadable records a poll that could not start because the store could
// not be read, so Health says why nothing is being watched.
func (w *Watcher) unreadable(ctx context.Context, err error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.health.LastPoll = w.cfg.Now()
	w.health.LastError = err.Error()
	w.health.LastCause = err
	w.stateFailed(ctx, err)
	w.countPoll("error")
	return err
}

// stateFailed records why the store could not be used, unless the poll
// was only cut short by shutdown. The caller holds w.mu.
func (w *Watcher) stateFailed(ctx context.Context, err error) {
	if ctx.Err() == nil {
		w.health.StateError = err.Error()
	}
}

func (w *Watcher) countPoll(result string) {
	if w.cfg.Metrics != nil {
		w.cfg.Metrics.Polls.WithLabelValues(result).Inc()
	}
}
