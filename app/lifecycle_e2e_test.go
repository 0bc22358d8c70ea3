package app

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
)

// The incident lifecycle end to end: the real bot with its watcher and its
// actions on, against the simulator and the emulator.

// lifecycleConfig turns on the watcher with fast polls and lets actor
// (actions_e2e_test.go) act.
func lifecycleConfig(c *config.Config) {
	watchFast(c)
	c.ActionUsers = config.List{actor}
}

// newLifecycle starts the bot over one region of 60 instances with the
// watcher and the actions on; mutate runs after lifecycleConfig.
func newLifecycle(t *testing.T, mutate func(*config.Config), simOpts ...scnettest.Option) *e2e {
	t.Helper()
	e := newE2E(t, 60, func(c *config.Config) {
		lifecycleConfig(c)
		if mutate != nil {
			mutate(c)
		}
	}, append([]scnettest.Option{scnettest.WithTokenLifetime(30 * 24 * time.Hour)}, simOpts...)...)
	e.regionsPolled(t, 1, 1)
	// The baseline's summary is delivered after the poll that wrote it.
	wait.Until(t, "the baseline summary", func() bool { return len(topLevel(e.emu, alertChannel)) == 1 })
	return e
}

// delivered waits until the outbox has sent everything queued: the
// deliverer paces each channel, so a chat.update may come well after the
// poll that queued it.
func (e *e2e) delivered(t *testing.T) {
	t.Helper()
	wait.Until(t, "the outbox to empty", func() bool {
		pending := 0
		err := e.app.store.View(context.Background(), func(tx state.Tx) error {
			return tx.Outbox(func(m state.Message) error {
				if !m.Dead {
					pending++
				}
				return nil
			})
		})
		return err == nil && pending == 0
	})
}

// running is one Running instance of the simulator not in skip.
func running(t *testing.T, sim *scnettest.Server, skip ...string) scnettest.Record {
	t.Helper()
next:
	for _, r := range sim.Records() {
		if r.Status != scnet.StatusRunning {
			continue
		}
		for _, s := range skip {
			if r.ID == s {
				continue next
			}
		}
		return r
	}
	t.Fatal("simulator has no running instance left")
	return scnettest.Record{}
}

// setStatus moves an instance in the simulator.
func setStatus(t *testing.T, sim *scnettest.Server, id string, st scnet.Status) {
	t.Helper()
	if err := sim.SetStatus(id, st); err != nil {
		t.Fatal(err)
	}
}

// failAndAlert fails a Running instance and returns its one alert in
// alertChannel.
func (e *e2e) failAndAlert(t *testing.T, id string) slackemu.Message {
	t.Helper()
	return e.failAndAlertIn(t, alertChannel, id)
}

// failAndAlertIn fails a Running instance and returns its one alert in
// channel.
func (e *e2e) failAndAlertIn(t *testing.T, channel, id string) slackemu.Message {
	t.Helper()
	setStatus(t, e.sim, id, scnet.StatusFailed)
	wait.Until(t, "alert for "+id, func() bool { return len(alertsAbout(e.emu, channel, id)) == 1 })
	return alertsAbout(e.emu, channel, id)[0]
}

// current is a channel message as it is now (chat.update applied).
func (e *e2e) current(t *testing.T, m slackemu.Message) slackemu.Message {
	t.Helper()
	for _, c := range e.emu.ChannelMessages(m.Channel) {
		if c.TS == m.TS {
			return c
		}
	}
	t.Fatalf("message %s is gone from %s", m.TS, m.Channel)
	return m
}

// thread is the replies in a top-level message's thread, oldest first.
func (e *e2e) thread(m slackemu.Message) []slackemu.Message {
	var out []slackemu.Message
	for _, c := range e.emu.ChannelMessages(m.Channel) {
		if c.ThreadTS == m.TS && c.TS != m.TS {
			out = append(out, c)
		}
	}
	return out
}

// inThread counts the replies in m's thread that contain every one of wants.
func (e *e2e) inThread(m slackemu.Message, wants ...string) int {
	n := 0
	for _, c := range e.thread(m) {
		all := visible(c)
		ok := true
		for _, w := range wants {
			ok = ok && strings.Contains(all, w)
		}
		if ok {
			n++
		}
	}
	return n
}

// threadText is a thread as one string, for failure messages.
func (e *e2e) threadText(m slackemu.Message) string {
	var b strings.Builder
	for _, c := range e.thread(m) {
		b.WriteString(visible(c))
		b.WriteString("\n")
	}
	return b.String()
}

