package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"scnetbot/actions"
	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
)

// The people of the actions' end-to-end tests: actor is in ACTION_USERS,
// stranger may read but not act.
const (
	actor    = "U0ONCALL"
	stranger = "U0STRANGER"
)

// actionsFor turns the actions on for users.
func actionsFor(users ...string) func(*config.Config) {
	return func(c *config.Config) { c.ActionUsers = config.List(users) }
}

// newActionsE2E starts the bot with mutate applied to its configuration
// and tuneActions to its actions' settings, against a simulator with a few
// seeded instances.
func newActionsE2E(t *testing.T, mutate func(*config.Config), tuneActions func(*actions.Config), simOpts ...scnettest.Option) *e2e {
	t.Helper()
	sim, emu := newSimAndEmu(t, append([]scnettest.Option{scnettest.WithInstances(20, 7)}, simOpts...)...)
	cfg := e2eConfig(t, sim, emu)
	if mutate != nil {
		mutate(cfg)
	}
	return startBotWith(t, sim, emu, cfg, tuneActions)
}

// addInstance puts an instance with a name no seeded one has into the
// simulator, in status st.
func (e *e2e) addInstance(name string, st scnet.Status) scnettest.Record {
	e.t.Helper()
	rec := e.sim.Add(scnettest.Record{Name: name, Status: st})
	if rec.Status != st {
		e.t.Fatalf("simulator stored %s as %s, want %s", name, rec.Status, st)
	}
	return rec
}

// commandAs sends /instances text as user and returns its ack and first
// reply.
func (e *e2e) commandAs(user, text string) (*slackemu.Interaction, slackemu.Message) {
	e.t.Helper()
	in, err := e.emu.SendSlashCommand(timeout(e.t, 10*time.Second), slackemu.SlashCommand{
		Command: "/instances", Text: text, UserID: user, ChannelID: "C0ONCALL",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.awaitAck(in)
	return in, e.awaitReply(in)
}

// clickAs presses a button of msg as user and returns the click and its
// first reply.
func (e *e2e) clickAs(msg slackemu.Message, label, user string) (*slackemu.Interaction, slackemu.Message) {
	e.t.Helper()
	in, err := e.emu.Click(timeout(e.t, 10*time.Second), msg, label, user)
	if err != nil {
		e.t.Fatal(err)
	}
	e.awaitAck(in)
	return in, e.awaitReply(in)
}

// deleteByModal clicks button on msg as actor, types name into the delete
// modal it opens, submits it, and returns the answer to the click.
func (e *e2e) deleteByModal(t *testing.T, msg slackemu.Message, button, name string) slackemu.Message {
	t.Helper()
	click, err := e.emu.Click(timeout(t, 10*time.Second), msg, button, actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(click)
	modal, err := e.emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
		map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: name}})
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(sub)
	return e.awaitReply(click)
}

// details is the Details view of instance id, as /instances <id> answers.
func (e *e2e) details(user, id string) slackemu.Message {
	e.t.Helper()
	_, m := e.commandAs(user, id)
	if !strings.Contains(everything(m), id) {
		e.t.Fatalf("/instances %s did not show the instance:\n%.1500s", id, everything(m))
	}
	return m
}

// regionName is the name the bot shows for its one region (the host of
// SCNET_BASE_URL, as the tests set it).
func (e *e2e) regionName() string {
	e.t.Helper()
	rs, _, known := e.app.regions.set.Known()
	if !known || len(rs) != 1 {
		e.t.Fatalf("the bot knows %d regions (known %v), want 1", len(rs), known)
	}
	return rs[0].Name
}

// detailLookups counts SCNet's detail requests for instance id.
func (e *e2e) detailLookups(id string) int {
	return e.sim.RequestCount("/ai/openapi/v2/instance-service/" + id + "/detail")
}

// actionCalls counts every restart, stop and delete SCNet received.
func (e *e2e) actionCalls() int {
	return e.sim.ActionCount(scnettest.ActionRestart) + e.sim.ActionCount(scnettest.ActionStop) + e.sim.ActionCount(scnettest.ActionDelete)
}

// mustLack fails when m shows any of bads.
func mustLack(t *testing.T, m slackemu.Message, bads ...string) {
	t.Helper()
	all := everything(m)
	for _, b := range bads {
		if strings.Contains(all, b) {
			t.Errorf("message shows %q:\n%.1500s", b, all)
		}
	}
}

