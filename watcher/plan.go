package watcher

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// plan collects what one poll changes, inside the store transaction that
// writes it. Memory is updated from it only after the commit.
type plan struct {
	w    *Watcher
	tx   state.Tx
	meta *state.Meta
	now  time.Time

	put     map[string]state.Instance
	del     map[string]bool
	unsnooz map[string]time.Time // snoozes that ended, by their Until

	incidents []incident
	// news is thread replies by the alert whose thread they go into, in
	// the order those threads first got news.
	news      map[string][]string
	newsOrder []string
	// restatus is alerts whose top-level message needs re-rendering.
	restatus map[string]bool
	queued   int
}

// incident is a new alert to raise.
type incident struct {
	inst     scnet.Instance
	from, to scnet.Status
	note     string
}

func newPlan(w *Watcher, tx state.Tx, meta *state.Meta, now time.Time) *plan {
	return &plan{
		w: w, tx: tx, meta: meta, now: now,
		put: map[string]state.Instance{}, del: map[string]bool{}, unsnooz: map[string]time.Time{},
		news: map[string][]string{}, restatus: map[string]bool{},
	}
}

func (p *plan) get(id string) (state.Instance, bool) {
	if p.del[id] {
		return state.Instance{}, false
	}
	if t, ok := p.put[id]; ok {
		return t, true
	}
	t, ok := p.w.tracked[id]
	return t, ok
}

func (p *plan) nextID(prefix string) string {
	p.meta.NextID++
	return fmt.Sprintf("%s%x-%d", prefix, p.meta.Baseline.Unix(), p.meta.NextID)
}

func track(in scnet.Instance, now time.Time) state.Instance {
	return state.Instance{ID: in.ID, Name: in.Name, Status: in.Status, ResourceGroup: in.ResourceGroup,
		CreateTime: in.CreateTime.Time, Changed: now}
}

// recent reports whether an instance not tracked before was created or
// ended after since, i.e. whether its status can be news. Older ones failed
// before the watcher was looking, or are covered by tracking.
func recent(in scnet.Instance, since time.Time) bool {
	return !in.CreateTime.IsZero() && !in.CreateTime.Before(since) ||
		!in.EndTime.IsZero() && !in.EndTime.Before(since)
}

// baseline is the first poll ever: remember everything, alert nothing, and
// say once what is being watched.
func (p *plan) baseline(ob *observation, since time.Time) error {
	p.meta.Baseline = p.now
	live := 0
	counts := map[scnet.Status]int{}
	for _, id := range slices.Sorted(maps.Keys(ob.seen)) {
		in := ob.seen[id]
		switch {
		case in.Status.Live():
			live++
			p.put[id] = track(in, p.now)
		case p.w.alerting(in.Status):
			counts[in.Status]++
			if recent(in, since) {
				p.put[id] = track(in, p.now)
			}
		}
	}
	for s, n := range ob.totals {
		counts[s] = max(counts[s], n)
	}
	text, blocks := renderBaseline(live, p.w.cfg.Statuses, counts)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("b"), Text: text, Blocks: blocks})
}

// changes compares an observation with what is tracked.
func (p *plan) changes(ob *observation, since time.Time) error {
	for _, id := range slices.Sorted(maps.Keys(ob.seen)) {
		in := ob.seen[id]
		prev, known := p.get(id)
		if !known {
			switch {
			case p.w.alerting(in.Status) && recent(in, since):
				// Created and failed between two polls (or while scnetbot
				// was down): it was never seen live.
				if err := p.transition(track(in, p.now), "", in.Status, in); err != nil {
					return err
				}
			case in.Status.Live():
				p.put[id] = track(in, p.now)
			}
			continue
		}
		cur := prev
		cur.Name, cur.ResourceGroup = in.Name, in.ResourceGroup
		if !in.CreateTime.IsZero() {
			cur.CreateTime = in.CreateTime.Time
		}
		if ob.looked[id] && !in.Status.Live() {
			cur.FollowedUp = p.now
		}
		if prev.Status != in.Status {
			if err := p.transition(cur, prev.Status, in.Status, in); err != nil {
				return err
			}
			continue
		}
		if cur != prev {
			p.put[id] = cur
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ob.gone)) {
		prev, known := p.get(id)
		if !known {
			continue
		}
		if prev.AlertID != "" {
			if err := p.closeWith(prev.AlertID, prev, fmt.Sprintf("deleted (was %s)", prev.Status),
				fmt.Sprintf("Deleted at %s", p.clock(p.now))); err != nil {
				return err
			}
		}
		p.del[id] = true
		delete(p.put, id)
	}
	return nil
}