// visible is what a person sees of a message: its text and every string
// in its blocks, decoded.
func visible(m slackemu.Message) string {
	var b strings.Builder
	b.WriteString(m.Text)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString("\n")
			b.WriteString(x)
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if k != "action_id" && k != "value" && k != "block_id" && k != "type" {
					walk(x[k])
				}
			}
		}
	}
	var v any
	if json.Unmarshal(m.Blocks, &v) == nil {
		walk(v)
	}
	return b.String()
}

// sees fails t unless a person sees every one of wants in m.
func sees(t *testing.T, m slackemu.Message, wants ...string) {
	t.Helper()
	all := visible(m)
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("message lacks %q:\n%.2000s", w, all)
		}
	}
}

// topLevel is the channel's top-level messages.
func topLevel(emu *slackemu.Server, channel string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range emu.ChannelMessages(channel) {
		if m.ThreadTS == "" || m.ThreadTS == m.TS {
			out = append(out, m)
		}
	}
	return out
}

// buttonLabels are the labels of a message's buttons.
func buttonLabels(t *testing.T, m slackemu.Message) []string {
	t.Helper()
	var out []string
	for _, b := range []string{"Acknowledge", "Resolve", "Restart", "Stop", "Delete", "Details"} {
		if strings.Contains(string(m.Blocks), `"text":"`+b+`"`) {
			out = append(out, b)
		}
	}
	return out
}

func hasLabel(t *testing.T, m slackemu.Message, label string) bool {
	t.Helper()
	for _, l := range buttonLabels(t, m) {
		if l == label {
			return true
		}
	}
	return false
}

// act presses an action button (Restart, Stop) on m as actor, checks the
// private prompt it answers, and presses the prompt's acting button, which
// must ask Slack's confirm dialog first; it returns the outcome's reply.
func (e *e2e) act(t *testing.T, m slackemu.Message, label string) slackemu.Message {
	t.Helper()
	prompt := e.click(m, label)
	return e.confirmPrompt(t, prompt, label)
}

// confirmPrompt presses the acting button of an action prompt as actor,
// through its confirm dialog.
func (e *e2e) confirmPrompt(t *testing.T, prompt slackemu.Message, label string) slackemu.Message {
	t.Helper()
	if !prompt.Ephemeral || prompt.To != actor {
		t.Errorf("the %s prompt is not private to %s: %+v", label, actor, prompt)
	}
	dialog, err := e.emu.ButtonConfirm(prompt, label)
	if err != nil {
		t.Fatalf("prompt has no %s button: %v\n%s", label, err, everything(prompt))
	}
	if dialog == nil {
		t.Fatalf("the prompt's %s button has no confirm dialog", label)
	}
	in, err := e.emu.Click(timeout(t, 10*time.Second), prompt, label, actor)
	if err != nil {
		t.Fatal(err)
	}
	if in.Confirm == nil {
		t.Errorf("the %s click passed no confirm dialog", label)
	}
	e.awaitAck(in)
	return e.awaitReply(in)
}

// TestE2ERestartResolvesInThread: an instance fails and is alerted; the
// allowed user restarts it from the alert (prompt, confirm dialog, one
// SCNet restart); the simulator brings it Deploying → Running after its
// restart delay; the thread says who restarted it and that it runs again
// after that restart; the alert's message says resolved and after how
// long, and loses Acknowledge and Resolve.
func TestE2ERestartResolvesInThread(t *testing.T) {
	e := newLifecycle(t, nil, scnettest.WithRestartDelay(300*time.Millisecond))
	victim := running(t, e.sim)
	alert := e.failAndAlert(t, victim.ID)
	for _, b := range []string{"Acknowledge", "Resolve", "Restart"} {
		if !hasLabel(t, alert, b) {
			t.Errorf("open alert lacks %s: %v", b, buttonLabels(t, alert))
		}
	}

	done := e.act(t, alert, "Restart")
	sees(t, done, "Restart requested by <@"+actor+">")
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("%d SCNet restarts, want 1", n)
	}
	defer func() {
		if t.Failed() {
			e.dumpThread(t, alert)
		}
	}()
	wait.Until(t, "restarted by in the thread", func() bool {
		return e.inThread(alert, "restarted by <@"+actor+">") == 1
	})
	wait.Until(t, "running again after restart in the thread", func() bool {
		return e.inThread(alert, "running again after restart by <@"+actor+">") == 1
	})
	wait.Until(t, "the alert resolved", func() bool {
		return strings.Contains(visible(e.current(t, alert)), "Resolved after")
	})
	now := e.current(t, alert)
	sees(t, now, "Running again")
	for _, b := range []string{"Acknowledge", "Resolve", "Restart"} {
		if hasLabel(t, now, b) {
			t.Errorf("resolved alert still has %s: %v", b, buttonLabels(t, now))
		}
	}
	if r, _ := e.sim.Get(victim.ID); r.Status != scnet.StatusRunning {
		t.Errorf("instance is %s after the restart, want Running", r.Status)
	}
	// The order a person reads: the restart, then its effect.
	th := e.threadText(alert)
	if i, j := strings.Index(th, "restarted by"), strings.Index(th, "running again after restart"); i < 0 || j < i {
		t.Errorf("thread out of order:\n%s", th)
	}
	e.regionsPolled(t, 1, 3)
	e.delivered(t)
	if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 1 {
		t.Errorf("%d top-level alerts for the instance, want 1", n)
	}
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("%d SCNet restarts in the end, want 1", n)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