// TestE2EActionRestartByAllowedUser: a user in ACTION_USERS clicks Restart
// on a failed instance's Details view, gets a private prompt, confirms in
// Slack's dialog, and SCNet restarts the instance once.
func TestE2EActionRestartByAllowedUser(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-restart-me", scnet.StatusFailed)
	view := e.details(actor, rec.ID)

	_, prompt := e.clickAs(view, "act.restart", actor)
	if prompt.ResponseType == "in_channel" || prompt.ReplaceOriginal {
		t.Errorf("the prompt must be a new private message, got type %q replace %v", prompt.ResponseType, prompt.ReplaceOriginal)
	}
	mustContain(t, prompt, "e2e-restart-me", rec.ID, "Failed")
	if n := e.actionCalls(); n != 0 {
		t.Fatalf("the first click sent %d actions to SCNet, want 0 before the confirmation", n)
	}

	in, done := e.clickAs(prompt, "act.confirm", actor)
	if in.Confirm == nil {
		t.Fatal("the prompt's Restart button has no confirm dialog")
	}
	region := e.regionName()
	if !strings.Contains(in.Confirm.Text, "e2e-restart-me") || !strings.Contains(in.Confirm.Text, region) {
		t.Errorf("confirm dialog %q does not name the instance and its region %q", in.Confirm.Text, region)
	}
	mustContain(t, done, "Restart requested by <@"+actor+">", "e2e-restart-me")
	if !done.ReplaceOriginal {
		t.Error("the outcome must replace the prompt, so it cannot be clicked again")
	}
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want 1", n)
	}
	if got, _ := e.sim.Get(rec.ID); got.Status != scnet.StatusDeploying {
		t.Errorf("the instance is %s after the restart, want Deploying", got.Status)
	}
	// The audit: a log line with who, what, where and how it went, and the
	// metric.
	audited := false
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var l map[string]any
		if json.Unmarshal([]byte(line), &l) != nil || l["msg"] != "instance action" {
			continue
		}
		if l["user"] == actor && l["action"] == "restart" && l["instance"] == rec.ID && l["instance_name"] == rec.Name &&
			l["region"] != "" && l["outcome"] == "done" {
			audited = true
		}
	}
	if !audited {
		t.Errorf("no audit line for the restart in the log:\n%s", e.logs.String())
	}
	resp, err := http.Get("http://" + e.app.HTTPAddr() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if want := `scnetbot_actions_total{action="restart",outcome="done"} 1`; !strings.Contains(string(body), want) {
		t.Errorf("/metrics lacks %s", want)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// buttonValue is the value of msg's button with actionID.
func buttonValue(t *testing.T, msg slackemu.Message, actionID string) string {
	t.Helper()
	var blocks []struct {
		Elements []struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(msg.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	for _, b := range blocks {
		for _, el := range b.Elements {
			if el.ActionID == actionID {
				return el.Value
			}
		}
	}
	t.Fatalf("no button %s in:\n%.1500s", actionID, everything(msg))
	return ""
}

// shown is a message's text and blocks with the characters JSON escapes
// (<, >, &) as Slack shows them.
func shown(m slackemu.Message) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(everything(m))
}

// hasButton reports whether msg has a button with actionID.
func hasButton(msg slackemu.Message, actionID string) bool {
	return strings.Contains(string(msg.Blocks), `"action_id":"`+actionID+`"`)
}

// actionRecord is the confirmation nonce as the bot's store holds it.
func (e *e2e) actionRecord(nonce string) state.Action {
	e.t.Helper()
	var (
		a     state.Action
		found bool
	)
	err := e.app.store.View(context.Background(), func(tx state.Tx) (err error) {
		a, found, err = tx.Action(nonce)
		return err
	})
	if err != nil || !found {
		e.t.Fatalf("confirmation %s: found %v, %v", nonce, found, err)
	}
	return a
}

// forge sends a block_actions payload no Slack button produced, as user,
// and returns the bot's answer.
func (e *e2e) forge(msg slackemu.Message, actionID, value, user string) slackemu.Message {
	e.t.Helper()
	in, err := e.emu.ForgeClick(timeout(e.t, 10*time.Second), msg, actionID, value, user)
	if err != nil {
		e.t.Fatal(err)
	}
	e.awaitAck(in)
	return e.awaitReply(in)
}

// TestE2EActionRefusedUser: someone not in ACTION_USERS sees the buttons,
// is told who may act, and SCNet hears nothing: no action, not even a
// lookup.
func TestE2EActionRefusedUser(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-not-yours", scnet.StatusFailed)
	view := e.details(stranger, rec.ID)
	if !hasButton(view, "act.restart") {
		t.Fatalf("a reader sees no Restart button:\n%.1500s", everything(view))
	}
	lookups, requests := e.detailLookups(rec.ID), e.sim.RequestCount("")

	_, refusal := e.clickAs(view, "act.restart", stranger)
	mustContain(t, refusal, "<@"+actor+">", "Nothing was sent to SCNet")
	mustLack(t, refusal, "act.confirm")
	_, cmd := e.commandAs(stranger, "restart e2e-not-yours")
	mustContain(t, cmd, "<@"+actor+">", "Nothing was sent to SCNet")
	mustLack(t, cmd, "act.confirm")
	_, del := e.commandAs(stranger, "delete e2e-not-yours")
	mustContain(t, del, "<@"+actor+">", "Nothing was sent to SCNet")

	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions from someone who may not act", n)
	}
	if n := e.detailLookups(rec.ID) - lookups; n != 0 {
		t.Errorf("a refusal looked the instance up %d times", n)
	}
	if n := e.sim.RequestCount("") - requests; n != 0 {
		t.Errorf("refusals made %d SCNet requests, want 0", n)
	}
	if n := len(e.emu.Views()); n != 0 {
		t.Errorf("a refused delete opened %d dialogs", n)
	}
}

// testClock is the actions' clock, moved by the test.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// TestE2EActionUserGroup: with ACTION_USERGROUP the members Slack lists may
// act and others may not; a change of the group counts once the cached
// members are older than their TTL, also for a prompt already shown.
func TestE2EActionUserGroup(t *testing.T) {
	const (
		group  = "S0ONCALL"
		member = "U0MEMBER"
		ttl    = time.Minute
	)
	clock := &testClock{}
	e := newActionsE2E(t, func(c *config.Config) { c.ActionUserGroup = group }, func(c *actions.Config) {
		c.Now, c.GroupTTL = clock.now, ttl
	})
	e.emu.SetUserGroup(group, member)
	e.addInstance("e2e-group-restart", scnet.StatusFailed)
	other := e.addInstance("e2e-group-other", scnet.StatusFailed)

	_, refused := e.commandAs(stranger, "restart e2e-group-restart")
	mustContain(t, refused, "<!subteam^"+group+">", "Nothing was sent to SCNet")
	_, prompt := e.commandAs(member, "restart e2e-group-restart")
	mustContain(t, prompt, "e2e-group-restart")
	_, done := e.clickAs(prompt, "act.confirm", member)
	mustContain(t, done, "Restart requested by <@"+member+">")
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Fatalf("SCNet got %d restarts, want 1", n)
	}
	if n := e.emu.Calls("usergroups.users.list"); n != 1 {
		t.Errorf("usergroups.users.list called %d times for three checks within its TTL, want 1", n)
	}

	// The member is taken out and the stranger put in: within the TTL the
	// bot still goes by the members it read.
	_, pending := e.commandAs(member, "restart e2e-group-other")
	mustContain(t, pending, "e2e-group-other")
	e.emu.SetUserGroup(group, stranger)
	_, stillRefused := e.commandAs(stranger, "restart e2e-group-other")
	mustContain(t, stillRefused, "Nothing was sent to SCNet")
	mustLack(t, stillRefused, "act.confirm")

	clock.advance(ttl + time.Second)
	_, gone := e.clickAs(pending, "act.confirm", member)
	mustContain(t, gone, "<!subteam^"+group+">", "Nothing was sent to SCNet")
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want 1: a confirm by someone no longer in the group acted", n)
	}
	if got, _ := e.sim.Get(other.ID); got.Status != scnet.StatusFailed {
		t.Errorf("%s is %s, want still Failed", other.Name, got.Status)
	}
	_, now := e.commandAs(stranger, "restart e2e-group-other")
	mustContain(t, now, "e2e-group-other")
	if !hasButton(now, "act.confirm") {
		t.Errorf("the new member got no prompt:\n%.1500s", everything(now))
	}
	if n := e.emu.Calls("usergroups.users.list"); n != 2 {
		t.Errorf("usergroups.users.list called %d times, want 2 (once more after the TTL)", n)
	}
}

