package watcher

import (
	"context"
	"fmt"
	"time"

	"scnetbot/state"
)

// Poll runs one poll: it reads SCNet, compares with what the store
// remembers and queues the resulting messages, all in one transaction. A
// poll that SCNet did not answer fully changes no instance and raises no
// instance alert; it only counts towards the outage notice.
func (w *Watcher) Poll(ctx context.Context) error {
	w.pollMu.Lock()
	defer w.pollMu.Unlock()
	if err := w.load(ctx); err != nil {
		return err
	}
	start := w.cfg.Now()
	var meta state.Meta
	if err := w.st.View(ctx, func(tx state.Tx) error {
		var err error
		meta, err = tx.Meta()
		return err
	}); err != nil {
		return fmt.Errorf("read watcher meta: %w", err)
	}
	since := meta.LastSuccess.Add(-w.cfg.Skew)
	if meta.Baseline.IsZero() {
		since = start.Add(-w.cfg.Skew)
	}
	// Only Poll writes w.tracked and pollMu is held, so reading it without
	// mu here is safe.
	ob, err := w.observe(ctx, w.tracked, since)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err() // shutting down is not an outage
		}
		return w.failed(ctx, start, err)
	}
	return w.apply(ctx, start, since, ob)
}

// apply turns a complete observation into state changes and messages.
func (w *Watcher) apply(ctx context.Context, start, since time.Time, ob *observation) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	var p *plan
	err := w.st.Update(ctx, func(tx state.Tx) error {
		meta, err := tx.Meta()
		if err != nil {
			return err
		}
		p = newPlan(w, tx, &meta, now)
		if meta.Baseline.IsZero() {
			if err := p.baseline(ob, since); err != nil {
				return err
			}
		} else {
			if err := p.changes(ob, since); err != nil {
				return err
			}
		}
		if err := p.snoozesEnded(); err != nil {
			return err
		}
		if err := p.flush(); err != nil {
			return err
		}
		if err := p.outageOver(); err != nil {
			return err
		}
		if err := p.tokenWarning(); err != nil {
			return err
		}
		if err := p.prune(); err != nil {
			return err
		}
		meta.LastSuccess = start
		meta.FailingSince = time.Time{}
		if err := p.writeInstances(); err != nil {
			return err
		}
		return tx.PutMeta(meta)
	})
	w.health.LastPoll = now
	if err != nil {
		w.health.LastError = fmt.Sprintf("save poll: %v", err)
		w.countPoll("error")
		return fmt.Errorf("save poll: %w", err)
	}
	p.commitMemory()
	w.health.LastSuccess = now
	w.health.LastError = ""
	w.health.Outage = false
	w.countPoll("ok")
	if p.queued > 0 {
		w.cfg.Notify()
	}
	return nil
}

// failed records a poll SCNet did not answer and posts the outage notice
// once polls have failed for OutageAfter.
func (w *Watcher) failed(ctx context.Context, start time.Time, cause error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.cfg.Now()
	var p *plan
	err := w.st.Update(ctx, func(tx state.Tx) error {
		meta, err := tx.Meta()
		if err != nil {
			return err
		}
		p = newPlan(w, tx, &meta, now)
		if meta.FailingSince.IsZero() {
			meta.FailingSince = start
		}
		if meta.OutageAlertID == "" && now.Sub(meta.FailingSince) >= w.cfg.OutageAfter {
			if err := p.outageBegan(cause); err != nil {
				return err
			}
		}
		if err := p.tokenWarning(); err != nil {
			return err
		}
		return tx.PutMeta(meta)
	})
	w.health.LastPoll = now
	w.health.LastError = cause.Error()
	w.countPoll("error")
	if err != nil {
		return fmt.Errorf("poll failed (%w) and saving that failed: %w", cause, err)
	}
	if p.meta.OutageAlertID != "" {
		w.health.Outage = true
	}
	if p.queued > 0 {
		w.cfg.Notify()
	}
	return cause
}

func (w *Watcher) countPoll(result string) {
	if w.cfg.Metrics != nil {
		w.cfg.Metrics.Polls.WithLabelValues(result).Inc()
	}
}
