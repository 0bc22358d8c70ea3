package watcher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/watcher"
)

// TestForgedAlertButtonsAreRefused: an action id or value scnetbot did not
// write (a snooze length it never offered, an id that is not an instance id,
// another alert's instance) is refused with a clear private reply, snoozes
// nothing and sends SCNet no request.
func TestForgedAlertButtonsAreRefused(t *testing.T) {
	e := newEnv(t, 0)
	e.alerted("forgery")
	// A tracked instance: snoozing it through another alert's button would
	// succeed if the button were not checked against its alert.
	other := e.add(scnettest.Record{Name: "bystander", Status: scnet.StatusRunning})
	e.step()
	blocks := blocksOf(e.alerts()[0])
	value := buttonValue(t, blocks, "alert.details")
	alertID, instanceID, _ := strings.Cut(value, "|")
	tests := []struct {
		name, actionID, value, want string
	}{
		{"snooze of 2000000h", "alert.snooze.2000000h", value, "snooze"},
		{"snooze of 90m", "alert.snooze.90m", value, "snooze"},
		{"snooze of 1h0m0s", "alert.snooze.1h0m0s", value, "snooze"},
		{"negative snooze", "alert.snooze.-1h", value, "snooze"},
		{"snooze without a length", "alert.snooze.", value, "snooze"},
		{"snooze of ..", "alert.snooze.1h", alertID + "|..", "button"},
		{"snooze of another instance", "alert.snooze.1h", alertID + "|" + other.ID, "button"},
		{"snooze of an unknown alert", "alert.snooze.1h", "nope|" + instanceID, "no longer known"},
		{"details of ..", "alert.details", alertID + "|..", "button"},
		{"details of a path", "alert.details", alertID + "|../../v2/detail", "button"},
		{"details of a query", "alert.details", alertID + "|" + instanceID + "?x=1", "button"},
		{"details without an alert", "alert.details", instanceID, "button"},
		{"details of another instance", "alert.details", alertID + "|" + other.ID, "button"},
		{"details of an unknown alert", "alert.details", "nope|" + instanceID, "no longer known"},
		{"details of a huge id", "alert.details", alertID + "|" + strings.Repeat("a", 5000), "button"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.sim.RequestCount("")
			reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
				&slack.BlockAction{ActionID: tt.actionID, Value: tt.value})
			if reply == nil || reply.ResponseType != slack.ResponseTypeEphemeral || reply.ReplaceOriginal ||
				!strings.Contains(strings.ToLower(reply.Text), tt.want) {
				t.Errorf("reply = %+v, want an ephemeral refusal mentioning %q", reply, tt.want)
			}
			if n := e.sim.RequestCount("") - before; n != 0 {
				t.Errorf("a forged button sent SCNet %d requests", n)
			}
			if h, err := e.w.Health(context.Background()); err != nil || len(h.Snoozes) != 0 {
				t.Errorf("a forged button snoozed %+v", h.Snoozes)
			}
		})
	}
	// The buttons as offered still work.
	for _, id := range []string{"alert.snooze.1h", "alert.snooze.4h", "alert.snooze.24h"} {
		if buttonValue(t, blocks, id) != value {
			t.Errorf("%s carries another value", id)
		}
	}
	before := e.sim.RequestCount("")
	if reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
		&slack.BlockAction{ActionID: "alert.details", Value: value}); reply == nil || !strings.Contains(reply.Text, "forgery") {
		t.Errorf("the real Details button = %+v", reply)
	}
	if e.sim.RequestCount("") == before {
		t.Error("the real Details button did not ask SCNet")
	}
	if reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
		&slack.BlockAction{ActionID: "alert.snooze.24h", Value: value}); reply == nil || !reply.ReplaceOriginal {
		t.Errorf("the real Snooze 24h button = %+v", reply)
	}
	if h, err := e.w.Health(context.Background()); err != nil || len(h.Snoozes) != 1 {
		t.Errorf("snoozes after the real button: %+v", h.Snoozes)
	}
}