// TestE2EActionConfirmCancelAndForgery: Slack's dialog denied sends
// nothing; the prompt's Cancel sends nothing and ends the confirmation;
// a made-up nonce, someone else's nonce and a confirm that skips the
// prompt are refused before SCNet hears of them.
func TestE2EActionConfirmCancelAndForgery(t *testing.T) {
	const second = "U0SECOND" // may act too, but not on actor's prompt
	e := newActionsE2E(t, actionsFor(actor, second), nil)
	rec := e.addInstance("e2e-cancel-me", scnet.StatusFailed)
	view := e.details(actor, rec.ID)
	_, prompt := e.clickAs(view, "act.restart", actor)
	nonce := buttonValue(t, prompt, "act.confirm")

	acks := len(e.emu.Acks())
	c, err := e.emu.ClickDeny(prompt, "act.confirm")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(c.Text, "e2e-cancel-me") {
		t.Errorf("the dialog denied does not name the instance: %q", c.Text)
	}
	if n := len(e.emu.Acks()); n != acks {
		t.Errorf("a denied dialog reached the bot (%d acks, want %d)", n, acks)
	}

	for _, tt := range []struct {
		name, actionID, value, user string
		wants                       []string
	}{
		{"made-up nonce", "act.confirm", strings.Repeat("0a", 16), actor, []string{"no such confirmation"}},
		{"not a nonce", "act.confirm", "restart please", actor, []string{"not a scnetbot button"}},
		{"someone else's nonce", "act.confirm", nonce, second, []string{"belongs to someone else", "<@" + actor + ">"}},
		{"skips the prompt", "act.confirm", buttonValue(t, view, "act.restart"), actor, []string{"not a scnetbot button"}},
		{"cancel of someone else's", "act.cancel", nonce, second, []string{"belongs to someone else"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := e.forge(prompt, tt.actionID, tt.value, tt.user)
			mustContain(t, m, tt.wants...)
			if m.ReplaceOriginal {
				t.Error("a refused click replaced the prompt")
			}
		})
	}
	if n := e.actionCalls(); n != 0 {
		t.Fatalf("SCNet got %d actions from forged or denied clicks", n)
	}
	if a := e.actionRecord(nonce); a.Phase != state.ActionPending {
		t.Fatalf("the forged clicks moved the confirmation to %s", a.Phase)
	}

	_, cancelled := e.clickAs(prompt, "Cancel", actor)
	mustContain(t, cancelled, "Cancelled", "nothing was sent to SCNet")
	if !cancelled.ReplaceOriginal {
		t.Error("Cancel must replace the prompt")
	}
	if a := e.actionRecord(nonce); a.Phase != state.ActionCancelled {
		t.Errorf("the confirmation is %s after Cancel, want cancelled", a.Phase)
	}
	// The prompt is gone; its button, sent anyway, acts no more.
	late := e.forge(prompt, "act.confirm", nonce, actor)
	mustContain(t, late, "cancelled")
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions after a cancel", n)
	}
	if got, _ := e.sim.Get(rec.ID); got.Status != scnet.StatusFailed {
		t.Errorf("the instance is %s, want still Failed", got.Status)
	}
}

// TestE2EActionExactlyOnce: a second click on the confirm button while the
// first is with SCNet, a click after it is done, and Slack re-delivering
// the click's envelope make one SCNet call; every click is answered.
func TestE2EActionExactlyOnce(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-twice", scnet.StatusFailed)
	view := e.details(actor, rec.ID)
	_, prompt := e.clickAs(view, "act.restart", actor)

	// SCNet holds the first restart, so the second click arrives while it
	// is being sent.
	e.sim.HoldNextAction(scnettest.ActionRestart, 1, 2*time.Second)
	first, err := e.emu.Click(timeout(t, 10*time.Second), prompt, "act.confirm", actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(first)
	wait.Until(t, "the restart at SCNet", func() bool { return e.sim.ActionCount(scnettest.ActionRestart) == 1 })
	_, second := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, second, "already being done")
	if second.ReplaceOriginal {
		t.Error("the losing click replaced the prompt")
	}
	if err := e.emu.Redeliver(timeout(t, 10*time.Second), first.EnvelopeID, "timeout"); err != nil {
		t.Fatal(err)
	}
	done := e.awaitReply(first)
	mustContain(t, done, "Restart requested by")
	third := e.forge(prompt, "act.confirm", buttonValue(t, prompt, "act.confirm"), actor)
	mustContain(t, third, "already done")

	acked := 0
	for _, a := range e.emu.Acks() {
		if a.EnvelopeID == first.EnvelopeID {
			acked++
		}
	}
	if acked != 2 {
		t.Errorf("the re-delivered envelope was acked %d times, want 2", acked)
	}
	if n := e.emu.ResponseURLUses(first.ResponseURL); n != 1 {
		t.Errorf("the click and its re-delivery answered %d times, want once", n)
	}
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want exactly 1", n)
	}
}

// TestE2EActionTimeoutAfterSending: SCNet restarts the instance but holds
// its answer past the bot's timeout. The answer says it may have happened,
// not that it failed, and offers Check status; the confirmation is kept as
// unknown; SCNet got one call.
func TestE2EActionTimeoutAfterSending(t *testing.T) {
	const actTimeout = time.Second
	e := newActionsE2E(t, actionsFor(actor), func(c *actions.Config) { c.Timeout = actTimeout })
	rec := e.addInstance("e2e-slow-restart", scnet.StatusFailed)
	view := e.details(actor, rec.ID)
	_, prompt := e.clickAs(view, "act.restart", actor)
	nonce := buttonValue(t, prompt, "act.confirm")

	e.sim.HoldNextAction(scnettest.ActionRestart, 1, 5*actTimeout)
	_, unknown := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, unknown, "may or may not have happened", "e2e-slow-restart", "Deploying", "Check its status before")
	mustLack(t, unknown, "did not happen", "Restart requested by")
	if !hasButton(unknown, "act.status") {
		t.Errorf("the unknown outcome has no Check status button:\n%.1500s", everything(unknown))
	}
	if a := e.actionRecord(nonce); a.Phase != state.ActionUnknown {
		t.Errorf("the confirmation is %s, want unknown", a.Phase)
	}
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want 1", n)
	}
	if got, _ := e.sim.Get(rec.ID); got.Status != scnet.StatusDeploying {
		t.Errorf("the instance is %s, want Deploying: the simulator acted before holding", got.Status)
	}

	_, status := e.clickAs(unknown, "Check status", actor)
	mustContain(t, status, "e2e-slow-restart", "Deploying")
	again := e.forge(prompt, "act.confirm", nonce, actor)
	mustContain(t, again, "did not answer", "check its status")
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts after the status check and a second click, want 1", n)
	}

	// A delete held past the timeout: the look-up after it finds the
	// instance gone, and says so.
	del := e.addInstance("e2e-slow-delete", scnet.StatusFailed)
	click, err := e.emu.Click(timeout(t, 10*time.Second), e.details(actor, del.ID), "act.delete", actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(click)
	modal, err := e.emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	e.sim.HoldNextAction(scnettest.ActionDelete, 1, 5*actTimeout)
	sub, err := e.emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
		map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: del.Name}})
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(sub)
	mustContain(t, e.awaitReply(click), "may or may not have happened", "SCNet no longer lists it")
	if n := e.sim.ActionCount(scnettest.ActionDelete); n != 1 {
		t.Errorf("SCNet got %d deletes, want 1", n)
	}
}

