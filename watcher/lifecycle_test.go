package watcher_test

import (
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/actions"
	"scnetbot/internal/slackemu"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/tracked"
	"scnetbot/watcher"
)

// click presses an alert button as user.
func (e *env) click(user, actionID, value string) *slack.WebhookMessage {
	e.t.Helper()
	return e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: user}}, &slack.BlockAction{ActionID: actionID, Value: value})
}

// record tells the watcher of an action, as the actions package does.
func (e *env) record(rec tracked.ActionRecord) bool {
	e.t.Helper()
	if rec.At.IsZero() {
		rec.At = e.clock.Now()
	}
	threaded, err := e.w.RecordAction(e.ctx, rec)
	if err != nil {
		e.t.Fatalf("record action: %v", err)
	}
	return threaded
}

func (e *env) replies() []slackemu.Message {
	_, replies := e.messages()
	return replies
}

func TestRecoveryResolvesTheAlertWithItsDuration(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("healer")
	e.clock.Advance(13 * time.Minute)
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	b := blocksOf(alerts[0])
	if !strings.Contains(b, "Resolved after 14m: Running again") || strings.Contains(b, `"alert.ack"`) || strings.Contains(b, `"alert.resolve"`) {
		t.Errorf("resolved alert = %s", b)
	}
	if n := countContaining(e.replies(), "recovered: Failed → Running"); n != 1 {
		t.Errorf("%d recovery lines in the thread, want 1", n)
	}
}

func TestRestartByIsNamedWhenTheInstanceRunsAgain(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("restartee")
	rec := tracked.ActionRecord{InstanceID: r.ID, InstanceName: r.Name, Kind: tracked.ActionRestart, User: "U0FIXER", Outcome: tracked.ActionStarted}
	if e.record(rec) {
		t.Error("a started action was threaded")
	}
	rec.Outcome = tracked.ActionDone
	if !e.record(rec) {
		t.Error("a restart of an alerted instance was not threaded")
	}
	e.setStatus(r.ID, scnet.StatusDeploying)
	e.step()
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.drain()
	replies := e.replies()
	for _, want := range []string{"restarted by <@U0FIXER> at", "restarting: Failed → Deploying", "running again after restart by <@U0FIXER>: Deploying → Running"} {
		if n := countContaining(replies, want); n != 1 {
			t.Errorf("%d thread lines with %q, want 1: %v", n, want, replies)
		}
	}
	if n := countContaining(e.alerts(), "Resolved after 2m: Running again"); n != 1 {
		t.Errorf("status line: %v", e.alerts())
	}
}

func TestRecordActionLines(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("acted")
	for _, c := range []struct {
		rec  tracked.ActionRecord
		want string
	}{
		{tracked.ActionRecord{Kind: tracked.ActionStop, Outcome: tracked.ActionFailed, Detail: "SCNet refused it: <busy>"},
			"stop by <@U1> failed: SCNet refused it: &lt;busy&gt; at"},
		{tracked.ActionRecord{Kind: tracked.ActionDelete, Outcome: tracked.ActionUnknown, Detail: "timeout after 8s"},
			"delete by <@U1>: SCNet did not answer, it may have happened (timeout after 8s) at"},
	} {
		c.rec.InstanceID, c.rec.User = r.ID, "U1"
		if !e.record(c.rec) {
			t.Errorf("%s %s not threaded", c.rec.Kind, c.rec.Outcome)
		}
		e.drain()
		if n := countContaining(e.replies(), c.want); n != 1 {
			t.Errorf("%d lines %q: %v", n, c.want, e.replies())
		}
	}
	// An instance the watcher does not track: nothing.
	before := len(e.emu.ChannelMessages(channel))
	if e.record(tracked.ActionRecord{InstanceID: "ffffffffffffffffffffffffffffffff", User: "U1", Kind: tracked.ActionRestart, Outcome: tracked.ActionDone}) {
		t.Error("an untracked instance's action was threaded")
	}
	// Through the group, by region ("" is the only one).
	g := watcher.NewGroup(e.w)
	threaded, err := g.RecordAction(e.ctx, tracked.ActionRecord{InstanceID: r.ID, User: "U2", Kind: tracked.ActionRestart, Outcome: tracked.ActionDone, At: e.clock.Now()})
	if err != nil || !threaded {
		t.Errorf("group RecordAction = %v, %v", threaded, err)
	}
	threaded, err = g.RecordAction(e.ctx, tracked.ActionRecord{Region: "elsewhere", InstanceID: r.ID, User: "U2", Kind: tracked.ActionRestart, Outcome: tracked.ActionDone})
	if err != nil || threaded {
		t.Errorf("group RecordAction for another region = %v, %v", threaded, err)
	}
	e.drain()
	if n := len(e.emu.ChannelMessages(channel)) - before; n != 1 {
		t.Errorf("%d messages after the untracked and the group's actions, want 1", n)
	}
}

