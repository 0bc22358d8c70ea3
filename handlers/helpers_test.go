package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/internal/golden"
	"scnetbot/regions"
	"scnetbot/scnet"
)

// testNow is the fixed clock of every rendering test.
var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

// fakeLister is an in-memory Lister that filters and pages like SCNet and
// counts calls. gate, when set, holds every call until it is closed.
type fakeLister struct {
	mu        sync.Mutex
	instances []scnet.Instance
	err       error
	gate      chan struct{}
	calls     atomic.Int64
	opts      []scnet.ListOptions
	// maxLimit, when set, caps the page size like a server with a maximum
	// of its own; ignoreStart answers every page from the first, and
	// fakeTotal replaces the total, like a broken server.
	maxLimit    int
	ignoreStart bool
	fakeTotal   int
}

func (f *fakeLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	f.calls.Add(1)
	if f.gate != nil {
		select {
		case <-f.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opts = append(f.opts, o)
	if f.err != nil {
		return nil, f.err
	}
	var match []scnet.Instance
	for _, in := range f.instances {
		if (o.Status == "" || in.Status == o.Status) && (o.TaskType == "" || in.TaskType == o.TaskType) &&
			strings.Contains(in.Name, o.Name) {
			match = append(match, in)
		}
	}
	p := &scnet.Page{Total: len(match)}
	if f.fakeTotal > 0 {
		p.Total = f.fakeTotal
	}
	if f.maxLimit > 0 {
		o.Limit = min(o.Limit, f.maxLimit)
	}
	if f.ignoreStart {
		o.Start = 0
	}
	end := min(o.Start+o.Limit, len(match))
	if o.Start < len(match) {
		p.Instances = append(p.Instances, match[o.Start:end]...)
	}
	return p, nil
}

func (f *fakeLister) Instance(ctx context.Context, id string) (*scnet.Instance, error) {
	f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return nil, f.err
	}
	for i := range f.instances {
		if f.instances[i].ID == id {
			in := f.instances[i]
			return &in, nil
		}
	}
	return nil, scnet.ErrNotFound
}

func (f *fakeLister) setErr(err error) {
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// fixtures returns n instances with varied statuses, types and resources,
// newest first, timed relative to testNow.
func fixtures(n int) []scnet.Instance {
	statuses := []scnet.Status{scnet.StatusRunning, scnet.StatusRunning, scnet.StatusFailed, scnet.StatusWaiting,
		scnet.StatusCompleted, scnet.StatusTerminated, scnet.StatusDeploying}
	types := scnet.TaskTypes()
	out := make([]scnet.Instance, n)
	for i := range out {
		st := statuses[i%len(statuses)]
		start := testNow.Add(-time.Duration(i+1) * 97 * time.Minute)
		in := scnet.Instance{
			ID:              fmt.Sprintf("%032x", i+1),
			Name:            fmt.Sprintf("train-llm-%03d", i),
			Status:          st,
			TaskType:        types[i%len(types)],
			AcceleratorType: "DCU Z100",
			GPUNumber:       scnet.FlexInt(1 + i%8),
			CPUNumber:       scnet.FlexInt(8 * (1 + i%4)),
			RAMSizeMB:       scnet.FlexInt(30720 * (1 + i%3)),
			ResourceGroup:   "kshdexclu04",
			ResourceSpec:    "6 核心; 2 加速器; 30.0G 内存",
			CreateTime:      scnet.Time{Time: start.Add(-2 * time.Minute)},
			StartTime:       scnet.Time{Time: start},
			TimeoutLimit:    "unlimited",
			RemainingTime:   "--",
			UserName:        fmt.Sprintf("user%d", i%5),
			Version:         "pytorch:2.1.0-ubuntu20.04-dtk24.04-py310",
			ImagePath:       "image.sourcefind.cn:5000/dcu/admin/base/pytorch:2.1.0",
		}
		if i%3 == 1 {
			in.Name = fmt.Sprintf("bert-finetune-%03d", i)
		}
		if st.Terminal() {
			in.EndTime = scnet.Time{Time: start.Add(45 * time.Minute)}
		}
		out[i] = in
	}
	return out
}

// newTestHandler builds a Handler on a fake lister with a fixed clock.
func newTestHandler(t testing.TB, f *fakeLister, mod func(*Config)) *Handler {
	t.Helper()
	cfg := Config{
		Location:     time.FixedZone("CST", 8*3600),
		Now:          func() time.Time { return testNow },
		QueryTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(oneRegion(f), cfg)
}

// command runs text as a slash command.
func command(h *Handler, text string) *slack.WebhookMessage {
	return h.Command(context.Background(), slack.SlashCommand{Command: "/instances", Text: text, UserID: "U0TEST", ChannelID: "C0TEST"})
}

// messageJSON writes a message as indented JSON without HTML escaping, so
// golden files show exactly the characters Slack receives after decoding.
func messageJSON(t testing.TB, m *slack.WebhookMessage) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		t.Fatalf("encode message: %v", err)
	}
	return b.Bytes()
}

// checkLimits fails the test when a message breaks any Block Kit limit.
func checkLimits(t testing.TB, m *slack.WebhookMessage) {
	t.Helper()
	if m == nil {
		t.Fatal("nil message")
		return
	}
	blocks, err := json.Marshal(m.Blocks)
	if err != nil {
		t.Fatalf("encode blocks: %v", err)
	}
	if m.Text == "" {
		t.Error("message has no fallback text")
	}
	if vs := blockkit.ValidateMessage(m.Text, blocks); len(vs) > 0 {
		t.Errorf("message breaks Block Kit limits: %s", blockkit.Join(vs))
	}
}

// golden compares a message with testdata/<name>.golden after checking its
// limits; -update rewrites the file.
func assertGolden(t *testing.T, name string, m *slack.WebhookMessage) {
	t.Helper()
	assertNoMarkup(t, m)
	got := messageJSON(t, m)
	golden.Assert(t, name+".golden", got)
}

// actionsOf returns every button of a message by action id.
func actionsOf(m *slack.WebhookMessage) map[string]*slack.ButtonBlockElement {
	out := map[string]*slack.ButtonBlockElement{}
	if m == nil || m.Blocks == nil {
		return out
	}
	for _, b := range m.Blocks.BlockSet {
		switch b := b.(type) {
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					out[btn.ActionID] = btn
				}
			}
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				out[b.Accessory.ButtonElement.ActionID] = b.Accessory.ButtonElement
			}
		}
	}
	return out
}