// TestE2EActionDeleteThroughModal: Delete opens a modal; a wrong name
// keeps it open with the error under the field and sends nothing; the
// right name closes it, deletes once and answers where the click was. A
// live instance SCNet refuses to delete is answered in words.
func TestE2EActionDeleteThroughModal(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-delete-me", scnet.StatusFailed)
	view := e.details(actor, rec.ID)
	click, err := e.emu.Click(timeout(t, 10*time.Second), view, "act.delete", actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(click)
	modal, err := e.emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	if modal.CallbackID != actions.DeleteViewID || !strings.Contains(string(modal.Blocks), "e2e-delete-me") {
		t.Fatalf("modal %s does not ask to delete e2e-delete-me:\n%s", modal.CallbackID, modal.Blocks)
	}

	submit := func(typed string) slackemu.Ack {
		t.Helper()
		in, err := e.emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
			map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: typed}})
		if err != nil {
			t.Fatal(err)
		}
		return e.awaitAck(in)
	}
	ack := submit("e2e-delete-you")
	if !strings.Contains(string(ack.Payload), `"errors"`) {
		t.Errorf("a wrong name was acked with %s, want response_action errors", ack.Payload)
	}
	if v, _ := e.emu.View(modal.ID); !v.Open || !strings.Contains(v.Errors[actions.NameBlockID], "e2e-delete-me") {
		t.Errorf("after a wrong name the modal is open=%v with errors %v, want open with the name to type", v.Open, v.Errors)
	}
	if n := e.actionCalls(); n != 0 {
		t.Fatalf("a wrong name sent %d actions to SCNet", n)
	}
	if n := e.emu.ResponseURLUses(click.ResponseURL); n != 0 {
		t.Errorf("a wrong name was answered %d times in the channel, want only in the modal", n)
	}

	ack = submit("e2e-delete-me")
	if len(ack.Payload) != 0 && !strings.Contains(string(ack.Payload), "clear") {
		t.Errorf("the right name was acked with %s, want the modal closed", ack.Payload)
	}
	if v, _ := e.emu.View(modal.ID); v.Open {
		t.Error("the modal is still open after the right name")
	}
	done := e.awaitReply(click)
	mustContain(t, done, "Delete requested by <@"+actor+">", "e2e-delete-me")
	if n := e.sim.ActionCount(scnettest.ActionDelete); n != 1 {
		t.Errorf("SCNet got %d deletes, want 1", n)
	}
	if _, ok := e.sim.Get(rec.ID); ok {
		t.Error("the instance is still in the simulator")
	}

	// A running instance: SCNet refuses with 716866, said in words.
	live := e.addInstance("e2e-delete-live", scnet.StatusRunning)
	in, opened := e.commandAs(actor, "delete e2e-delete-live")
	mustContain(t, opened, "Opened the delete dialog", "e2e-delete-live")
	modal, err = e.emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(modal.Blocks), "e2e-delete-live") {
		t.Fatalf("the command's modal does not name e2e-delete-live:\n%s", modal.Blocks)
	}
	submit("e2e-delete-live")
	msgs, err := e.emu.WaitResponses(timeout(t, 20*time.Second), in.ResponseURL, 2)
	if err != nil {
		t.Fatalf("no answer to the command's delete: %v\nlogs:\n%s", err, e.logs.String())
	}
	refused := msgs[1]
	mustContain(t, refused, "did not happen", "could not delete the instance", "stop it first")
	if n := e.sim.ActionCount(scnettest.ActionDelete); n != 2 {
		t.Errorf("SCNet got %d deletes, want 2", n)
	}
	if got, ok := e.sim.Get(live.ID); !ok || got.Status != scnet.StatusRunning {
		t.Errorf("the running instance is %v (kept %v), want kept Running", got.Status, ok)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2EActionFromCommandInAlertThread: with the watcher on, a restart
// asked by command is answered to the person who asked and written in the
// thread of the instance's alert.
func TestE2EActionFromCommandInAlertThread(t *testing.T) {
	const channel = "C0ALERTS"
	e := watchedE2E(t, channel, nil)
	rec := e.addInstance("e2e-alerted", scnet.StatusRunning)
	e.awaitFirstPoll()
	alert := e.failAndAlertIn(t, channel, rec.ID)
	if !hasButton(alert, "act.restart") {
		t.Errorf("the alert of a failed instance has no Restart button:\n%.1500s", everything(alert))
	}

	in, prompt := e.commandAs(actor, "restart e2e-alerted")
	_, done := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, done, "Restart requested by <@"+actor+">")
	if done.ResponseType == "in_channel" {
		t.Error("the answer to the person who asked went to the channel")
	}
	if n := e.emu.ResponseURLUses(in.ResponseURL); n != 1 {
		t.Errorf("the command was answered %d times, want once (the prompt)", n)
	}
	inThread := func() (slackemu.Message, bool) {
		for _, m := range e.emu.ChannelMessages(channel) {
			if m.ThreadTS == alert.TS && m.TS != alert.TS && strings.Contains(shown(m), "restarted by <@"+actor+">") {
				return m, true
			}
		}
		return slackemu.Message{}, false
	}
	wait.Until(t, "the restart in the alert's thread", func() bool { _, ok := inThread(); return ok })
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want 1", n)
	}
}

// TestE2EActionsOff: with neither ACTION_USERS nor ACTION_USERGROUP, alerts
// and Details views have no action buttons, the commands say how to turn
// actions on, an old button is answered the same way, and SCNet hears
// nothing.
func TestE2EActionsOff(t *testing.T) {
	const channel = "C0ALERTS"
	e := newActionsE2E(t, func(c *config.Config) {
		c.WatchChannel = channel
		c.WatchInterval.D = 150 * time.Millisecond
	}, nil)
	rec := e.addInstance("e2e-off", scnet.StatusRunning)
	e.awaitFirstPoll()
	alert := e.failAndAlertIn(t, channel, rec.ID)
	view := e.details(actor, rec.ID)
	for what, m := range map[string]slackemu.Message{"alert": alert, "Details view": view} {
		for _, id := range []string{"act.restart", "act.stop", "act.delete"} {
			if hasButton(m, id) {
				t.Errorf("the %s has %s with actions off", what, id)
			}
		}
	}
	for _, text := range []string{"restart e2e-off", "stop e2e-off", "delete e2e-off"} {
		_, m := e.commandAs(actor, text)
		mustContain(t, m, "ACTION_USERS", "ACTION_USERGROUP")
	}
	// A Restart button posted while actions were on, clicked after they
	// were turned off.
	old := `{"i":"` + rec.ID + `"}`
	m := e.forge(view, "act.restart", old, actor)
	mustContain(t, m, "ACTION_USERS")
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions with actions off", n)
	}
	if n := len(e.emu.Views()); n != 0 {
		t.Errorf("%d dialogs opened with actions off", n)
	}
}