// A stop somebody asked for is news, not a failure: no new alert for the
// Terminated it causes, with or without an alert before.
// TestExpectedStopOfAnUnseenInstance: an instance created after the last
// poll and stopped from Slack before the next one is not a failure either,
// nor is a stop whose SCNet call failed left expected.
func TestExpectedStopOfAnUnseenInstance(t *testing.T) {
	e := newEnv(t, 0)
	e.poll() // the baseline
	fresh := e.add(scnettest.Record{Name: "fresh", Status: scnet.StatusRunning})
	e.record(tracked.ActionRecord{InstanceID: fresh.ID, InstanceName: fresh.Name, User: "U0STOP", Kind: tracked.ActionStop, Outcome: tracked.ActionStarted})
	e.setStatus(fresh.ID, scnet.StatusTerminated)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 0 {
		t.Fatalf("%d alerts for an instance stopped from Slack before any poll saw it", n)
	}
	// A stop SCNet refused expects nothing: a Terminated after it is a
	// failure.
	other := e.add(scnettest.Record{Name: "other", Status: scnet.StatusRunning})
	for _, o := range []tracked.ActionOutcome{tracked.ActionStarted, tracked.ActionFailed} {
		e.record(tracked.ActionRecord{InstanceID: other.ID, InstanceName: other.Name, User: "U0STOP", Kind: tracked.ActionStop, Outcome: o})
	}
	e.setStatus(other.ID, scnet.StatusTerminated)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Errorf("%d alerts, want one for the Terminated after a failed stop", n)
	}
}

func TestExpectedStopIsNotANewAlert(t *testing.T) {
	e := newEnv(t, 0)
	quiet := e.add(scnettest.Record{Name: "quiet", Status: scnet.StatusRunning})
	r := e.alerted("stopped")
	for _, id := range []string{quiet.ID, r.ID} {
		e.record(tracked.ActionRecord{InstanceID: id, User: "U0STOP", Kind: tracked.ActionStop, Outcome: tracked.ActionStarted})
		e.setStatus(id, scnet.StatusTerminated)
	}
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("%d alerts, want only the one before the stop", n)
	}
	if n := countContaining(e.replies(), "stop by <@U0STOP> took effect: Failed → Terminated"); n != 1 {
		t.Errorf("stop lines: %v", e.replies())
	}
	if n := countContaining(e.alerts(), "Resolved after 1m: stopped"); n != 1 {
		t.Errorf("status line: %s", blocksOf(e.alerts()[0]))
	}
	// Once the expectation ran out, a Terminated is a failure again.
	e.setStatus(quiet.ID, scnet.StatusRunning)
	e.step()
	e.record(tracked.ActionRecord{InstanceID: quiet.ID, User: "U0STOP", Kind: tracked.ActionStop, Outcome: tracked.ActionStarted})
	e.clock.Advance(16 * time.Minute)
	e.setStatus(quiet.ID, scnet.StatusTerminated)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 2 {
		t.Errorf("%d alerts, want a second one for a Terminated nobody asked for any more", n)
	}
}

func TestExpectedDeleteIsNamed(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("deletee")
	e.record(tracked.ActionRecord{InstanceID: r.ID, User: "U0DEL", Kind: tracked.ActionDelete, Outcome: tracked.ActionStarted})
	e.record(tracked.ActionRecord{InstanceID: r.ID, User: "U0DEL", Kind: tracked.ActionDelete, Outcome: tracked.ActionDone})
	e.sim.Delete(r.ID)
	e.step()
	e.drain()
	for _, want := range []string{"deleted by <@U0DEL> at", "deleted by <@U0DEL> (was Failed)"} {
		if n := countContaining(e.replies(), want); n != 1 {
			t.Errorf("%d lines %q: %v", n, want, e.replies())
		}
	}
	if n := countContaining(e.alerts(), "Resolved after 1m: deleted"); n != 1 {
		t.Errorf("status line: %s", blocksOf(e.alerts()[0]))
	}
}

