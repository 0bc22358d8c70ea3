package watcher_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/tracked"
	"scnetbot/watcher"
)

func TestBaselineIsSilent(t *testing.T) {
	e := newEnv(t, 300)
	live := len(e.liveRecords())
	if live == 0 {
		t.Fatal("simulator seeded no live instances")
	}
	e.poll()
	e.drain()
	top, replies := e.messages()
	if len(top) != 1 || len(replies) != 0 {
		t.Fatalf("baseline posted %d messages and %d replies, want exactly one summary", len(top), len(replies))
	}
	if want := fmt.Sprintf("Watching %d live instances", live); !strings.Contains(top[0].Text, want) {
		t.Errorf("summary %q does not say %q", top[0].Text, want)
	}
	if h := e.health(); h.Tracked < live || h.LastError != "" {
		t.Errorf("health after baseline = %+v", h)
	}
	e.step()
	e.step()
	e.drain()
	if top, _ := e.messages(); len(top) != 1 {
		t.Errorf("quiet polls posted %d more messages", len(top)-1)
	}
}

func TestAlertPerStatus(t *testing.T) {
	tests := []struct {
		to    scnet.Status
		alert bool
	}{
		{scnet.StatusFailed, true},
		{scnet.StatusTerminated, true},
		{scnet.StatusCompleted, false},
	}
	for _, tt := range tests {
		t.Run(string(tt.to), func(t *testing.T) {
			e := newEnv(t, 0)
			r := e.add(scnettest.Record{Name: "train-" + strings.ToLower(string(tt.to)), Status: scnet.StatusRunning,
				UserName: "alice", ResourceGroup: "rg-a100", GPUNumber: 2, AcceleratorType: "A100"})
			e.poll()
			e.drain()
			e.setStatus(r.ID, tt.to)
			e.step()
			e.drain()
			alerts := e.alerts()
			if !tt.alert {
				if top, _ := e.messages(); len(top) != 1 {
					t.Fatalf("%s posted %d messages after the baseline, want none", tt.to, len(top)-1)
				}
				return
			}
			if len(alerts) != 1 {
				t.Fatalf("got %d alerts, want 1", len(alerts))
			}
			b := blocksOf(alerts[0])
			for _, want := range []string{r.Name, r.ID, "Running → " + string(tt.to), "alice", "rg-a100", "2 × A100"} {
				if !strings.Contains(b, want) {
					t.Errorf("alert lacks %q: %s", want, b)
				}
			}
			e.step()
			e.drain()
			if n := len(e.alerts()); n != 1 {
				t.Errorf("after a quiet poll: %d alerts, want still 1", n)
			}
		})
	}
}

func TestMentionOnTopLevelOnly(t *testing.T) {
	e := newEnv(t, 0, withMention("<!subteam^S0123>"))
	r := e.add(scnettest.Record{Name: "m1", Status: scnet.StatusRunning})
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.drain()
	alerts := e.alerts()
	_, replies := e.messages()
	if len(alerts) != 1 || !strings.HasPrefix(alerts[0].Text, "<!subteam^S0123>") {
		t.Fatalf("alerts = %+v, want one with the mention first", alerts)
	}
	if len(replies) != 1 || strings.Contains(replies[0].Text+blocksOf(replies[0]), "subteam") {
		t.Errorf("replies = %+v, want one without the mention", replies)
	}
}

func TestLaterChangesGoToTheThread(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "thready", Status: scnet.StatusRunning})
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.setStatus(r.ID, scnet.StatusDeploying)
	e.step()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.sim.Delete(r.ID)
	e.step()
	e.drain()
	alerts := e.alerts()
	_, replies := e.messages()
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts, want 1", len(alerts))
	}
	want := []string{"restarting: Failed → Deploying", "now Deploying → Failed", "deleted (was Failed)"}
	if len(replies) != len(want) {
		t.Fatalf("got %d replies, want %d", len(replies), len(want))
	}
	for i, w := range want {
		if replies[i].ThreadTS != alerts[0].TS || !strings.Contains(blocksOf(replies[i]), w) {
			t.Errorf("reply %d = %s, want %q in the alert's thread", i, replies[i].Blocks, w)
		}
	}
	if !strings.Contains(blocksOf(alerts[0]), "Resolved after 3m: deleted at") || alerts[0].Edits == 0 {
		t.Errorf("top-level status line not updated: %s", alerts[0].Blocks)
	}
}