// transition handles one status change of a tracked (or newly seen) instance.
func (p *plan) transition(cur state.Instance, from, to scnet.Status, in scnet.Instance) error {
	cur.Status, cur.Changed = to, p.now
	defer func() { p.put[cur.ID] = cur }()
	if cur.AlertID != "" {
		a, ok, err := p.tx.Alert(cur.AlertID)
		if err != nil {
			return err
		}
		if !ok {
			cur.AlertID = ""
		} else {
			what := fmt.Sprintf("%s → %s", from, to)
			closing := false
			switch {
			case to == scnet.StatusRunning:
				what, closing = "recovered: "+what, true
			case to.Live():
				what = "restarting: " + what
			case p.w.alerting(to):
				what = "now " + what
			default:
				what, closing = "finished: "+what, true
			}
			line := fmt.Sprintf("%s → %s at %s", from, to, p.clock(p.now))
			if closing {
				return p.closeAlert(&cur, a, what, line)
			}
			p.addNews(a, cur, what)
			a.StatusLine = line
			return p.tx.PutAlert(a)
		}
	}
	if !p.w.alerting(to) {
		cur.Held = nil
		return nil
	}
	if s, ok := p.w.snoozes[cur.ID]; ok && s.Until.After(p.now) {
		if cur.Held == nil {
			cur.Held = &state.Held{From: from, To: to, At: p.now, Snapshot: snapshot(in)}
		} else {
			h := *cur.Held
			h.To, h.Snapshot = to, snapshot(in)
			cur.Held = &h
		}
		return nil
	}
	cur.Held = nil
	p.incidents = append(p.incidents, incident{inst: in, from: from, to: to})
	return nil
}

// closeWith closes the open incident of a tracked instance that is about to
// be forgotten.
func (p *plan) closeWith(alertID string, cur state.Instance, what, line string) error {
	a, ok, err := p.tx.Alert(alertID)
	if err != nil || !ok {
		return err
	}
	return p.closeAlert(&cur, a, what, line)
}

func (p *plan) closeAlert(cur *state.Instance, a state.Alert, what, line string) error {
	p.addNews(a, *cur, what)
	a.StatusLine = line
	a.Closed = p.now
	cur.AlertID = ""
	return p.tx.PutAlert(a)
}

// addNews queues a thread line for an alert and a re-render of its
// top-level message.
func (p *plan) addNews(a state.Alert, inst state.Instance, what string) {
	thread := a.ID
	if a.Parent != "" {
		thread = a.Parent
	} else {
		p.restatus[a.ID] = true
	}
	if _, ok := p.news[thread]; !ok {
		p.newsOrder = append(p.newsOrder, thread)
	}
	p.news[thread] = append(p.news[thread], newsLine(inst.Name, inst.ID, what, p.clock(p.now)))
}

// snoozesEnded drops ended snoozes and raises the alerts they held back, if
// the instance is still in an alert status.
func (p *plan) snoozesEnded() error {
	for _, id := range slices.Sorted(maps.Keys(p.w.snoozes)) {
		s := p.w.snoozes[id]
		if s.Until.After(p.now) {
			continue
		}
		if err := p.tx.DeleteSnooze(id); err != nil {
			return err
		}
		p.unsnooz[id] = s.Until
		cur, ok := p.get(id)
		if !ok || cur.Held == nil {
			continue
		}
		held := *cur.Held
		cur.Held = nil
		p.put[id] = cur
		if cur.AlertID != "" || !p.w.alerting(cur.Status) {
			continue
		}
		in := unsnapshot(held.Snapshot)
		in.ID, in.Name, in.Status, in.ResourceGroup = cur.ID, cur.Name, cur.Status, cur.ResourceGroup
		p.incidents = append(p.incidents, incident{inst: in, from: held.From, to: cur.Status,
			note: fmt.Sprintf("held back by a snooze since %s", p.clock(held.At))})
	}
	return nil
}