func (e *e2e) dumpThread(t *testing.T, m slackemu.Message) {
	t.Helper()
	t.Logf("thread of %s:\n%s\nmessage now:\n%s", m.TS, e.threadText(m), visible(e.current(t, m)))
}

// TestE2EResolveButton: Resolve ends an incident by hand: the message says
// who resolved it and after how long, the thread says so once; a second
// click (a double click on the old message, by someone else) keeps the
// first resolution and writes nothing more; a forged value naming another
// instance, or none, resolves nothing.
func TestE2EResolveButton(t *testing.T) {
	const other = "U0OTHER"
	e := newLifecycle(t, nil)
	first := running(t, e.sim)
	second := running(t, e.sim, first.ID)
	alert := e.failAndAlert(t, first.ID)
	alert2 := e.failAndAlert(t, second.ID)
	value := buttonValue(t, alert, "alert.resolve")

	reply := e.click(alert, "Resolve")
	if !reply.ReplaceOriginal {
		t.Errorf("Resolve answered without replacing the alert: %+v", reply)
	}
	sees(t, reply, "Resolved by <@"+actor+">")
	wait.Until(t, "resolved by in the thread", func() bool { return e.inThread(alert, "resolved by <@"+actor+">") == 1 })
	wait.Until(t, "the alert's message resolved", func() bool {
		return strings.Contains(visible(e.current(t, alert)), "Resolved by <@"+actor+">")
	})
	now := e.current(t, alert)
	for _, b := range []string{"Acknowledge", "Resolve", "Restart"} {
		if hasLabel(t, now, b) {
			t.Errorf("resolved alert still has %s: %v", b, buttonLabels(t, now))
		}
	}

	// The same button again, from the message as it was.
	again := e.forge(alert, "alert.resolve", value, other)
	sees(t, again, "Resolved by <@"+actor+">")
	if strings.Contains(visible(again), "<@"+other+">") {
		t.Errorf("a second Resolve took the resolution over:\n%s", visible(again))
	}

	// Forged: alert2's id with another instance's, and no instance at all.
	for _, v := range []string{
		strings.SplitN(buttonValue(t, alert2, "alert.resolve"), "|", 2)[0] + "|" + first.ID,
		strings.SplitN(buttonValue(t, alert2, "alert.resolve"), "|", 2)[0],
		"garbage",
	} {
		forged := e.forge(alert2, "alert.resolve", v, actor)
		if forged.ReplaceOriginal || strings.Contains(visible(forged), "Resolved") {
			t.Errorf("forged value %q was not refused:\n%s", v, visible(forged))
		}
	}

	e.regionsPolled(t, 1, 3)
	e.delivered(t)
	if n := e.inThread(alert, "resolved by"); n != 1 {
		t.Errorf("%d resolved lines in the thread, want 1:\n%s", n, e.threadText(alert))
	}
	if s := visible(e.current(t, alert)); !strings.Contains(s, "Resolved by <@"+actor+">") || strings.Contains(s, other) {
		t.Errorf("after the second click the alert reads:\n%s", s)
	}
	still := e.current(t, alert2)
	if strings.Contains(visible(still), "Resolved") || !hasLabel(t, still, "Resolve") || e.inThread(alert2, "resolved") != 0 {
		t.Errorf("a forged click resolved the other alert:\n%s\nthread:\n%s", visible(still), e.threadText(alert2))
	}
}