func TestRestartDoesNotRepeat(t *testing.T) {
	e := newEnv(t, 50)
	e.poll()
	e.drain()
	r := e.liveRecords()[0]
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("got %d alerts, want 1", n)
	}
	before := len(e.emu.ChannelMessages(channel))
	e.restart()
	e.step()
	e.step()
	e.drain()
	if after := len(e.emu.ChannelMessages(channel)); after != before {
		t.Errorf("restart posted %d more messages", after-before)
	}
}

func TestChangesWhileDownAlertedOnce(t *testing.T) {
	e := newEnv(t, 50)
	e.poll()
	e.drain()
	live := e.liveRecords()
	if len(live) < 3 {
		t.Fatalf("need 3 live instances, have %d", len(live))
	}
	if err := e.st.Close(); err != nil { // the bot is down from here
		t.Fatal(err)
	}
	e.clock.Advance(30 * time.Minute)
	e.setStatus(live[0].ID, scnet.StatusFailed)
	e.setStatus(live[1].ID, scnet.StatusCompleted) // not an alert status
	flash := e.add(scnettest.Record{Name: "born-and-died", Status: scnet.StatusFailed})
	e.clock.Advance(30 * time.Minute)
	e.open()
	e.poll()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 2 {
		t.Fatalf("got %d alerts after downtime, want 2", len(alerts))
	}
	if countContaining(alerts, live[0].ID) != 1 || countContaining(alerts, flash.ID) != 1 {
		t.Errorf("alerts do not name %s and %s once each", live[0].ID, flash.ID)
	}
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 2 {
		t.Errorf("next poll: %d alerts, want still 2", n)
	}
}

func TestCreatedAndFailedBetweenPolls(t *testing.T) {
	e := newEnv(t, 500)
	e.poll()
	e.drain()
	e.clock.Advance(30 * time.Second)
	r := e.add(scnettest.Record{Name: "flash", Status: scnet.StatusFailed})
	e.step()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 || !strings.Contains(blocksOf(alerts[0]), r.ID) || !strings.Contains(alerts[0].Text, "new → Failed") {
		t.Fatalf("alerts = %v, want one for %s (new → Failed)", alerts, r.ID)
	}
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Errorf("next poll: %d alerts, want still 1", n)
	}
}

func TestOutage(t *testing.T) {
	tests := []struct {
		name   string
		break_ func(e *env)
		mend   func(e *env)
	}{
		{"down", func(e *env) { e.sim.SetDown(true) }, func(e *env) { e.sim.SetDown(false) }},
		{"5xx", func(e *env) { e.sim.FailNext(1, 503) }, func(*env) {}},
		{"garbage", func(e *env) { e.sim.GarbageNext(1) }, func(*env) {}},
		{"error code", func(e *env) { e.sim.FailNextCode(1, "10001") }, func(*env) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 50)
			e.poll()
			e.drain()
			live := e.liveRecords()
			e.setStatus(live[0].ID, scnet.StatusFailed)
			for range 8 { // eight minutes of failed polls
				tt.break_(e)
				e.clock.Advance(time.Minute)
				e.pollFail()
			}
			if h := e.health(); !h.Outage || h.LastError == "" {
				t.Errorf("health during outage = %+v", h)
			}
			tt.mend(e)
			e.drain()
			if n := len(e.alerts()); n != 0 {
				t.Fatalf("failed polls raised %d instance alerts", n)
			}
			top, _ := e.messages()
			if n := countContaining(top, "SCNet unreachable"); n != 1 {
				t.Fatalf("%d outage notices, want 1", n)
			}
			e.step()
			e.step()
			e.drain()
			top, replies := e.messages()
			var notice string
			for _, m := range top {
				if strings.Contains(m.Text, "SCNet unreachable") {
					notice = m.TS
				}
			}
			recovered := 0
			for _, m := range replies {
				if m.ThreadTS == notice && strings.Contains(m.Text, "answers again") {
					recovered++
				}
			}
			if recovered != 1 {
				t.Errorf("%d recovered replies in the notice's thread, want 1", recovered)
			}
			if alerts := e.alerts(); len(alerts) != 1 || countContaining(alerts, live[0].ID) != 1 {
				t.Errorf("after recovery: %d alerts, want 1 for %s", len(alerts), live[0].ID)
			}
		})
	}
}

