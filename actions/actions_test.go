package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/internal/golden"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// TestPermission: who may act, and that a refusal reaches SCNet with
// nothing at all, not even a lookup.
func TestPermission(t *testing.T) {
	tests := []struct {
		name     string
		user     string
		groupErr error
		noGroup  bool
		want     string // in the reply
		allowed  bool
	}{
		{name: "listed user", user: alice, allowed: true},
		{name: "listed user while Slack is down", user: alice, groupErr: errors.New("slack down"), allowed: true},
		{name: "group member", user: carol, allowed: true},
		{name: "not a member", user: bob, want: "Only <@UALICE> and the members of <!subteam^SONCALL> may restart"},
		{name: "Slack cannot answer", user: bob, groupErr: errors.New("slack down"), want: "could not check whether you are in the user group"},
		{name: "member but Slack cannot answer", user: carol, groupErr: errors.New("slack down"), want: "try again"},
		{name: "users only", user: bob, noGroup: true, want: "Only <@UALICE> may restart"},
		{name: "no user id", user: "", want: "Only <@UALICE>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(c *Config) {
				if tt.noGroup {
					c.UserGroup, c.Groups = "", nil
				}
			})
			e.groups.err = tt.groupErr
			msg := e.click(t, tt.user, actionRestart, target("r1", idFailed))
			if tt.allowed {
				nonceOf(t, msg)
				return
			}
			if !strings.Contains(msg.Text, tt.want) || !strings.Contains(msg.Text, "Nothing was sent to SCNet") {
				t.Errorf("reply %q, want it to say %q and that nothing was sent", msg.Text, tt.want)
			}
			if msg.ResponseType != slack.ResponseTypeEphemeral || msg.ReplaceOriginal {
				t.Errorf("a refusal must be private and leave the alert alone: %+v", msg)
			}
			if n := e.scnetCalls(); n != 0 {
				t.Errorf("SCNet received %d calls for a refused user", n)
			}
			if e.metric("restart", "refused") != 1 {
				t.Error("the refusal is not counted")
			}
		})
	}
}

// TestGroupCache: the group's members are read once per TTL, and once for
// any number of clicks arriving together.
func TestGroupCache(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for range 3 {
		if ok, why := e.s.access.allowed(ctx, en, carol); !ok {
			t.Fatal(why)
		}
	}
	if n := e.groups.count(); n != 1 {
		t.Errorf("within the TTL: %d Slack calls, want 1", n)
	}
	e.clock.advance(time.Minute)
	if ok, _ := e.s.access.allowed(ctx, en, carol); !ok {
		t.Fatal("refused after the TTL")
	}
	if n := e.groups.count(); n != 2 {
		t.Errorf("after the TTL: %d Slack calls, want 2", n)
	}
	// A listed user costs no call.
	e.clock.advance(time.Hour)
	e.s.access.allowed(ctx, en, alice)
	if n := e.groups.count(); n != 2 {
		t.Errorf("a listed user read the group: %d calls", n)
	}

	// Concurrent clicks while a read is in flight share it.
	e2 := newEnv(t)
	e2.groups.release = make(chan struct{})
	var wg sync.WaitGroup
	results := make([]bool, 8)
	for i := range results {
		wg.Go(func() { results[i], _ = e2.s.access.allowed(ctx, en, []string{carol, bob}[i%2]) })
	}
	for e2.groups.count() == 0 {
		time.Sleep(time.Millisecond)
	}
	close(e2.groups.release)
	wg.Wait()
	if n := e2.groups.count(); n != 1 {
		t.Errorf("8 concurrent clicks made %d Slack calls, want 1", n)
	}
	for i, ok := range results {
		if ok != (i%2 == 0) {
			t.Errorf("click %d allowed=%v", i, ok)
		}
	}
}

