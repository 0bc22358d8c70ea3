package bot

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
)

// langCommands answers every command with the language of the printer it
// found in its context, and remembers it by user. "panic" panics and
// "block" waits for release, as fakeCommands' do.
type langCommands struct {
	fakeCommands
	mu    sync.Mutex
	langs map[string][]i18n.Lang // user → language of each command, in order
}

func newLangCommands() *langCommands {
	return &langCommands{fakeCommands: fakeCommands{release: make(chan struct{}), cancelled: make(chan error, 1)}, langs: map[string][]i18n.Lang{}}
}

func (c *langCommands) Command(ctx context.Context, cmd slack.SlashCommand) *slack.WebhookMessage {
	var lang i18n.Lang
	if p := i18n.FromContext(ctx, nil); p != nil {
		lang = p.Lang()
	}
	c.mu.Lock()
	c.langs[cmd.UserID] = append(c.langs[cmd.UserID], lang)
	c.mu.Unlock()
	if cmd.Text == "panic" || cmd.Text == "block" {
		return c.fakeCommands.Command(ctx, cmd)
	}
	return &slack.WebhookMessage{Text: "lang " + string(lang), ResponseType: slack.ResponseTypeEphemeral}
}

func (c *langCommands) seen(user string) []i18n.Lang {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]i18n.Lang(nil), c.langs[user]...)
}

// syncBuffer is a log destination the bot and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestCommandsAnsweredInEachUsersLanguage: a zh-CN user and an en-US user
// in the same channel each get their own language in the handler's
// context, whatever BOT_LANGUAGE says.
func TestCommandsAnsweredInEachUsersLanguage(t *testing.T) {
	for _, def := range []i18n.Lang{i18n.English, i18n.Chinese} {
		t.Run(string(def), func(t *testing.T) {
			cmds := newLangCommands()
			h := start(t, Config{Commands: cmds, Language: def})
			h.emu.SetUserLocale("U0ZH", "zh-CN")
			h.emu.SetUserLocale("U0EN", "en-US")
			if m := h.reply(t, h.command(t, "list", "U0ZH")); m.Text != "lang zh-Hans" {
				t.Errorf("zh-CN user answered %q", m.Text)
			}
			if m := h.reply(t, h.command(t, "list", "U0EN")); m.Text != "lang en" {
				t.Errorf("en-US user answered %q", m.Text)
			}
		})
	}
}

// TestLanguageRemembered: a user's second command costs Slack no second
// users.info, and a burst of first commands costs one.
func TestLanguageRemembered(t *testing.T) {
	cmds := newLangCommands()
	h := start(t, Config{Commands: cmds})
	h.emu.SetUserLocale("U0ZH", "zh-CN")
	for range 2 {
		if m := h.reply(t, h.command(t, "list", "U0ZH")); m.Text != "lang zh-Hans" {
			t.Errorf("reply %q", m.Text)
		}
	}
	if n := h.emu.UsersInfoCalls("U0ZH"); n != 1 {
		t.Errorf("users.info called %d times for two commands, want 1", n)
	}
	for result, want := range map[string]float64{"ok": 1, "hit": 1} {
		if got := testutil.ToFloat64(h.m.LocaleLookups.WithLabelValues(result)); got != want {
			t.Errorf("lookups %s = %v, want %v", result, got, want)
		}
	}

	// Ten commands at once from a user not yet known: one call.
	h.emu.SetUserLocale("U0MANY", "zh-TW")
	h.emu.PostThenHang("users.info", 1, 300*time.Millisecond) // all ten arrive while it is in flight
	var ins []*slackemu.Interaction
	for range 10 {
		ins = append(ins, h.command(t, "list", "U0MANY"))
	}
	for _, in := range ins {
		if m := h.reply(t, in); m.Text != "lang zh-Hans" {
			t.Errorf("zh-TW user answered %q", m.Text)
		}
	}
	if n := h.emu.UsersInfoCalls("U0MANY"); n != 1 {
		t.Errorf("users.info called %d times for ten commands at once, want 1", n)
	}
}

