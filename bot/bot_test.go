package bot

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"

	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/metrics"
)

// fakeCommands answers commands by their text, so each test can make a
// command block, panic or answer at once.
type fakeCommands struct {
	release chan struct{} // "block" commands wait for it
	// cancelled gets the ctx.Err() a "block" command saw when its context
	// ended before release.
	cancelled chan error
	calls     atomic.Int32
	denyU     string
}

func (f *fakeCommands) Command(ctx context.Context, cmd slack.SlashCommand) *slack.WebhookMessage {
	f.calls.Add(1)
	switch cmd.Text {
	case "panic":
		panic("boom")
	case "block":
		select {
		case <-f.release:
		case <-ctx.Done():
			select {
			case f.cancelled <- ctx.Err():
			default:
			}
			return &slack.WebhookMessage{Text: "cancelled"}
		}
	case "silent":
		return nil
	}
	return &slack.WebhookMessage{
		Text:         "answer to " + cmd.Text,
		ResponseType: slack.ResponseTypeEphemeral,
		Blocks: &slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "answer to "+cmd.Text, false, false), nil, nil),
			slack.NewActionBlock("nav", slack.NewButtonBlockElement("inst.next", "2", slack.NewTextBlockObject(slack.PlainTextType, "Next", false, false)),
				slack.NewButtonBlockElement("alert.ack", "a1", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false)),
				slack.NewButtonBlockElement("alert.boom", "a1", slack.NewTextBlockObject(slack.PlainTextType, "Boom", false, false)),
				slack.NewButtonBlockElement("act.restart", "nonce1", slack.NewTextBlockObject(slack.PlainTextType, "Restart", false, false))),
		}},
	}
}

func (f *fakeCommands) OwnsAction(id string) bool { return strings.HasPrefix(id, "inst.") }

func (f *fakeCommands) Action(_ context.Context, _ slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	return &slack.WebhookMessage{Text: "commands got " + a.ActionID + "=" + a.Value, ReplaceOriginal: true}
}

func (f *fakeCommands) Denied(_ context.Context, userID, _ string) *slack.WebhookMessage {
	if userID == f.denyU {
		return &slack.WebhookMessage{Text: "not allowed", ResponseType: slack.ResponseTypeEphemeral}
	}
	return nil
}

type fakeAlerts struct{}

func (fakeAlerts) OwnsAction(id string) bool { return strings.HasPrefix(id, "alert.") }
func (fakeAlerts) Action(_ context.Context, _ slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a.ActionID == "alert.boom" {
		panic("alert button exploded")
	}
	return &slack.WebhookMessage{Text: "alerts got " + a.ActionID, ReplaceOriginal: true}
}

type harness struct {
	emu  *slackemu.Server
	cmds *fakeCommands
	bot  *Bot
	m    *metrics.Metrics
	stop context.CancelFunc
	done chan error
}

