package watcher

import (
	"fmt"
	"time"

	"scnetbot/state"
)

// outageBegan posts the one "SCNet unreachable" notice.
func (p *plan) outageBegan(cause error) error {
	id := p.nextID("o")
	a := state.Alert{ID: id, Channel: p.w.cfg.Channel, Created: p.now,
		StatusLine: outageLine(p.meta.FailingSince, cause, p.w.cfg.Location)}
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	p.meta.OutageAlertID = id
	text, blocks := renderOutage(a)
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
	a.StatusLine = fmt.Sprintf("Recovered at %s after %s", p.clock(p.now), roundDuration(p.now.Sub(p.meta.FailingSince)))
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	text, blocks := renderRecovered(a)
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
	text, blocks := renderTokenWarning(exp, p.now, p.w.cfg.Location)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("t"), Text: text, Blocks: blocks})
}
