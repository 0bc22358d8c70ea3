package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"iter"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/internal/syncbuf"
	"scnetbot/metrics"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// fakeRegion is one region's SCNet: its instances, and a count of every
// call, reads and actions apart.
type fakeRegion struct {
	mu        sync.Mutex
	instances map[string]scnet.Instance
	lookupErr error
	listErr   error
	opErr     error
	// release, when set, holds every action until it is closed; entered
	// gets one value per action that reached the fake.
	release chan struct{}
	entered chan struct{}

	lookups, lists int
	ops            []string // "restart id"
}

func newFakeRegion(ins ...scnet.Instance) *fakeRegion {
	f := &fakeRegion{instances: map[string]scnet.Instance{}}
	for _, in := range ins {
		f.instances[in.ID] = in
	}
	return f
}

func (f *fakeRegion) Instance(ctx context.Context, id string) (*scnet.Instance, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lookups++
	if f.lookupErr != nil {
		return nil, f.lookupErr
	}
	in, ok := f.instances[id]
	if !ok {
		return nil, scnet.ErrNotFound
	}
	return &in, nil
}

func (f *fakeRegion) ListInstances(ctx context.Context, opts scnet.ListOptions) (*scnet.Page, error) {
	var p scnet.Page
	for in, err := range f.All(ctx, opts) {
		if err != nil {
			return nil, err
		}
		p.Instances = append(p.Instances, in)
	}
	p.Total = len(p.Instances)
	return &p, nil
}

// All filters by name the way SCNet's loose filter might: by substring.
func (f *fakeRegion) All(ctx context.Context, opts scnet.ListOptions) iter.Seq2[scnet.Instance, error] {
	f.mu.Lock()
	f.lists++
	err := f.listErr
	var ins []scnet.Instance
	for _, in := range f.instances {
		if strings.Contains(in.Name, opts.Name) {
			ins = append(ins, in)
		}
	}
	f.mu.Unlock()
	return func(yield func(scnet.Instance, error) bool) {
		if err != nil {
			yield(scnet.Instance{}, err)
			return
		}
		for _, in := range ins {
			if !yield(in, nil) {
				return
			}
		}
	}
}

func (f *fakeRegion) op(ctx context.Context, kind, id string) error {
	f.mu.Lock()
	f.ops = append(f.ops, kind+" "+id)
	release, entered, err := f.release, f.entered, f.opErr
	f.mu.Unlock()
	if entered != nil {
		entered <- struct{}{}
	}
	if release != nil {
		<-release
	}
	return err
}

func (f *fakeRegion) Restart(ctx context.Context, id string) error { return f.op(ctx, "restart", id) }
func (f *fakeRegion) Stop(ctx context.Context, id string) error    { return f.op(ctx, "stop", id) }
func (f *fakeRegion) Delete(ctx context.Context, id string) error  { return f.op(ctx, "delete", id) }
func (f *fakeRegion) AccessURL(ctx context.Context, id string) (string, error) {
	return "", errors.New("not used")
}

// calls is every call SCNet received in this region.
func (f *fakeRegion) calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.lookups + f.lists + len(f.ops)
}

func (f *fakeRegion) opList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.ops...)
}

// fakeGroups is usergroups.users.list.
type fakeGroups struct {
	mu      sync.Mutex
	members []string
	err     error
	calls   int
	// release, when set, holds every call until closed.
	release chan struct{}
}