// TestE2EEscalationSurvivesRestart: an alert nobody acknowledged gets one
// reply mentioning WATCH_ESCALATE_MENTION (a user group) once
// WATCH_ESCALATE_AFTER has passed, even though the bot that raised it was
// stopped before then and a new one started on the same state file; a
// further restart does not repeat it; an acknowledged alert is never
// escalated.
func TestE2EEscalationSurvivesRestart(t *testing.T) {
	const (
		group = "S0ONCALL"
		after = 4 * time.Second
	)
	mention := "<!subteam^" + group + ">"
	e := newLifecycle(t, func(c *config.Config) {
		c.WatchEscalateAfter.D = after
		c.WatchEscalateMention, c.EscalateMention = group, group
	})
	unacked := running(t, e.sim)
	acked := running(t, e.sim, unacked.ID)
	raised := time.Now()
	alert := e.failAndAlert(t, unacked.ID)
	ackAlert := e.failAndAlert(t, acked.ID)
	in, err := e.emu.Click(timeout(t, 10*time.Second), ackAlert, "Acknowledge", actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(in)
	wait.Until(t, "acknowledged", func() bool {
		return strings.Contains(visible(e.current(t, ackAlert)), "Acknowledged by <@"+actor+">")
	})
	e.shutdown()
	if n := e.inThread(alert, mention); n != 0 {
		t.Fatalf("the first bot escalated (%d) before it was stopped, %s after the alert: this machine is too slow for WATCH_ESCALATE_AFTER %s, so the restart is not tested", n, time.Since(raised), after)
	}

	e = startBot(t, e.sim, e.emu, e.cfg)
	wait.Until(t, "the escalation after the restart", func() bool { return e.inThread(alert, mention) > 0 })
	esc := e.thread(alert)
	sees(t, esc[len(esc)-1], mention, "not been acknowledged")
	// Polls enough for a repeat, and for the acknowledged one to be due.
	e.regionsPolled(t, 1, 5)
	e.delivered(t)
	e.shutdown()
	e = startBot(t, e.sim, e.emu, e.cfg)
	e.regionsPolled(t, 1, 5)
	e.delivered(t)
	if n := e.inThread(alert, mention); n != 1 {
		t.Errorf("%d escalations of the unacknowledged alert, want 1:\n%s", n, e.threadText(alert))
	}
	if n := e.inThread(ackAlert, mention); n != 0 {
		t.Errorf("the acknowledged alert was escalated %d times:\n%s", n, e.threadText(ackAlert))
	}
	for _, m := range topLevel(e.emu, alertChannel) {
		if strings.Contains(visible(m), mention) {
			t.Errorf("an escalation went to the channel, not a thread:\n%s", visible(m))
		}
	}
}

// TestE2EFlapping: an instance that fails, recovers, fails, recovers and
// fails within WATCH_FLAP_WINDOW has one top-level alert; its thread tells
// each reopening with a count and its message says it is flapping, how
// often, and is open again with its buttons back. A failure after the
// window is a new alert.
func TestE2EFlapping(t *testing.T) {
	t.Run("within the window", func(t *testing.T) {
		e := newLifecycle(t, nil) // the default window, 30m
		victim := running(t, e.sim)
		alert := e.failAndAlert(t, victim.ID)
		defer func() {
			if t.Failed() {
				e.dumpThread(t, alert)
			}
		}()
		for round, nth := range []string{"2nd", "3rd"} {
			setStatus(t, e.sim, victim.ID, scnet.StatusRunning)
			wait.Until(t, "recovery "+nth, func() bool { return e.inThread(alert, "recovered") == round+1 })
			wait.Until(t, "resolved before the "+nth+" failure", func() bool {
				return strings.Contains(visible(e.current(t, alert)), "Resolved after")
			})
			setStatus(t, e.sim, victim.ID, scnet.StatusFailed)
			wait.Until(t, "the "+nth+" failure in the thread", func() bool {
				return e.inThread(alert, "failed again ("+nth+" time") == 1
			})
		}
		wait.Until(t, "the message flapping 3 times", func() bool {
			return strings.Contains(visible(e.current(t, alert)), "Flapping: failed 3 times")
		})
		e.regionsPolled(t, 1, 3)
		e.delivered(t)
		if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 1 {
			t.Errorf("%d top-level alerts for a flapping instance, want 1", n)
		}
		now := e.current(t, alert)
		if strings.Contains(visible(now), "Resolved") {
			t.Errorf("the reopened incident reads resolved:\n%s", visible(now))
		}
		for _, b := range []string{"Acknowledge", "Resolve", "Restart"} {
			if !hasLabel(t, now, b) {
				t.Errorf("reopened alert lacks %s: %v", b, buttonLabels(t, now))
			}
		}
	})
	t.Run("outside the window", func(t *testing.T) {
		const window = time.Second
		e := newLifecycle(t, func(c *config.Config) { c.WatchFlapWindow.D = window })
		victim := running(t, e.sim)
		alert := e.failAndAlert(t, victim.ID)
		setStatus(t, e.sim, victim.ID, scnet.StatusRunning)
		wait.Until(t, "recovery", func() bool { return e.inThread(alert, "recovered") == 1 })
		recovered := time.Now()
		// Polls until the window has surely passed since the recovery.
		wait.Until(t, "the flap window to pass", func() bool { return time.Since(recovered) > 2*window })
		e.regionsPolled(t, 1, 1)
		setStatus(t, e.sim, victim.ID, scnet.StatusFailed)
		wait.Until(t, "a second alert", func() bool { return len(alertsAbout(e.emu, alertChannel, victim.ID)) == 2 })
		second := alertsAbout(e.emu, alertChannel, victim.ID)[1]
		if strings.Contains(visible(second), "Flapping") {
			t.Errorf("a failure after the window reads as flapping:\n%s", visible(second))
		}
		if n := e.inThread(alert, "failed again"); n != 0 {
			t.Errorf("the old incident was reopened after its window:\n%s", e.threadText(alert))
		}
	})
}

// setTimeLeft gives a Running instance of rs a time limit and a start
// time that leave it left before SCNet stops it. With viaLimit the record
// says no remainingTime ("--"), so only its timeoutLimit and start time
// tell; else the simulator writes remainingTime as SCNet's console does.
func setTimeLeft(t *testing.T, rs *scnettest.RegionServer, id string, limit, left time.Duration, viaLimit bool) {
	t.Helper()
	r, ok := rs.Get(id)
	if !ok || r.Status != scnet.StatusRunning {
		t.Fatalf("instance %s is not running in %s", id, rs.Name())
	}
	r.TimeoutLimit = limit.String()
	r.StartTime = time.Now().Add(-(limit - left)).In(scnet.Beijing())
	r.Duration, r.RemainingTime = "", ""
	if viaLimit {
		r.Duration, r.RemainingTime = "1小时", "--"
	}
	rs.Add(r)
}

// expiryWarnings are the channel's time-limit warnings about an instance.
func expiryWarnings(emu *slackemu.Server, id string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range topLevel(emu, alertChannel) {
		if s := visible(m); strings.Contains(s, id) && strings.Contains(s, "time limit") {
			out = append(out, m)
		}
	}
	return out
}

// TestE2EExpiryWarning: a Running instance whose time left (remainingTime,
// or timeoutLimit less its run time when SCNet gives no remainingTime)
// falls below WATCH_EXPIRY_WARN gets exactly one warning naming it and its
// region; more polls, a bot restart and its time left shrinking further do
// not repeat it; an instance with more time left gets none.
func TestE2EExpiryWarning(t *testing.T) {
	const warn = 30 * time.Minute
	sim, emu := newRegionsSim(t, 80)
	cfg := loginConfig(t, sim, emu)
	lifecycleConfig(cfg)
	cfg.WatchExpiryWarn.D = warn
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 1)

	a, b := sim.Region(scnettest.KunshanClusterID), sim.Region(scnettest.XianClusterID)
	byRemaining, byLimit, plenty := firstWith(t, b, scnet.StatusRunning), firstWith(t, a, scnet.StatusRunning), scnettest.Record{}
	for _, r := range a.Records() {
		if r.Status == scnet.StatusRunning && r.ID != byLimit.ID {
			plenty = r
			break
		}
	}
	if plenty.ID == "" {
		t.Fatalf("%s has one running instance only", kunshan)
	}
	// Above the setting first: nothing.
	setTimeLeft(t, b, byRemaining.ID, 2*time.Hour, time.Hour, false)
	setTimeLeft(t, a, byLimit.ID, 2*time.Hour, time.Hour, true)
	setTimeLeft(t, a, plenty.ID, 24*time.Hour, 2*warn, false)
	e.regionsPolled(t, 2, 3)
	e.delivered(t)
	for _, id := range []string{byRemaining.ID, byLimit.ID, plenty.ID} {
		if n := len(expiryWarnings(emu, id)); n != 0 {
			t.Fatalf("%s warned about %d times with an hour or more left", id, n)
		}
	}

	setTimeLeft(t, b, byRemaining.ID, 2*time.Hour, 15*time.Minute, false)
	setTimeLeft(t, a, byLimit.ID, 2*time.Hour, 10*time.Minute, true)
	if r, _ := b.Get(byRemaining.ID); r.RemainingTime == "--" || r.RemainingTime == "" {
		t.Fatalf("the simulator wrote no remainingTime: %q", r.RemainingTime)
	}
	wait.Until(t, "both warnings", func() bool {
		return len(expiryWarnings(emu, byRemaining.ID)) == 1 && len(expiryWarnings(emu, byLimit.ID)) == 1
	})
	sees(t, expiryWarnings(emu, byRemaining.ID)[0], byRemaining.Name, xian)
	sees(t, expiryWarnings(emu, byLimit.ID)[0], byLimit.Name, kunshan)
	e.regionsPolled(t, 2, 3)
	e.delivered(t)

	e.shutdown()
	setTimeLeft(t, b, byRemaining.ID, 2*time.Hour, 12*time.Minute, false) // less still, while down
	e = startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 4)
	e.delivered(t)
	for _, id := range []string{byRemaining.ID, byLimit.ID} {
		if n := len(expiryWarnings(emu, id)); n != 1 {
			t.Errorf("%s warned about %d times, want 1", id, n)
		}
	}
	if n := len(expiryWarnings(emu, plenty.ID)); n != 0 {
		t.Errorf("%s, with %s left, warned about %d times", plenty.ID, 2*warn, n)
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// stopByCommand stops an instance with /instances stop <id> as actor:
// the prompt, its confirm dialog, and the outcome.
func (e *e2e) stopByCommand(t *testing.T, id string) {
	t.Helper()
	_, prompt := e.command("stop " + id)
	done := e.confirmPrompt(t, prompt, "Stop")
	sees(t, done, "Stop requested by <@"+actor+">")
	if r, _ := e.sim.Get(id); r.Status != scnet.StatusTerminated {
		t.Fatalf("instance is %s after the stop, want Terminated", r.Status)
	}
}

// TestE2EStopFromSlackIsNoFailure: an allowed user stops an instance from
// Slack (prompt, confirm); SCNet makes it Terminated, an alert status, but
// that is no new alert. An instance whose alert is still kept has the stop
// in that alert's thread, and a stop soon after an incident ended does not
// reopen it as flapping.
func TestE2EStopFromSlackIsNoFailure(t *testing.T) {
	t.Run("no alert", func(t *testing.T) {
		e := newLifecycle(t, nil)
		victim := running(t, e.sim)
		before := len(topLevel(e.emu, alertChannel))
		e.stopByCommand(t, victim.ID)
		e.regionsPolled(t, 1, 4)
		e.delivered(t)
		if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 0 {
			t.Errorf("a stop from Slack raised %d alerts", n)
		}
		if all := topLevel(e.emu, alertChannel); len(all) != before {
			t.Errorf("%d new top-level messages after a stop from Slack:\n%s", len(all)-before, visible(all[len(all)-1]))
		}
		if n := e.sim.ActionCount(scnettest.ActionStop); n != 1 {
			t.Errorf("%d SCNet stops, want 1", n)
		}
	})
	t.Run("after its incident ended", func(t *testing.T) {
		e := newLifecycle(t, nil) // within the default 30m flap window
		victim := running(t, e.sim)
		alert := e.failAndAlert(t, victim.ID)
		setStatus(t, e.sim, victim.ID, scnet.StatusRunning)
		wait.Until(t, "recovery", func() bool { return e.inThread(alert, "recovered") == 1 })
		e.stopByCommand(t, victim.ID)
		wait.Until(t, "stopped by in the old alert's thread", func() bool {
			return e.inThread(alert, "stopped by <@"+actor+">") == 1
		})
		e.regionsPolled(t, 1, 4)
		e.delivered(t)
		e.delivered(t)
		if s := visible(e.current(t, alert)); !strings.Contains(s, "Resolved after") {
			t.Errorf("after the stop the ended incident's message reads:\n%s", s)
		}
		if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 1 {
			t.Errorf("%d top-level alerts, want the first one only", n)
		}
		if n := e.inThread(alert, "failed again"); n != 0 || strings.Contains(visible(e.current(t, alert)), "Flapping") {
			t.Errorf("the stop reopened the incident as a failure:\n%s\nthread:\n%s", visible(e.current(t, alert)), e.threadText(alert))
		}
	})
	t.Run("open alert", func(t *testing.T) {
		// The restart leaves it Deploying for the test's length: the
		// incident stays open until it runs.
		e := newLifecycle(t, nil, scnettest.WithRestartDelay(time.Hour))
		victim := running(t, e.sim)
		alert := e.failAndAlert(t, victim.ID)
		sees(t, e.act(t, alert, "Restart"), "Restart requested by <@"+actor+">")
		wait.Until(t, "restarting in the thread", func() bool { return e.inThread(alert, "restarting") == 1 })
		e.stopByCommand(t, victim.ID)
		wait.Until(t, "stopped by in the thread", func() bool { return e.inThread(alert, "stopped by <@"+actor+">") == 1 })
		wait.Until(t, "the alert resolved by the stop", func() bool {
			return strings.Contains(visible(e.current(t, alert)), "Resolved after")
		})
		e.regionsPolled(t, 1, 4)
		e.delivered(t)
		if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 1 {
			t.Errorf("%d top-level alerts, want 1", n)
		}
		if n := e.inThread(alert, "now Deploying → Terminated"); n != 0 {
			t.Errorf("the stop was told as a failure:\n%s", e.threadText(alert))
		}
	})
}

// TestE2ERestartFromAlertInEveryRegion: with every region of the account
// watched, an alert's Restart button acts on its own region's instance,
// whichever region that is, and the incident resolves in its thread.
func TestE2ERestartFromAlertInEveryRegion(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(60, 7), scnettest.WithRegions(),
		scnettest.WithTokenLifetime(30*24*time.Hour), scnettest.WithRestartDelay(300*time.Millisecond))
	cfg := loginConfig(t, sim, emu)
	lifecycleConfig(cfg)
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 1)
	for _, rs := range []*scnettest.RegionServer{sim.Region(scnettest.KunshanClusterID), sim.Region(scnettest.XianClusterID)} {
		t.Run(rs.Name(), func(t *testing.T) {
			victim := firstWith(t, rs, scnet.StatusRunning)
			if err := rs.SetStatus(victim.ID, scnet.StatusFailed); err != nil {
				t.Fatal(err)
			}
			wait.Until(t, "alert for "+victim.ID, func() bool { return len(alertsAbout(emu, alertChannel, victim.ID)) == 1 })
			alert := alertsAbout(emu, alertChannel, victim.ID)[0]
			defer func() {
				if t.Failed() {
					e.dumpThread(t, alert)
				}
			}()
			prompt := e.click(alert, "Restart")
			sees(t, prompt, victim.Name, rs.Name())
			done := e.confirmPrompt(t, prompt, "Restart")
			sees(t, done, "Restart requested by <@"+actor+">")
			if n := rs.ActionCount(scnettest.ActionRestart); n != 1 {
				t.Errorf("%d SCNet restarts in %s, want 1", n, rs.Name())
			}
			wait.Until(t, "running again after restart in the thread", func() bool {
				return e.inThread(alert, "running again after restart by <@"+actor+">") == 1
			})
		})
	}
}

