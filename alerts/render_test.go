package alerts

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/internal/golden"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/watcher"
)

var (
	goldenNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	shanghai  = time.FixedZone("CST", 8*3600)
)

// The printers of the two languages; the catalogs never change, so tests
// may share them.
var (
	english = i18n.MustLoad().Printer(i18n.English)
	chinese = i18n.MustLoad().Printer(i18n.Chinese)
)

// printers are the languages every golden test renders in.
func printers() []*i18n.Printer { return []*i18n.Printer{english, chinese} }

func goldenWatcher() *Renderer { return goldenWatcherIn(english) }

// goldenWatcherIn is the golden renderer writing the channel messages with p.
func goldenWatcherIn(p *i18n.Printer) *Renderer {
	return NewRenderer(Config{Mention: "<!subteam^S0123>", Location: shanghai, Printer: p,
		Now: func() time.Time { return goldenNow }})
}

// goldenName is the golden file of name in p's language: name for
// English, name.zh for Chinese.
func goldenName(name string, p *i18n.Printer) string {
	if p.Lang() == i18n.Chinese {
		return name + ".zh"
	}
	return name
}

// inEach runs f as a subtest for each language.
func inEach(t *testing.T, f func(t *testing.T, p *i18n.Printer)) {
	for _, p := range printers() {
		t.Run(string(p.Lang()), func(t *testing.T) { f(t, p) })
	}
}

func hostileInstance() scnet.Instance {
	in := scnet.Instance{
		ID: "a1b2c3", Name: "<!channel> *train* & `eval`", Status: scnet.StatusFailed, TaskType: scnet.TaskJupyter,
		AcceleratorType: "DCU-Z100", GPUNumber: 2, ResourceGroup: "kshdtest<>", ResourceSpec: "6 核心; 2 加速器; 30.0G 内存",
		UserName: "alice<@U999>", Version: "pytorch:2.1", ImagePath: "image.scnet/pytorch:2.1-" + strings.Repeat("x", 300),
		Duration: "1小时2分",
	}
	in.StartTime.Time = goldenNow.Add(-62 * time.Minute)
	in.EndTime.Time = goldenNow
	return in
}

// golden compares a rendered message with testdata/name.golden.
func assertGolden(t *testing.T, name, text string, blocks json.RawMessage) {
	t.Helper()
	if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
		t.Errorf("%s breaks Block Kit rules: %v", name, vs)
	}
	var pretty bytes.Buffer
	enc := json.NewEncoder(&pretty)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	var b any
	if err := json.Unmarshal(blocks, &b); err != nil {
		t.Fatal(err)
	}
	if err := enc.Encode(map[string]any{"text": text, "blocks": b}); err != nil {
		t.Fatal(err)
	}
	golden.Assert(t, name+".golden", pretty.Bytes())
}

func TestRenderAlertGolden(t *testing.T) { inEach(t, testRenderAlertGolden) }

func testRenderAlertGolden(t *testing.T, p *i18n.Printer) {
	w := goldenWatcherIn(p)
	in := hostileInstance()
	a := state.Alert{ID: "a-1", InstanceID: in.ID, From: scnet.StatusRunning, To: scnet.StatusFailed,
		StatusLine: p.T("WatchSinceLine", "Status", statusWord(p, scnet.StatusFailed), "Since", "2026-11-27 18:00 CST")}
	tests := []struct {
		name string
		a    state.Alert
		sn   *state.Snooze
	}{
		{"alert", a, nil},
		{"alert_acked_snoozed", func() state.Alert {
			b := a
			b.AckedBy, b.AckedAt = "U42", goldenNow.Add(5*time.Minute)
			return b
		}(), &state.Snooze{InstanceID: in.ID, Until: goldenNow.Add(4 * time.Hour), By: "U7"}},
		{"alert_new", func() state.Alert { b := a; b.From = ""; return b }(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, blocks := w.renderAlert(tt.a, in, tt.sn)
			assertGolden(t, goldenName(tt.name, p), text, blocks)
			s := string(blocks)
			if strings.Contains(s, "<!channel>") || strings.Contains(s, "<@U999>") {
				t.Errorf("user text reached Slack unescaped: %s", s)
			}
			if !strings.HasPrefix(text, "<!subteam^S0123> ") {
				t.Errorf("text %q does not start with the mention", text)
			}
		})
	}
}

func TestRenderStormGolden(t *testing.T) { inEach(t, testRenderStormGolden) }

