package watcher

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// plan collects what one poll changes, inside the store transaction that
// writes it. Memory is updated from it only after the commit.
type plan struct {
	w    *Watcher
	tx   state.Tx
	meta *state.Meta
	now  time.Time

	// tracked and snoozes are what the poll starts from: the watcher's
	// memory, or in shared mode what this transaction reads from the
	// store, so another replica's writes since are seen (and a conflict
	// with one retries the poll's transaction).
	tracked map[string]state.Instance
	snoozes map[string]state.Snooze

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
	pruned   bool // prune ran; the watcher's memory records when on commit
}

// incident is a new alert to raise.
type incident struct {
	inst     scnet.Instance
	from, to scnet.Status
	note     string
}

func newPlan(w *Watcher, tx state.Tx, meta *state.Meta, now time.Time) *plan {
	return &plan{
		w: w, tx: tx, meta: meta, now: now, tracked: w.tracked, snoozes: w.snoozes,
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
	if t, ok := p.w.edits[id]; ok {
		return t, true
	}
	t, ok := p.tracked[id]
	return t, ok
}

func (p *plan) nextID(prefix string) string { return p.w.messageID(p.meta, prefix) }

// messageID numbers the next alert or message id in meta.
func (w *Watcher) messageID(meta *state.Meta, prefix string) string {
	meta.NextID++
	id := fmt.Sprintf("%s%x-%d", prefix, meta.Baseline.Unix(), meta.NextID)
	if w.cfg.Region != "" {
		// Two regions may well take their baselines in the same second.
		id += "-" + w.cfg.Region
	}
	return id
}

func track(in scnet.Instance, now time.Time) state.Instance {
	return state.Instance{ID: in.ID, Name: in.Name, Status: in.Status, ResourceGroup: in.ResourceGroup,
		CreateTime: in.CreateTime.Time, Changed: now, NoTimes: noTimes(in)}
}

// recent reports whether an instance not tracked before was created or
// ended after since, i.e. whether its status can be news. Older ones failed
// before the watcher was looking, or are covered by tracking. One whose
// times SCNet does not say is taken for news: a flash failure missed is
// worse than an old one alerted, and the baseline and tracking keep the
// old ones from coming back.
func recent(in scnet.Instance, since time.Time) bool {
	return noTimes(in) ||
		!in.CreateTime.IsZero() && !in.CreateTime.Before(since) ||
		!in.EndTime.IsZero() && !in.EndTime.Before(since)
}

// noTimes reports whether SCNet gave neither time that dates an instance.
func noTimes(in scnet.Instance) bool { return in.CreateTime.IsZero() && in.EndTime.IsZero() }

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
	text, blocks := p.w.cfg.Render.Baseline(p.w.cfg.RegionName, live, p.w.cfg.Statuses, counts)
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
				t := track(in, p.now)
				if err := p.expiry(&t, in); err != nil {
					return err
				}
				p.put[id] = t
			}
			continue
		}
		cur := prev
		cur.Name, cur.ResourceGroup = in.Name, in.ResourceGroup
		cur.Unsettled = time.Time{}
		if !in.CreateTime.IsZero() {
			cur.CreateTime = in.CreateTime.Time
		}
		if ob.looked[id] && !in.Status.Live() {
			cur.FollowedUp = p.now
		}
		if !ob.looked[id] {
			// Only a listing can say whether the listings date it: the
			// detail endpoint may well give times a listing leaves out.
			cur.NoTimes = noTimes(in)
		}
		if cur.Expect != nil && !p.now.Before(cur.Expect.Until) {
			cur.Expect = nil
		}
		if err := p.expiry(&cur, in); err != nil {
			return err
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
	for _, id := range slices.Sorted(maps.Keys(ob.looked)) {
		if _, seen := ob.seen[id]; seen || ob.gone[id] {
			continue
		}
		if prev, known := p.get(id); known {
			prev.Unsettled = p.now
			p.put[id] = prev
		}
	}
	for _, id := range slices.Sorted(maps.Keys(ob.gone)) {
		prev, known := p.get(id)
		if !known {
			continue
		}
		if err := p.gone(prev); err != nil {
			return err
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
	exp := p.expected(&cur, to)
	if cur.AlertID != "" {
		a, ok, err := p.tx.Alert(cur.AlertID)
		if err != nil {
			return err
		}
		if !ok {
			cur.AlertID = ""
		} else {
			return p.alertedMove(&cur, a, from, to, exp)
		}
	}
	if exp != nil && exp.Kind == string(tracked.ActionStop) {
		// A stop somebody asked for is not a failure: it is news where
		// the action was written, not a new alert.
		cur.Held = nil
		return p.newsTo(exp.AlertID, cur, p.w.words().T("WatchStopTookEffect", "User", UserMark, "Transition", p.w.transition(from, to)), exp.User)
	}
	if !p.w.alerting(to) {
		cur.Held = nil
		return nil
	}
	if s, ok := p.snoozes[cur.ID]; ok && s.Until.After(p.now) {
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
	if reopened, err := p.reopen(&cur, from, to); err != nil || reopened {
		return err
	}
	p.incidents = append(p.incidents, incident{inst: in, from: from, to: to})
	return nil
}

// alertedMove is the news of a status change of an instance with an open
// incident, which it may end.
func (p *plan) alertedMove(cur *state.Instance, a state.Alert, from, to scnet.Status, exp *state.Expectation) error {
	t, tr := p.w.words(), p.w.transition(from, to)
	var what string
	user, why := "", ""
	switch {
	case to == scnet.StatusRunning:
		why = t.T("WatchWhyRunning")
		if user = restartBy(a, exp); user != "" {
			what = t.T("WatchRunningAfterRestart", "User", UserMark, "Transition", tr)
		} else {
			what = t.T("WatchRecovered", "Transition", tr)
		}
	case to.Live():
		what = t.T("WatchRestarting", "Transition", tr)
	case exp != nil && exp.Kind == string(tracked.ActionStop):
		why, user = t.T("WatchWhyStopped"), exp.User
		what = t.T("WatchStopTookEffect", "User", UserMark, "Transition", tr)
	case p.w.alerting(to):
		what = t.T("WatchNow", "Transition", tr)
	default:
		why = p.w.cfg.Render.Status(to)
		what = t.T("WatchFinished", "Transition", tr)
	}
	if why != "" {
		return p.closeAlert(cur, a, what, user, why)
	}
	p.addNews(a, *cur, what, user)
	a.StatusLine = t.T("WatchMovedLine", "Transition", tr, "At", p.clock(p.now))
	return p.tx.PutAlert(a)
}

// closeWith closes the open incident of a tracked instance that is about to
// be forgotten.
func (p *plan) closeWith(alertID string, cur state.Instance, what, user, why string) error {
	a, ok, err := p.tx.Alert(alertID)
	if err != nil || !ok {
		return err
	}
	return p.closeAlert(&cur, a, what, user, why)
}

// closeAlert ends an incident: its thread says what happened, its status
// line that it is resolved, after how long and why.
func (p *plan) closeAlert(cur *state.Instance, a state.Alert, what, user, why string) error {
	p.addNews(a, *cur, what, user)
	a.StatusLine = p.w.resolvedLine(a.Created, p.now, why)
	a.Closed = p.now
	cur.AlertID = ""
	cur.LastAlertID, cur.LastClosed = a.ID, p.now
	return p.tx.PutAlert(a)
}

// addNews queues a thread line for an alert and a re-render of its
// top-level message; user, when set, is the person UserMark in what
// stands for.
func (p *plan) addNews(a state.Alert, inst state.Instance, what, user string) {
	thread := a.ID
	if a.Parent != "" {
		thread = a.Parent
	} else {
		p.restatus[a.ID] = true
	}
	if _, ok := p.news[thread]; !ok {
		p.newsOrder = append(p.newsOrder, thread)
	}
	line := p.w.cfg.Render.NewsLine(inst.Name, inst.ID, what, p.clock(p.now))
	if user != "" {
		line = p.w.cfg.Render.UserNewsLine(inst.Name, inst.ID, what, user, p.clock(p.now))
	}
	p.news[thread] = append(p.news[thread], line)
}

// snoozesEnded drops ended snoozes and raises the alerts they held back, if
// the instance is still in an alert status.
func (p *plan) snoozesEnded() error {
	for _, id := range slices.Sorted(maps.Keys(p.snoozes)) {
		s := p.snoozes[id]
		if s.Until.After(p.now) {
			continue
		}
		if err := p.tx.DeleteSnooze(id); err != nil {
			return err
		}
		p.unsnooz[id] = s.Until
		cur, ok := p.get(id)
		if ok && cur.AlertID != "" {
			p.restatus[cur.AlertID] = true // its message stops showing the snooze
		}
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
			note: p.w.words().T("WatchHeldBack", "Since", p.clock(held.At))})
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
		for i, chunk := range p.w.cfg.Render.Chunks(p.news[thread]) {
			text, blocks := p.w.cfg.Render.List(chunk, "", i, 0)
			if err := p.enqueue(state.Message{Kind: state.KindPost, ID: p.nextID("r"), Channel: a.Channel, ThreadOf: a.ID, Text: text, Blocks: blocks}); err != nil {
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
	// Region as the region's Namespace stores it: this copy is rendered
	// too, and the action buttons on it name the region to act in.
	a := state.Alert{ID: id, InstanceID: inc.inst.ID, Region: p.w.cfg.Region, Channel: p.w.cfg.Channel, Created: p.now,
		From: inc.from, To: inc.to, Snapshot: snap, Failures: 1,
		StatusLine: p.w.words().T("WatchSinceLine", "Status", p.w.cfg.Render.Status(inc.to), "Since", p.clock(p.now))}
	if inc.note != "" {
		a.StatusLine = p.w.words().T("WatchWithNote", "Line", a.StatusLine, "Note", inc.note)
	}
	if err := p.tx.PutAlert(a); err != nil {
		return err
	}
	p.setAlert(inc.inst, id)
	text, blocks := p.w.cfg.Render.Alert(a, inc.inst, nil, p.w.cfg.RegionName)
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
		StatusLine: p.w.words().N("WatchStormSince", len(p.incidents), "Since", p.clock(p.now)),
		Snapshot:   stormSnapshot(p.incidents)}
	if err := p.tx.PutAlert(sa); err != nil {
		return err
	}
	var lines []string
	for _, inc := range p.incidents {
		id := p.nextID("a")
		a := state.Alert{ID: id, InstanceID: inc.inst.ID, Parent: sid, Channel: p.w.cfg.Channel, Created: p.now,
			From: inc.from, To: inc.to, Snapshot: snapshot(inc.inst), Failures: 1}
		if err := p.tx.PutAlert(a); err != nil {
			return err
		}
		p.setAlert(inc.inst, id)
		lines = append(lines, p.w.cfg.Render.StormLine(Change{Instance: inc.inst, From: inc.from, To: inc.to}))
	}
	text, blocks := p.w.cfg.Render.Storm(sa, changesOf(p.incidents), p.w.cfg.RegionName)
	if err := p.enqueue(state.Message{Kind: state.KindPost, ID: sid, AlertID: sid, Text: text, Blocks: blocks}); err != nil {
		return err
	}
	chunks := p.w.cfg.Render.Chunks(lines)
	for i, chunk := range chunks {
		text, blocks := p.w.cfg.Render.List(chunk, p.w.words().T("WatchStormListTitle"), i, len(chunks))
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
	text, blocks, err := p.w.render(p.tx, a, p.now)
	if err != nil {
		return err
	}
	return p.enqueue(state.Message{Kind: state.KindUpdate, ID: p.nextID("u"), Channel: a.Channel, AlertID: a.ID, Text: text, Blocks: blocks})
}

// enqueue queues m, to the configured channel unless it concerns an alert
// raised earlier: that one's thread and message stay where they are even
// after the channel setting changed.
func (p *plan) enqueue(m state.Message) error {
	if m.Channel == "" {
		m.Channel = p.w.cfg.Channel
	}
	m.Created = p.now
	if _, err := p.tx.Enqueue(m); err != nil {
		return fmt.Errorf("queue message %s: %w", m.ID, err)
	}
	p.queued++
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
	if p.pruned {
		p.w.pruned = p.now
	}
	if p.w.cfg.Shared {
		// What the transaction read is the store as it stood; memory
		// follows it (the poll started from a reload anyway).
		p.w.tracked, p.w.snoozes = p.tracked, p.snoozes
	}
	for id, t := range p.w.edits {
		p.w.tracked[id] = t
	}
	clear(p.w.edits)
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

func (p *plan) clock(t time.Time) string { return p.w.cfg.Render.Stamp(t) }
