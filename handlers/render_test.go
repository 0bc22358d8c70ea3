package handlers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// fakeWatch is a WatchControl with fixed health that records snoozes.
type fakeWatch struct {
	health tracked.Health
	err    error
	// starting makes Started false: no poll has succeeded yet.
	starting bool
}

func (w *fakeWatch) Health(context.Context) (tracked.Health, error) { return w.health, nil }

func (w *fakeWatch) Started() bool { return !w.starting }

func (w *fakeWatch) Snooze(ctx context.Context, nameOrID string, d time.Duration, userID string) (state.Snooze, error) {
	if w.err != nil {
		return state.Snooze{}, w.err
	}
	return state.Snooze{InstanceID: fmt.Sprintf("%032x", 7), InstanceName: nameOrID, Until: testNow.Add(d), By: userID}, nil
}

func (w *fakeWatch) Unsnooze(ctx context.Context, nameOrID string, userID string) (state.Snooze, error) {
	if w.err != nil {
		return state.Snooze{}, w.err
	}
	return state.Snooze{InstanceID: fmt.Sprintf("%032x", 7), InstanceName: nameOrID, By: userID}, nil
}

func TestRenderGolden(t *testing.T) {
	h := newTestHandler(t, &fakeLister{instances: fixtures(47)}, nil)
	tests := []struct{ name, text string }{
		{"list_summary", ""},
		{"list_filtered", "running ssh train"},
		{"list_page2", "page 2"},
		{"list_empty", "failed rstudio nothing-matches"},
		{"list_past_end", "running page 9"},
		{"details", fmt.Sprintf("%032x", 3)},
		{"help", "help"},
		{"watch_disabled", "watch"},
		{"input_suggest", "runn ssh"},
		{"input_too_long", strings.Repeat("word ", 11)},
		{"input_hostile", "<!channel> running failed"},
		{"not_found", fmt.Sprintf("%032x", 999)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertGoldenLangs(t, tt.name, func(l testLang) *slack.WebhookMessage { return l.command(h, tt.text) })
		})
	}
}