// TestButtons: which buttons an instance gets in each status, within
// Block Kit's limits, and none when actions are off.
func TestButtons(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		st   scnet.Status
		want []string
	}{
		{scnet.StatusFailed, []string{actionRestart, actionDelete}},
		{scnet.StatusTerminated, []string{actionRestart, actionDelete}},
		{scnet.StatusCompleted, []string{actionRestart, actionDelete}},
		{scnet.StatusRunning, []string{actionStop, actionDelete}},
		{scnet.StatusDeploying, []string{actionStop, actionDelete}},
		{scnet.StatusWaiting, []string{actionStop, actionDelete}},
		{"Odd", []string{actionDelete}},
	}
	long := strings.Repeat("名", 300)
	for _, tt := range tests {
		els := e.s.Buttons(Target{Region: "r1", InstanceID: idFailed, Name: "train", AlertID: "a66f1-3-r1"}, tt.st)
		var ids []string
		for _, el := range els {
			b := el.(*slack.ButtonBlockElement)
			ids = append(ids, b.ActionID)
			tg, err := decodeTarget(b.Value)
			if err != nil || tg.InstanceID != idFailed || tg.Region != "r1" || tg.AlertID != "a66f1-3-r1" {
				t.Errorf("%s button value %q reads as %+v, %v", b.ActionID, b.Value, tg, err)
			}
		}
		if !slices.Equal(ids, tt.want) {
			t.Errorf("%s: buttons %v, want %v", tt.st, ids, tt.want)
		}
		msg := &slack.WebhookMessage{Text: "x", Blocks: &slack.Blocks{BlockSet: []slack.Block{slack.NewActionBlock("", e.s.Buttons(Target{Region: "r1", InstanceID: idFailed, Name: long}, tt.st)...)}}}
		valid(t, msg)
	}
	for _, bad := range []Target{{InstanceID: "../x"}, {InstanceID: idFailed, Region: "r/1"}, {InstanceID: idFailed, AlertID: "a b"}} {
		if els := e.s.Buttons(bad, scnet.StatusFailed); els != nil {
			t.Errorf("buttons for %+v", bad)
		}
	}
	off := New(Config{})
	if off.Enabled() || off.Buttons(Target{InstanceID: idFailed}, scnet.StatusFailed) != nil {
		t.Error("actions off still shows buttons")
	}
	if msg := off.Command(context.Background(), tracked.ActionRestart, "train", slack.SlashCommand{UserID: alice}); !strings.Contains(msg.Text, "ACTION_USERS") || !strings.Contains(msg.Text, "ACTION_USERGROUP") {
		t.Errorf("actions off: command answers %q", msg.Text)
	}
}

// TestStatusRule: restart is for failed or stopped instances, stop for
// live ones, checked on the first click and again on the confirm.
func TestStatusRule(t *testing.T) {
	tests := []struct {
		action string
		id     string
		want   string
	}{
		{actionRestart, idRunning, "*serve* is Running; restart is for failed or stopped instances"},
		{actionStop, idFailed, "is Failed; stop is for waiting, deploying or running instances"},
	}
	for _, tt := range tests {
		e := newEnv(t)
		msg := e.click(t, alice, tt.action, target("r1", tt.id))
		if !strings.Contains(msg.Text, tt.want) || len(elements(t, msg, actionConfirm)) != 0 {
			t.Errorf("%s on %s: %q", tt.action, tt.id, msg.Text)
		}
		if len(e.ops()) != 0 {
			t.Errorf("acted: %v", e.ops())
		}
	}
	// The status changed between the prompt and the confirm.
	e := newEnv(t)
	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.r1.mu.Lock()
	in := e.r1.instances[idFailed]
	in.Status = scnet.StatusRunning
	e.r1.instances[idFailed] = in
	e.r1.mu.Unlock()
	msg := e.click(t, alice, actionConfirm, nonce)
	if !strings.Contains(msg.Text, "is Running; restart is for failed or stopped instances") || !msg.ReplaceOriginal {
		t.Errorf("confirm after the instance came back: %+v", msg)
	}
	if len(e.ops()) != 0 || e.action(t, nonce).Phase != state.ActionCancelled {
		t.Errorf("ops %v, phase %s", e.ops(), e.action(t, nonce).Phase)
	}
}