// click runs a button of m as a block action.
func click(h *Handler, m *slack.WebhookMessage, actionID string) (*slack.WebhookMessage, error) {
	btn, ok := actionsOf(m)[actionID]
	if !ok {
		return nil, fmt.Errorf("no button %q", actionID)
	}
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0TEST"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0TEST"}}}}
	return h.Action(context.Background(), cb, &slack.BlockAction{ActionID: btn.ActionID, Value: btn.Value}), nil
}

// listerClient is a Lister as a region's client; handlers never call All.
type listerClient struct{ Lister }

func (listerClient) All(context.Context, scnet.ListOptions) iter.Seq2[scnet.Instance, error] {
	return func(yield func(scnet.Instance, error) bool) {
		yield(scnet.Instance{}, errors.New("handlers do not use All"))
	}
}

// oneRegion is the set of one region that l answers for, as app builds it
// until every region is wired.
func oneRegion(l Lister) *regions.Set {
	return regions.Fixed(&regions.Region{ID: "default", Name: "SCNet", Client: listerClient{l}})
}

// testCache is the cache of the handler's first region.
func (h *Handler) testCache() *queryCache {
	rs, _, _ := h.cfg.Regions.Known()
	return h.states.get(rs[0]).cache
}

// en and zh are the printers of the two languages.
func en() *i18n.Printer { return i18n.MustLoad().Printer(i18n.English) }
func zh() *i18n.Printer { return i18n.MustLoad().Printer(i18n.Chinese) }

// testLang is a language a golden test renders in: the reader's printer,
// put in the request's context as the bot does, and the suffix of its
// golden files ("" for English, ".zh" for Chinese).
type testLang struct {
	suffix string
	p      *i18n.Printer
}

func testLangs() []testLang { return []testLang{{"", en()}, {".zh", zh()}} }

// ctx is a request context carrying l's printer.
func (l testLang) ctx() context.Context { return i18n.NewContext(context.Background(), l.p) }

// command runs text as a slash command of a reader of l.
func (l testLang) command(h *Handler, text string) *slack.WebhookMessage {
	return h.Command(l.ctx(), slack.SlashCommand{Command: "/instances", Text: text, UserID: "U0TEST", ChannelID: "C0TEST"})
}

// click runs a button of m as a block action of a reader of l.
func (l testLang) click(h *Handler, m *slack.WebhookMessage, actionID string) *slack.WebhookMessage {
	btn, ok := actionsOf(m)[actionID]
	if !ok {
		return &slack.WebhookMessage{Text: "no button " + actionID}
	}
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, User: slack.User{ID: "U0TEST"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0TEST"}}}}
	return h.Action(l.ctx(), cb, &slack.BlockAction{ActionID: btn.ActionID, Value: btn.Value})
}

// assertGoldenLangs renders a reply in every language and compares each
// with its golden file: testdata/<name>.golden and <name>.zh.golden, the
// same layout in two languages.
func assertGoldenLangs(t *testing.T, name string, render func(l testLang) *slack.WebhookMessage) {
	t.Helper()
	for _, l := range testLangs() {
		m := render(l)
		assertGolden(t, name+l.suffix, m)
		if l.p.Lang() == i18n.Chinese {
			assertChinese(t, name, m)
		}
	}
}

// assertChinese fails when a Chinese reply still carries one of the
// English phrases of scnetbot's own that only an untranslated message
// would.
func assertChinese(t *testing.T, name string, m *slack.WebhookMessage) {
	t.Helper()
	s := string(messageJSON(t, m))
	for _, w := range []string{" instances", "Refresh", "Details", "found", "Page ", "try again", "Try again", "as of", "times in", "snoozed"} {
		if strings.Contains(s, w) {
			t.Errorf("%s.zh: the Chinese reply says %q:\n%s", name, w, s)
		}
	}
}

// chinese is the Chinese reader of the golden twins.
func chinese() testLang { return testLangs()[1] }

// assertGoldenZh compares a Chinese reply with testdata/<name>.zh.golden,
// the twin of an English golden file.
func assertGoldenZh(t *testing.T, name string, m *slack.WebhookMessage) {
	t.Helper()
	assertGolden(t, name+".zh", m)
	assertChinese(t, name, m)
}