func TestRenderWatchGolden(t *testing.T) {
	w := &fakeWatch{health: tracked.Health{
		Enabled: true, Channel: "C0ALERTS", Interval: time.Minute,
		LastPoll: testNow.Add(-20 * time.Second), LastSuccess: testNow.Add(-80 * time.Second),
		LastError: "list instances: SCNet code 10001 <!here>", Tracked: 312, PendingAlerts: 2,
		TokenExpiresAt: testNow.Add(5 * time.Hour),
		Snoozes: []state.Snooze{
			{InstanceID: fmt.Sprintf("%032x", 5), InstanceName: "train-<!channel>", Until: testNow.Add(3 * time.Hour), By: "U0ALICE"},
			{InstanceID: fmt.Sprintf("%032x", 6), Until: testNow.Add(30 * time.Hour)},
		},
	}}
	w.health.LastCause = fmt.Errorf("list instances: %w", &scnet.APIError{Code: scnet.CodeInternal, Msg: "<!here> https://api.scnet.cn/ai"})
	h := newTestHandler(t, &fakeLister{}, func(c *Config) { c.Watch = w })
	watch := command(h, "watch")
	assertGolden(t, "watch_health", watch)
	assertGoldenZh(t, "watch_health", chinese().command(h, "watch"))
	// The last error is shown in words: its own text is for the log.
	if s := string(messageJSON(t, watch)); strings.Contains(s, "list instances") || strings.Contains(s, "here") || strings.Contains(s, "scnet.cn") ||
		!strings.Contains(s, "code 10001") {
		t.Errorf("the watch reply quotes the poll's error: %s", s)
	}
	assertGoldenLangs(t, "snooze", func(l testLang) *slack.WebhookMessage { return l.command(h, "snooze train-llm 4h") })
	assertGoldenLangs(t, "unsnooze", func(l testLang) *slack.WebhookMessage { return l.command(h, "unsnooze train-llm") })

	for _, tt := range []struct {
		name, text string
		err        error
	}{
		{"snooze_not_found", "snooze no-such 4h", fmt.Errorf("snooze %q: %w", "no-such", tracked.ErrUnknownInstance)},
		{"unsnooze_not_snoozed", "unsnooze train-llm", fmt.Errorf("unsnooze: %w", tracked.ErrNotSnoozed)},
		{"snooze_ambiguous", "snooze <!channel> 2d", &tracked.AmbiguousError{Name: "<!channel>", Candidates: []tracked.Candidate{
			{ID: fmt.Sprintf("%032x", 1), Name: "<!channel>", Status: "Failed"},
			{ID: fmt.Sprintf("%032x", 2), Name: "<!CHANNEL>", Status: "Running"},
		}}},
	} {
		w.err = tt.err
		m := command(h, tt.text)
		assertGolden(t, tt.name, m)
		assertNoMarkup(t, m)
		assertGoldenZh(t, tt.name, chinese().command(h, tt.text))
	}
	// Right after start an unknown name is not yet seen, not untracked.
	w.err, w.starting = fmt.Errorf("snooze %q: %w", "fresh", tracked.ErrUnknownInstance), true
	assertGoldenLangs(t, "snooze_starting", func(l testLang) *slack.WebhookMessage { return l.command(h, "snooze fresh 4h") })
	if m := command(h, "unsnooze fresh"); !strings.Contains(m.Text, "still starting") {
		t.Errorf("unsnooze before the first poll: %q, want the watcher still starting", m.Text)
	}
	w.err = &tracked.AmbiguousError{Name: "twin", Candidates: []tracked.Candidate{{ID: "a"}, {ID: "b"}}}
	if m := command(h, "snooze twin 4h"); strings.Contains(m.Text, "still starting") {
		t.Errorf("an ambiguous name before the first poll is still ambiguous: %q", m.Text)
	}
	w.err, w.starting = nil, false
	h = newTestHandler(t, &fakeLister{}, nil)
	for _, text := range []string{"snooze x 4h", "unsnooze x"} {
		if m := command(h, text); m.Text != (renderer{p: en()}).watchDisabled().Text {
			t.Errorf("%q without a watcher: %q", text, m.Text)
		}
	}
}

// Each kind of failure has its own golden reply, and none quotes the raw
// error (which may carry a URL or a secret).
func TestRenderErrorsGolden(t *testing.T) {
	const secret = "eyJsecret-token"
	urlErr := &url.Error{Op: "Get", URL: "https://scnet.example/ai/openapi?token=" + secret, Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	tests := []struct {
		name string
		err  error
	}{
		{"err_network", urlErr},
		{"err_slow", fmt.Errorf("list: %w", context.DeadlineExceeded)},
		{"err_auth", &scnet.APIError{Code: scnet.CodePermissionDenied, Msg: "权限不足 " + secret}},
		{"err_api_code", &scnet.APIError{Code: scnet.CodeInternal, Msg: "内部错误 " + secret}},
		{"err_http", &scnet.APIError{HTTPStatus: 502, Msg: "<html>" + secret}},
		{"err_decode", &scnet.DecodeError{Endpoint: "list", Excerpt: "<html> " + secret, Err: errors.New("invalid character")}},
		{"err_token", &scnet.TokenError{Err: errors.New("login refused " + secret)}},
		{"err_other", errors.New("boom " + secret)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHandler(t, &fakeLister{err: tt.err}, nil)
			m := command(h, "running")
			assertGolden(t, tt.name, m)
			assertGoldenZh(t, tt.name, chinese().command(h, "running"))
			if s := string(messageJSON(t, m)); strings.Contains(s, secret) || strings.Contains(s, "connection refused") || strings.Contains(s, "scnet.example") {
				t.Errorf("reply quotes the raw error: %s", s)
			}
		})
	}
}

