package watcher

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"scnetbot/state"
)

// outageBegan posts the one "SCNet unreachable" notice.
func (p *plan) outageBegan(cause error) error {
	id := p.nextID("o")
	a := state.Alert{ID: id, Channel: p.w.cfg.Channel, Created: p.now,
		StatusLine: p.w.cfg.Render.OutageLine(p.meta.FailingSince, cause)}
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	p.meta.OutageAlertID = id
	text, blocks := p.w.cfg.Render.Outage(a, p.w.cfg.RegionName)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: id, AlertID: id, Text: text, Blocks: blocks})
}

// outageOver answers the open outage notice in its thread.
func (p *plan) outageOver() error {
	id := p.meta.OutageAlertID
	if id == "" {
		return nil
	}
	p.meta.OutageAlertID = ""
	a, ok, err := p.tx.Alert(id)
	if err != nil || !ok {
		return err
	}
	a.Closed = p.now
	a.StatusLine = p.w.cfg.Render.RecoveredLine(p.meta.FailingSince, p.now)
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	text, blocks := p.w.cfg.Render.Recovered(a, p.w.cfg.RegionName)
	if err := p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("r"), Channel: a.Channel, ThreadOf: id, Text: text, Blocks: blocks}); err != nil {
		return err
	}
	return p.rerender(id)
}

// tokenWarning warns once, a day ahead, that a static token expires.
func (p *plan) tokenWarning() error {
	if p.w.cfg.TokenExpiry == nil {
		return nil
	}
	exp, ok := p.w.cfg.TokenExpiry()
	if !ok || exp.IsZero() || p.now.Before(exp.Add(-24*time.Hour)) || p.meta.TokenWarnedFor.Equal(exp) {
		return nil
	}
	p.meta.TokenWarnedFor = exp
	text, blocks := p.w.cfg.Render.TokenWarning(p.w.cfg.RegionName, exp, p.now)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("t"), Text: text, Blocks: blocks})
}

// NoticeSuspended posts, once per state file, the notice that the account
// is suspended in the region cfg names (SCNet sent its token as null), to
// cfg.Channel, with what to do. It is recorded in st's root meta in the
// same transaction, so a restart does not post it again.
func NoticeSuspended(ctx context.Context, st state.Store, cfg Config) error {
	cfg = cfg.withDefaults()
	queued := false
	err := st.Update(ctx, func(tx state.Tx) error {
		queued = false // an attempt may run again
		m, err := tx.Meta()
		if err != nil {
			return err
		}
		if _, done := m.Suspended[cfg.Region]; done {
			return nil
		}
		now := cfg.Now()
		if m.Suspended == nil {
			m.Suspended = map[string]time.Time{}
		}
		m.Suspended[cfg.Region] = now
		text, blocks := cfg.Render.Suspended(cfg.RegionName)
		if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: "x" + cfg.Region + "-" + strconv.FormatInt(now.Unix(), 16),
			Channel: cfg.Channel, Text: text, Blocks: blocks, Created: now}); err != nil {
			return err
		}
		queued = true
		return tx.PutMeta(m)
	})
	if err != nil {
		return fmt.Errorf("notice of suspended region %q: %w", cfg.RegionName, err)
	}
	if queued {
		cfg.Logger.Warn("the account is suspended in a region (SCNet sent no token for it): its instances are not watched; pay the arrears or ask SCNet support")
		cfg.Notify()
	}
	return nil
}

// ForgetSuspended forgets that the account was suspended in the regions
// regionIDs names, which SCNet now sends a token for, so that a later
// suspension there gets its notice again rather than being skipped for
// the life of the state file. Regions never suspended are left alone, and
// nothing is written when none was.
func ForgetSuspended(ctx context.Context, st state.Store, regionIDs ...string) error {
	err := st.Update(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		if err != nil {
			return err
		}
		n := len(m.Suspended)
		for _, id := range regionIDs {
			delete(m.Suspended, id)
		}
		if len(m.Suspended) == n {
			return nil
		}
		return tx.PutMeta(m)
	})
	if err != nil {
		return fmt.Errorf("forget suspended regions: %w", err)
	}
	return nil
}
