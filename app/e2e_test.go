package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"scnetbot/actions"
	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/secret"
)

// e2e is the real bot, built by New and run by Run, against the SCNet simulator and
// the Slack emulator on loopback.
type e2e struct {
	t    testing.TB
	sim  *scnettest.Server
	emu  *slackemu.Server
	cfg  *config.Config
	logs *syncbuf.Buffer
	app  *App
	stop context.CancelFunc
	done chan error
}

// e2eConfig is the configuration the tests start from: the defaults
// pointed at the simulator and the emulator, a state file in a temp dir,
// the health server on a free loopback port, no watcher.
func e2eConfig(t testing.TB, sim *scnettest.Server, emu *slackemu.Server) *config.Config {
	cfg := config.Defaults()
	cfg.SlackAppToken = secret.Secret(emu.AppToken())
	cfg.SlackBotToken = secret.Secret(emu.BotToken())
	cfg.SlackAPIURL = emu.APIURL()
	cfg.SCNetBaseURL = sim.AIBaseURL()
	cfg.SCNetToken = secret.Secret(sim.Token())
	cfg.SCNetACURL = sim.ACBaseURL()
	cfg.StatePath = filepath.Join(t.TempDir(), "scnetbot.db")
	cfg.HTTPAddr = "127.0.0.1:0"
	cfg.LogLevel = "debug"
	return cfg
}

// startBot builds the bot with New, lets each tune change what New built
// (a pace a test cannot wait for), and runs it.
func startBot(t testing.TB, sim *scnettest.Server, emu *slackemu.Server, cfg *config.Config, tune ...func(*App)) *e2e {
	t.Helper()
	return startBotWith(t, sim, emu, cfg, nil, tune...)
}