// TestE2EDeleteFromAlertResolves: an alerted instance deleted from its
// alert (the Delete button, the modal, its name typed) ends its incident:
// the thread says who deleted it, and the message says resolved, without
// its Acknowledge, Resolve and Restart buttons, so nobody is escalated to
// or restarts what is gone.
func TestE2EDeleteFromAlertResolves(t *testing.T) {
	e := newLifecycle(t, nil)
	victim := running(t, e.sim)
	alert := e.failAndAlert(t, victim.ID)
	defer func() {
		if t.Failed() {
			e.dumpThread(t, alert)
		}
	}()
	sees(t, e.deleteByModal(t, alert, "Delete", victim.Name), "Delete requested by <@"+actor+">")
	if _, ok := e.sim.Get(victim.ID); ok {
		t.Fatal("the simulator still has the instance")
	}
	wait.Until(t, "deleted by in the thread", func() bool { return e.inThread(alert, "deleted by <@"+actor+">") >= 1 })
	wait.Until(t, "the alert resolved by the delete", func() bool {
		return strings.Contains(visible(e.current(t, alert)), "Resolved after")
	})
	e.regionsPolled(t, 1, 3)
	e.delivered(t)
	now := e.current(t, alert)
	for _, b := range []string{"Acknowledge", "Resolve", "Restart"} {
		if hasLabel(t, now, b) {
			t.Errorf("the alert of a deleted instance still has %s: %v", b, buttonLabels(t, now))
		}
	}
	if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 1 {
		t.Errorf("%d top-level alerts, want 1", n)
	}
}