// threadLines are the replies in the thread of alert, as shown.
func (e *e2e) threadLines(channel string, alert slackemu.Message) string {
	var b strings.Builder
	for _, m := range e.emu.ChannelMessages(channel) {
		if m.ThreadTS == alert.TS && m.TS != alert.TS {
			b.WriteString(shown(m) + "\n")
		}
	}
	return b.String()
}

// watchedE2E starts the bot with the watcher on channel and actions for
// actor, the actions tuned by tuneActions unless it is nil. It does not
// wait for the first poll: instances are added before it (awaitFirstPoll).
func watchedE2E(t *testing.T, channel string, tuneActions func(*actions.Config), simOpts ...scnettest.Option) *e2e {
	t.Helper()
	return newActionsE2E(t, func(c *config.Config) {
		c.ActionUsers = config.List{actor}
		c.WatchChannel = channel
		c.WatchInterval.D = 150 * time.Millisecond
	}, tuneActions, simOpts...)
}

func (e *e2e) awaitFirstPoll() {
	e.t.Helper()
	wait.Until(e.t, "baseline poll", func() bool {
		h, err := e.app.group.Health(context.Background())
		return err == nil && !h.LastSuccess.IsZero()
	})
}

// TestE2EActionsOnAlerts: the buttons of an alert act on its instance.
// Restart: Running again on SCNet's clock resolves the alert, and the
// thread says after whose restart. Delete through the modal: the instance
// gone is the alert's end, not a new alert. Stop of a live instance: the
// Terminated it causes is expected, not alerted.
func TestE2EActionsOnAlerts(t *testing.T) {
	const channel = "C0ALERTS"
	e := watchedE2E(t, channel, nil, scnettest.WithRestartDelay(300*time.Millisecond))
	restart := e.addInstance("e2e-alert-restart", scnet.StatusRunning)
	del := e.addInstance("e2e-alert-delete", scnet.StatusRunning)
	stop := e.addInstance("e2e-alert-stop", scnet.StatusRunning)
	e.awaitFirstPoll()
	for _, id := range []string{restart.ID, del.ID} {
		if err := e.sim.SetStatus(id, scnet.StatusFailed); err != nil {
			t.Fatal(err)
		}
	}
	alertOf := func(id string) slackemu.Message {
		t.Helper()
		wait.Until(t, "alert for "+id, func() bool { return len(alertsAbout(e.emu, channel, id)) == 1 })
		return alertsAbout(e.emu, channel, id)[0]
	}

	t.Run("restart", func(t *testing.T) {
		alert := alertOf(restart.ID)
		_, prompt := e.clickAs(alert, "act.restart", actor)
		_, done := e.clickAs(prompt, "act.confirm", actor)
		mustContain(t, done, "Restart requested by")
		wait.Until(t, "Running again", func() bool {
			got, _ := e.sim.Get(restart.ID)
			return got.Status == scnet.StatusRunning
		})
		wait.Until(t, "the alert resolved after the restart", func() bool {
			return strings.Contains(e.threadLines(channel, alert), "after restart by <@"+actor+">")
		})
		wait.Until(t, "the alert's status line resolved", func() bool {
			return strings.Contains(strings.ToLower(shown(alertsAbout(e.emu, channel, restart.ID)[0])), "resolved")
		})
		resolved := alertsAbout(e.emu, channel, restart.ID)[0]
		for _, id := range []string{"act.restart", "act.stop", "act.delete"} {
			if hasButton(resolved, id) {
				t.Errorf("the resolved alert still has %s", id)
			}
		}
	})

	t.Run("delete", func(t *testing.T) {
		alert := alertOf(del.ID)
		mustContain(t, e.deleteByModal(t, alert, "act.delete", del.Name), "Delete requested by")
		wait.Until(t, "the delete in the alert's thread", func() bool {
			return strings.Contains(e.threadLines(channel, alert), "deleted by <@"+actor+">")
		})
		if n := len(alertsAbout(e.emu, channel, del.ID)); n != 1 {
			t.Errorf("the deleted instance has %d top-level alerts, want its one", n)
		}
	})

	t.Run("stop", func(t *testing.T) {
		_, prompt := e.commandAs(actor, "stop e2e-alert-stop")
		// SCNet documents no stop endpoint: the prompt and the dialog say
		// so rather than guess silently.
		mustContain(t, prompt, "documents no stop endpoint")
		in, done := e.clickAs(prompt, "act.confirm", actor)
		if in.Confirm == nil || !strings.Contains(in.Confirm.Text, "e2e-alert-stop") || !strings.Contains(in.Confirm.Text, "documents no stop endpoint") {
			t.Errorf("stop's confirm dialog %+v does not name the instance and the undocumented endpoint", in.Confirm)
		}
		if in.Confirm != nil && in.Confirm.Style != "danger" {
			t.Errorf("stop's dialog style is %q, want danger", in.Confirm.Style)
		}
		mustContain(t, done, "Stop requested by")
		if got, _ := e.sim.Get(stop.ID); got.Status != scnet.StatusTerminated {
			t.Fatalf("the stopped instance is %s, want Terminated", got.Status)
		}
		// Several polls see it Terminated.
		polls := func() time.Time {
			h, _ := e.app.group.Health(context.Background())
			return h.LastSuccess
		}
		seen := polls()
		for range 3 {
			wait.Until(t, "another poll", func() bool { return polls().After(seen) })
			seen = polls()
		}
		if n := len(alertsAbout(e.emu, channel, stop.ID)); n != 0 {
			t.Errorf("a stop asked from Slack was alerted %d times as a failure", n)
		}
	})
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2EActionOpenLinkHidesToken: a running instance's Details view has
// an Open link without the access token SCNet puts in its URL.
func TestE2EActionOpenLinkHidesToken(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-open-me", scnet.StatusRunning)
	view := e.details(actor, rec.ID)
	if !strings.Contains(string(view.Blocks), `"url":`) {
		t.Errorf("the Details view of a running instance has no Open link:\n%.2000s", everything(view))
	}
	if tok := e.sim.AccessToken(rec.ID); strings.Contains(everything(view), tok) {
		t.Error("the access token reached Slack")
	}
	if !hasButton(view, "act.stop") || hasButton(view, "act.restart") {
		t.Errorf("a running instance must offer Stop, not Restart:\n%.2000s", everything(view))
	}
	if tok := e.sim.AccessToken(rec.ID); strings.Contains(e.logs.String(), tok) {
		t.Error("the access token reached the log")
	}
}

// TestE2EActionsAcrossRegions: with every region of the account, an alert's
// Restart acts in the alert's region only, the prompt and Slack's dialog
// name that region, and a name two regions share is not acted on by
// command until it is told by id.
func TestE2EActionsAcrossRegions(t *testing.T) {
	sim, emu := newRegionsSim(t, 10)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	cfg.ActionUsers = config.List{actor}
	e := startBot(t, sim, emu, cfg)
	ks, xa := sim.Region(kunshan), sim.Region(xian)
	target := xa.Add(scnettest.Record{Name: "e2e-xian-only", Status: scnet.StatusRunning})
	ks.Add(scnettest.Record{Name: "e2e-twin", Status: scnet.StatusFailed})
	twin := xa.Add(scnettest.Record{Name: "e2e-twin", Status: scnet.StatusFailed})
	e.regionsPolled(t, 2, 1)

	if err := xa.SetStatus(target.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the alert in "+xian, func() bool { return len(alertsAbout(emu, alertChannel, target.ID)) == 1 })
	alert := alertsAbout(emu, alertChannel, target.ID)[0]
	_, prompt := e.clickAs(alert, "act.restart", actor)
	mustContain(t, prompt, "e2e-xian-only", xian)
	in, done := e.clickAs(prompt, "act.confirm", actor)
	if in.Confirm == nil || !strings.Contains(in.Confirm.Text, xian) {
		t.Errorf("the dialog %+v does not name the region %s", in.Confirm, xian)
	}
	mustContain(t, done, "Restart requested by", xian)
	if n, m := xa.ActionCount(scnettest.ActionRestart), ks.ActionCount(scnettest.ActionRestart); n != 1 || m != 0 {
		t.Errorf("restarts: %d in %s, %d in %s; want 1 and 0", n, xian, m, kunshan)
	}
	wait.Until(t, "the restart in the alert's thread", func() bool {
		return strings.Contains(e.threadLines(alertChannel, alert), "restarted by <@"+actor+">")
	})

	_, both := e.commandAs(actor, "restart e2e-twin")
	mustLack(t, both, "act.confirm")
	mustContain(t, both, kunshan, xian)
	_, one := e.commandAs(actor, "restart "+twin.ID)
	mustContain(t, one, "e2e-twin", xian)
	e.clickAs(one, "act.confirm", actor)
	if n, m := xa.ActionCount(scnettest.ActionRestart), ks.ActionCount(scnettest.ActionRestart); n != 2 || m != 0 {
		t.Errorf("restarts: %d in %s, %d in %s; want 2 and 0", n, xian, m, kunshan)
	}
	if got, _ := xa.Get(twin.ID); got.Status != scnet.StatusDeploying {
		t.Errorf("the twin in %s is %s, want Deploying", xian, got.Status)
	}

	// The Details view, of a command and of the alert, acts in its region.
	other := xa.Add(scnettest.Record{Name: "e2e-xian-details", Status: scnet.StatusFailed})
	_, prompt = e.clickAs(e.details(actor, other.ID), "act.restart", actor)
	mustContain(t, prompt, "e2e-xian-details", xian)
	_, alertDetails := e.clickAs(alert, "Details", actor)
	if !hasButton(alertDetails, "act.stop") && !hasButton(alertDetails, "act.restart") {
		t.Errorf("the alert's Details view has no action button:\n%.1500s", everything(alertDetails))
	}
	click, err := emu.Click(timeout(t, 10*time.Second), alertDetails, "act.delete", actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(click)
	modal, err := emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mrkdwnTexts(t, modal.Blocks), xian) {
		t.Errorf("the delete modal of the alert's Details does not name %s", xian)
	}
	if err := emu.CloseView(modal.ID); err != nil {
		t.Fatal(err)
	}

	// A delete by a name two regions share is not carried out.
	in, opened := e.commandAs(actor, "delete e2e-twin")
	mustContain(t, opened, "Opened the delete dialog")
	modal, err = emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
		map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: "e2e-twin"}})
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(sub)
	msgs, err := emu.WaitResponses(timeout(t, 20*time.Second), in.ResponseURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[1], kunshan, xian)
	if n := xa.ActionCount(scnettest.ActionDelete) + ks.ActionCount(scnettest.ActionDelete); n != 0 {
		t.Errorf("a delete of an ambiguous name made %d SCNet calls", n)
	}
}