func (g *fakeGroups) GetUserGroupMembersContext(ctx context.Context, group string, _ ...slack.GetUserGroupMembersOption) ([]string, error) {
	g.mu.Lock()
	g.calls++
	release := g.release
	g.mu.Unlock()
	if release != nil {
		<-release
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.members, g.err
}

func (g *fakeGroups) count() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// fakeViews is views.open.
type fakeViews struct {
	mu       sync.Mutex
	opened   []slack.ModalViewRequest
	triggers []string
	err      error
}

func (v *fakeViews) OpenViewContext(ctx context.Context, trigger string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.triggers = append(v.triggers, trigger)
	if v.err != nil {
		return nil, v.err
	}
	v.opened = append(v.opened, view)
	return &slack.ViewResponse{}, nil
}

// fakeRecorder is the watcher.
type fakeRecorder struct {
	mu   sync.Mutex
	recs []tracked.ActionRecord
}

func (r *fakeRecorder) RecordAction(ctx context.Context, rec tracked.ActionRecord) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recs = append(r.recs, rec)
	return true, nil
}

func (r *fakeRecorder) outcomes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, x := range r.recs {
		out = append(out, string(x.Kind)+" "+string(x.Outcome))
	}
	return out
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 12, 2, 3, 12, 0, 0, time.UTC)

const (
	idFailed  = "0123456789abcdef0123456789abcd01"
	idRunning = "0123456789abcdef0123456789abcd02"
	idOther   = "0123456789abcdef0123456789abcd03"
	idTwin    = "0123456789abcdef0123456789abcd04"
	alice     = "UALICE"
	bob       = "UBOB"
	carol     = "UCAROL"
	group     = "SONCALL"
)

// The printers of the two languages.
var (
	en = i18n.MustLoad().Printer(i18n.English)
	zh = i18n.MustLoad().Printer(i18n.Chinese)
)

// env is a Service over two fake regions and a real store.
type env struct {
	s      *Service
	st     *state.Bolt
	r1, r2 *fakeRegion
	groups *fakeGroups
	views  *fakeViews
	rec    *fakeRecorder
	clock  *clock
	m      *metrics.Metrics
	logs   *syncbuf.Buffer
	// ctx is the context of every click and command: the bot's, with the
	// clicking person's printer when a test sets one (speak).
	ctx context.Context
}

// speak makes e's clicks and commands come from a person who reads p.
func (e *env) speak(p *i18n.Printer) *env {
	e.ctx = i18n.NewContext(context.Background(), p)
	return e
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	st, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	e := &env{
		st: st,
		r1: newFakeRegion(
			scnet.Instance{ID: idFailed, Name: "train-<!channel>", Status: scnet.StatusFailed},
			scnet.Instance{ID: idRunning, Name: "serve", Status: scnet.StatusRunning},
			scnet.Instance{ID: idTwin, Name: "twin", Status: scnet.StatusFailed},
		),
		r2: newFakeRegion(
			scnet.Instance{ID: idOther, Name: "eval", Status: scnet.StatusTerminated},
			scnet.Instance{ID: "0123456789abcdef0123456789abcd05", Name: "twin", Status: scnet.StatusRunning},
		),
		groups: &fakeGroups{members: []string{carol}},
		views:  &fakeViews{},
		rec:    &fakeRecorder{},
		clock:  &clock{t: t0},
		m:      metrics.New(),
		logs:   &syncbuf.Buffer{},
		ctx:    context.Background(),
	}
	cfg := Config{
		Users:     []string{alice},
		UserGroup: group,
		Groups:    e.groups,
		Views:     e.views,
		Regions: regions.Fixed(
			&regions.Region{ID: "r1", Name: "西北一区", Client: e.r1, Operator: e.r1},
			&regions.Region{ID: "r2", Name: "华东一区", Client: e.r2, Operator: e.r2},
		),
		Store:    st,
		Recorder: e.rec,
		Location: time.FixedZone("CST", 8*3600),
		Now:      e.clock.Now,
		Logger:   slog.New(slog.NewJSONHandler(e.logs, nil)),
		Metrics:  e.m,
	}
	for _, f := range mod {
		f(&cfg)
	}
	e.s = New(cfg)
	return e
}

// scnetCalls is every call both regions received.
func (e *env) scnetCalls() int { return e.r1.calls() + e.r2.calls() }

func (e *env) ops() []string { return append(e.r1.opList(), e.r2.opList()...) }