// flush turns the poll's incidents and news into alerts and outbox messages.
func (p *plan) flush() error {
	if len(p.incidents) > p.w.cfg.StormThreshold {
		if err := p.storm(); err != nil {
			return err
		}
	} else {
		for _, inc := range p.incidents {
			if err := p.raise(inc); err != nil {
				return err
			}
		}
	}
	for _, thread := range p.newsOrder {
		a, ok, err := p.tx.Alert(thread)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		for i, chunk := range chunkLines(p.news[thread], maxListChars) {
			text, blocks := renderList(chunk, "", i, 0)
			if err := p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("r"), ThreadOf: a.ID, Text: text, Blocks: blocks}); err != nil {
				return err
			}
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.restatus)) {
		if err := p.rerender(id); err != nil {
			return err
		}
	}
	return nil
}

// raise posts one top-level alert.
func (p *plan) raise(inc incident) error {
	id := p.nextID("a")
	snap := snapshot(inc.inst)
	a := state.Alert{ID: id, InstanceID: inc.inst.ID, Channel: p.w.cfg.Channel, Created: p.now,
		From: inc.from, To: inc.to, Snapshot: snap,
		StatusLine: fmt.Sprintf("%s since %s", inc.to, p.clock(p.now))}
	if inc.note != "" {
		a.StatusLine += " (" + inc.note + ")"
	}
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	p.setAlert(inc.inst, id)
	text, blocks := p.w.renderAlert(a, inc.inst, nil)
	return p.enqueue(state.Message{Kind: state.KindPost, ID: id, AlertID: id, Text: text, Blocks: blocks})
}

func (p *plan) setAlert(in scnet.Instance, alertID string) {
	cur, ok := p.get(in.ID)
	if !ok {
		cur = track(in, p.now)
	}
	cur.AlertID = alertID
	p.put[in.ID] = cur
}

// storm posts one summary for many incidents and lists every instance in
// its thread; each instance still gets its own alert record, threaded
// under the summary, so its later news has a home.
func (p *plan) storm() error {
	sid := p.nextID("s")
	sa := state.Alert{ID: sid, Storm: true, Channel: p.w.cfg.Channel, Created: p.now,
		StatusLine: fmt.Sprintf("%d instances since %s", len(p.incidents), p.clock(p.now)),
		Snapshot:   stormSnapshot(p.incidents)}
	if err := p.tx.PutAlert(sa); err != nil {
		return err
	}
	var lines []string
	for _, inc := range p.incidents {
		id := p.nextID("a")
		a := state.Alert{ID: id, InstanceID: inc.inst.ID, Parent: sid, Channel: p.w.cfg.Channel, Created: p.now,
			From: inc.from, To: inc.to, Snapshot: snapshot(inc.inst)}
		if err := p.tx.PutAlert(a); err != nil {
			return err
		}
		p.setAlert(inc.inst, id)
		lines = append(lines, stormLine(inc))
	}
	text, blocks := p.w.renderStorm(sa, p.incidents)
	if err := p.enqueue(state.Message{Kind: state.KindPost, ID: sid, AlertID: sid, Text: text, Blocks: blocks}); err != nil {
		return err
	}
	chunks := chunkLines(lines, maxListChars)
	for i, chunk := range chunks {
		text, blocks := renderList(chunk, "Instances", i, len(chunks))
		if err := p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("r"), ThreadOf: sid, Text: text, Blocks: blocks}); err != nil {
			return err
		}
	}
	return nil
}

// rerender queues an update of an alert's top-level message.
func (p *plan) rerender(alertID string) error {
	a, ok, err := p.tx.Alert(alertID)
	if err != nil || !ok || a.Parent != "" {
		return err
	}
	text, blocks := p.w.render(a, p.now)
	return p.enqueue(state.Message{Kind: state.KindUpdate, ID: p.nextID("u"), AlertID: a.ID, Text: text, Blocks: blocks})
}

func (p *plan) enqueue(m state.Message) error {
	m.Channel = p.w.cfg.Channel
	m.Created = p.now
	if _, err := p.tx.Enqueue(m); err != nil {
		return fmt.Errorf("queue message %s: %w", m.ID, err)
	}
	p.queued++
	return nil
}