// TestE2EActionHostileNames: instances named to break Slack's formatting
// go through the prompt, Slack's dialog and the delete modal without a
// mention reaching Slack's mrkdwn or Slack refusing a block, and the modal
// takes the name as typed. (The dialog is plain_text, where Slack parses
// no mention.)
func TestE2EActionHostileNames(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	for i, name := range []string{
		"<!channel> restart-me",
		"*bold* _it_ `code` <@U0VICTIM>",
		"a&b <https://evil.example|click> " + strings.Repeat("长", 150),
	} {
		restart := e.addInstance(name, scnet.StatusFailed)
		_, prompt := e.clickAs(e.details(actor, restart.ID), "act.restart", actor)
		in, done := e.clickAs(prompt, "act.confirm", actor)
		if in.Confirm == nil {
			t.Fatalf("%d: no confirm dialog", i)
		}
		mustContain(t, done, "Restart requested by")

		del := e.addInstance(name, scnet.StatusFailed)
		click, err := e.emu.Click(timeout(t, 10*time.Second), e.details(actor, del.ID), "act.delete", actor)
		if err != nil {
			t.Fatal(err)
		}
		e.awaitAck(click)
		modal, err := e.emu.WaitView(timeout(t, 10*time.Second), actor)
		if err != nil {
			t.Fatalf("%d: %v\nlogs:\n%s", i, err, e.logs.String())
		}
		sub, err := e.emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
			map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: name}})
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if ack := e.awaitAck(sub); len(ack.Payload) != 0 {
			t.Errorf("%d: the exact name was refused: %s", i, ack.Payload)
			continue
		}
		deleted := e.awaitReply(click)
		mustContain(t, deleted, "Delete requested by")
		for _, m := range []slackemu.Message{prompt, done, deleted} {
			mustLack(t, m, "<!channel>", "<@U0VICTIM>", "<https://evil")
		}
		if md := mrkdwnTexts(t, modal.Blocks); strings.Contains(md, "<!channel") || strings.Contains(md, "<@U0VICTIM") || strings.Contains(md, "<https://evil") {
			t.Errorf("%d: a raw mention or link in the modal's mrkdwn: %.400s", i, md)
		}
		if _, ok := e.sim.Get(del.ID); ok {
			t.Errorf("%d: %q was not deleted", i, name)
		}
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2EActionConfirmationExpires: a prompt confirmed after its TTL is
// refused and SCNet hears nothing.
func TestE2EActionConfirmationExpires(t *testing.T) {
	clock := &testClock{}
	e := newActionsE2E(t, actionsFor(actor), func(c *actions.Config) { c.Now, c.ConfirmTTL = clock.now, 5*time.Minute })
	rec := e.addInstance("e2e-expires", scnet.StatusFailed)
	_, prompt := e.commandAs(actor, "restart "+rec.Name)
	clock.advance(5*time.Minute + time.Second)
	_, late := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, late, "expired", "/instances restart")
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions from an expired confirmation", n)
	}
}