func TestBriefFailureIsSilent(t *testing.T) {
	e := newEnv(t, 50)
	e.poll()
	e.sim.FailNext(1, 500)
	e.clock.Advance(time.Minute)
	e.pollFail()
	e.step()
	e.drain()
	if top, _ := e.messages(); len(top) != 1 {
		t.Errorf("a single failed poll posted %d messages", len(top)-1)
	}
}

func TestSlackRetriesDeliverOnce(t *testing.T) {
	tests := []struct {
		name  string
		fault func(e *env)
	}{
		{"429", func(e *env) { e.emu.RateLimitNext("chat.postMessage", 1, time.Second) }},
		{"5xx", func(e *env) { e.emu.FailNext("chat.postMessage", 3, 500) }},
		{"unknown outcome", func(e *env) { e.emu.PostThenHang("chat.postMessage", 1, 2*time.Second) }},
	}
	exercised := func(e *env, calls int) bool {
		return e.emu.Calls("chat.postMessage") > calls+1 || e.emu.Calls("conversations.history") > 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, 50)
			e.poll()
			e.drain()
			calls := e.emu.Calls("chat.postMessage")
			r := e.liveRecords()[0]
			e.setStatus(r.ID, scnet.StatusFailed)
			tt.fault(e)
			e.step()
			e.drain()
			if n := len(e.alerts()); n != 1 {
				t.Fatalf("got %d alerts, want exactly 1", n)
			}
			if !exercised(e, calls) {
				t.Error("the fault was not exercised: one call and no history check")
			}
		})
	}
}

func TestCrashBetweenStoreAndSend(t *testing.T) {
	e := newEnv(t, 50)
	e.poll()
	e.drain()
	r := e.liveRecords()[0]
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step() // the alert is in the outbox, not in Slack
	e.restart()
	if n := len(e.alerts()); n != 0 {
		t.Fatalf("alert sent before delivery: %d", n)
	}
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("after restart: %d alerts, want 1", n)
	}
}

func TestCrashBetweenSendAndConfirm(t *testing.T) {
	e := newEnv(t, 50)
	e.poll()
	e.drain()
	r := e.liveRecords()[0]
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	// Slack takes the post but the answer never arrives before the crash.
	e.emu.PostThenHang("chat.postMessage", 1, 5*time.Second)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.d.Drain(ctx) }()
	if _, err := e.emu.WaitChannelMessages(e.ctx, channel, 2); err != nil {
		t.Fatal(err)
	}
	cancel()
	<-done
	e.restart()
	e.drain()
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("after crash and restart: %d alerts, want 1", n)
	}
}

func TestStorm(t *testing.T) {
	e := newEnv(t, 0)
	var recs []scnettest.Record
	for i := range 200 {
		recs = append(recs, e.add(scnettest.Record{Name: fmt.Sprintf("job-%03d", i), Status: scnet.StatusRunning,
			ResourceGroup: fmt.Sprintf("rg-%d", i%7)}))
	}
	e.poll()
	e.drain()
	for i, r := range recs {
		st := scnet.StatusFailed
		if i%4 == 0 {
			st = scnet.StatusTerminated
		}
		e.setStatus(r.ID, st)
	}
	e.step()
	e.drain()
	top, replies := e.messages()
	if len(top) != 2 {
		t.Fatalf("storm posted %d top-level messages, want 1 summary", len(top)-1)
	}
	if !strings.Contains(top[1].Text, "200 instances") || !strings.Contains(blocksOf(top[1]), "rg-3") {
		t.Errorf("summary = %s", top[1].Blocks)
	}
	if len(replies) == 0 || len(replies) > 12 {
		t.Errorf("storm thread has %d replies, want a few", len(replies))
	}
	for _, r := range recs {
		if countContaining(replies, r.Name) != 1 {
			t.Errorf("%s is named %d times in the thread, want once", r.Name, countContaining(replies, r.Name))
		}
	}
	// A member's later news lands in the storm's thread.
	e.setStatus(recs[1].ID, scnet.StatusRunning)
	e.step()
	e.drain()
	_, replies2 := e.messages()
	if len(replies2) != len(replies)+1 || replies2[len(replies2)-1].ThreadTS != top[1].TS {
		t.Errorf("recovery of a storm member: %d replies (was %d)", len(replies2), len(replies))
	}
}

