package watcher_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/alerts"
	"scnetbot/blockkit"
	"scnetbot/internal/slackemu"
	"scnetbot/outbox"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/tracked"
	"scnetbot/watcher"
)

const channel = "C0ALERTS"

// clock is a shared, movable clock for the simulator and the watcher. It
// starts at the real time so Slack timestamps and history windows line up.
type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
}

// env is one watcher wired to a simulated SCNet, a bbolt file and an
// emulated Slack, the way main wires them.
type env struct {
	t      testing.TB
	ctx    context.Context
	clock  *clock
	sim    *scnettest.Server
	emu    *slackemu.Server
	client *scnet.Client
	api    *slack.Client
	path   string
	st     *state.Bolt
	w      *watcher.Watcher
	// a answers alert buttons of w's messages, rendered by render.
	a      *alerts.Buttons
	render *alerts.Renderer
	ui     alerts.Config
	d      *outbox.Deliverer
	cfg    watcher.Config
	// rewrite, when set by withRewrite, edits every listing SCNet answers
	// before the client reads it.
	rewrite *rewriter
	// scnetBehind is how far SCNet's clock runs behind the watcher's.
	scnetBehind time.Duration
	simOpts     []scnettest.Option
}

type envOption func(*env)

func withConfig(f func(*watcher.Config)) envOption { return func(e *env) { f(&e.cfg) } }

// withMention sets the mention the alert UI puts on top-level alerts.
func withMention(m string) envOption { return func(e *env) { e.ui.Mention = m } }

func newEnv(t *testing.T, n int, opts ...envOption) *env {
	t.Helper()
	return newEnvTB(t, n, opts...)
}

func newEnvTB(t testing.TB, n int, opts ...envOption) *env {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	t.Cleanup(cancel)
	e := &env{t: t, ctx: ctx, clock: &clock{}, path: filepath.Join(t.TempDir(), "state.db")}
	e.cfg = watcher.Config{Channel: channel, Interval: time.Minute, Now: e.clock.Now, OutageAfter: 5 * time.Minute,
		Logger: quiet()}
	e.ui = alerts.Config{Now: e.clock.Now, Logger: quiet()}
	for _, o := range opts {
		o(e)
	}
	e.render = alerts.NewRenderer(e.ui)
	e.cfg.Render = e.render
	simNow := func() time.Time { return e.clock.Now().Add(-e.scnetBehind) }
	e.sim = scnettest.New(append([]scnettest.Option{scnettest.WithInstances(n, 7), scnettest.WithClock(simNow)}, e.simOpts...)...)
	t.Cleanup(e.sim.Close)
	e.emu = slackemu.New()
	t.Cleanup(e.emu.Close)
	c, err := scnet.New(e.sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(e.sim.Token())),
		scnet.WithRetry(1, time.Millisecond), scnet.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	e.client = c
	e.api = slack.New(e.emu.BotToken(), slack.OptionAPIURL(e.emu.APIURL()))
	if e.rewrite != nil {
		e.client = e.rewrite.install(t, e.sim)
	}
	e.open()
	return e
}

// withSim passes options to the simulator.
func withSim(opts ...scnettest.Option) envOption {
	return func(e *env) { e.simOpts = append(e.simOpts, opts...) }
}

// withSCNetBehind makes SCNet's clock run d behind the watcher's.
func withSCNetBehind(d time.Duration) envOption { return func(e *env) { e.scnetBehind = d } }

// withRewrite puts a proxy between the client and the simulator that lets a
// test edit listing records on the wire (set "id" to null, drop times),
// which the simulator itself never sends. Edit with e.rewrite.set.
func withRewrite() envOption { return func(e *env) { e.rewrite = &rewriter{} } }

// rewriter edits the data records of listing answers.
type rewriter struct {
	mu sync.Mutex
	fn func(rec map[string]any)
}

// set makes fn edit every record of every later listing; nil stops editing.
func (r *rewriter) set(fn func(rec map[string]any)) {
	r.mu.Lock()
	r.fn = fn
	r.mu.Unlock()
}

func (r *rewriter) edit(body []byte) ([]byte, error) {
	r.mu.Lock()
	fn := r.fn
	r.mu.Unlock()
	if fn == nil {
		return body, nil
	}
	var env map[string]any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&env); err != nil {
		return body, nil // not JSON: pass it on as it is
	}
	data, ok := env["data"].([]any)
	if !ok {
		return body, nil // a detail or an error, not a listing
	}
	for _, item := range data {
		if rec, ok := item.(map[string]any); ok {
			fn(rec)
		}
	}
	return json.Marshal(env)
}