// TestRestartDone: the whole restart, with the reply, the store, the
// recorder, the metric and the audit line.
func TestRestartDone(t *testing.T) {
	e := newEnv(t)
	value := targetValue{R: "r1", I: idFailed, A: "a66f1-3-r1"}.encode()
	p := e.click(t, alice, actionRestart, value)
	if p.ReplaceOriginal || p.ResponseType != slack.ResponseTypeEphemeral {
		t.Errorf("the prompt must be a new private message, not replace the alert: %+v", p)
	}
	nonce := nonceOf(t, p)
	goldenMessage(t, "prompt_restart.golden", p, nonce)
	a := e.action(t, nonce)
	if a.Phase != state.ActionPending || a.User != alice || a.AlertID != "a66f1-3-r1" || a.Region != "r1" || a.RegionName != "西北一区" ||
		a.Kind != "restart" || a.InstanceName != "train-<!channel>" || a.ResponseURL != "https://hooks.slack.test/click" || !a.Expires.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("pending action %+v", a)
	}
	if e.metric("restart", "done") != 0 || len(e.ops()) != 0 {
		t.Fatal("the first click acted")
	}
	msg := e.click(t, alice, actionConfirm, nonce)
	if !msg.ReplaceOriginal {
		t.Error("the outcome does not replace the prompt")
	}
	goldenMessage(t, "outcome_done.golden", msg, nonce)
	if !strings.Contains(msg.Text, "Restart requested by <@UALICE> for *train-&lt;!channel&gt;* in *西北一区*: SCNet is bringing it up.") {
		t.Errorf("done: %q", msg.Text)
	}
	if got := e.ops(); !slices.Equal(got, []string{"restart " + idFailed}) {
		t.Errorf("ops %v", got)
	}
	a = e.action(t, nonce)
	if a.Phase != state.ActionDone || !a.Finished.Equal(t0) {
		t.Errorf("done action %+v", a)
	}
	if got := e.rec.outcomes(); !slices.Equal(got, []string{"restart started", "restart done"}) {
		t.Errorf("recorded %v", got)
	}
	if e.metric("restart", "done") != 1 {
		t.Error("metric")
	}
	lines := e.auditLines(t)
	last := lines[len(lines)-1]
	for k, v := range map[string]string{"user": alice, "action": "restart", "instance": idFailed, "instance_name": "train-<!channel>", "region": "r1", "outcome": "done"} {
		if last[k] != v {
			t.Errorf("audit line %s = %v, want %q (%v)", k, last[k], v, last)
		}
	}
	// Clicked again, or re-delivered: nothing more is sent.
	again := e.click(t, alice, actionConfirm, nonce)
	if !strings.Contains(again.Text, "was already done: requested by <@UALICE> at 2026-12-02 11:12") || len(e.ops()) != 1 {
		t.Errorf("second confirm: %q, ops %v", again.Text, e.ops())
	}
}

// TestStopPrompt: a stop says SCNet documents no stop endpoint, in the
// prompt and in Slack's confirm dialog.
func TestStopPrompt(t *testing.T) {
	e := newEnv(t)
	p := e.click(t, carol, actionStop, target("r1", idRunning))
	nonce := nonceOf(t, p)
	goldenMessage(t, "prompt_stop.golden", p, nonce)
	c := elements(t, p, actionConfirm)[0]["confirm"]
	raw, _ := json.Marshal(c)
	if !strings.Contains(text(p), stopNote(en)) || !strings.Contains(string(raw), stopNote(en)) {
		t.Errorf("stop prompt or dialog does not say SCNet documents no stop endpoint: %s", raw)
	}
	msg := e.click(t, carol, actionConfirm, nonce)
	if !strings.Contains(msg.Text, "Stop requested by <@UCAROL> for *serve* in *西北一区*: SCNet is stopping it.") {
		t.Errorf("stop done: %q", msg.Text)
	}
}

// TestConfirmDialog: the confirm object names the instance and its region
// within Slack's limits, whatever the name's length.
func TestConfirmDialog(t *testing.T) {
	for _, name := range []string{"train", strings.Repeat("很长的名字", 100), strings.Repeat("x", 1000) + "\n<!here>"} {
		for _, k := range []tracked.ActionKind{tracked.ActionRestart, tracked.ActionStop} {
			c := confirmDialog(en, k, name, "西北一区")
			msg := &slack.WebhookMessage{Text: "x", Blocks: &slack.Blocks{BlockSet: []slack.Block{slack.NewActionBlock("", &slack.ButtonBlockElement{Type: "button", ActionID: "a", Text: slack.NewTextBlockObject("plain_text", "x", false, false), Confirm: c})}}}
			valid(t, msg)
			if !strings.Contains(c.Text.Text, "西北一区") || !strings.HasPrefix(c.Text.Text, verb(en, k)+" "+string([]rune(strings.ReplaceAll(name, "\n", " "))[:3])) {
				t.Errorf("dialog text %q", c.Text.Text)
			}
		}
	}
	raw, _ := json.MarshalIndent(confirmDialog(en, tracked.ActionRestart, strings.Repeat("很长的名字", 100), "西北一区"), "", "  ")
	golden.Assert(t, "confirm_long_name.golden", append(raw, '\n'))
}