// TestLanguageFallsBackToTheDefault: without users:read, for an unknown
// user, a locale scnetbot does not speak, and a users.info that does not
// answer in time, the command runs in BOT_LANGUAGE; the ack never waits.
func TestLanguageFallsBackToTheDefault(t *testing.T) {
	var logs syncBuffer
	clock := struct {
		sync.Mutex
		t time.Time
	}{t: time.Date(2026, 3, 4, 3, 0, 0, 0, time.UTC)}
	now := func() time.Time { clock.Lock(); defer clock.Unlock(); return clock.t }
	cmds := newLangCommands()
	h := start(t, Config{
		Commands: cmds, Language: i18n.Chinese, LocaleTimeout: time.Second, now: now,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelInfo})),
	})
	h.emu.SetUserLocale("U0JA", "ja-JP")
	h.emu.SetUserNotFound("U0GONE")
	for _, user := range []string{"U0EN", "U0JA", "U0GONE"} {
		if user == "U0EN" {
			h.emu.SetMissingScope("users.info", true)
		}
		if m := h.reply(t, h.command(t, "list", user)); m.Text != "lang zh-Hans" {
			t.Errorf("%s answered %q, want the default (zh-Hans)", user, m.Text)
		}
		if user == "U0EN" {
			// Another user without the scope: the warning is not repeated.
			h.reply(t, h.command(t, "list", "U0EN2"))
			h.emu.SetMissingScope("users.info", false)
		}
	}
	if n := strings.Count(logs.String(), "lacks the users:read scope"); n != 1 {
		t.Errorf("the missing scope was logged %d times, want once:\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the missing scope was not a warning:\n%s", logs.String())
	}
	for result, want := range map[string]float64{"missing_scope": 2, "unsupported": 1, "not_found": 1} {
		if got := testutil.ToFloat64(h.m.LocaleLookups.WithLabelValues(result)); got != want {
			t.Errorf("lookups %s = %v, want %v", result, got, want)
		}
	}

	// A failure is remembered a minute, not an hour: once the scope is
	// granted the user is asked again, and answered in their language.
	h.reply(t, h.command(t, "list", "U0EN"))
	if n := h.emu.UsersInfoCalls("U0EN"); n != 1 {
		t.Errorf("users.info called %d times within the minute after a failure, want 1", n)
	}
	clock.Lock()
	clock.t = clock.t.Add(localeFailureTTL)
	clock.Unlock()
	if m := h.reply(t, h.command(t, "list", "U0EN")); m.Text != "lang en" {
		t.Errorf("after the failure expired: %q, want en", m.Text)
	}
	// An answer, even one in a language scnetbot does not speak, holds
	// for the hour.
	h.reply(t, h.command(t, "list", "U0JA"))
	if n := h.emu.UsersInfoCalls("U0JA"); n != 1 {
		t.Errorf("users.info called %d times for U0JA within the hour, want 1", n)
	}

	// Slack holds users.info: the ack goes out at once, the command runs
	// in the default language once the lookup gives up.
	h.emu.PostThenHang("users.info", 1, time.Minute)
	in := h.command(t, "list", "U0SLOW")
	ack, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID)
	if err != nil || ack.Late {
		t.Fatalf("ack %+v, %v", ack, err)
	}
	if got := cmds.seen("U0SLOW"); len(got) != 0 {
		t.Errorf("the command ran (%v) before its language lookup gave up", got)
	}
	if m := h.reply(t, in); m.Text != "lang zh-Hans" {
		t.Errorf("with users.info held: %q, want the default", m.Text)
	}
	if got := testutil.ToFloat64(h.m.LocaleLookups.WithLabelValues("error")); got != 1 {
		t.Errorf("lookups error = %v, want 1", got)
	}
}