func testRenderStormGolden(t *testing.T, p *i18n.Printer) {
	w := goldenWatcherIn(p)
	var incs []watcher.Change
	for i := range 200 {
		in := scnet.Instance{ID: fmt.Sprintf("id%03d", i), Name: fmt.Sprintf("job-%03d<b>", i),
			ResourceGroup: fmt.Sprintf("rg-%02d", i%30), UserName: "bob"}
		to := scnet.StatusFailed
		if i%3 == 0 {
			to = scnet.StatusTerminated
		}
		incs = append(incs, watcher.Change{Instance: in, From: scnet.StatusRunning, To: to})
	}
	sa := state.Alert{ID: "s-1", Storm: true, StatusLine: p.N("WatchStormSince", 200, "Since", "2026-11-27 18:00 CST")}
	text, blocks := w.renderStorm(sa, incs)
	assertGolden(t, goldenName("storm", p), text, blocks)

	var lines []string
	for _, inc := range incs {
		lines = append(lines, w.StormLine(inc))
	}
	chunks := chunkLines(lines, maxListChars)
	seen := 0
	for i, c := range chunks {
		text, blocks := w.List(c, p.T("WatchStormListTitle"), i, len(chunks))
		if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
			t.Errorf("list chunk %d: %v", i, vs)
		}
		seen += len(c)
		if i == 0 {
			assertGolden(t, goldenName("storm_list_1", p), text, blocks)
		}
	}
	if seen != 200 {
		t.Errorf("the thread lists %d instances, want 200", seen)
	}
}

func TestRenderOutageGolden(t *testing.T) { inEach(t, testRenderOutageGolden) }

func testRenderOutageGolden(t *testing.T, p *i18n.Printer) {
	a := state.Alert{ID: "o-1", StatusLine: outageLine(p, goldenNow.Add(-6*time.Minute),
		fmt.Errorf("list Running instances: %w", &scnet.APIError{HTTPStatus: 503, Msg: "<html>https://api.scnet.cn/ai</html>"}), shanghai)}
	text, blocks := renderOutage(p, a)
	assertGolden(t, goldenName("outage", p), text, blocks)
	if s := string(blocks); strings.Contains(s, "html") || strings.Contains(s, "scnet.cn") || !strings.Contains(s, "HTTP 503") {
		t.Errorf("the outage notice quotes the error or does not name the status: %s", s)
	}
	a.Closed = goldenNow
	a.StatusLine = goldenWatcherIn(p).RecoveredLine(goldenNow.Add(-7*time.Minute), goldenNow)
	text, blocks = renderRecovered(p, a)
	assertGolden(t, goldenName("outage_recovered", p), text, blocks)
}

func TestRenderBaselineGolden(t *testing.T) {
	inEach(t, func(t *testing.T, p *i18n.Printer) {
		text, blocks := renderBaseline(p, 300, []scnet.Status{scnet.StatusFailed, scnet.StatusTerminated},
			map[scnet.Status]int{scnet.StatusFailed: 12, scnet.StatusTerminated: 3})
		assertGolden(t, goldenName("baseline", p), text, blocks)
	})
}

func TestChunkLinesKeepsEveryLine(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		max   int
	}{
		{"empty", nil, 100},
		{"one", []string{"a"}, 100},
		{"exact", []string{"aaaa", "bbbb"}, 10},
		{"overlong line", []string{strings.Repeat("x", 50), "y"}, 10},
		{"many", strings.Split(strings.Repeat("line,", 500), ","), 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			for _, c := range chunkLines(tt.lines, tt.max) {
				if len(c) == 0 {
					t.Error("empty chunk")
				}
				if l := len([]rune(strings.Join(c, "\n"))); l > tt.max {
					t.Errorf("chunk of %d characters, max %d", l, tt.max)
				}
				n += len(c)
			}
			if n != len(tt.lines) {
				t.Errorf("%d lines out, %d in", n, len(tt.lines))
			}
		})
	}
}