func start(t *testing.T, cfg Config, emuOpts ...slackemu.Option) *harness {
	t.Helper()
	emu := slackemu.New(emuOpts...)
	t.Cleanup(emu.Close)
	cmds := &fakeCommands{release: make(chan struct{}), cancelled: make(chan error, 1), denyU: "UDENIED"}
	if cfg.Commands == nil {
		cfg.Commands = cmds
	}
	cfg.Metrics = metrics.New()
	api := slack.New(emu.BotToken(), slack.OptionAppLevelToken(emu.AppToken()), slack.OptionAPIURL(emu.APIURL()))
	b := New(api, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	h := &harness{emu: emu, cmds: cmds, bot: b, m: cfg.Metrics, stop: cancel, done: done}
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			t.Error("bot did not stop")
		}
	})
	wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer wcancel()
	if err := emu.WaitConnected(wctx, 1); err != nil {
		t.Fatal(err)
	}
	return h
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func (h *harness) command(t *testing.T, text, user string) *slackemu.Interaction {
	t.Helper()
	in, err := h.emu.SendSlashCommand(ctxT(t), slackemu.SlashCommand{Command: "/instances", Text: text, UserID: user, ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func (h *harness) reply(t *testing.T, in *slackemu.Interaction) slackemu.Message {
	t.Helper()
	msgs, err := h.emu.WaitResponses(ctxT(t), in.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	return msgs[0]
}

func TestAckComesBeforeWork(t *testing.T) {
	h := start(t, Config{})
	in := h.command(t, "block", "U1")
	ack, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Late || len(ack.Payload) != 0 && string(ack.Payload) != "null" {
		t.Errorf("ack = %+v, want an early empty ack", ack)
	}
	if got := len(h.emu.AllMessages()); got != 0 {
		t.Fatalf("a reply arrived before the work was released: %d messages", got)
	}
	close(h.cmds.release)
	if m := h.reply(t, in); m.Text != "answer to block" {
		t.Errorf("reply = %q", m.Text)
	}
}

func TestPanicInOneHandlerSparesTheOthers(t *testing.T) {
	h := start(t, Config{})
	bad := h.command(t, "panic", "U1")
	good := h.command(t, "hello", "U1")
	if m := h.reply(t, bad); !strings.Contains(m.Text, "Something went wrong inside scnetbot") {
		t.Errorf("panic reply = %q", m.Text)
	}
	if m := h.reply(t, good); m.Text != "answer to hello" {
		t.Errorf("other reply = %q", m.Text)
	}
	after := h.command(t, "again", "U1")
	if m := h.reply(t, after); m.Text != "answer to again" {
		t.Errorf("reply after panic = %q", m.Text)
	}
	if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("command", "panic")); got != 1 {
		t.Errorf("panics counted %v, want 1", got)
	}
	wait.Until(t, "replies counted", func() bool { return testutil.ToFloat64(h.m.Replies.WithLabelValues("sent")) == 3 })
}

func TestFullQueueAnswersBusy(t *testing.T) {
	h := start(t, Config{Workers: 1, QueueSize: 1})
	first := h.command(t, "block", "U1")  // taken by the only worker
	second := h.command(t, "block", "U1") // waits in the queue
	// Both must have been taken off the socket before the third arrives.
	for _, in := range []*slackemu.Interaction{first, second} {
		if _, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "worker busy", func() bool { return h.cmds.calls.Load() == 1 })
	third := h.command(t, "hello", "U1")
	if m := h.reply(t, third); !strings.Contains(m.Text, "busy") {
		t.Errorf("third reply = %q, want busy", m.Text)
	}
	close(h.cmds.release)
	h.reply(t, first)
	h.reply(t, second)
}

func TestButtonsGoToTheirOwner(t *testing.T) {
	h := start(t, Config{Alerts: fakeAlerts{}})
	// Each click gets a fresh message: a reply that replaces the original
	// takes its buttons away, as in Slack.
	click := func(label, user string) slackemu.Message {
		t.Helper()
		msg := h.reply(t, h.command(t, "list", "U1"))
		ci, err := h.emu.Click(ctxT(t), msg, label, user)
		if err != nil {
			t.Fatal(err)
		}
		return h.reply(t, ci)
	}
	if m := click("Next", "U1"); m.Text != "commands got inst.next=2" {
		t.Errorf("Next → %q", m.Text)
	}
	if m := click("Acknowledge", "U1"); m.Text != "alerts got alert.ack" {
		t.Errorf("Acknowledge → %q", m.Text)
	}
	// Alert buttons have no handler of their own to check ALLOWED_*: the
	// bot asks Commands.Denied before the watcher sees the click.
	if m := click("Acknowledge", "UDENIED"); m.Text != "not allowed" || m.ReplaceOriginal {
		t.Errorf("denied alert click → %+v: must answer beside the message, not replace it", m)
	}
	if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("alert_action", "denied")); got != 1 {
		t.Errorf("denied alert clicks counted %v, want 1", got)
	}
}

// TestAlertClickCountedByOutcome: an alert click is counted once it has
// run, by how it ended; one that panics is a panic and not also an ok.
func TestAlertClickCountedByOutcome(t *testing.T) {
	h := start(t, Config{Alerts: fakeAlerts{}})
	for _, label := range []string{"Acknowledge", "Boom"} {
		ci, err := h.emu.Click(ctxT(t), h.reply(t, h.command(t, "list", "U1")), label, "U1")
		if err != nil {
			t.Fatal(err)
		}
		h.reply(t, ci)
	}
	for result, want := range map[string]float64{"ok": 1, "panic": 1} {
		if got := testutil.ToFloat64(h.m.Commands.WithLabelValues("alert_action", result)); got != want {
			t.Errorf("alert_action %s counted %v, want %v", result, got, want)
		}
	}
}

func TestReconnectsAfterEveryDisconnect(t *testing.T) {
	h := start(t, Config{})
	for _, reason := range []string{"refresh_requested", "warning", "link_disabled", "too_many_websockets", "drop"} {
		t.Run(reason, func(t *testing.T) {
			opened := h.emu.ConnectionsOpened()
			if reason == "drop" {
				h.emu.DropConnections()
			} else {
				h.emu.Disconnect(reason)
			}
			if err := h.emu.WaitConnectionsOpened(ctxT(t), opened+1); err != nil {
				t.Fatal(err)
			}
			if err := h.emu.WaitConnected(ctxT(t), 1); err != nil {
				t.Fatal(err)
			}
			if m := h.reply(t, h.command(t, "after "+reason, "U1")); m.Text != "answer to after "+reason {
				t.Errorf("reply after %s = %q", reason, m.Text)
			}
		})
	}
	wait.Until(t, "connected flag", h.bot.Connected)
}

// Work in flight does not depend on the socket: its reply goes through
// response_url, so a dropped connection mid-command loses nothing.
func TestWorkInFlightSurvivesADroppedSocket(t *testing.T) {
	h := start(t, Config{})
	in := h.command(t, "block", "U1")
	wait.Until(t, "handler running", func() bool { return h.cmds.calls.Load() == 1 })
	opened := h.emu.ConnectionsOpened()
	h.emu.DropConnections()
	if err := h.emu.WaitConnectionsOpened(ctxT(t), opened+1); err != nil {
		t.Fatal(err)
	}
	close(h.cmds.release)
	if m := h.reply(t, in); m.Text != "answer to block" {
		t.Errorf("reply after the drop = %q", m.Text)
	}
}

func TestReconnectsWhenPingsStop(t *testing.T) {
	h := start(t, Config{PingInterval: 300 * time.Millisecond}, slackemu.WithPingInterval(50*time.Millisecond))
	opened := h.emu.ConnectionsOpened()
	h.emu.StopPings(true)
	if err := h.emu.WaitConnectionsOpened(ctxT(t), opened+1); err != nil {
		t.Fatal(err)
	}
	h.emu.StopPings(false)
	// A socket opened while pings were stopped may still time out; wait
	// until the live one answers pings again before sending work to it.
	pongs := h.emu.Pongs()
	wait.Until(t, "pongs on the new socket", func() bool { return h.emu.Pongs() >= pongs+3 })
	if m := h.reply(t, h.command(t, "alive", "U1")); m.Text != "answer to alive" {
		t.Errorf("reply = %q", m.Text)
	}
}

func TestReplyRetriedAfterServerErrors(t *testing.T) {
	h := start(t, Config{})
	h.emu.FailNext(slackemu.MethodResponseURL, 2, 503)
	if m := h.reply(t, h.command(t, "hello", "U1")); m.Text != "answer to hello" {
		t.Errorf("reply = %q", m.Text)
	}
	if n := h.emu.Calls(slackemu.MethodResponseURL); n != 3 {
		t.Errorf("response_url called %d times, want 3 (two 503s, then success)", n)
	}
}

func TestReplyRetriedAfterRateLimit(t *testing.T) {
	h := start(t, Config{})
	h.emu.RateLimitNext(slackemu.MethodResponseURL, 1, time.Millisecond)
	if m := h.reply(t, h.command(t, "hello", "U1")); m.Text != "answer to hello" {
		t.Errorf("reply = %q", m.Text)
	}
	if n := h.emu.Calls(slackemu.MethodResponseURL); n != 2 {
		t.Errorf("response_url called %d times, want 2 (a 429, then success)", n)
	}
}

// TestReplyWaitsOutRetryAfter: a 429 on response_url is retried no sooner
// than its Retry-After (the emulator sends whole seconds).
func TestReplyWaitsOutRetryAfter(t *testing.T) {
	h := start(t, Config{})
	h.emu.RateLimitNext(slackemu.MethodResponseURL, 1, time.Second)
	in := h.command(t, "hello", "U1")
	if m := h.reply(t, in); m.Text != "answer to hello" {
		t.Errorf("reply = %q", m.Text)
	}
	if waited := time.Since(in.SentAt); waited < time.Second {
		t.Errorf("reply arrived %s after the command, before Retry-After (1s) had passed", waited)
	}
	if got := testutil.ToFloat64(h.m.SlackRetries.WithLabelValues("response_url", "rate_limited")); got != 1 {
		t.Errorf("rate-limited retries counted %v, want 1", got)
	}
}

// TestReplyGivesUpOnALongRetryAfter: a reply Slack will take only minutes
// from now has lost its reader; it is dropped, not retried early.
func TestReplyGivesUpOnALongRetryAfter(t *testing.T) {
	h := start(t, Config{})
	h.emu.RateLimitNext(slackemu.MethodResponseURL, 1, 10*time.Minute)
	in := h.command(t, "hello", "U1")
	wait.Until(t, "the reply given up", func() bool { return testutil.ToFloat64(h.m.Replies.WithLabelValues("failed")) == 1 })
	if n := h.emu.Calls(slackemu.MethodResponseURL); n != 1 {
		t.Errorf("response_url called %d times, want 1: Retry-After asked for 10 minutes", n)
	}
	if n := h.emu.ResponseURLUses(in.ResponseURL); n != 0 {
		t.Errorf("reply posted %d times", n)
	}
}

// TestReplyRetriesCountOnlyRetries: three failed posts are two retries;
// nothing is waited for or counted after the last one.
func TestReplyRetriesCountOnlyRetries(t *testing.T) {
	h := start(t, Config{})
	h.emu.FailNext(slackemu.MethodResponseURL, 3, 503)
	h.command(t, "hello", "U1")
	wait.Until(t, "the reply given up", func() bool { return testutil.ToFloat64(h.m.Replies.WithLabelValues("failed")) == 1 })
	if n := h.emu.Calls(slackemu.MethodResponseURL); n != 3 {
		t.Errorf("response_url called %d times, want 3", n)
	}
	if got := testutil.ToFloat64(h.m.SlackRetries.WithLabelValues("response_url", "server_error")); got != 2 {
		t.Errorf("retries counted %v, want 2 (three attempts)", got)
	}
}

func TestReplyNotRetriedAfterClientError(t *testing.T) {
	h := start(t, Config{})
	h.emu.FailNext(slackemu.MethodResponseURL, 1, 404)
	in := h.command(t, "hello", "U1")
	wait.Until(t, "the refused reply", func() bool { return h.emu.Calls(slackemu.MethodResponseURL) >= 1 })
	h.reply(t, h.command(t, "next", "U1")) // the bot is still serving
	if n := h.emu.ResponseURLUses(in.ResponseURL); n != 0 {
		t.Errorf("a reply refused with 404 was retried and posted %d times", n)
	}
	if n := h.emu.Calls(slackemu.MethodResponseURL); n != 2 {
		t.Errorf("response_url called %d times, want 2 (one refused, one for the next command)", n)
	}
}

func TestShutdownFinishesWorkInFlight(t *testing.T) {
	h := start(t, Config{ShutdownTimeout: 5 * time.Second})
	in := h.command(t, "block", "U1")
	if _, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "handler running", func() bool { return h.cmds.calls.Load() == 1 })
	h.stop()
	time.AfterFunc(100*time.Millisecond, func() { close(h.cmds.release) })
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	h.done <- nil // for the cleanup
	if m := h.reply(t, in); m.Text != "answer to block" {
		t.Errorf("reply = %q: work in flight must finish on shutdown", m.Text)
	}
}

func TestShutdownDeadlineCancelsStuckWork(t *testing.T) {
	h := start(t, Config{ShutdownTimeout: 200 * time.Millisecond})
	in := h.command(t, "block", "U1")
	wait.Until(t, "handler running", func() bool { return h.cmds.calls.Load() == 1 })
	h.stop()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the shutdown deadline")
	}
	h.done <- nil
	// Run waits for its workers, so by now the stuck handler has seen its
	// context end, or it never will.
	select {
	case err := <-h.cmds.cancelled:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("the stuck handler saw ctx.Err() = %v, want context.Canceled", err)
		}
	default:
		t.Error("Run returned, but the stuck handler never saw its context cancelled")
	}
	_ = in
}