// mrkdwnTexts joins every mrkdwn text object in blocks, where Slack would
// parse a mention.
func mrkdwnTexts(t *testing.T, blocks json.RawMessage) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(blocks, &v); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["type"] == "mrkdwn" {
				if s, ok := x["text"].(string); ok {
					b.WriteString(s + "\n")
				}
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return b.String()
}

// TestE2EActionStatusRecheckedAtConfirm: the confirm looks the instance
// up again: one Running by then is not restarted, with the reason; one gone
// is said to be gone; restarting a Running one by command is refused
// before any prompt.
func TestE2EActionStatusRecheckedAtConfirm(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	back := e.addInstance("e2e-came-back", scnet.StatusFailed)
	gone := e.addInstance("e2e-went-away", scnet.StatusFailed)
	_, p1 := e.commandAs(actor, "restart e2e-came-back")
	_, p2 := e.commandAs(actor, "restart e2e-went-away")
	if err := e.sim.SetStatus(back.ID, scnet.StatusRunning); err != nil {
		t.Fatal(err)
	}
	e.sim.Delete(gone.ID)

	_, m1 := e.clickAs(p1, "act.confirm", actor)
	mustContain(t, m1, "e2e-came-back", "Running", "restart is for failed or stopped instances", "Nothing was sent to SCNet")
	if !m1.ReplaceOriginal {
		t.Error("a refused confirm must replace its prompt")
	}
	_, m2 := e.clickAs(p2, "act.confirm", actor)
	mustContain(t, m2, "no longer exists", "Nothing was sent to SCNet")
	_, m4 := e.commandAs(actor, "restart "+gone.ID)
	mustContain(t, m4, "No instance with id")
	_, m3 := e.commandAs(actor, "restart e2e-came-back")
	mustContain(t, m3, "restart is for failed or stopped instances")
	mustLack(t, m3, "act.confirm")
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions", n)
	}
}

// TestE2EActionConfirmSurvivesBotRestart: the confirmation is in the state
// file, so a prompt shown before the bot restarts still acts once after.
func TestE2EActionConfirmSurvivesBotRestart(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-across-restart", scnet.StatusFailed)
	_, prompt := e.commandAs(actor, "restart "+rec.Name)
	e.shutdown()
	e = startBot(t, e.sim, e.emu, e.cfg)
	_, done := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, done, "Restart requested by")
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want 1", n)
	}
}

// TestE2EActionUserGroupUnreadable: when Slack does not list the group's
// members, a member is told the check failed, not that they may not act,
// and SCNet hears nothing; once Slack answers, they may act.
func TestE2EActionUserGroupUnreadable(t *testing.T) {
	const group = "S0ONCALL"
	e := newActionsE2E(t, func(c *config.Config) { c.ActionUserGroup = group }, nil)
	e.emu.SetUserGroup(group, actor)
	rec := e.addInstance("e2e-group-down", scnet.StatusFailed)
	e.emu.FailNext("usergroups.users.list", 1, http.StatusInternalServerError)
	_, m := e.commandAs(actor, "restart "+rec.Name)
	mustContain(t, m, "could not check whether you are in the user group", "Nothing was sent to SCNet")
	mustLack(t, m, "act.confirm")
	_, prompt := e.commandAs(actor, "restart "+rec.Name)
	if !hasButton(prompt, "act.confirm") {
		t.Fatalf("a member got no prompt once Slack answered:\n%.1500s", everything(prompt))
	}
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions", n)
	}
}

// TestE2EActionUserGroupRefusedBySlack: an ACTION_USERGROUP Slack does not
// know (or a token without usergroups:read) is not "Slack did not answer,
// try again": the person is told to ask the operator, the log says what
// Slack answered, and SCNet hears nothing.
func TestE2EActionUserGroupRefusedBySlack(t *testing.T) {
	const group = "S0NOSUCH" // never made in the emulator: no_such_subteam
	e := newActionsE2E(t, func(c *config.Config) { c.ActionUserGroup = group }, nil)
	rec := e.addInstance("e2e-group-unknown", scnet.StatusFailed)
	_, m := e.commandAs(actor, "restart "+rec.Name)
	mustContain(t, m, "ACTION_USERGROUP", "operator", "Nothing was sent to SCNet")
	mustLack(t, m, "try again in a minute", "act.confirm")
	if !strings.Contains(e.logs.String(), "no_such_subteam") {
		t.Error("the log does not say what Slack answered")
	}
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions", n)
	}
}

// TestE2EActionTwoPeopleOneRestart: two people each confirm their own
// prompt for the same failed instance; the second confirm finds it
// restarting and sends nothing.
func TestE2EActionTwoPeopleOneRestart(t *testing.T) {
	const second = "U0SECOND"
	e := newActionsE2E(t, actionsFor(actor, second), nil)
	rec := e.addInstance("e2e-two-people", scnet.StatusFailed)
	_, p1 := e.commandAs(actor, "restart "+rec.Name)
	_, p2 := e.commandAs(second, "restart "+rec.Name)
	_, d1 := e.clickAs(p1, "act.confirm", actor)
	mustContain(t, d1, "Restart requested by <@"+actor+">")
	_, d2 := e.clickAs(p2, "act.confirm", second)
	mustContain(t, d2, "Deploying", "Nothing was sent to SCNet")
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet got %d restarts, want 1", n)
	}
}