// TestForgedConfirmations: a confirm or cancel that is not the asker's own
// pending confirmation acts on nothing.
func TestForgedConfirmations(t *testing.T) {
	e := newEnv(t)
	earlier := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	expired := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idTwin)))
	used := nonceOf(t, e.click(t, alice, actionRestart, target("r2", idOther)))
	if msg := e.click(t, alice, actionConfirm, used); !strings.Contains(msg.Text, "requested by") {
		t.Fatalf("the first use failed: %q", msg.Text)
	}
	e.r1.mu.Lock()
	e.r1.lookups, e.r2.lookups = 0, 0
	e.r1.mu.Unlock()
	e.clock.advance(5 * time.Minute)
	// The first two run out of time; asking again gives a fresh one.
	mine := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.clock.advance(6 * time.Minute)
	tests := []struct {
		name, user, action, value, want string
	}{
		{"random nonce", alice, actionConfirm, "00112233445566778899aabbccddeeff", "keeps no such confirmation"},
		{"another user's nonce", carol, actionConfirm, mine, "belongs to someone else (<@UALICE>)"},
		{"another user cancels", carol, actionCancel, mine, "belongs to someone else"},
		{"expired", alice, actionConfirm, expired, "This confirmation has expired"},
		{"expired, asked again since", alice, actionConfirm, earlier, "This confirmation has expired"},
		{"used twice", alice, actionConfirm, used, "was already done"},
		{"no nonce", alice, actionConfirm, "", "not a scnetbot button"},
		{"a target instead of a nonce", alice, actionConfirm, target("r1", idFailed), "not a scnetbot button"},
		{"upper-case nonce", alice, actionConfirm, strings.ToUpper(mine), "not a scnetbot button"},
		{"junk JSON on restart", alice, actionRestart, `{"r":"r1","i":`, "not a scnetbot button"},
		{"unknown field", alice, actionRestart, `{"i":"` + idFailed + `","x":1}`, "not a scnetbot button"},
		{"path in id", alice, actionRestart, `{"i":"../../x"}`, "not a scnetbot button"},
		{"unknown action", alice, "act.reboot", "x", "no longer supported"},
	}
	before := e.r1.calls() + e.r2.calls()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := e.click(t, tt.user, tt.action, tt.value)
			if !strings.Contains(msg.Text, tt.want) {
				t.Errorf("reply %q, want %q", msg.Text, tt.want)
			}
		})
	}
	if got := e.ops(); !slices.Equal(got, []string{"restart " + idOther}) {
		t.Errorf("forged clicks acted: %v", got)
	}
	if n := e.r1.calls() + e.r2.calls(); n != before {
		t.Errorf("forged clicks reached SCNet: %d calls", n-before)
	}
	if e.action(t, mine).Phase != state.ActionPending {
		t.Error("another user's cancel cancelled")
	}
}

// TestDoubleClick: two confirms of the same nonce at once make exactly one
// SCNet call, and both are answered.
func TestDoubleClick(t *testing.T) {
	e := newEnv(t)
	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.r1.release, e.r1.entered = make(chan struct{}), make(chan struct{}, 2)
	replies := make(chan *slack.WebhookMessage, 2)
	for range 2 {
		go func() { replies <- e.click(t, alice, actionConfirm, nonce) }()
	}
	<-e.r1.entered // one click is with SCNet now
	var second *slack.WebhookMessage
	select {
	case second = <-replies:
	case <-e.r1.entered:
		close(e.r1.release)
		<-replies
		<-replies
		t.Fatalf("both clicks reached SCNet: %v", e.ops())
	}
	close(e.r1.release)
	first := <-replies
	if got := e.ops(); len(got) != 1 {
		t.Fatalf("two clicks made %d SCNet calls: %v", len(got), got)
	}
	if !strings.Contains(second.Text, "is already being done (asked by <@UALICE>)") || second.ReplaceOriginal {
		t.Errorf("the losing click: %+v", second)
	}
	if !strings.Contains(first.Text, "Restart requested by") {
		t.Errorf("the winning click: %q", first.Text)
	}
}