func TestWrongTokensStopTheBot(t *testing.T) {
	emu := slackemu.New()
	defer emu.Close()
	api := slack.New(emu.BotToken(), slack.OptionAppLevelToken("xapp-wrong"), slack.OptionAPIURL(emu.APIURL()))
	b := New(api, Config{Commands: &fakeCommands{}})
	err := b.Run(ctxT(t))
	if err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Fatalf("Run = %v, want an error naming SLACK_APP_TOKEN", err)
	}
}

func TestNoReplyWhenHandlerHasNothingToSay(t *testing.T) {
	h := start(t, Config{})
	silent := h.command(t, "silent", "U1")
	loud := h.command(t, "loud", "U1")
	h.reply(t, loud)
	if n := h.emu.ResponseURLUses(silent.ResponseURL); n != 0 {
		t.Errorf("silent command posted %d replies", n)
	}
}

func TestAckLatencyRecorded(t *testing.T) {
	h := start(t, Config{})
	h.reply(t, h.command(t, "hello", "U1"))
	var out strings.Builder
	mfs, err := h.m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "scnetbot_ack_latency_seconds" {
			if c := mf.GetMetric()[0].GetHistogram().GetSampleCount(); c != 1 {
				t.Errorf("ack latency samples = %d, want 1", c)
			}
			return
		}
		_ = json.NewEncoder(&out).Encode(mf.GetName())
	}
	t.Errorf("no ack latency metric among %s", out.String())
}

