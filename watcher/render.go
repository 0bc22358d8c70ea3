package watcher

import (
	"encoding/json"
	"time"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
)

// Renderer writes the watcher's messages. The watcher renders a message
// when it queues it, in the same transaction as the decision it announces,
// so the outbox holds finished text and blocks and the deliverer only sends.
// Package alerts implements it; keeping it an interface of plain types
// keeps Slack out of the watcher.
type Renderer interface {
	// Printer is the language of the channel messages (BOT_LANGUAGE),
	// which the watcher writes its thread lines and status lines in.
	// A status line is stored as written: one written before a change of
	// BOT_LANGUAGE stays in the language it was written in.
	Printer() *i18n.Printer
	// Status names a status in that language, as plain text.
	Status(s scnet.Status) string
	// Alert renders an alert's top-level message from its record, the
	// instance as it was when the alert was raised, the instance's snooze
	// (nil when none) and its region's name ("" when the watcher is not
	// told its region).
	Alert(a state.Alert, in scnet.Instance, sn *state.Snooze, region string) (string, json.RawMessage)
	// Storm renders the one summary of a storm in a region.
	Storm(a state.Alert, changes []Change, region string) (string, json.RawMessage)
	// StormLine lists one instance of a storm in its thread.
	StormLine(c Change) string
	// NewsLine is one line of thread news about an instance.
	NewsLine(name, id, what, at string) string
	// Chunks packs thread lines into as many messages as they need; no
	// line is dropped.
	Chunks(lines []string) [][]string
	// List renders chunk i of n of a thread list; title "" for news.
	List(lines []string, title string, i, n int) (string, json.RawMessage)
	// Baseline is the one message of a region's first poll.
	Baseline(region string, live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage)
	// Outage renders the "SCNet unreachable" notice of a region ("" when
	// the watcher is not told its region), and its update once the alert
	// is closed.
	Outage(a state.Alert, region string) (string, json.RawMessage)
	// OutageLine is the status line of an outage notice.
	OutageLine(since time.Time, cause error) string
	// RecoveredLine is the status line of an outage that ended at now.
	RecoveredLine(since, now time.Time) string
	// Recovered is the reply in the outage notice's thread.
	Recovered(a state.Alert, region string) (string, json.RawMessage)
	// TokenWarning warns that a region's static SCNet token expires at exp.
	TokenWarning(region string, exp, now time.Time) (string, json.RawMessage)
	// AccountRenderer writes the account warning, which a poll refused
	// with code 10007 (user frozen) raises or joins.
	AccountRenderer
	// Suspended says that the account is suspended in a region (SCNet
	// sent its token as null), so its instances are not watched.
	Suspended(region string) (string, json.RawMessage)
	// Stamp writes a time for a status line or a news line.
	Stamp(t time.Time) string

	// UserNewsLine is NewsLine naming a person: each UserMark in what is
	// the Slack mention of user, the rest is text.
	UserNewsLine(name, id, what, user, at string) string
	// Span writes how long something lasted, in the house format ("14m",
	// "2h 3m").
	Span(d time.Duration) string
	// Escalation is the one reply in an alert's thread that mentions
	// mention (a user id U…/W…, a user group id S…, "here" or "channel")
	// because nobody acknowledged the alert within after.
	Escalation(a state.Alert, mention string, after time.Duration) (string, json.RawMessage)
	// ExpiryWarning warns, top-level, that a live instance reaches its
	// time limit within left and will be stopped.
	ExpiryWarning(in scnet.Instance, left time.Duration, region string) (string, json.RawMessage)
}

// UserMark stands for the person in the text of a UserNewsLine.
const UserMark = "{user}"

// Change is one instance's move into an alert status, as a storm shows it.
type Change struct {
	Instance scnet.Instance
	From, To scnet.Status // From is "" for an instance first seen failed
}

// transition is a move between statuses in the channel's language, plain
// text: "Running → Failed".
func (w *Watcher) transition(from, to scnet.Status) string {
	return w.cfg.Render.Status(from) + " → " + w.cfg.Render.Status(to)
}

// words is the printer of the watcher's thread and status lines.
func (w *Watcher) words() *i18n.Printer { return w.cfg.Render.Printer() }

func changesOf(incs []incident) []Change {
	cs := make([]Change, len(incs))
	for i, inc := range incs {
		cs[i] = Change{Instance: inc.inst, From: inc.from, To: inc.to}
	}
	return cs
}

// render renders an alert's top-level message as it should look now. The
// instance's snooze is read in tx, the store being the truth (the
// watcher's memory mirrors it on one replica, and need not on several).
func (w *Watcher) render(tx state.Tx, a state.Alert, now time.Time) (string, json.RawMessage, error) {
	switch {
	case a.Storm:
		text, blocks := w.cfg.Render.Storm(a, changesOf(stormIncidents(a.Snapshot)), w.cfg.RegionName)
		return text, blocks, nil
	case a.InstanceID == "":
		text, blocks := w.cfg.Render.Outage(a, w.cfg.RegionName)
		return text, blocks, nil
	}
	var sn *state.Snooze
	s, ok, err := tx.Snooze(a.InstanceID)
	if err != nil {
		return "", nil, err
	}
	if ok && s.Until.After(now) {
		sn = &s
	}
	text, blocks := w.cfg.Render.Alert(a, unsnapshot(a.Snapshot), sn, w.cfg.RegionName)
	return text, blocks, nil
}