// startBotWith is startBot whose actions are built with tuneActions
// applied to their settings (see build).
func startBotWith(t testing.TB, sim *scnettest.Server, emu *slackemu.Server, cfg *config.Config, tuneActions func(*actions.Config), tune ...func(*App)) *e2e {
	t.Helper()
	logs := &syncbuf.Buffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	a, err := build(cfg, logger, "dev", tuneActions)
	if err != nil {
		t.Fatalf("New: %v\nlogs:\n%s", err, logs.String())
	}
	for _, f := range tune {
		f(a)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	e := &e2e{t: t, sim: sim, emu: emu, cfg: cfg, logs: logs, app: a, stop: cancel, done: done}
	if err := emu.WaitConnected(timeout(t, 20*time.Second), 1); err != nil {
		select {
		case runErr := <-done:
			t.Fatalf("Run ended before connecting: %v\nlogs:\n%s", runErr, logs.String())
		default:
		}
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(e.shutdown)
	return e
}

// shutdown stops the bot and waits for Run to return; safe to call twice.
func (e *e2e) shutdown() {
	e.stop()
	select {
	case err, ok := <-e.done:
		if ok && err != nil {
			e.t.Errorf("Run returned %v", err)
		}
		if ok {
			close(e.done)
		}
	case <-time.After(30 * time.Second):
		e.t.Error("Run did not return after cancel")
	}
}

// newE2E starts a simulator with n instances, an emulator and the bot.
func newE2E(t testing.TB, n int, mutate func(*config.Config), simOpts ...scnettest.Option) *e2e {
	t.Helper()
	sim, emu := newSimAndEmu(t, append([]scnettest.Option{scnettest.WithInstances(n, 7)}, simOpts...)...)
	cfg := e2eConfig(t, sim, emu)
	if mutate != nil {
		mutate(cfg)
	}
	return startBot(t, sim, emu, cfg)
}

// newSimAndEmu starts an SCNet simulator and a Slack emulator for one test.
func newSimAndEmu(t testing.TB, simOpts ...scnettest.Option) (*scnettest.Server, *slackemu.Server) {
	sim := scnettest.New(simOpts...)
	t.Cleanup(sim.Close)
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	return sim, emu
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// command sends a slash command and returns its ack and first reply.
func (e *e2e) command(text string) (slackemu.Ack, slackemu.Message) {
	e.t.Helper()
	in, err := e.emu.SendSlashCommand(timeout(e.t, 10*time.Second), slackemu.SlashCommand{
		Command: "/instances", Text: text, UserID: "U0ONCALL", UserName: "oncall", ChannelID: "C0ONCALL",
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return e.awaitAck(in), e.awaitReply(in)
}

// burst sends n copies of one slash command at once, from n users, the way
// a channel full of people reacts to the same page.
func (e *e2e) burst(n int, text string) []*slackemu.Interaction {
	e.t.Helper()
	ins := make([]*slackemu.Interaction, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			in, err := e.emu.SendSlashCommand(timeout(e.t, 10*time.Second), slackemu.SlashCommand{
				Command: "/instances", Text: text, UserID: fmt.Sprintf("U%03d", i), ChannelID: "C0ONCALL",
			})
			if err != nil {
				e.t.Error(err)
				return
			}
			ins[i] = in
		})
	}
	wg.Wait()
	if e.t.Failed() {
		e.t.FailNow()
	}
	return ins
}

func (e *e2e) awaitAck(in *slackemu.Interaction) slackemu.Ack {
	e.t.Helper()
	ack, err := e.emu.WaitAck(timeout(e.t, 10*time.Second), in.EnvelopeID)
	if err != nil {
		e.t.Fatal(err)
	}
	if ack.Late || ack.Latency >= 3*time.Second {
		e.t.Errorf("ack took %s: Slack's deadline is 3s", ack.Latency)
	}
	return ack
}

func (e *e2e) awaitReply(in *slackemu.Interaction) slackemu.Message {
	e.t.Helper()
	msgs, err := e.emu.WaitResponses(timeout(e.t, 20*time.Second), in.ResponseURL, 1)
	if err != nil {
		e.t.Fatalf("no reply: %v\nlogs:\n%s", err, e.logs.String())
	}
	return msgs[0]
}

func (e *e2e) click(msg slackemu.Message, label string) slackemu.Message {
	e.t.Helper()
	in, err := e.emu.Click(timeout(e.t, 10*time.Second), msg, label, "U0ONCALL")
	if err != nil {
		e.t.Fatal(err)
	}
	e.awaitAck(in)
	return e.awaitReply(in)
}

// everything is a message's text and blocks as one string, for asserting
// what a person would see.
func everything(m slackemu.Message) string { return m.Text + "\n" + string(m.Blocks) }

func mustContain(t *testing.T, m slackemu.Message, wants ...string) {
	t.Helper()
	all := everything(m)
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("message lacks %q:\n%.1500s", w, all)
		}
	}
}

func TestE2ECommandForms(t *testing.T) {
	e := newE2E(t, 400, nil)
	rec := e.sim.Records()
	var running scnettest.Record
	for _, r := range rec {
		if r.Status == scnet.StatusRunning {
			running = r
			break
		}
	}
	word := strings.SplitN(running.Name, "-", 2)[0]
	tests := []struct {
		text  string
		wants []string
	}{
		{"", []string{"All instances", "Running", "Failed", "Page 1"}},
		{"running ssh", []string{"Running ssh instances", "found"}},
		{"SSH Failed", []string{"Failed ssh instances"}},
		{"help", []string{"/instances", "page"}},
		{running.ID, []string{running.ID, running.ResourceGroup}},
		{word, []string{word}},
		{"runing", []string{"did you mean", "running"}},
		{strings.Repeat("word ", 60), []string{"too long"}},
		{"failed page 0", []string{"page"}},
		{"watch", []string{"watcher is disabled"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			_, reply := e.command(tt.text)
			if reply.ResponseType == "in_channel" {
				t.Errorf("reply is in_channel; replies are ephemeral unless shared")
			}
			mustContain(t, reply, tt.wants...)
		})
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

func TestE2EPagingByClicking(t *testing.T) {
	e := newE2E(t, 400, nil)
	_, first := e.command("completed")
	mustContain(t, first, "Page 1 of")
	second := e.click(first, "Next ▶")
	if !second.ReplaceOriginal {
		t.Errorf("Next must replace the message, got %+v", second)
	}
	mustContain(t, second, "Page 2 of")
	back := e.click(second, "◀ Prev")
	mustContain(t, back, "Page 1 of")
	shared := e.click(back, "Share to channel")
	if shared.ResponseType != "in_channel" {
		t.Errorf("Share posted %q, want in_channel", shared.ResponseType)
	}
	details := e.click(back, "Details")
	mustContain(t, details, "Image")
}

func TestE2ESCNetTrouble(t *testing.T) {
	e := newE2E(t, 50, func(c *config.Config) { c.QueryTimeout.D = 500 * time.Millisecond; c.CacheTTL.D = time.Millisecond })
	tests := []struct {
		name  string
		setup func()
		undo  func()
		wants []string
	}{
		{"down", func() { e.sim.SetDown(true) }, func() { e.sim.SetDown(false) }, []string{"cannot reach SCNet"}},
		{"slow", func() { e.sim.SetLatency(3 * time.Second) }, func() { e.sim.SetLatency(0) }, []string{"slow"}},
		{"502 from a proxy", func() { e.sim.FailNext(100, 502) }, func() { e.sim.FailNext(0, 0) }, []string{"SCNet"}},
		{"garbage", func() { e.sim.GarbageNext(100) }, func() { e.sim.GarbageNext(0) }, []string{"SCNet"}},
		{"user frozen", func() { e.sim.FailNextCode(100, "10007") }, func() { e.sim.FailNextCode(0, "") }, []string{"frozen"}},
		{"no API access", func() { e.sim.FailNextCode(100, "10009") }, func() { e.sim.FailNextCode(0, "") }, []string{"10009"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.setup()
			defer tt.undo()
			_, reply := e.command("running")
			mustContain(t, reply, tt.wants...)
			if strings.Contains(everything(reply), "Running instances —") {
				t.Errorf("a failed query rendered as a list:\n%s", everything(reply))
			}
		})
	}
	// After all that, SCNet answers again and so does the bot.
	_, reply := e.command("running")
	mustContain(t, reply, "Running instances")
}

func TestE2EAllowedUsersAndChannels(t *testing.T) {
	e := newE2E(t, 20, func(c *config.Config) {
		c.AllowedUsers = config.List{"U0ONCALL"}
		c.AllowedChannels = config.List{"C0ONCALL"}
	})
	_, reply := e.command("running")
	mustContain(t, reply, "Running instances")
	for _, c := range []slackemu.SlashCommand{
		{Command: "/instances", Text: "running", UserID: "U0STRANGER", ChannelID: "C0ONCALL"},
		{Command: "/instances", Text: "running", UserID: "U0ONCALL", ChannelID: "C0RANDOM"},
	} {
		in, err := e.emu.SendSlashCommand(timeout(t, 10*time.Second), c)
		if err != nil {
			t.Fatal(err)
		}
		e.awaitAck(in)
		m := e.awaitReply(in)
		mustContain(t, m, "ALLOWED_")
		if strings.Contains(everything(m), "Running instances") {
			t.Errorf("%s in %s was shown instances", c.UserID, c.ChannelID)
		}
	}
}

func TestE2EExpiredToken(t *testing.T) {
	e := newE2E(t, 20, nil)
	e.sim.ExpireTokens()
	_, reply := e.command("failed")
	mustContain(t, reply, "token")
}

func TestE2EHostileNamesAreEscaped(t *testing.T) {
	e := newE2E(t, 120, nil, scnettest.WithHostileNames())
	for _, text := range []string{"", "channel", "failed", "running", "page 2", "page 3"} {
		_, reply := e.command(text)
		all := everything(reply)
		for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U"} {
			if strings.Contains(all, bad) {
				t.Errorf("/instances %s: raw %q reached Slack:\n%.800s", text, bad, all)
			}
		}
	}
	// Typed text comes escaped by Slack; the reply must echo it escaped
	// once, neither raw nor twice.
	_, reply := e.command("a&b <!here>")
	all := everything(reply)
	if strings.Contains(all, "<!here>") || strings.Contains(all, "&amp;amp;") || strings.Contains(all, "&amp;lt;") {
		t.Errorf("typed text echoed wrongly:\n%.800s", all)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

func TestE2EIdenticalCommandsCostOneRequest(t *testing.T) {
	e := newE2E(t, 200, nil)
	e.sim.SetLatency(300 * time.Millisecond)
	e.sim.ResetRequests()
	for _, in := range e.burst(50, "running ssh") {
		e.awaitAck(in)
		mustContain(t, e.awaitReply(in), "Running ssh instances")
	}
	if got := e.sim.RequestCount("/ai/openapi/v2/instance-service/task"); got != 1 {
		t.Errorf("50 identical commands made %d SCNet list requests, want 1", got)
	}
}

func TestE2EReconnects(t *testing.T) {
	e := newE2E(t, 20, nil)
	for _, reason := range []string{"refresh_requested", "warning", "link_disabled", "too_many_websockets", "abrupt close"} {
		opened := e.emu.ConnectionsOpened()
		if reason == "abrupt close" {
			e.emu.DropConnections()
		} else {
			e.emu.Disconnect(reason)
		}
		if err := e.emu.WaitConnectionsOpened(timeout(t, 10*time.Second), opened+1); err != nil {
			t.Fatalf("%s: %v", reason, err)
		}
		if err := e.emu.WaitConnected(timeout(t, 10*time.Second), 1); err != nil {
			t.Fatalf("%s: %v", reason, err)
		}
		_, reply := e.command("failed")
		mustContain(t, reply, "Failed instances")
	}
}

// TestE2ENoSecretAnywhere runs a variety of commands and failures, then
// reads every message Slack received and every log line for a token, a
// credential or the start script's content.
func TestE2ENoSecretAnywhere(t *testing.T) {
	e := newE2E(t, 200, nil)
	var withScript scnettest.Record
	for _, r := range e.sim.Records() {
		if r.StartScriptContent != "" {
			withScript = r
			break
		}
	}
	if withScript.ID == "" {
		t.Fatal("simulator seeded no start script to leak")
	}
	_, reply := e.command(withScript.Name)
	e.click(reply, "Details")
	e.command(withScript.ID)
	e.command("")
	e.sim.FailNextCode(100, "10008")
	e.command("running")
	e.sim.FailNextCode(0, "")
	e.sim.GarbageNext(10)
	e.command("failed")
	e.sim.GarbageNext(0)

	var all strings.Builder
	for _, m := range e.emu.AllMessages() {
		all.WriteString(everything(m))
	}
	all.WriteString(e.logs.String())
	secrets := map[string]string{
		"SCNet token":     e.sim.Token(),
		"Slack bot token": e.emu.BotToken(),
		"Slack app token": e.emu.AppToken(),
	}
	script := withScript.StartScriptContent
	if i := strings.Index(script, "hf_"); i >= 0 {
		secrets["start script secret"] = strings.Fields(script[i:])[0]
	}
	secrets["start script"] = strings.SplitN(script, "\n", 2)[0] + "\n"
	for what, s := range secrets {
		if s != "" && strings.Contains(all.String(), s) {
			t.Errorf("%s leaked into Slack or the logs", what)
		}
	}
}

func TestE2EHealthAndMetrics(t *testing.T) {
	e := newE2E(t, 20, nil)
	e.command("running")
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + e.app.httpAddr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	code, body := get("/readyz")
	if code != 200 {
		t.Errorf("/readyz = %d %s", code, body)
	}
	// The counters move right after the reply is posted, so give them a
	// moment rather than racing the worker.
	var metrics string
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, metrics = get("/metrics")
		if strings.Contains(metrics, `scnetbot_commands_total{kind="command",result="ok"} 1`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	for _, want := range []string{
		`scnetbot_commands_total{kind="command",result="ok"} 1`,
		`scnetbot_scnet_requests_total{endpoint="list",outcome="0"}`,
		`scnetbot_cache_lookups_total{result="miss"}`,
		"scnetbot_ack_latency_seconds_count 1",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	// Disconnected from Slack: not ready.
	e.emu.Close()
	deadline = time.Now().Add(10 * time.Second)
	for {
		code, body = get("/readyz")
		if code == http.StatusServiceUnavailable {
			var rep struct{ Problems []string }
			_ = json.Unmarshal([]byte(body), &rep)
			if len(rep.Problems) == 0 {
				t.Errorf("/readyz 503 without a reason: %s", body)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d after Slack went away", code)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// alertsAbout returns the top-level channel messages that name an instance.
func alertsAbout(emu *slackemu.Server, channel, name string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range emu.ChannelMessages(channel) {
		if (m.ThreadTS == "" || m.ThreadTS == m.TS) && strings.Contains(everything(m), name) {
			out = append(out, m)
		}
	}
	return out
}

// TestE2EWatcherAlertsOnceAcrossRestarts runs the whole bot with the
// watcher on: silent baseline, one alert for a failure, the Acknowledge
// button through Socket Mode, no repeat after a restart, and one alert for
// a failure that happened while the bot was down.
func TestE2EWatcherAlertsOnceAcrossRestarts(t *testing.T) {
	watcherAlertsOnceAcrossRestarts(t, nil)
}

// watcherAlertsOnceAcrossRestarts is the test above with store setting
// the state engine (nil: the default bbolt file).
func watcherAlertsOnceAcrossRestarts(t *testing.T, store func(*config.Config)) {
	const channel = "C0ALERTS"
	watch := func(c *config.Config) {
		c.WatchChannel = channel
		c.WatchInterval.D = 150 * time.Millisecond
		if store != nil {
			store(c)
		}
	}
	e := newE2E(t, 300, watch)
	polled := func(e *e2e) func() bool {
		return func() bool {
			h, err := e.app.group.Health(context.Background())
			return err == nil && !h.LastSuccess.IsZero()
		}
	}
	wait.Until(t, "baseline poll", polled(e))
	baseline := len(e.emu.ChannelMessages(channel))
	if baseline > 1 {
		t.Fatalf("baseline posted %d messages, want at most one summary", baseline)
	}

	var running []string
	for _, r := range e.sim.Records() {
		if r.Status == scnet.StatusRunning {
			running = append(running, r.ID)
		}
	}
	if len(running) < 2 {
		t.Fatal("simulator has too few running instances")
	}
	first, _ := e.sim.Get(running[0])
	if err := e.sim.SetStatus(first.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "alert for "+first.Name, func() bool { return len(alertsAbout(e.emu, channel, first.ID)) == 1 })
	alert := alertsAbout(e.emu, channel, first.ID)[0]
	if !strings.Contains(everything(alert), "Failed") || !strings.Contains(string(alert.Metadata), "scnetbot_alert") {
		t.Errorf("alert lacks the status or its metadata:\n%s\nmetadata %s", everything(alert), alert.Metadata)
	}

	// Acknowledge through Slack: the alert is updated in place.
	in, err := e.emu.Click(timeout(t, 10*time.Second), alert, "Acknowledge", "U0ONCALL")
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(in)
	wait.Until(t, "acknowledged alert", func() bool {
		for _, m := range alertsAbout(e.emu, channel, first.ID) {
			if strings.Contains(everything(m), "Acknowledged by") {
				return true
			}
		}
		return false
	})

	// /instances watch tells the watcher's health.
	_, health := e.command("watch")
	mustContain(t, health, "C0ALERTS")

	// Restart: nothing new, nothing repeated.
	e.shutdown()
	second, _ := e.sim.Get(running[1])
	if err := e.sim.SetStatus(second.ID, scnet.StatusTerminated); err != nil { // while the bot is down
		t.Fatal(err)
	}
	startBot(t, e.sim, e.emu, e.cfg)
	wait.Until(t, "alert for the failure during downtime", func() bool { return len(alertsAbout(e.emu, channel, second.ID)) == 1 })
	time.Sleep(5 * e.cfg.WatchInterval.D) // several more polls
	if n := len(alertsAbout(e.emu, channel, first.ID)); n != 1 {
		t.Errorf("the first failure has %d top-level alerts after a restart, want 1", n)
	}
	if n := len(alertsAbout(e.emu, channel, second.ID)); n != 1 {
		t.Errorf("the downtime failure has %d top-level alerts, want 1", n)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2ECredentialsAndDiscovery runs the bot the way SCNet recommends:
// AK/SK credentials, the region picked by SCNET_CLUSTER, the AI base URL
// discovered from the center endpoint, and a fresh login after SCNet stops
// accepting the token. The legacy login gets the same run.
func TestE2ECredentialsAndDiscovery(t *testing.T) {
	cred := scnettest.DefaultCredentials()
	for _, tt := range []struct {
		name string
		set  func(c *config.Config)
	}{
		{"ak/sk", func(c *config.Config) {
			c.SCNetAccessKey, c.SCNetSecretKey = secret.Secret(cred.AccessKey), secret.Secret(cred.SecretKey)
		}},
		{"legacy", func(c *config.Config) {
			c.SCNetPassword, c.SCNetOrgID = secret.Secret(cred.Password), cred.OrgID
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, emu := newSimAndEmu(t, scnettest.WithInstances(30, 7))
			cfg := e2eConfig(t, sim, emu)
			cfg.SCNetToken, cfg.SCNetBaseURL = "", ""
			cfg.SCNetUser, cfg.SCNetCluster = cred.User, scnettest.KunshanClusterID
			cfg.SCNetAuthURL, cfg.SCNetACURL = sim.AuthBaseURL(), sim.ACBaseURL()
			tt.set(cfg)
			e := startBot(t, sim, emu, cfg)

			_, reply := e.command("running")
			mustContain(t, reply, "Running instances")
			if sim.RequestCount("/ac/openapi/v2/center") != 1 {
				t.Errorf("center asked %d times, want once, on first use", sim.RequestCount("/ac/openapi/v2/center"))
			}

			sim.ExpireTokens()
			_, reply = e.command("failed")
			mustContain(t, reply, "Failed instances")
			if strings.Contains(e.logs.String(), cred.SecretKey) || strings.Contains(e.logs.String(), cred.Password) {
				t.Error("a credential reached the log")
			}
		})
	}
}

// TestE2ESCNetDownAtStart starts the bot while SCNet is down and no
// SCNET_BASE_URL is set: it must still connect to Slack, say SCNet is
// unreachable, and work once SCNet is back.
func TestE2ESCNetDownAtStart(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(30, 7))
	cfg := e2eConfig(t, sim, emu)
	cfg.SCNetBaseURL, cfg.SCNetACURL = "", sim.ACBaseURL()
	sim.SetDown(true)
	e := startBot(t, sim, emu, cfg)

	_, reply := e.command("running")
	mustContain(t, reply, "cannot reach SCNet")
	if strings.Contains(everything(reply), "Running instances") {
		t.Fatal("listed instances while SCNet was down")
	}
	sim.SetDown(false)
	_, reply = e.command("running")
	mustContain(t, reply, "Running instances")
}