func TestRenderDenied(t *testing.T) {
	h := newTestHandler(t, &fakeLister{instances: fixtures(3)}, func(c *Config) {
		c.AllowedChannels = []string{"C0OPS"}
		c.AllowedUsers = []string{"U0TEST", "U0BOB"}
	})
	assertGoldenLangs(t, "denied_channel", func(l testLang) *slack.WebhookMessage { return l.command(h, "") })
	if m := h.Denied(context.Background(), "U0BOB", "C0OPS"); m != nil {
		t.Errorf("allowed user in allowed channel denied: %s", m.Text)
	}
	m := h.Denied(context.Background(), "U0EVE", "C0OPS")
	if m == nil {
		t.Fatal("user outside ALLOWED_USERS not denied")
	}
	assertGolden(t, "denied_user", m)
	assertGoldenZh(t, "denied_user", h.Denied(chinese().ctx(), "U0EVE", "C0OPS"))
	if open := newTestHandler(t, &fakeLister{}, nil); open.Denied(context.Background(), "anyone", "anywhere") != nil {
		t.Error("empty allow lists must allow everyone")
	}
}

// hostile instances: mentions, mrkdwn control characters, a 300-character
// name, Chinese text, emoji and a notebook URL carrying its token.
func hostile() []scnet.Instance {
	in := fixtures(6)
	in[0].Name = "<!channel> wake up"
	in[0].UserName = "<@U0BOSS>"
	in[0].Description = "<!here> & <https://evil.example|click>"
	in[1].Name = "a&b<c>"
	in[1].ResourceGroup = "<!everyone>"
	in[2].Name = strings.Repeat("n", 300)
	in[2].Version = strings.Repeat("&", 400)
	in[3].Name = "训练大模型-千问-" + strings.Repeat("测", 100)
	in[3].UserName = "张三"
	in[4].Name = "🔥🚀 *bold* _it_ `code` ~x~ :skull:"
	in[5].Ports = []scnet.Port{
		{Name: "jupyter", ContainerPort: 8888, Protocol: "TCP", AccessURL: "https://u:p@nb.example/lab?token=eyJnotebook#x"},
		{Name: "evil", ContainerPort: 1, AccessURL: "javascript:alert(1)"},
		{Name: "pipe", ContainerPort: 2, AccessURL: "https://x.example/a|b"},
		{Name: "ssh", ContainerPort: 22, Protocol: "TCP", AccessURL: "ssh://root:hunter2@ai01.scnet.cn:30001"},
		{Name: "<!channel>\n• *forged*", ContainerPort: 3},
	}
	in[5].Mounts = []scnet.Mount{{Source: "/public/home/<!channel>", Target: "/root/data"}}
	in[5].Description = strings.Repeat("描述 <b> ", 1000)
	return in
}

func TestRenderHostile(t *testing.T) {
	f := &fakeLister{instances: hostile()}
	h := newTestHandler(t, f, nil)
	list := command(h, "")
	assertGolden(t, "hostile_list", list)
	assertGoldenZh(t, "hostile_list", chinese().command(h, ""))
	details := command(h, f.instances[5].ID)
	assertGolden(t, "hostile_details", details)
	assertGoldenZh(t, "hostile_details", chinese().command(h, f.instances[5].ID))
	assertGoldenLangs(t, "hostile_details_mention", func(l testLang) *slack.WebhookMessage { return l.command(h, f.instances[0].ID) })
	for _, m := range []*slack.WebhookMessage{list, details, command(h, f.instances[0].ID), command(h, "<!channel>")} {
		assertNoMarkup(t, m)
	}
	if s := string(messageJSON(t, details)); strings.Contains(s, "eyJnotebook") || strings.Contains(s, "u:p@") || strings.Contains(s, "javascript:") || strings.Contains(s, "hunter2") {
		t.Errorf("details show a URL's secret or an unsafe link: %s", s)
	}
	if s := string(messageJSON(t, details)); !strings.Contains(s, "`ssh -p 30001 root@ai01.scnet.cn`") || strings.Contains(s, `\n• *forged*`) {
		t.Errorf("details lack the ssh endpoint or let a port name forge a line: %s", s)
	}
}