// TestBotRepliesInTheUsersLanguage: the bot's own replies, busy and the
// apology for a crash, are in the asker's language.
func TestBotRepliesInTheUsersLanguage(t *testing.T) {
	cmds := newLangCommands()
	var logs syncBuffer
	h := start(t, Config{Commands: cmds, Workers: 1, QueueSize: 1, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	h.emu.SetUserLocale("U0ZH", "zh-CN")
	first := h.command(t, "block", "U0ZH")
	second := h.command(t, "block", "U0ZH")
	for _, in := range []*slackemu.Interaction{first, second} {
		if _, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "worker busy", func() bool { return len(cmds.seen("U0ZH")) == 1 })
	if m := h.reply(t, h.command(t, "list", "U0ZH")); !strings.Contains(m.Text, "正忙") {
		t.Errorf("busy reply %q, want Chinese", m.Text)
	}
	close(cmds.release)
	h.reply(t, first)
	h.reply(t, second)
	if m := h.reply(t, h.command(t, "panic", "U0ZH")); !strings.Contains(m.Text, "内部出错") {
		t.Errorf("apology %q, want Chinese", m.Text)
	}
}

// langTriage is a modalTriage whose modal checks read the printer the bot
// gives them.
type langTriage struct {
	*modalTriage
	langs chan i18n.Lang
}

func (l *langTriage) ValidateView(ctx context.Context, cb slack.InteractionCallback) map[string]string {
	l.langs <- i18n.FromContext(ctx, nil).Lang()
	return l.modalTriage.ValidateView(ctx, cb)
}

// TestModalChecksUseTheKnownLanguage: a submitted modal's errors go in
// its ack, before any I/O, so they are worded in the language already
// known for the user, and in the default before it is known; no
// users.info call is made for them.
func TestModalChecksUseTheKnownLanguage(t *testing.T) {
	tr := &langTriage{modalTriage: &modalTriage{fakeTriage: &fakeTriage{}}, langs: make(chan i18n.Lang, 4)}
	h := start(t, Config{Triage: tr})
	tr.api = slack.New(h.emu.BotToken(), slack.OptionAPIURL(h.emu.APIURL()))
	h.emu.SetUserLocale("U0ZH", "zh-CN")

	// A modal opened by a click: no command of the user's ran before.
	list := h.reply(t, h.command(t, "list", "U0OTHER"))
	if _, err := h.emu.ForgeClick(ctxT(t), list, "act.delete", "nonce1", "U0ZH"); err != nil {
		t.Fatal(err)
	}
	v, err := h.emu.WaitView(ctxT(t), "U0ZH")
	if err != nil {
		t.Fatal(err)
	}
	submitWrong := func() i18n.Lang {
		t.Helper()
		in, err := h.emu.SubmitView(ctxT(t), v.ID, "U0ZH", map[string]map[string]string{"name": {"typed": "wrong"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := h.emu.WaitAck(ctxT(t), in.EnvelopeID); err != nil {
			t.Fatal(err)
		}
		return <-tr.langs
	}
	// The click's worker looked the user up; forget it, as if the modal
	// had been open for hours.
	wait.Until(t, "the click's lookup", func() bool { return h.emu.UsersInfoCalls("U0ZH") == 1 })
	h.bot.langs.store.Flush()
	if lang := submitWrong(); lang != i18n.English {
		t.Errorf("errors worded in %s before the language is known, want the default (en)", lang)
	}
	if n := h.emu.UsersInfoCalls("U0ZH"); n != 1 {
		t.Errorf("the check before the ack called users.info (%d calls)", n)
	}
	h.reply(t, h.command(t, "list", "U0ZH")) // now it is known
	if lang := submitWrong(); lang != i18n.Chinese {
		t.Errorf("errors worded in %s once the language is known, want zh-Hans", lang)
	}
}

// denyingCommands refuses everyone, in the language of its context.
type denyingCommands struct{ *langCommands }

func (d denyingCommands) Denied(ctx context.Context, _, _ string) *slack.WebhookMessage {
	return &slack.WebhookMessage{Text: "denied in " + string(i18n.FromContext(ctx, nil).Lang()), ResponseType: slack.ResponseTypeEphemeral}
}

// TestAlertButtonRefusedInTheUsersLanguage: the ALLOWED_* check the bot
// makes for alert buttons is worded in the clicker's language.
func TestAlertButtonRefusedInTheUsersLanguage(t *testing.T) {
	h := start(t, Config{Commands: denyingCommands{newLangCommands()}, Alerts: fakeAlerts{}})
	h.emu.SetUserLocale("U0ZH", "zh-CN")
	msg := slackemu.Message{Channel: "C1", Blocks: []byte(`[{"type":"actions","block_id":"nav","elements":[` +
		`{"type":"button","action_id":"alert.ack","value":"a1","text":{"type":"plain_text","text":"Acknowledge"}}]}]`)}
	in, err := h.emu.ForgeClick(ctxT(t), msg, "alert.ack", "a1", "U0ZH")
	if err != nil {
		t.Fatal(err)
	}
	if m := h.reply(t, in); m.Text != "denied in zh-Hans" {
		t.Errorf("refusal %q, want it worded in zh-Hans", m.Text)
	}
}

// TestShutdownEndsALanguageLookup: a users.info Slack holds does not
// outlive Run: the shutdown deadline cancels it with the work it is for.
func TestShutdownEndsALanguageLookup(t *testing.T) {
	h := start(t, Config{LocaleTimeout: time.Hour, ShutdownTimeout: 200 * time.Millisecond})
	h.emu.PostThenHang("users.info", 1, time.Hour)
	h.command(t, "hello", "U1")
	wait.Until(t, "the lookup in flight", func() bool { return h.emu.UsersInfoCalls("U1") == 1 })
	h.stopAndCheckGoroutines(t)
	wait.Until(t, "the lookup's goroutine ended", func() bool {
		buf := make([]byte, 1<<20)
		return !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "scnetbot/bot.(*languages)")
	})
}

// TestLanguageWhenSlackLimitsUsersInfo: users.info answering 429 or 503
// does not hold a command back (slack-go does not wait out a Retry-After
// here): it is answered at once in the default language.
func TestLanguageWhenSlackLimitsUsersInfo(t *testing.T) {
	h := start(t, Config{Commands: newLangCommands(), Language: i18n.English})
	h.emu.SetUserLocale("U0ZH", "zh-CN")
	h.emu.SetUserLocale("U0ZH2", "zh-CN")
	h.emu.RateLimitNext("users.info", 1, 30*time.Second)
	if m := h.reply(t, h.command(t, "list", "U0ZH")); m.Text != "lang en" {
		t.Errorf("rate-limited lookup answered %q, want the default (en)", m.Text)
	}
	h.emu.FailNext("users.info", 1, http.StatusServiceUnavailable)
	if m := h.reply(t, h.command(t, "list", "U0ZH2")); m.Text != "lang en" {
		t.Errorf("lookup answered 503: %q, want the default (en)", m.Text)
	}
	if got := testutil.ToFloat64(h.m.LocaleLookups.WithLabelValues("error")); got != 2 {
		t.Errorf("lookups error = %v, want 2", got)
	}
}