// TestE2ERestartCreditedAcrossBotRestart: the bot is stopped while an
// instance restarted from its alert is still Deploying; the bot started
// on the same state file credits the restart when the instance runs.
func TestE2ERestartCreditedAcrossBotRestart(t *testing.T) {
	const delay = 3 * time.Second
	e := newLifecycle(t, nil, scnettest.WithRestartDelay(delay))
	victim := running(t, e.sim)
	alert := e.failAndAlert(t, victim.ID)
	sees(t, e.act(t, alert, "Restart"), "Restart requested by <@"+actor+">")
	wait.Until(t, "restarted by in the thread", func() bool { return e.inThread(alert, "restarted by <@"+actor+">") == 1 })
	e.shutdown()
	if r, _ := e.sim.Get(victim.ID); r.Status != scnet.StatusDeploying {
		t.Fatalf("instance is %s when the bot stopped, want Deploying: the restart delay (%s) passed too soon for this test", r.Status, delay)
	}
	e = startBot(t, e.sim, e.emu, e.cfg)
	defer func() {
		if t.Failed() {
			e.dumpThread(t, alert)
		}
	}()
	wait.Until(t, "running again after restart by, after the bot's restart", func() bool {
		return e.inThread(alert, "running again after restart by <@"+actor+">") == 1
	})
	e.regionsPolled(t, 1, 3)
	e.delivered(t)
	sees(t, e.current(t, alert), "Resolved after")
	if n := e.inThread(alert, "recovered"); n != 0 {
		t.Errorf("the recovery was not credited to the restart:\n%s", e.threadText(alert))
	}
}