// ownMarkup matches the start of markup scnetbot writes on purpose.
var ownMarkup = regexp.MustCompile(`^<(@U[A-Z0-9]+>|#C[A-Z0-9]+>|https?://[^|<> ]+\|(open|打开)>)`)

// assertNoMarkup fails when user-controlled text reaches Slack as markup:
// every "<" that Slack would read must be scnetbot's own link or mention.
func assertNoMarkup(t *testing.T, m *slack.WebhookMessage) {
	t.Helper()
	checkLimits(t, m)
	texts, err := blockkit.MrkdwnTexts(messageJSON(t, m))
	if err != nil {
		t.Fatal(err)
	}
	texts = append(texts, m.Text)
	for _, s := range texts {
		for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil", "<b>"} {
			if strings.Contains(s, bad) {
				t.Errorf("mrkdwn text carries %q unescaped: %q", bad, s)
			}
		}
		// The only markup scnetbot writes itself: user and channel
		// mentions of Slack ids, and links it built from http(s) URLs.
		for rest := s; ; {
			i := strings.IndexByte(rest, '<')
			if i < 0 {
				break
			}
			rest = rest[i:]
			if !ownMarkup.MatchString(rest) {
				t.Errorf("mrkdwn text has markup scnetbot did not write: %q in %q", blockkit.Truncate(rest, 40), s)
			}
			rest = rest[1:]
		}
	}
}

// A thousand matches still render one page inside every limit.
func TestRenderThousand(t *testing.T) {
	h := newTestHandler(t, &fakeLister{instances: fixtures(1000)}, nil)
	m := command(h, "")
	assertGolden(t, "list_1000", m)
	assertGoldenZh(t, "list_1000", chinese().command(h, ""))
	if !strings.Contains(m.Text, "Page 1 of 100") {
		t.Errorf("fallback text %q does not say page 1 of 100", m.Text)
	}
	last := command(h, "page 100")
	checkLimits(t, last)
	if _, ok := actionsOf(last)[actionNext]; ok {
		t.Error("last page offers Next")
	}
}

// A server that ignores limit and sends everything must not push a reply
// past Slack's limits.
func TestRenderOversizedPage(t *testing.T) {
	r := renderer{now: testNow, loc: testNow.Location(), p: en()}
	p := &scnet.Page{Total: 3, Instances: hostile()}
	for range 5 {
		p.Instances = append(p.Instances, hostile()...)
	}
	checkLimits(t, r.list(listView{query: Query{Kind: KindList}, page: p}))
}

// An SCNet error code is SCNet's text like any other: an undocumented one
// must not reach Slack as markup or flood the reply.
func TestErrorCodeFromSCNetEscaped(t *testing.T) {
	for _, code := range []scnet.Code{"<!channel>", scnet.Code("<@U0BOSS> " + strings.Repeat("&", 5000))} {
		h := newTestHandler(t, &fakeLister{err: &scnet.APIError{Code: code, HTTPStatus: 200}}, nil)
		m := command(h, "running")
		assertNoMarkup(t, m)
		if !strings.Contains(m.Text, "undocumented code") {
			t.Errorf("reply %q does not say the code is undocumented", m.Text)
		}
	}
}