func TestResolveButton(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("by-hand")
	blocks := blocksOf(e.alerts()[0])
	value := buttonValue(t, blocks, "alert.resolve")
	if reply := e.click("U0X", "alert.resolve", strings.Split(value, "|")[0]+"|ffffffffffffffffffffffffffffffff"); reply == nil || reply.ReplaceOriginal {
		t.Errorf("a forged Resolve = %+v", reply)
	}
	e.clock.Advance(13 * time.Minute)
	reply := e.click("U0FIRST", "alert.resolve", value)
	if reply == nil || !reply.ReplaceOriginal {
		t.Fatalf("Resolve = %+v", reply)
	}
	e.clock.Advance(time.Minute)
	again := e.click("U0SECOND", "alert.resolve", value)
	e.drain()
	for _, m := range []*slack.WebhookMessage{reply, again} {
		b := unescapeJSON(blocksJSON(t, m))
		if !strings.Contains(b, "Resolved by <@U0FIRST> after 13m") || strings.Contains(b, "alert.resolve") || strings.Contains(b, "alert.ack") {
			t.Errorf("reply = %s", b)
		}
	}
	if n := countContaining(e.replies(), "resolved by <@U0FIRST> after 13m"); n != 1 || countContaining(e.replies(), "U0SECOND") != 0 {
		t.Errorf("thread: %v", e.replies())
	}
	if b := blocksOf(e.alerts()[0]); !strings.Contains(b, "Resolved by <@U0FIRST>") {
		t.Errorf("top-level message not re-rendered: %s", b)
	}
	// The instance's recovery later is no news of a closed incident.
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.drain()
	if n := countContaining(e.replies(), "recovered"); n != 0 {
		t.Errorf("%d recovery lines after a resolution by hand", n)
	}
}

func TestEscalationOnceAcrossRestarts(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) {
		c.EscalateAfter, c.EscalateMention = 5*time.Minute, "S0ONCALL"
	}))
	e.alerted("unanswered")
	acked := e.add(scnettest.Record{Name: "answered", Status: scnet.StatusRunning})
	e.step()
	e.setStatus(acked.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	for _, a := range e.alerts() {
		if strings.Contains(a.Text, "answered") && !strings.Contains(a.Text, "unanswered") {
			e.click("U1", "alert.ack", buttonValue(t, blocksOf(a), "alert.ack"))
		}
	}
	e.step()
	e.restart() // before it is due
	e.step()
	e.drain()
	if n := countContaining(e.replies(), "subteam"); n != 0 {
		t.Fatalf("escalated after %d early", n)
	}
	e.sim.SetDown(true) // escalation needs only the store
	e.clock.Advance(2 * time.Minute)
	e.pollFail()
	e.drain()
	if n := countContaining(e.replies(), "<!subteam^S0ONCALL>"); n != 1 {
		t.Fatalf("%d escalations, want 1: %v", n, e.replies())
	}
	e.restart()
	e.sim.SetDown(false)
	for range 5 {
		e.step()
	}
	e.drain()
	if n := countContaining(e.replies(), "subteam"); n != 1 {
		t.Errorf("%d escalations after a restart, want still 1", n)
	}
}

func TestFlappingReopensTheIncident(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.FlapWindow = 30 * time.Minute }))
	r := e.alerted("flappy")
	for cycle := 2; cycle <= 3; cycle++ {
		e.setStatus(r.ID, scnet.StatusRunning)
		e.step()
		e.clock.Advance(5 * time.Minute)
		e.setStatus(r.ID, scnet.StatusFailed)
		e.step()
	}
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want the one incident", len(alerts))
	}
	b := blocksOf(alerts[0])
	if !strings.Contains(b, "Flapping: failed 3 times") || !strings.Contains(b, "Failed again (3rd time in 14m)") || !strings.Contains(b, `"alert.resolve"`) {
		t.Errorf("top-level message = %s", b)
	}
	for _, want := range []string{"failed again (2nd time in 7m): Running → Failed", "failed again (3rd time in 14m): Running → Failed"} {
		if n := countContaining(e.replies(), want); n != 1 {
			t.Errorf("%d lines %q: %v", n, want, e.replies())
		}
	}
	// Outside the window, a failure is a new incident.
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.clock.Advance(31 * time.Minute)
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 2 {
		t.Errorf("%d alerts after a failure outside the window, want 2", n)
	}
}