// TestE2EStopBeforeFirstSeen: an instance created after the watcher's last
// poll and stopped from Slack before its next one is no failure either.
func TestE2EStopBeforeFirstSeen(t *testing.T) {
	e := newLifecycle(t, func(c *config.Config) { c.WatchInterval.D = 3 * time.Second })
	e.regionsPolled(t, 1, 1)
	fresh := e.sim.Add(scnettest.Record{Name: "fresh-notebook", Status: scnet.StatusRunning, StartTime: time.Now()})
	e.stopByCommand(t, fresh.ID)
	e.regionsPolled(t, 1, 2)
	e.delivered(t)
	if n := len(alertsAbout(e.emu, alertChannel, fresh.ID)); n != 0 {
		t.Errorf("a stop from Slack of an instance the watcher had not seen yet raised %d alerts:\n%s", n, visible(alertsAbout(e.emu, alertChannel, fresh.ID)[0]))
	}
}

// TestE2EFailedRestartIsNotCredited: a restart SCNet refuses is written in
// the thread as failed, changes nothing, and the instance recovering on
// its own later is not credited to it.
func TestE2EFailedRestartIsNotCredited(t *testing.T) {
	e := newLifecycle(t, nil)
	victim := running(t, e.sim)
	alert := e.failAndAlert(t, victim.ID)
	e.sim.FailNextAction(scnettest.ActionRestart, 1, scnettest.CodeInvalidParams)
	done := e.act(t, alert, "Restart")
	sees(t, done, "did not happen")
	wait.Until(t, "the failed restart in the thread", func() bool { return e.inThread(alert, "restart by <@"+actor+"> failed") == 1 })
	setStatus(t, e.sim, victim.ID, scnet.StatusRunning)
	wait.Until(t, "the recovery", func() bool { return e.inThread(alert, "recovered") == 1 })
	e.regionsPolled(t, 1, 2)
	e.delivered(t)
	if n := e.inThread(alert, "after restart by"); n != 0 {
		t.Errorf("a failed restart was credited with the recovery:\n%s", e.threadText(alert))
	}
	sees(t, e.current(t, alert), "Resolved after")
}