func TestSnoozedInstanceIsNotAlerted(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "noisy", Status: scnet.StatusRunning, UserName: "carol"})
	e.poll()
	s, err := e.w.Snooze(e.ctx, "noisy", time.Hour, "U1")
	if err != nil || s.InstanceID != r.ID || s.By != "U1" {
		t.Fatalf("Snooze = %+v, %v", s, err)
	}
	if h := e.health(); len(h.Snoozes) != 1 {
		t.Errorf("health snoozes = %v", h.Snoozes)
	}
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 0 {
		t.Fatalf("snoozed instance alerted %d times", n)
	}
	e.clock.Advance(time.Hour)
	e.poll()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 || !strings.Contains(blocksOf(alerts[0]), "held back by a snooze") || !strings.Contains(blocksOf(alerts[0]), "carol") {
		t.Fatalf("after the snooze: alerts = %v, want one held-back alert", alerts)
	}
}

func TestSnoozeEndedByRecoveryStaysQuiet(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "flappy", Status: scnet.StatusRunning})
	e.poll()
	if _, err := e.w.Snooze(e.ctx, r.ID, time.Hour, "U1"); err != nil {
		t.Fatal(err)
	}
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	if _, err := e.w.Unsnooze(e.ctx, "flappy", "U2"); err != nil {
		t.Fatal(err)
	}
	e.step()
	e.drain()
	if n := len(e.alerts()); n != 0 {
		t.Errorf("recovered while snoozed: %d alerts, want none", n)
	}
	if _, err := e.w.Unsnooze(e.ctx, "flappy", "U2"); !errors.Is(err, tracked.ErrNotSnoozed) {
		t.Errorf("second Unsnooze: %v, want ErrNotSnoozed", err)
	}
}

func TestSnoozeByName(t *testing.T) {
	e := newEnv(t, 0)
	a := e.add(scnettest.Record{Name: "twin", Status: scnet.StatusRunning})
	b := e.add(scnettest.Record{Name: "twin", Status: scnet.StatusWaiting})
	e.add(scnettest.Record{Name: "Solo", Status: scnet.StatusRunning})
	e.poll()
	_, err := e.w.Snooze(e.ctx, "twin", time.Hour, "U1")
	var amb *tracked.AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 || !strings.Contains(err.Error(), a.ID) || !strings.Contains(err.Error(), b.ID) {
		t.Errorf("ambiguous name: err = %v", err)
	}
	if _, err := e.w.Snooze(e.ctx, "solo", time.Hour, "U1"); err != nil {
		t.Errorf("name in another case: %v", err)
	}
	if _, err := e.w.Snooze(e.ctx, "nobody", time.Hour, "U1"); !errors.Is(err, tracked.ErrUnknownInstance) {
		t.Errorf("unknown name: %v", err)
	}
	if _, err := e.w.Snooze(e.ctx, a.ID, 0, "U1"); err == nil {
		t.Error("zero duration accepted")
	}
}

func buttonValue(t *testing.T, blocks, actionID string) string {
	t.Helper()
	i := strings.Index(blocks, `"action_id":"`+actionID+`"`)
	if i < 0 {
		t.Fatalf("no %s button in %s", actionID, blocks)
	}
	rest := blocks[i:]
	j := strings.Index(rest, `"value":"`)
	if j < 0 {
		// value may precede action_id
		k := strings.LastIndex(blocks[:i], `"value":"`)
		if k < 0 {
			t.Fatalf("no value for %s", actionID)
		}
		v := blocks[k+len(`"value":"`):]
		return v[:strings.IndexByte(v, '"')]
	}
	v := rest[j+len(`"value":"`):]
	return v[:strings.IndexByte(v, '"')]
}

