package watcher

import (
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
	text, blocks := p.w.cfg.Render.Outage(a)
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
	text, blocks := p.w.cfg.Render.Recovered(a)
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
	text, blocks := p.w.cfg.Render.TokenWarning(exp, p.now)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("t"), Text: text, Blocks: blocks})
}