// TestUnknownOutcome: SCNet's silence after the request is told apart from
// a failure, with the status looked up after it and a way to check again.
func TestUnknownOutcome(t *testing.T) {
	for _, err := range []error{fmt.Errorf("restart %s: %w", idFailed, scnet.ErrOutcomeUnknown), context.DeadlineExceeded} {
		e := newEnv(t)
		nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
		e.r1.opErr = err
		msg := e.click(t, alice, actionConfirm, nonce)
		if !strings.Contains(msg.Text, "SCNet did not answer the restart request") || !strings.Contains(msg.Text, "may or may not have happened") ||
			!strings.Contains(msg.Text, "Looked up just now, it is :red_circle: Failed") || strings.Contains(msg.Text, "did not happen") {
			t.Errorf("unknown outcome: %q", msg.Text)
		}
		if errors.Is(err, scnet.ErrOutcomeUnknown) {
			goldenMessage(t, "outcome_unknown.golden", msg, nonce)
		}
		st := elements(t, msg, actionStatus)
		if len(st) != 1 {
			t.Fatalf("no Check status button: %s", text(msg))
		}
		if a := e.action(t, nonce); a.Phase != state.ActionUnknown {
			t.Errorf("phase %s", a.Phase)
		}
		if got := e.rec.outcomes(); !slices.Equal(got, []string{"restart started", "restart unknown"}) {
			t.Errorf("recorded %v", got)
		}
		if e.metric("restart", "unknown") != 1 {
			t.Error("metric")
		}
		// Check status is a details lookup.
		d := e.click(t, bob, actionStatus, st[0]["value"].(string))
		if !strings.Contains(text(d), "train-&lt;!channel&gt;") || len(e.ops()) != 1 {
			t.Errorf("check status: %s", text(d))
		}
	}
}

// TestFailedOutcome: a refusal from SCNet is a failure in words and says
// nothing happened.
func TestFailedOutcome(t *testing.T) {
	e := newEnv(t)
	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.r1.opErr = &scnet.APIError{Code: scnet.CodePermissionDenied, Msg: "token=secret123 denied", HTTPStatus: 200}
	msg := e.click(t, alice, actionConfirm, nonce)
	goldenMessage(t, "outcome_failed.golden", msg, nonce)
	if !strings.Contains(msg.Text, "did not happen: nothing was restarted") || strings.Contains(msg.Text, "secret123") || strings.Contains(msg.Text, "may or may not") {
		t.Errorf("failed: %q", msg.Text)
	}
	if a := e.action(t, nonce); a.Phase != state.ActionFailed || a.Detail == "" {
		t.Errorf("failed action %+v", a)
	}
	if e.metric("restart", "failed") != 1 {
		t.Error("metric")
	}
}

// TestCancel: a cancel sends nothing, and the confirmation is dead after.
func TestCancel(t *testing.T) {
	e := newEnv(t)
	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	lookups := e.r1.calls()
	msg := e.click(t, alice, actionCancel, nonce)
	if msg.Text != ":heavy_multiplication_x: Cancelled; nothing was sent to SCNet." || !msg.ReplaceOriginal {
		t.Errorf("cancel: %+v", msg)
	}
	if e.r1.calls() != lookups {
		t.Error("cancel called SCNet")
	}
	if a := e.action(t, nonce); a.Phase != state.ActionCancelled {
		t.Errorf("phase %s", a.Phase)
	}
	if msg := e.click(t, alice, actionConfirm, nonce); !strings.Contains(msg.Text, "was cancelled") || len(e.ops()) != 0 {
		t.Errorf("confirm after cancel: %q, ops %v", msg.Text, e.ops())
	}
	if e.metric("restart", "cancelled") != 1 {
		t.Error("metric")
	}
}

// TestNoOperator: a region scnetbot only reads refuses before any call.
func TestNoOperator(t *testing.T) {
	e2 := newEnv(t)
	e2.s.cfg.Regions = regionsFixedReadOnly(e2.r1)
	msg := e2.click(t, alice, actionRestart, target("r1", idFailed))
	if !strings.Contains(msg.Text, "scnetbot cannot act in this region in *西北一区*") || e2.scnetCalls() != 0 {
		t.Errorf("read-only region: %q, %d calls", msg.Text, e2.scnetCalls())
	}
}