// TestAlertRepliesUseWordsNotErrorText: when SCNet fails, the Details and
// Snooze replies and the outage notice say so in scnetbot's words; none
// quotes the error, which carries SCNet's URL, status page or code text.
func TestAlertRepliesUseWordsNotErrorText(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.OutageAfter = time.Minute }))
	e.alerted("words")
	value := buttonValue(t, blocksOf(e.alerts()[0]), "alert.details")
	click := func(actionID string) *slack.WebhookMessage {
		return e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}}, &slack.BlockAction{ActionID: actionID, Value: value})
	}
	var said []string
	for _, fail := range []func(){
		func() { e.sim.FailNext(5, 503) },
		func() { e.sim.FailNextCode(5, "10001") },
		func() { e.sim.GarbageNext(5) },
		func() { e.sim.SetDown(true) },
	} {
		fail()
		reply := click("alert.details")
		e.sim.SetDown(false)
		if reply == nil || reply.ResponseType != slack.ResponseTypeEphemeral {
			t.Fatalf("details while SCNet fails = %+v", reply)
		}
		said = append(said, reply.Text, blocksJSONOrEmpty(t, reply))
	}
	// The outage notice, after polls failed for OutageAfter.
	e.sim.FailNext(1000, 503)
	for range 3 {
		e.clock.Advance(time.Minute)
		_ = e.w.Poll(e.ctx)
	}
	e.drain()
	top, _ := e.messages()
	if countContaining(top, "SCNet unreachable") != 1 {
		t.Fatalf("no outage notice among %d messages", len(top))
	}
	for _, m := range top {
		said = append(said, m.Text, blocksOf(m))
	}
	for _, s := range said {
		for _, bad := range []string{e.sim.URL(), "/openapi", "<html", "html>", "scnet http", "scnet code", "get instance", "decode scnet", "参数", "内部"} {
			if strings.Contains(s, bad) {
				t.Errorf("Slack is shown %q: %s", bad, s)
			}
		}
	}
	if !strings.Contains(strings.Join(said, "\n"), "HTTP 503") {
		t.Errorf("the outage notice does not name the HTTP status: %s", strings.Join(said, "\n"))
	}
}

func blocksJSONOrEmpty(t *testing.T, m *slack.WebhookMessage) string {
	if m.Blocks == nil {
		return ""
	}
	return blocksJSON(t, m)
}

// TestAlertDetailsIsTheInstancesView: an alert's Details button answers with
// the /instances <id> view (blockkit.Details) in the house format: GB, read
// specs and durations, the ssh endpoint, access links without secrets, port
// names escaped.
func TestAlertDetailsIsTheInstancesView(t *testing.T) {
	e := newEnv(t, 0)
	r := e.add(scnettest.Record{Name: "detailed", Status: scnet.StatusRunning, CPUNumber: 8, GPUNumber: 1, RAMSize: 122880,
		ResourceSpec: "8 核心; 1 加速器", StartTime: e.clock.Now().Add(-(4*24*time.Hour + 12*time.Hour + time.Minute)),
		Duration: "4天12小时1分", RemainingTime: "--", TimeoutLimit: "unlimited",
		Ports: []scnettest.Port{
			{Name: "ssh", ContainerPort: 22, Protocol: "TCP", AccessURL: "ssh://root@ai01.scnet.cn:30001"},
			{Name: "<!channel>", ContainerPort: 8888, Protocol: "TCP", AccessURL: "https://user:pw@ai01.scnet.cn:65011/lab?token=eyJnb"},
		}})
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	value := buttonValue(t, blocksOf(e.alerts()[0]), "alert.details")
	reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}}, &slack.BlockAction{ActionID: "alert.details", Value: value})
	if reply == nil || reply.Blocks == nil || reply.ResponseType != slack.ResponseTypeEphemeral {
		t.Fatalf("details reply = %+v", reply)
	}
	got := unescapeJSON(blocksJSON(t, reply))
	for _, want := range []string{"120 GB RAM", "8 CPU · 1 GPU", "`ssh -p 30001 root@ai01.scnet.cn`", "<https://ai01.scnet.cn:65011/lab|open>", "&lt;!channel&gt; 8888/TCP", `*Run time*\n4d 12h`} {
		if !strings.Contains(got, want) {
			t.Errorf("details lack %q: %s", want, got)
		}
	}
	for _, bad := range []string{"MB", "核心", "加速器", "天", "小时", "--", "token=", "pw@", "<!channel>"} {
		if strings.Contains(got, bad) {
			t.Errorf("details show %q: %s", bad, got)
		}
	}
	in, err := e.client.Instance(e.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := blockkit.Details{Instance: in, Now: e.clock.Now(), Location: time.UTC}
	if w := blocksJSON(t, &slack.WebhookMessage{Blocks: &slack.Blocks{BlockSet: want.Blocks()}}); unescapeJSON(w) != got {
		t.Errorf("the alert's details differ from the /instances view:\n got %s\nwant %s", got, unescapeJSON(w))
	}
}