// install starts the proxy and returns a client that goes through it.
func (r *rewriter) install(t testing.TB, sim *scnettest.Server) *scnet.Client {
	t.Helper()
	target, err := url.Parse(sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		if body, err = r.edit(body); err != nil {
			return err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		resp.Header.Del("Content-Encoding")
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	c, err := scnet.New(srv.URL+"/ai", scnet.WithTokenSource(scnet.StaticToken(sim.Token())),
		scnet.WithRetry(1, time.Millisecond), scnet.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// open (re)opens the store and builds a fresh watcher and deliverer on it,
// as a restarted process would.
func (e *env) open() {
	e.t.Helper()
	st, err := state.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.t.Cleanup(func() { _ = st.Close() })
	e.d = outbox.New(e.api, st, outbox.Config{PerChannelInterval: time.Millisecond,
		SendTimeout: 300 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		HistoryLag: time.Millisecond,
		Logger:     quiet()})
	cfg := e.cfg
	cfg.Notify = e.d.Kick
	e.w = watcher.New(e.client, st, cfg)
	e.a = alerts.NewButtons(e.w, e.render)
}

// restart closes the store without delivering anything (a crash, as far as
// the store can tell) and opens everything again.
func (e *env) restart() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// useLister rebuilds the watcher over l (the real client with a twist).
func (e *env) useLister(l watcher.Lister) {
	cfg := e.cfg
	cfg.Notify = e.d.Kick
	e.w = watcher.New(l, e.st, cfg)
	e.a = alerts.NewButtons(e.w, e.render)
}

// alerted adds a running instance, takes the baseline, fails the instance
// and delivers its alert.
func (e *env) alerted(name string) scnettest.Record {
	e.t.Helper()
	r := e.add(scnettest.Record{Name: name, Status: scnet.StatusRunning})
	e.poll()
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	return r
}

func (e *env) poll() {
	e.t.Helper()
	if err := e.w.Poll(e.ctx); err != nil {
		e.t.Fatalf("poll: %v", err)
	}
}

// pollFail runs a poll that must fail.
func (e *env) pollFail() {
	e.t.Helper()
	if err := e.w.Poll(e.ctx); err == nil {
		e.t.Fatal("poll succeeded, want an error")
	}
}

// step advances the clock by one interval and polls.
func (e *env) step() {
	e.t.Helper()
	e.clock.Advance(e.cfg.Interval)
	e.poll()
}

func (e *env) drain() {
	e.t.Helper()
	if err := e.d.Drain(e.ctx); err != nil {
		e.t.Fatalf("drain: %v", err)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		e.t.Fatalf("Block Kit violations: %v", v)
	}
}

// messages returns the channel's messages: top-level and replies.
func (e *env) messages() (top, replies []slackemu.Message) {
	for _, m := range e.emu.ChannelMessages(channel) {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			replies = append(replies, m)
		} else {
			top = append(top, m)
		}
	}
	return top, replies
}

// alerts returns top-level instance alerts (not baseline, storm or notices).
func (e *env) alerts() []slackemu.Message {
	top, _ := e.messages()
	var out []slackemu.Message
	for _, m := range top {
		if strings.Contains(string(m.Blocks), `"alert.details"`) {
			out = append(out, m)
		}
	}
	return out
}

func (e *env) add(r scnettest.Record) scnettest.Record {
	e.t.Helper()
	return e.sim.Add(r)
}

func (e *env) setStatus(id string, s scnet.Status) {
	e.t.Helper()
	if err := e.sim.SetStatus(id, s); err != nil {
		e.t.Fatal(err)
	}
}

// liveRecords returns simulator records in a live status.
func (e *env) liveRecords() []scnettest.Record {
	var out []scnettest.Record
	for _, r := range e.sim.Records() {
		if r.Status.Live() {
			out = append(out, r)
		}
	}
	return out
}

func countContaining(ms []slackemu.Message, s string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Text, s) || strings.Contains(blocksOf(m), s) {
			n++
		}
	}
	return n
}

// blocksOf returns a message's blocks as JSON with <, > and & readable.
func blocksOf(m slackemu.Message) string { return unescapeJSON(string(m.Blocks)) }

func unescapeJSON(s string) string {
	return strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(s)
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// health returns the watcher's Health, failing the test when it cannot.
func (e *env) health() tracked.Health {
	e.t.Helper()
	h, err := e.w.Health(e.ctx)
	if err != nil {
		e.t.Fatalf("health: %v", err)
	}
	return h
}

// mrkdwnTexts lists every mrkdwn text of a message's blocks.
func mrkdwnTexts(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	texts, err := blockkit.MrkdwnTexts(blocks)
	if err != nil {
		t.Fatal(err)
	}
	return texts
}