// TestNoRecorder: with the watcher off, an action still works.
func TestNoRecorder(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Recorder = nil })
	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	if msg := e.click(t, alice, actionConfirm, nonce); !strings.Contains(msg.Text, "Restart requested") || len(e.ops()) != 1 {
		t.Errorf("without a recorder: %q, ops %v", msg.Text, e.ops())
	}
}

// TestCommand: a command's target is found by id or exact name across the
// regions, and anything but one instance is explained.
func TestCommand(t *testing.T) {
	tests := []struct {
		name    string
		kind    tracked.ActionKind
		target  string
		want    string
		prompts bool
	}{
		{"id in the second region", tracked.ActionRestart, idOther, "Restart *eval* (`" + idOther + "`) in *华东一区*?", true},
		{"exact name", tracked.ActionRestart, "eval", "in *华东一区*", true},
		{"name of a running one", tracked.ActionStop, "serve", "Stop *serve*", true},
		{"prefix is no match", tracked.ActionRestart, "eva", "No instance named *eva* in any region", false},
		{"ambiguous", tracked.ActionRestart, "twin", "Several instances are named *twin*", false},
		{"missing id", tracked.ActionRestart, "ffffffffffffffffffffffffffffffff", "No instance with id `ffffffffffffffffffffffffffffffff` in any region", false},
		{"status rule", tracked.ActionRestart, "serve", "restart is for failed or stopped instances", false},
		{"empty", tracked.ActionStop, "  ", "Name the instance: `/instances stop &lt;name|id&gt;`", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			msg := e.command(t, alice, tt.kind, tt.target)
			if !strings.Contains(text(msg), tt.want) {
				t.Errorf("reply %s, want %q", text(msg), tt.want)
			}
			if got := len(elements(t, msg, actionConfirm)) == 1; got != tt.prompts {
				t.Errorf("prompt shown: %v, want %v", got, tt.prompts)
			}
			if tt.prompts {
				a := e.action(t, nonceOf(t, msg))
				if a.ResponseURL != "https://hooks.slack.test/command" || a.AlertID != "" {
					t.Errorf("command action %+v", a)
				}
			}
			if len(e.ops()) != 0 {
				t.Errorf("a command acted before a confirm: %v", e.ops())
			}
		})
	}
	e := newEnv(t)
	msg := e.command(t, bob, tracked.ActionRestart, "eval")
	if !strings.Contains(msg.Text, "Only <@UALICE>") || e.scnetCalls() != 0 {
		t.Errorf("refused user's command: %q, %d SCNet calls", msg.Text, e.scnetCalls())
	}
	// A region that cannot be asked is named when the answer depends on it.
	e = newEnv(t)
	e.r2.listErr = context.DeadlineExceeded
	msg = e.command(t, alice, tracked.ActionRestart, "eval")
	if !strings.Contains(msg.Text, "could not be asked") || len(elements(t, msg, actionConfirm)) != 0 {
		t.Errorf("region down: %q", msg.Text)
	}
	e.r1.listErr = context.DeadlineExceeded
	msg = e.command(t, alice, tracked.ActionRestart, "eval")
	if !strings.Contains(msg.Text, "SCNet is slow") {
		t.Errorf("every region down: %q", msg.Text)
	}
}

// goldenMessage compares msg with a golden file, the nonce written as
// NONCE.
func goldenMessage(t *testing.T, name string, msg *slack.WebhookMessage, nonce string) {
	t.Helper()
	raw, err := json.Marshal(msg)
	if err != nil {
		t.Fatal(err)
	}
	golden.AssertJSON(t, name, []byte(strings.ReplaceAll(string(raw), nonce, "NONCE")))
}

// TestUnusableStore: without a store that keeps confirmations, nothing is
// confirmed and nothing is sent.
func TestUnusableStore(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Store = state.Unusable(state.ErrUnusable) })
	for _, click := range []struct{ id, value string }{
		{actionRestart, target("r1", idFailed)},
		{actionConfirm, "00112233445566778899aabbccddeeff"},
		{actionDelete, targetValue{R: "r1", I: idFailed, N: "x"}.encode()},
	} {
		msg := e.click(t, alice, click.id, click.value)
		if msg == nil || !strings.Contains(msg.Text, "cannot keep confirmations") {
			t.Errorf("%s: %+v", click.id, msg)
		}
	}
	if len(e.ops()) != 0 || len(e.views.opened) != 0 {
		t.Errorf("acted without a store: ops %v, modals %d", e.ops(), len(e.views.opened))
	}
}