func TestAcknowledgeAndSnoozeButtons(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("acky")
	alerts := e.alerts()
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts", len(alerts))
	}
	if !e.a.OwnsAction("alert.ack") || e.a.OwnsAction("query.next") {
		t.Error("OwnsAction does not route by the alert. prefix")
	}
	cb := slack.InteractionCallback{User: slack.User{ID: "U1"}}
	ackValue := buttonValue(t, blocksOf(alerts[0]), "alert.ack")
	reply := e.a.Action(e.ctx, cb, &slack.BlockAction{ActionID: "alert.ack", Value: ackValue})
	if reply == nil || !reply.ReplaceOriginal || reply.Blocks == nil || !strings.Contains(blocksJSON(t, reply), "Acknowledged by <@U1>") {
		t.Fatalf("ack reply = %+v", reply)
	}
	cb2 := slack.InteractionCallback{User: slack.User{ID: "U2"}}
	e.a.Action(e.ctx, cb2, &slack.BlockAction{ActionID: "alert.ack", Value: ackValue})
	e.drain()
	b := blocksOf(e.alerts()[0])
	if !strings.Contains(b, "Acknowledged by <@U1>") || strings.Contains(b, "U2") || strings.Contains(b, `"alert.ack"`) {
		t.Errorf("after acks the message is %s", b)
	}

	snoozeValue := buttonValue(t, b, "alert.snooze.4h")
	reply = e.a.Action(e.ctx, cb2, &slack.BlockAction{ActionID: "alert.snooze.4h", Value: snoozeValue})
	if reply == nil || !strings.Contains(blocksJSON(t, reply), "Snoozed until") {
		t.Fatalf("snooze reply = %+v", reply)
	}
	if h := e.health(); len(h.Snoozes) != 1 || h.Snoozes[0].By != "U2" || h.Snoozes[0].InstanceID != r.ID {
		t.Errorf("snoozes = %+v", h.Snoozes)
	}
	details := e.a.Action(e.ctx, cb, &slack.BlockAction{ActionID: "alert.details", Value: snoozeValue})
	if details == nil || details.ResponseType != slack.ResponseTypeEphemeral || !strings.Contains(details.Text, "acky") {
		t.Errorf("details = %+v", details)
	}
}

func TestTokenExpiryWarnedOnce(t *testing.T) {
	var exp time.Time
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) {
		c.TokenExpiry = func() (time.Time, bool) { return exp, true }
	}))
	exp = e.clock.Now().Add(30 * time.Hour)
	e.poll()
	e.step()
	e.drain()
	if n := countContaining(e.emu.ChannelMessages(channel), "SCNet token"); n != 0 {
		t.Fatalf("warned %d times 30h ahead", n)
	}
	e.clock.Advance(7 * time.Hour)
	e.poll()
	e.step()
	e.restart()
	e.step()
	e.drain()
	if n := countContaining(e.emu.ChannelMessages(channel), "SCNet token"); n != 1 {
		t.Errorf("warned %d times, want 1", n)
	}
}

func blocksJSON(t *testing.T, m *slack.WebhookMessage) string {
	t.Helper()
	if m == nil || m.Blocks == nil {
		return ""
	}
	b, err := json.Marshal(m.Blocks.BlockSet)
	if err != nil {
		t.Fatal(err)
	}
	return unescapeJSON(string(b))
}

func TestOldIncidentsAreForgottenQuietly(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.Retain, c.FollowUpFor = time.Hour, 2*time.Hour }))
	r := e.add(scnettest.Record{Name: "old-failure", Status: scnet.StatusRunning})
	e.add(scnettest.Record{Name: "still-running", Status: scnet.StatusRunning})
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	if h := e.health(); h.Tracked != 2 {
		t.Fatalf("tracked %d, want 2", h.Tracked)
	}
	e.clock.Advance(4 * time.Hour)
	e.poll()
	e.step()
	e.step()
	e.drain()
	if h := e.health(); h.Tracked != 1 {
		t.Errorf("tracked %d after four hours, want only the live instance", h.Tracked)
	}
	if n := len(e.alerts()); n != 1 {
		t.Errorf("%d alerts, want the original one only", n)
	}
}

// flakyLookups is the SCNet client with its detail endpoint failing on
// demand, to fail a poll after its listings succeeded.
type flakyLookups struct {
	*scnet.Client
	fail bool
}