func FuzzRenderAlert(f *testing.F) {
	f.Add("<!channel>", "alice&bob", "rg<1>", "img", "")
	f.Add(strings.Repeat("名", 400), strings.Repeat("&", 3000), "", "", "Running")
	f.Fuzz(func(t *testing.T, name, user, rg, image, from string) {
		w := goldenWatcher()
		in := scnet.Instance{ID: "id-" + name, Name: name, UserName: user, ResourceGroup: rg, ImagePath: image,
			ResourceSpec: user + rg, Duration: image}
		a := state.Alert{ID: "a", InstanceID: in.ID, From: scnet.Status(from), To: scnet.StatusFailed, StatusLine: name}
		text, blocks := w.renderAlert(a, in, &state.Snooze{Until: goldenNow, By: "U7"})
		if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
			t.Fatalf("violations: %v", vs)
		}
		for _, s := range append(mrkdwnTexts(t, blocks), text) {
			if strings.ContainsAny(strings.NewReplacer("<!subteam^S0123>", "", "<@U7>", "").Replace(s), "<>") {
				t.Fatalf("unescaped markup in %q", s)
			}
		}
		line := w.NewsLine(name, in.ID, "deleted", "now")
		for i, c := range chunkLines([]string{line, line}, maxListChars) {
			text, blocks := w.List(c, "x", i, 2)
			if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
				t.Fatalf("list violations: %v", vs)
			}
		}
	})
}

// mrkdwnTexts returns every mrkdwn text in a blocks array: the text Slack
// parses for mentions and links.
func mrkdwnTexts(t *testing.T, blocks json.RawMessage) []string {
	t.Helper()
	texts, err := blockkit.MrkdwnTexts(blocks)
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// A name carrying a line break or bidi controls cannot forge a line of its
// own or reorder the alert: it reaches Slack on one line, controls dropped.
func TestRenderAlertFoldsForgedRows(t *testing.T) {
	w := goldenWatcher()
	in := hostileInstance()
	in.Name = "x\n• *fake-row* · Running\u202e\x1b[2J"
	in.UserName = "bob\r\n*Status:* Running"
	a := state.Alert{ID: "a-1", InstanceID: in.ID, From: scnet.StatusRunning, To: scnet.StatusFailed, StatusLine: "Failed\nsince"}
	text, blocks := w.renderAlert(a, in, nil)
	all := append(mrkdwnTexts(t, blocks), text, string(blocks))
	for _, s := range all {
		for _, bad := range []string{"\n• *fake-row*", `\n• *fake-row*`, "\n*Status:* Running", `\u202e`, "\u202e", "\x1b", `\u001b`} {
			if strings.Contains(s, bad) {
				t.Errorf("rendered alert carries %q: %q", bad, s)
			}
		}
	}
}

// Every mrkdwn object of every alert and notice is verbatim, so Slack does
// not turn words of user-controlled text into links or mentions by itself.
// Alerts are posted to a channel: they need it most.
func TestRenderEveryMrkdwnIsVerbatim(t *testing.T) {
	w := goldenWatcher()
	in := hostileInstance()
	a := state.Alert{ID: "a-1", InstanceID: in.ID, From: scnet.StatusRunning, To: scnet.StatusFailed, StatusLine: "x",
		AckedBy: "U1", AckedAt: goldenNow}
	inc := watcher.Change{Instance: in, From: scnet.StatusRunning, To: scnet.StatusFailed}
	rendered := map[string]json.RawMessage{}
	add := func(name string) func(string, json.RawMessage) {
		return func(_ string, b json.RawMessage) { rendered[name] = b }
	}
	add("alert")(w.renderAlert(a, in, &state.Snooze{Until: goldenNow, By: "U7"}))
	add("storm")(w.renderStorm(state.Alert{ID: "s", Storm: true, StatusLine: "x"}, []watcher.Change{inc, inc}))
	add("list")(w.List([]string{w.StormLine(inc)}, "Instances", 0, 2))
	add("outage")(w.Outage(state.Alert{ID: "o", StatusLine: "x"}, ""))
	add("outage_closed")(w.Outage(state.Alert{ID: "o", StatusLine: "x", Closed: goldenNow}, ""))
	add("recovered")(w.Recovered(state.Alert{ID: "o", StatusLine: "x"}, ""))
	add("baseline")(w.Baseline("", 3, []scnet.Status{scnet.StatusFailed}, map[scnet.Status]int{scnet.StatusFailed: 1}))
	add("token_warning")(w.TokenWarning("", goldenNow.Add(time.Hour), goldenNow))
	add("resolved_by")(w.Alert(state.Alert{ID: "a-2", InstanceID: in.ID, Closed: goldenNow, ResolvedBy: "U1", Failures: 3}, in, nil, "r"))
	add("escalation")(w.Escalation(a, "S0ONCALL", time.Hour))
	add("expiry_warning")(w.ExpiryWarning(in, time.Minute, "r"))
	for name, blocks := range rendered {
		n := 0
		walkObjects(t, blocks, func(o map[string]any) {
			if o["type"] != "mrkdwn" {
				return
			}
			n++
			if o["verbatim"] != true {
				t.Errorf("%s: mrkdwn %q is not verbatim", name, o["text"])
			}
		})
		if n == 0 {
			t.Errorf("%s: no mrkdwn object at all", name)
		}
	}
}

// walkObjects calls f on every JSON object in blocks.
func walkObjects(t *testing.T, blocks json.RawMessage, f func(map[string]any)) {
	t.Helper()
	if err := blockkit.EachObject(blocks, f); err != nil {
		t.Fatal(err)
	}
}

// An instance whose id could not come back in a click gets no Snooze or
// Details button (Action would refuse it), and an acknowledged alert for it
// no empty actions block.
func TestRenderAlertWithoutButtonSafeID(t *testing.T) {
	w := goldenWatcher()
	in := hostileInstance()
	in.ID = "../../v2/detail"
	a := state.Alert{ID: "a-1", InstanceID: in.ID, From: scnet.StatusRunning, To: scnet.StatusFailed, StatusLine: "x"}
	text, blocks := w.renderAlert(a, in, nil)
	if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
		t.Fatal(vs)
	}
	if s := string(blocks); strings.Contains(s, actionSnooze) || strings.Contains(s, actionDetails) || !strings.Contains(s, actionAck) {
		t.Errorf("buttons for an id that cannot travel in one: %s", s)
	}
	a.AckedBy = "U1"
	text, blocks = w.renderAlert(a, in, nil)
	if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
		t.Fatal(vs)
	}
	if strings.Contains(string(blocks), `"actions"`) {
		t.Errorf("an actions block without buttons: %s", blocks)
	}
}