// A page past the end says there are only N pages and shows the last one,
// with buttons that page from there, rather than "Page 9 of 3" and nothing.
func TestPastEndShowsLastPage(t *testing.T) {
	in := fixtures(25)
	for i := range in {
		in[i].Status = scnet.StatusRunning
	}
	h := newTestHandler(t, &fakeLister{instances: in}, nil)
	m := command(h, "running page 9")
	checkLimits(t, m)
	s := string(messageJSON(t, m))
	for _, want := range []string{"25 found", "Page 3 of 3", "There is no page 9: there are only 3 pages, so this is the last one.", in[20].Name, in[24].Name} {
		if !strings.Contains(s, want) {
			t.Errorf("reply lacks %q:\n%s", want, s)
		}
	}
	if strings.Contains(s, "Page 9") || strings.Contains(s, in[19].Name) {
		t.Errorf("reply still shows page 9 or rows of page 2:\n%s", s)
	}
	acts := actionsOf(m)
	if _, ok := acts[actionNext]; ok {
		t.Error("the last page offers Next")
	}
	for id, want := range map[string]int{actionPrev: 2, actionRefresh: 3} {
		btn, ok := acts[id]
		if !ok {
			t.Fatalf("no %s button", id)
		}
		if _, q, err := decodeButtonValue(btn.Value); err != nil || q.PageNumber() != want {
			t.Errorf("%s goes to %+v (%v), want page %d", id, q, err, want)
		}
	}
	// The report's case: 500 instances are 50 pages.
	h = newTestHandler(t, &fakeLister{instances: fixtures(500)}, nil)
	if m := command(h, "page 60"); !strings.Contains(m.Text, "Page 50 of 50") || strings.Contains(m.Text, "Page 60") {
		t.Errorf("page 60 of 500 instances: %q, want page 50 of 50", m.Text)
	}
}

// Slack rejects a header without text: an instance with neither a name nor
// an id (or only white space) still gets one.
func TestDetailsHeaderNeverEmpty(t *testing.T) {
	r := renderer{now: testNow, loc: testNow.Location(), p: en()}
	for _, in := range []scnet.Instance{{}, {Name: " \t"}, {Name: "\u200b"}} {
		checkLimits(t, r.details(detailsView{inst: &in}))
	}
}

// However many snoozes there are and however long their names, the watch
// reply's snooze list fits its section whole: a cut would leave a mention
// or bold markup open.
func TestWatchSnoozeListFitsSection(t *testing.T) {
	var ss []state.Snooze
	for i := range 30 {
		ss = append(ss, state.Snooze{InstanceID: fmt.Sprintf("%064x", i), InstanceName: strings.Repeat("&", 300),
			Until: testNow.Add(time.Hour), By: strings.Repeat("U", 30)})
	}
	r := renderer{now: testNow, loc: testNow.Location(), p: en()}
	lines := "*Snoozed*\n" + r.snoozeLines(ss)
	if n := len([]rune(lines)); n > blockkit.MaxSectionText {
		t.Errorf("snooze list is %d characters, over the section limit %d", n, blockkit.MaxSectionText)
	}
}

// Over several regions, the watch reply says how each region's polls go,
// with the reason in words, and names the region of an open outage.
func TestRenderWatchRegions(t *testing.T) {
	w := &fakeWatch{health: tracked.Health{
		Enabled: true, Channel: "C0ALERTS", Interval: time.Minute, Outage: true,
		LastPoll: testNow.Add(-20 * time.Second), LastSuccess: testNow.Add(-30 * time.Minute),
		LastError: "西北一区: list instances: https://api.scnet.cn/ai", Tracked: 40,
		Regions: []tracked.RegionHealth{
			{ID: "11", Name: "西北一区", LastPoll: testNow.Add(-20 * time.Second), LastSuccess: testNow.Add(-30 * time.Minute), Outage: true,
				LastCause: fmt.Errorf("list instances: %w", &scnet.APIError{Code: scnet.CodeInternal, Msg: "<!here> https://api.scnet.cn/ai"}), Tracked: 12},
			{ID: "12", Name: "华东一区", LastPoll: testNow.Add(-25 * time.Second), LastSuccess: testNow.Add(-25 * time.Second), Tracked: 28},
			{ID: "13", Name: "华北一区", LastPoll: testNow.Add(-25 * time.Second), LastCause: context.DeadlineExceeded},
		},
	}}
	w.health.LastCause = w.health.Regions[0].LastCause
	h := newTestHandler(t, &fakeLister{}, func(c *Config) { c.Watch = w })
	m := command(h, "watch")
	assertGolden(t, "watch_regions", m)
	assertGoldenZh(t, "watch_regions", chinese().command(h, "watch"))
	s := string(messageJSON(t, m))
	for _, want := range []string{"SCNet unreachable in 西北一区", "*西北一区*: unreachable, outage notice open — ", "code 10001",
		"*华东一区*: last success", "28 tracked", "*华北一区*: the last poll failed"} {
		if !strings.Contains(s, want) {
			t.Errorf("watch reply lacks %q: %s", want, s)
		}
	}
	if strings.Contains(s, "here") || strings.Contains(s, "scnet.cn") || strings.Contains(s, "list instances") {
		t.Errorf("the watch reply quotes a poll's error: %s", s)
	}
}