// TestRefusalNamesWhoMayAct: the list of who may act is bounded.
func TestRefusalNamesWhoMayAct(t *testing.T) {
	var users []string
	for i := range 40 {
		users = append(users, fmt.Sprintf("U%03d", i))
	}
	a := &access{users: append(users, "not an id"), group: group}
	got := a.refusal(en)
	if !strings.Contains(got, "<@U009>") || strings.Contains(got, "<@U010>") || !strings.Contains(got, "31 more") ||
		!strings.Contains(got, "<!subteam^SONCALL>") || strings.Contains(got, "not an id") {
		t.Errorf("refusal %q", got)
	}
}

// TestUsageTextsEscapeAngleBrackets: a placeholder such as <name|id> in a
// reply is written &lt;name|id&gt;, since mrkdwn reads < and > as a link
// or mention and Slack asks for them escaped.
func TestUsageTextsEscapeAngleBrackets(t *testing.T) {
	raw := regexp.MustCompile(`<[a-z|]+>`)
	e := newEnv(t)
	replies := map[string]string{
		"empty name":           text(e.command(t, alice, tracked.ActionStop, " ")),
		"unknown kind":         text(e.command(t, alice, tracked.ActionKind("reboot"), "x")),
		"ambiguous name":       text(e.command(t, alice, tracked.ActionRestart, "twin")),
		"forged button":        e.click(t, alice, actionConfirm, "").Text,
		"unknown action":       e.click(t, alice, "act.reboot", "x").Text,
		"no such confirmation": e.click(t, alice, actionConfirm, "00112233445566778899aabbccddeeff").Text,
		"unknown region":       e.click(t, alice, actionRestart, target("r9", idFailed)).Text,
		"ask again":            askAgain(en, state.Action{}),
		"ask again in Chinese": askAgain(zh, state.Action{}),
	}
	for name, reply := range replies {
		if m := raw.FindString(reply); m != "" {
			t.Errorf("%s: %s is not escaped in %q", name, m, reply)
		}
	}
}

// TestSCNetDownAroundTheConfirm: when SCNet cannot be asked for the
// instance's status, neither the first click nor the confirm acts. The
// first click stores no confirmation; a confirm whose re-check fails leaves
// its confirmation pending, so it works once SCNet answers again.
func TestSCNetDownAroundTheConfirm(t *testing.T) {
	e := newEnv(t)
	value := target("r1", idFailed)

	e.r1.lookupErr = context.DeadlineExceeded
	first := e.click(t, alice, actionRestart, value)
	if strings.Contains(string(mustJSON(t, first)), actionConfirm) {
		t.Fatalf("a prompt without a status check: %q", first.Text)
	}
	if !strings.Contains(text(first), "SCNet") {
		t.Errorf("the refusal does not say SCNet is the trouble: %q", text(first))
	}
	n := 0
	if err := e.st.View(context.Background(), func(tx state.Tx) error {
		return tx.Actions(func(state.Action) error { n++; return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d confirmations stored for a click whose lookup failed", n)
	}

	e.r1.lookupErr = nil
	nonce := nonceOf(t, e.click(t, alice, actionRestart, value))
	e.r1.lookupErr = context.DeadlineExceeded
	refused := e.click(t, alice, actionConfirm, nonce)
	if len(e.ops()) != 0 {
		t.Fatalf("acted without a status check: %v", e.ops())
	}
	if !strings.Contains(text(refused), "SCNet") {
		t.Errorf("the refusal does not say SCNet is the trouble: %q", text(refused))
	}
	if a := e.action(t, nonce); a.Phase != state.ActionPending {
		t.Errorf("a confirm whose re-check failed left phase %q, want pending", a.Phase)
	}

	e.r1.lookupErr = nil
	done := e.click(t, alice, actionConfirm, nonce)
	if got := e.ops(); !slices.Equal(got, []string{"restart " + idFailed}) {
		t.Errorf("after SCNet is back: ops %v, reply %q", got, text(done))
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