// TestE2EActionDeleteByIDForLongName: a name too long for the Delete
// button's value makes the modal ask for the id; the name is refused, the
// id deletes.
func TestE2EActionDeleteByIDForLongName(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	name := "e2e-" + strings.Repeat("long", 60)
	rec := e.addInstance(name, scnet.StatusFailed)
	click, err := e.emu.Click(timeout(t, 10*time.Second), e.details(actor, rec.ID), "act.delete", actor)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(click)
	modal, err := e.emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(typed string) slackemu.Ack {
		t.Helper()
		in, err := e.emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
			map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: typed}})
		if err != nil {
			t.Fatal(err)
		}
		return e.awaitAck(in)
	}
	if ack := submit(name); !strings.Contains(string(ack.Payload), rec.ID) {
		t.Errorf("the name was acked with %s, want the error naming the id to type", ack.Payload)
	}
	if ack := submit(rec.ID); len(ack.Payload) != 0 {
		t.Errorf("the id was acked with %s, want the modal closed", ack.Payload)
	}
	mustContain(t, e.awaitReply(click), "Delete requested by")
	if n := e.sim.ActionCount(scnettest.ActionDelete); n != 1 {
		t.Errorf("SCNet got %d deletes, want 1", n)
	}
}

// TestE2EActionCommandNameWithMarkup: a name with &, < and > typed in a
// command (which Slack delivers escaped) finds the instance, for restart
// and for delete, whose modal takes the name as typed there (unescaped).
func TestE2EActionCommandNameWithMarkup(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	const name = "e2e-a&b<c>"
	rec := e.addInstance(name, scnet.StatusFailed)
	_, prompt := e.commandAs(actor, "restart "+name)
	if !hasButton(prompt, "act.confirm") {
		t.Fatalf("no prompt for %s:\n%.1500s", name, everything(prompt))
	}
	e.clickAs(prompt, "act.confirm", actor)
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 1 {
		t.Fatalf("SCNet got %d restarts, want 1", n)
	}
	if err := e.sim.SetStatus(rec.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	in, _ := e.commandAs(actor, "delete "+name)
	modal, err := e.emu.WaitView(timeout(t, 10*time.Second), actor)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.emu.SubmitView(timeout(t, 10*time.Second), modal.ID, actor,
		map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: name}})
	if err != nil {
		t.Fatal(err)
	}
	if ack := e.awaitAck(sub); len(ack.Payload) != 0 {
		t.Fatalf("the name typed in the modal was refused: %s", ack.Payload)
	}
	msgs, err := e.emu.WaitResponses(timeout(t, 20*time.Second), in.ResponseURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, msgs[1], "Delete requested by")
	if _, ok := e.sim.Get(rec.ID); ok {
		t.Error("the instance was not deleted")
	}
}

// TestE2EActionCrashWhileSending: the bot stopped after it claimed a
// confirmation for sending and before SCNet's answer was written (as a
// crash leaves it). After the restart a click on the prompt is told the
// outcome is unknown, with Check status, not that it is "being done"
// forever; SCNet hears nothing more.
func TestE2EActionCrashWhileSending(t *testing.T) {
	e := newActionsE2E(t, actionsFor(actor), nil)
	rec := e.addInstance("e2e-crashed", scnet.StatusFailed)
	_, prompt := e.commandAs(actor, "restart "+rec.Name)
	nonce := buttonValue(t, prompt, "act.confirm")
	e.shutdown()

	st, err := state.Open(e.cfg.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx state.Tx) error {
		a, found, err := tx.Action(nonce)
		if err != nil || !found {
			t.Errorf("confirmation %s: found %v, %v", nonce, found, err)
			return err
		}
		a.Phase = state.ActionSending
		return tx.PutAction(a)
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	e = startBot(t, e.sim, e.emu, e.cfg)
	_, m := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, m, "may or may not have happened", "Check its status")
	mustLack(t, m, "already being done")
	if !hasButton(m, "act.status") {
		t.Errorf("no Check status button:\n%.1500s", everything(m))
	}
	if a := e.actionRecord(nonce); a.Phase != state.ActionUnknown {
		t.Errorf("the confirmation is %s, want unknown", a.Phase)
	}
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions", n)
	}
}

// TestE2EActionStateUnusable: with the state file unreadable the bot
// still starts and reads, and an action is refused with words saying why,
// before SCNet hears of it.
func TestE2EActionStateUnusable(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7))
	cfg := e2eConfig(t, sim, emu)
	cfg.ActionUsers = config.List{actor}
	if err := os.WriteFile(cfg.StatePath, []byte("not a bolt file, not at all; long enough to be read as one"), 0o600); err != nil {
		t.Fatal(err)
	}
	e := startBot(t, sim, emu, cfg)
	rec := e.addInstance("e2e-no-state", scnet.StatusFailed)
	view := e.details(actor, rec.ID)
	_, m := e.clickAs(view, "act.restart", actor)
	mustContain(t, m, "cannot keep confirmations", "Nothing was sent to SCNet")
	_, c := e.commandAs(actor, "restart "+rec.Name)
	mustContain(t, c, "cannot keep confirmations")
	if n := e.actionCalls(); n != 0 {
		t.Errorf("SCNet got %d actions", n)
	}
}

// TestE2EActionFailureAndUnknownInThread: a restart SCNet refuses and one
// it does not answer are told apart to the person and in the alert's
// thread.
func TestE2EActionFailureAndUnknownInThread(t *testing.T) {
	const channel = "C0ALERTS"
	e := watchedE2E(t, channel, func(c *actions.Config) { c.Timeout = time.Second })
	rec := e.addInstance("e2e-thread-outcomes", scnet.StatusRunning)
	e.awaitFirstPoll()
	alert := e.failAndAlertIn(t, channel, rec.ID)

	e.sim.FailNextAction(scnettest.ActionRestart, 1, "10001")
	_, prompt := e.clickAs(alert, "act.restart", actor)
	_, failed := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, failed, "did not happen", "nothing was restarted")
	mustLack(t, failed, "may or may not")
	wait.Until(t, "the failure in the thread", func() bool {
		return strings.Contains(e.threadLines(channel, alert), "restart by <@"+actor+"> failed")
	})

	e.sim.HoldNextAction(scnettest.ActionRestart, 1, 5*time.Second)
	_, prompt = e.clickAs(alert, "act.restart", actor)
	_, unknown := e.clickAs(prompt, "act.confirm", actor)
	mustContain(t, unknown, "may or may not have happened")
	mustLack(t, unknown, "did not happen")
	wait.Until(t, "the unknown outcome in the thread", func() bool {
		return strings.Contains(e.threadLines(channel, alert), "it may have happened")
	})
	if n := e.sim.ActionCount(scnettest.ActionRestart); n != 2 {
		t.Errorf("SCNet got %d restarts, want 2", n)
	}
}