func (f *flakyLookups) Instance(ctx context.Context, id string) (*scnet.Instance, error) {
	if f.fail {
		return nil, &scnet.APIError{Code: scnet.CodeInternal, Msg: "internal error"}
	}
	return f.Client.Instance(ctx, id)
}

func TestPartialPollMarksNothing(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "half", Status: scnet.StatusRunning})
	gone := e.add(scnettest.Record{Name: "gone", Status: scnet.StatusRunning})
	flaky := &flakyLookups{Client: e.client}
	e.useLister(flaky)
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.sim.Delete(gone.ID)
	flaky.fail = true
	e.clock.Advance(time.Minute)
	e.pollFail()
	e.drain()
	if n := len(e.alerts()); n != 0 {
		t.Fatalf("a poll whose lookups failed raised %d alerts", n)
	}
	if h := e.health(); h.Tracked != 2 {
		t.Errorf("tracked %d after a partial poll, want both still tracked", h.Tracked)
	}
	flaky.fail = false
	e.step()
	e.drain()
	if alerts := e.alerts(); len(alerts) != 1 || countContaining(alerts, r.ID) != 1 {
		t.Errorf("after recovery: %d alerts, want 1 for %s", len(alerts), r.ID)
	}
	if h := e.health(); h.Tracked != 1 {
		t.Errorf("tracked %d, want the deleted instance forgotten", h.Tracked)
	}
}

func TestPendingAlertsInHealth(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "pending", Status: scnet.StatusRunning})
	e.poll()
	e.drain()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	if h := e.health(); h.PendingAlerts != 1 || h.LastSuccess.IsZero() || !h.Enabled || h.Channel != channel {
		t.Errorf("health = %+v, want one pending alert", h)
	}
	e.drain()
	if h := e.health(); h.PendingAlerts != 0 {
		t.Errorf("pending after delivery = %d", h.PendingAlerts)
	}
}

func TestRunAndButtonsConcurrently(t *testing.T) {
	e := newEnv(t, 200, withConfig(func(c *watcher.Config) { c.Interval = 5 * time.Millisecond }))
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 2)
	go func() { done <- e.w.Run(ctx) }()
	go func() { done <- e.d.Run(ctx) }()
	if _, err := e.emu.WaitChannelMessages(e.ctx, channel, 1); err != nil {
		t.Fatal(err)
	}
	live := e.liveRecords()
	for i, r := range live[:min(5, len(live))] {
		e.setStatus(r.ID, scnet.StatusFailed)
		if _, err := e.emu.WaitChannelMessages(e.ctx, channel, 2+i); err != nil {
			t.Fatal(err)
		}
		_, _ = e.w.Snooze(ctx, r.ID, time.Hour, "U1")
		_, _ = e.w.Unsnooze(ctx, r.Name, "U1")
		_, _ = e.w.Health(ctx)
		a := e.alerts()
		v := buttonValue(t, blocksOf(a[len(a)-1]), "alert.ack")
		e.a.Action(ctx, slack.InteractionCallback{User: slack.User{ID: "U2"}}, &slack.BlockAction{ActionID: "alert.ack", Value: v})
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil {
			t.Errorf("Run returned %v", err)
		}
	}
	if n := len(e.alerts()); n != min(5, len(live)) {
		t.Errorf("%d alerts for %d failures", n, min(5, len(live)))
	}
}

func TestOldAlertRecordsArePruned(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) {
		c.Retain, c.FollowUpFor, c.AlertRetention = time.Hour, time.Hour, 3*time.Hour
	}))
	r := e.add(scnettest.Record{Name: "pruned", Status: scnet.StatusRunning})
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	alerts := e.alerts()
	if len(alerts) != 1 {
		t.Fatalf("got %d alerts", len(alerts))
	}
	ack := buttonValue(t, blocksOf(alerts[0]), "alert.ack")
	e.clock.Advance(150 * time.Minute)
	e.step() // forgets the instance, keeps the record (2.5h < 3h)
	e.clock.Advance(time.Hour)
	e.step() // the record is past its retention and unused
	reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}}, &slack.BlockAction{ActionID: "alert.ack", Value: ack})
	if reply == nil || reply.ReplaceOriginal || !strings.Contains(reply.Text, "no longer known") {
		t.Errorf("ack of a pruned alert = %+v", reply)
	}
}