// TestRegionNoticesNameTheRegionEscaped: the notices of a region name it,
// escaped for mrkdwn; without a region they read as they always did.
func TestRegionNoticesNameTheRegionEscaped(t *testing.T) {
	r := NewRenderer(Config{})
	a := state.Alert{ID: "o", StatusLine: "x"}
	for _, tc := range []struct {
		name, want string
	}{
		{"outage", "SCNet unreachable in 华东&lt;一&gt;区"},
		{"recovered", "SCNet answers again in 华东&lt;一&gt;区"},
		{"token", "The SCNet token of 华东&lt;一&gt;区"},
		{"frozen", "refuses the polls in 华东&lt;一&gt;区, 西北一区 with code 10007"},
		{"suspended", "suspended in 华东&lt;一&gt;区"},
		{"baseline", "Watching 3 live instances in 华东&lt;一&gt;区 (Waiting"},
		{"alert", "(`i1`) in 华东&lt;一&gt;区 went"},
		{"storm", "*1 instance* in 华东&lt;一&gt;区 changed"},
	} {
		var blocks []byte
		switch tc.name {
		case "outage":
			_, blocks = r.Outage(a, "华东<一>区")
		case "recovered":
			_, blocks = r.Recovered(a, "华东<一>区")
		case "token":
			_, blocks = r.TokenWarning("华东<一>区", goldenNow.Add(time.Hour), goldenNow)
		case "frozen":
			_, blocks = r.AccountWarning(watcher.AccountProblem{Reason: watcher.AccountFrozen, Refused: []string{"华东<一>区", "西北一区"}})
		case "suspended":
			_, blocks = r.Suspended("华东<一>区")
		case "alert":
			_, blocks = r.Alert(a, scnet.Instance{ID: "i1", Name: "n"}, nil, "华东<一>区")
		case "storm":
			_, blocks = r.Storm(a, []watcher.Change{{Instance: scnet.Instance{ID: "i1"}, To: scnet.StatusFailed}}, "华东<一>区")
		case "baseline":
			_, blocks = r.Baseline("华东<一>区", 3, []scnet.Status{scnet.StatusFailed}, nil)
		}
		if got := strings.Join(mrkdwnTexts(t, blocks), "\n"); !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q does not contain %q", tc.name, got, tc.want)
		}
	}
	text, blocks := r.Outage(a, "")
	wantText, wantBlocks := renderOutage(english, a)
	if text != wantText || string(blocks) != string(wantBlocks) {
		t.Errorf("outage without a region changed: %q", text)
	}
}