func TestExpiryWarningOnce(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.ExpiryWarn = 30 * time.Minute }))
	long := e.add(scnettest.Record{Name: "long", Status: scnet.StatusRunning, TimeoutLimit: "72h", RemainingTime: "2天0小时0分"})
	r := e.add(scnettest.Record{Name: "<b>short</b>", Status: scnet.StatusRunning, TimeoutLimit: "72h", RemainingTime: "1小时5分"})
	e.poll()
	e.step()
	r.RemainingTime = "25分"
	e.add(r)
	e.step()
	r.RemainingTime = "24分"
	e.add(r)
	e.step()
	e.restart()
	e.step()
	e.drain()
	top, _ := e.messages()
	if n := countContaining(top, "reaches its time limit"); n != 1 {
		t.Fatalf("%d expiry warnings, want 1: %v", n, top)
	}
	if n := countContaining(top, "*&lt;b&gt;short&lt;/b&gt;*") + countContaining(top, "long"); n != 1 {
		t.Errorf("the warning does not name the instance escaped, or names another: %v", top)
	}
	// A renewed limit ends the episode: the next fall is warned again.
	r.RemainingTime = "3天0小时0分"
	e.add(r)
	e.step()
	r.RemainingTime = "10分"
	e.add(r)
	e.step()
	e.drain()
	top, _ = e.messages()
	if n := countContaining(top, "reaches its time limit"); n != 2 {
		t.Errorf("%d expiry warnings after a renewal, want 2", n)
	}
	_ = long
}

// The watcher is the actions' Recorder, one region's or all of them.
var (
	_ actions.Recorder = (*watcher.Group)(nil)
	_ actions.Recorder = (*watcher.Watcher)(nil)
)

// A storm's members have no message of their own: their actions,
// flapping and escalation go to the storm's summary and its thread.
func TestStormMembersLifecycle(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) {
		c.StormThreshold, c.FlapWindow = 2, 30*time.Minute
		c.EscalateAfter, c.EscalateMention = 5*time.Minute, "here"
	}))
	var recs []scnettest.Record
	for i := range 4 {
		recs = append(recs, e.add(scnettest.Record{Name: "member-" + string(rune('a'+i)), Status: scnet.StatusRunning}))
	}
	e.poll()
	for _, r := range recs {
		e.setStatus(r.ID, scnet.StatusFailed)
	}
	e.step()
	e.drain()
	top, _ := e.messages()
	if len(top) != 2 {
		t.Fatalf("%d top-level messages, want the baseline and one summary", len(top))
	}
	storm := top[1]
	if !e.record(tracked.ActionRecord{InstanceID: recs[0].ID, User: "U0A", Kind: tracked.ActionRestart, Outcome: tracked.ActionDone}) {
		t.Error("an action on a storm member was not threaded")
	}
	e.setStatus(recs[0].ID, scnet.StatusRunning)
	e.step()
	e.setStatus(recs[0].ID, scnet.StatusFailed)
	e.step()
	for range 4 {
		e.step()
	}
	// The restart ended the first round only: the next recovery is the
	// instance's own.
	e.setStatus(recs[0].ID, scnet.StatusRunning)
	e.step()
	e.drain()
	top, replies := e.messages()
	if len(top) != 2 {
		t.Errorf("%d top-level messages after a member flapped, want still 2", len(top))
	}
	for _, want := range []string{"restarted by <@U0A>", "running again after restart by <@U0A>", "failed again (2nd time in 2m)", "<!here>", "recovered: Failed → Running"} {
		n := 0
		for _, m := range replies {
			if m.ThreadTS == storm.TS && strings.Contains(m.Text+blocksOf(m), want) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d lines %q in the storm's thread, want 1", n, want)
		}
	}
}

// TestFirstAlertNamesItsRegion: the alert's first post already carries its
// region, so the action buttons on it name the region to act in; a
// multi-region bot refuses a button that names none.
func TestFirstAlertNamesItsRegion(t *testing.T) {
	var seen []string
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.Region, c.RegionName = "r1", "Region One" }),
		func(e *env) {
			e.ui.ActionButtons = func(a state.Alert, _ scnet.Instance) []slack.BlockElement {
				seen = append(seen, a.Region)
				return nil
			}
		})
	e.alerted("somewhere")
	if len(seen) == 0 {
		t.Fatal("the alert was never rendered")
	}
	for i, r := range seen {
		if r != "r1" {
			t.Errorf("render %d of the alert had region %q, want r1", i+1, r)
		}
	}
}