// outageBegan posts the one "SCNet unreachable" notice.
func (p *plan) outageBegan(cause error) error {
	id := p.nextID("o")
	a := state.Alert{ID: id, Channel: p.w.cfg.Channel, Created: p.now,
		StatusLine: outageLine(p.meta.FailingSince, cause, p.w.cfg.Location)}
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	p.meta.OutageAlertID = id
	text, blocks := renderOutage(a, p.w.cfg.Location)
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
	if err := p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("r"), ThreadOf: id, Text: text, Blocks: blocks}); err != nil {
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

// prune forgets instances in a terminal status once nothing about them can
// be news any more, at most every ten minutes, so tracking follows the
// live instances rather than history.
func (p *plan) prune() error {
	if p.now.Sub(p.w.pruned) < 10*time.Minute {
		return nil
	}
	p.w.pruned = p.now
	for id, t := range p.w.tracked {
		if _, changed := p.put[id]; changed || t.Status.Live() || t.Held != nil {
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
	for _, t := range p.w.tracked {
		if t.AlertID != "" {
			inUse[t.AlertID] = true
		}
	}
	for _, t := range p.put {
		inUse[t.AlertID] = true
	}
	// A storm summary stays while any of its members is in use.
	for id := range maps.Clone(inUse) {
		if a, ok, err := p.tx.Alert(id); err != nil {
			return err
		} else if ok && a.Parent != "" {
			inUse[a.Parent] = true
		}
	}
	if err := p.tx.Outbox(func(m state.Message) error {
		inUse[m.AlertID], inUse[m.ThreadOf] = true, true
		return nil
	}); err != nil {
		return err
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

func (p *plan) writeInstances() error {
	for _, id := range slices.Sorted(maps.Keys(p.put)) {
		if err := p.tx.PutInstance(p.put[id]); err != nil {
			return err
		}
	}
	for _, id := range slices.Sorted(maps.Keys(p.del)) {
		if err := p.tx.DeleteInstance(id); err != nil {
			return err
		}
	}
	return nil
}

// commitMemory applies the committed plan to the watcher's memory; the
// caller holds w.mu.
func (p *plan) commitMemory() {
	for id, t := range p.put {
		p.w.tracked[id] = t
	}
	for id := range p.del {
		delete(p.w.tracked, id)
	}
	for id, until := range p.unsnooz {
		if s, ok := p.w.snoozes[id]; ok && s.Until.Equal(until) {
			delete(p.w.snoozes, id)
		}
	}
}

func (p *plan) clock(t time.Time) string { return clock(t, p.w.cfg.Location) }

// snapshot keeps what an alert shows of an instance; the lists are left out
// to keep the store small.
func snapshot(in scnet.Instance) json.RawMessage {
	in.Mounts, in.Ports, in.Description = nil, nil, ""
	b, err := json.Marshal(in)
	if err != nil {
		return nil
	}
	return b
}

func unsnapshot(raw json.RawMessage) scnet.Instance {
	var in scnet.Instance
	_ = json.Unmarshal(raw, &in) // a broken snapshot renders as blanks
	return in
}

// stormMember is what a storm summary keeps of each instance, to re-render
// the summary when it is acknowledged.
type stormMember struct {
	ID    string       `json:"id"`
	Name  string       `json:"n,omitempty"`
	Group string       `json:"g,omitempty"`
	User  string       `json:"u,omitempty"`
	From  scnet.Status `json:"f,omitempty"`
	To    scnet.Status `json:"t"`
}

func stormSnapshot(incs []incident) json.RawMessage {
	ms := make([]stormMember, len(incs))
	for i, inc := range incs {
		ms[i] = stormMember{ID: inc.inst.ID, Name: inc.inst.Name, Group: inc.inst.ResourceGroup,
			User: inc.inst.UserName, From: inc.from, To: inc.to}
	}
	b, err := json.Marshal(ms)
	if err != nil {
		return nil
	}
	return b
}

func stormIncidents(raw json.RawMessage) []incident {
	var ms []stormMember
	_ = json.Unmarshal(raw, &ms) // a broken snapshot renders as an empty storm
	incs := make([]incident, len(ms))
	for i, m := range ms {
		incs[i] = incident{inst: scnet.Instance{ID: m.ID, Name: m.Name, ResourceGroup: m.Group, UserName: m.User},
			from: m.From, to: m.To}
	}
	return incs
}