func TestRestartDuringOutageKeepsOneNotice(t *testing.T) {
	e := newEnv(t, 20)
	e.poll()
	e.sim.SetDown(true)
	for range 7 {
		e.clock.Advance(time.Minute)
		e.pollFail()
	}
	e.drain()
	e.restart()
	for range 3 {
		e.clock.Advance(time.Minute)
		e.pollFail()
	}
	e.sim.SetDown(false)
	e.step()
	e.drain()
	top, replies := e.messages()
	if n := countContaining(top, "SCNet unreachable"); n != 1 {
		t.Errorf("%d outage notices across a restart, want 1", n)
	}
	if n := countContaining(replies, "answers again"); n != 1 {
		t.Errorf("%d recovered replies, want 1", n)
	}
}

// Until a poll succeeds in this process, an unknown name may only be not
// seen yet: Started tells the snooze command to say so.
func TestStartedAfterFirstSuccessfulPoll(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "fresh", Status: scnet.StatusRunning})
	if e.w.Started() {
		t.Fatal("Started before any poll")
	}
	if _, err := e.w.Snooze(e.ctx, "fresh", time.Hour, "U1"); !errors.Is(err, tracked.ErrUnknownInstance) {
		t.Fatalf("Snooze before the baseline: %v, want ErrUnknownInstance", err)
	}
	e.sim.FailNext(1, 503)
	e.pollFail()
	if e.w.Started() {
		t.Error("Started after a failed poll")
	}
	e.poll()
	if !e.w.Started() {
		t.Error("not Started after the baseline poll")
	}
	e.restart()
	if e.w.Started() {
		t.Error("Started right after a restart, before this process polled")
	}
	if _, err := e.w.Snooze(e.ctx, r.ID, time.Hour, "U1"); err != nil {
		t.Errorf("an instance stored by the last run is snoozable before the first poll: %v", err)
	}
}

// TestSnoozeSinceKeepsTheFirstStart: the digest lists snoozes longer than
// a day from when they began, so a snooze renewed while it runs keeps its
// start, and one set after the last ran out starts anew.
func TestSnoozeSinceKeepsTheFirstStart(t *testing.T) {
	e := newEnv(t, 0)
	e.add(scnettest.Record{Name: "long", Status: scnet.StatusRunning})
	e.poll()
	// The harness's clock runs with the real one: a snooze's start is its
	// end less its length.
	first, err := e.w.Snooze(e.ctx, "long", time.Hour, "U1")
	if err != nil || !first.Since.Equal(first.Until.Add(-time.Hour)) {
		t.Fatalf("Snooze = %+v, %v; want Since an hour before Until", first, err)
	}
	e.clock.Advance(30 * time.Minute)
	if s, err := e.w.Snooze(e.ctx, "long", 2*time.Hour, "U2"); err != nil || !s.Since.Equal(first.Since) {
		t.Errorf("renewed while running: Since %v, %v; want the first start %v", s.Since, err, first.Since)
	}
	e.clock.Advance(3 * time.Hour)
	if s, err := e.w.Snooze(e.ctx, "long", time.Hour, "U1"); err != nil || !s.Since.Equal(s.Until.Add(-time.Hour)) || !s.Since.After(first.Until) {
		t.Errorf("after it ran out: %+v, %v; want a new start", s, err)
	}
}

// TestSnoozeNotifies: a snooze is news for whatever shows the watcher's
// state (the Home tab) even when no alert message was rewritten for it.
func TestSnoozeNotifies(t *testing.T) {
	e := newEnv(t, 0)
	e.add(scnettest.Record{Name: "quiet", Status: scnet.StatusRunning})
	e.poll()
	var told atomic.Int32
	cfg := e.cfg
	cfg.Notify = func() { told.Add(1) }
	w := watcher.New(e.client, e.st, cfg)
	if _, err := w.Snooze(e.ctx, "quiet", time.Hour, "U1"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Unsnooze(e.ctx, "quiet", "U1"); err != nil {
		t.Fatal(err)
	}
	if n := told.Load(); n != 2 {
		t.Errorf("Notify called %d times for a snooze and an unsnooze, want 2", n)
	}
}