// botGoroutines lists the stacks of live goroutines that run the bot's own
// code.
func botGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "scnetbot/bot.(*Bot).") {
			out = append(out, g)
		}
	}
	return out
}

// TestRunLeavesNoGoroutines: when Run returns, every goroutine the bot
// started has ended, the socket's and a "busy" reply's included, and once
// the emulator is gone too the process has no more goroutines than before.
func TestRunLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	h := start(t, Config{Workers: 1, QueueSize: 1, ShutdownTimeout: 200 * time.Millisecond, ResponseTimeout: time.Minute})
	// The busy reply lands but its answer hangs, so only the shutdown
	// deadline ends it.
	h.emu.PostThenHang(slackemu.MethodResponseURL, 1, time.Minute)
	for _, text := range []string{"block", "block"} {
		if _, err := h.emu.WaitAck(ctxT(t), h.command(t, text, "U1").EnvelopeID); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "worker busy", func() bool { return h.cmds.calls.Load() == 1 })
	if m := h.reply(t, h.command(t, "hello", "U1")); !strings.Contains(m.Text, "busy") {
		t.Fatalf("third reply = %q, want busy", m.Text)
	}
	h.stopAndCheckGoroutines(t)
	h.emu.Close()
	// slack-go and net/http end their own goroutines once the sockets close,
	// a moment later.
	deadline := time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after Run and the emulator ended, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// TestRunWaitsForTheSocket: with no work in flight Run returns at once, and