// With WATCH_ROUTES sending two regions' alerts to two channels, the watch
// reply names no one channel as the watcher's: each region's line names its
// own, and the failed poll is said to be the failing region's.
func TestRenderWatchRouted(t *testing.T) {
	health := func(name string) tracked.Health {
		return tracked.Health{
			Enabled: true, Interval: time.Minute,
			LastPoll: testNow.Add(-20 * time.Second), LastSuccess: testNow.Add(-10 * time.Minute),
			LastError: name + ": list instances: context deadline exceeded", LastCause: context.DeadlineExceeded, Tracked: 13,
			Regions: []tracked.RegionHealth{
				{ID: "11276", Name: "西北一区【西安】", Channel: "C0NORTHWEST", LastPoll: testNow.Add(-20 * time.Second),
					LastSuccess: testNow.Add(-20 * time.Second), Tracked: 12},
				{ID: "11250", Name: name, Channel: "C0EAST", LastPoll: testNow.Add(-25 * time.Second),
					LastSuccess: testNow.Add(-10 * time.Minute), LastCause: context.DeadlineExceeded, Tracked: 1},
			},
		}
	}
	w := &fakeWatch{health: health("华东一区【昆山】")}
	h := newTestHandler(t, &fakeLister{}, func(c *Config) { c.Watch = w })
	m := command(h, "watch")
	assertGolden(t, "watch_routed", m)
	assertGoldenZh(t, "watch_routed", chinese().command(h, "watch"))
	s := string(messageJSON(t, m))
	for _, want := range []string{"the last poll failed in 华东一区【昆山】", "*Channel*\\nper region, below",
		"*西北一区【西安】*: last success", "12 tracked · alerts in \\u003c#C0NORTHWEST\\u003e",
		"*华东一区【昆山】*: the last poll failed — ", "· alerts in \\u003c#C0EAST\\u003e"} {
		if !strings.Contains(s, want) {
			t.Errorf("routed watch reply lacks %q: %s", want, s)
		}
	}

	// The region's name is SCNet's: escaped wherever it is shown.
	w.health = health("<!here> & <#C0EVIL>")
	s = string(messageJSON(t, command(h, "watch")))
	if strings.Contains(s, "\\u003c!here") || strings.Contains(s, "#C0EVIL\\u003e") || !strings.Contains(s, "failed in \\u0026lt;!here\\u0026gt;") {
		t.Errorf("the watch reply does not escape a region's name: %s", s)
	}
}

// A bot of one region says "SCNet unreachable", not "unreachable in" the
// one region it has.
func TestRenderWatchOneRegionOutage(t *testing.T) {
	w := &fakeWatch{health: tracked.Health{Enabled: true, Interval: time.Minute, Outage: true,
		Regions: []tracked.RegionHealth{{ID: "default", Name: "SCNet", Outage: true}}}}
	h := newTestHandler(t, &fakeLister{}, func(c *Config) { c.Watch = w })
	if m := command(h, "watch"); !strings.HasPrefix(m.Text, "Alert watcher: SCNet unreachable (an outage notice is open)") {
		t.Errorf("reply %q", m.Text)
	}
}