func (e *env) metric(action, outcome string) float64 {
	return testutil.ToFloat64(e.m.Actions.WithLabelValues(action, outcome))
}

// click sends one button click as user.
func (e *env) click(t *testing.T, user, actionID, value string) *slack.WebhookMessage {
	t.Helper()
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: user}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "CALERTS"}}},
		ResponseURL: "https://hooks.slack.test/click", TriggerID: "trigger-1"}
	msg := e.s.Action(e.ctx, cb, &slack.BlockAction{ActionID: actionID, Value: value})
	valid(t, msg)
	return msg
}

// command runs /instances <kind> <target> as user.
func (e *env) command(t *testing.T, user string, k tracked.ActionKind, target string) *slack.WebhookMessage {
	t.Helper()
	msg := e.s.Command(e.ctx, k, target, slack.SlashCommand{UserID: user, ChannelID: "CALERTS",
		ResponseURL: "https://hooks.slack.test/command", TriggerID: "trigger-cmd"})
	if msg == nil {
		t.Fatal("Command returned nil")
	}
	valid(t, msg)
	return msg
}

// action reads a confirmation from the store.
func (e *env) action(t *testing.T, nonce string) state.Action {
	t.Helper()
	var a state.Action
	var found bool
	if err := e.st.View(context.Background(), func(tx state.Tx) (err error) {
		a, found, err = tx.Action(nonce)
		return err
	}); err != nil || !found {
		t.Fatalf("action %s: %v, found %v", nonce, err, found)
	}
	return a
}

// target is the value of an action button for an instance of r1.
func target(region, id string) string { return targetValue{R: region, I: id}.encode() }

// valid fails the test when msg breaks a Block Kit limit.
func valid(t *testing.T, msg *slack.WebhookMessage) {
	t.Helper()
	if msg == nil {
		return
	}
	var blocks json.RawMessage
	if msg.Blocks != nil {
		b, err := json.Marshal(msg.Blocks)
		if err != nil {
			t.Fatal(err)
		}
		blocks = b
	}
	if vs := blockkit.ValidateMessage(msg.Text, blocks); len(vs) > 0 {
		t.Errorf("message breaks Block Kit limits: %s", blockkit.Join(vs))
	}
}

// elements finds every object with the action id in msg's blocks.
func elements(t *testing.T, msg *slack.WebhookMessage, actionID string) []map[string]any {
	t.Helper()
	if msg == nil || msg.Blocks == nil {
		return nil
	}
	raw, _ := json.Marshal(msg.Blocks)
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if x["action_id"] == actionID {
				out = append(out, x)
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
	walk(doc)
	return out
}

// nonceOf is the nonce the prompt's confirm button carries.
func nonceOf(t *testing.T, msg *slack.WebhookMessage) string {
	t.Helper()
	els := elements(t, msg, actionConfirm)
	if len(els) != 1 {
		t.Fatalf("prompt has %d confirm buttons, want 1: %+v", len(els), msg)
	}
	v, _ := els[0]["value"].(string)
	if !validNonce(v) {
		t.Fatalf("confirm button carries %q, not a nonce", v)
	}
	return v
}

// text is everything a person reads in msg.
func text(msg *slack.WebhookMessage) string {
	if msg == nil {
		return ""
	}
	raw, _ := json.Marshal(msg.Blocks)
	return msg.Text + "\n" + string(raw)
}

// logLines are the audit lines written so far.
func (e *env) auditLines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range bytes.Split([]byte(e.logs.String()), []byte("\n")) {
		if len(l) == 0 {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal(l, &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		if m["msg"] == "instance action" {
			out = append(out, m)
		}
	}
	return out
}

// regionsFixedReadOnly is one region scnetbot can read but not act in.
func regionsFixedReadOnly(f *fakeRegion) *regions.Set {
	return regions.Fixed(&regions.Region{ID: "r1", Name: "西北一区", Client: f})
}