// TestE2EFlappingWithRestarts: each round of a flapping instance is
// restarted from its alert; every reopening brings the Restart button
// back, and every recovery is credited to that round's restart only.
func TestE2EFlappingWithRestarts(t *testing.T) {
	e := newLifecycle(t, nil, scnettest.WithRestartDelay(200*time.Millisecond))
	victim := running(t, e.sim)
	alert := e.failAndAlert(t, victim.ID)
	defer func() {
		if t.Failed() {
			e.dumpThread(t, alert)
		}
	}()
	for round := 1; round <= 2; round++ {
		if round > 1 {
			setStatus(t, e.sim, victim.ID, scnet.StatusFailed)
			wait.Until(t, "the reopening", func() bool { return e.inThread(alert, "failed again (2nd time") == 1 })
			e.delivered(t)
		}
		wait.Until(t, "the Restart button", func() bool { return hasLabel(t, e.current(t, alert), "Restart") })
		sees(t, e.act(t, e.current(t, alert), "Restart"), "Restart requested by <@"+actor+">")
		wait.Until(t, "running again after restart", func() bool {
			return e.inThread(alert, "running again after restart by <@"+actor+">") == round
		})
	}
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 2 {
		t.Errorf("%d SCNet restarts, want 2", n)
	}
	e.regionsPolled(t, 1, 2)
	e.delivered(t)
	if n := len(alertsAbout(e.emu, alertChannel, victim.ID)); n != 1 {
		t.Errorf("%d top-level alerts, want 1", n)
	}
	sees(t, e.current(t, alert), "Resolved after", "Flapping: failed 2 times")
}

// TestE2EConfirmAfterBotRestart: a prompt answered after the bot was
// restarted still acts, once: its confirmation is in the state file.
func TestE2EConfirmAfterBotRestart(t *testing.T) {
	e := newLifecycle(t, nil, scnettest.WithRestartDelay(200*time.Millisecond))
	victim := running(t, e.sim)
	alert := e.failAndAlert(t, victim.ID)
	prompt := e.click(alert, "Restart")
	e.shutdown()
	e = startBot(t, e.sim, e.emu, e.cfg)
	e.regionsPolled(t, 1, 1)
	sees(t, e.confirmPrompt(t, prompt, "Restart"), "Restart requested by <@"+actor+">")
	wait.Until(t, "running again after restart", func() bool {
		return e.inThread(alert, "running again after restart by <@"+actor+">") == 1
	})
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("%d SCNet restarts, want 1", n)
	}
}