// still only after the socket's goroutine has ended.
func TestRunWaitsForTheSocket(t *testing.T) {
	h := start(t, Config{})
	h.reply(t, h.command(t, "hello", "U1"))
	h.stopAndCheckGoroutines(t)
}

// TestRedeliveredEnvelopeRunsOnce: Slack sends an envelope again, same id,
// when it thinks the ack was late. The copy is acked and not run: a second
// run would post a shared answer to the channel twice.
func TestRedeliveredEnvelopeRunsOnce(t *testing.T) {
	h := start(t, Config{Workers: 1}) // one worker: jobs run in arrival order
	list := h.reply(t, h.command(t, "list", "U1"))
	click, err := h.emu.Click(ctxT(t), list, "Next", "U1")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range []*slackemu.Interaction{h.command(t, "share", "U1"), click} {
		h.reply(t, in)
		if err := h.emu.Redeliver(ctxT(t), in.EnvelopeID, "timeout"); err != nil {
			t.Fatal(err)
		}
		wait.Until(t, "the redelivery acked", func() bool {
			n := 0
			for _, a := range h.emu.Acks() {
				if a.EnvelopeID == in.EnvelopeID {
					n++
				}
			}
			return n == 2
		})
		// Had the copy been queued, it would run before this one.
		h.reply(t, h.command(t, "after", "U1"))
		if n := h.emu.ResponseURLUses(in.ResponseURL); n != 1 {
			t.Errorf("envelope %s answered %d times, want once", in.EnvelopeID, n)
		}
	}
	if n := h.cmds.calls.Load(); n != 4 {
		t.Errorf("commands run %d times, want 4 (list, share, after, after)", n)
	}
}

// stopAndCheckGoroutines stops the bot, waits for Run, and fails the test
// if any goroutine running the bot's code outlived it.
func (h *harness) stopAndCheckGoroutines(t *testing.T) {
	t.Helper()
	h.stop()
	if err := <-h.done; err != nil {
		t.Errorf("Run = %v", err)
	}
	h.done <- nil // for the cleanup
	if gs := botGoroutines(); len(gs) > 0 {
		t.Errorf("%d goroutines of the bot outlived Run:\n%s", len(gs), strings.Join(gs, "\n\n"))
	}
}
