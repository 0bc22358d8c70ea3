package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// A Chinese reader and an English one asking the same thing share one SCNet
// request: the cache keys are the query, not its words or its language. The
// replies still come in two languages.
func TestCacheIsShapedByQueryNotLanguage(t *testing.T) {
	f := &fakeLister{instances: fixtures(20)}
	h := newTestHandler(t, f, nil)
	enL, zhL := testLangs()[0], chinese()
	zhReply := h.Command(zhL.ctx(), slack.SlashCommand{Text: "失败 第1页", UserID: "U0LI", ChannelID: "C0TEST"})
	enReply := h.Command(enL.ctx(), slack.SlashCommand{Text: "failed", UserID: "U0BOB", ChannelID: "C0TEST"})
	if c := f.calls.Load(); c != 1 {
		t.Errorf("the same listing asked by two readers in two languages cost %d SCNet calls, want 1", c)
	}
	if !strings.Contains(zhReply.Text, "失败的实例") || !strings.Contains(enReply.Text, "Failed instances") {
		t.Errorf("replies %q and %q, want one in Chinese and one in English", zhReply.Text, enReply.Text)
	}
	if zhReply.Text == enReply.Text {
		t.Error("both readers got the same words")
	}

	// The summary's counts too, and one instance's details.
	before := f.calls.Load()
	zhL.command(h, "")
	mid := f.calls.Load()
	enL.command(h, "")
	if mid == before || f.calls.Load() != mid {
		t.Errorf("the summary cost %d calls in Chinese, then %d more in English; want the English one from the cache", mid-before, f.calls.Load()-mid)
	}
	id := f.instances[3].ID
	zhDet, enDet := zhL.command(h, id), enL.command(h, id)
	if f.calls.Load() != mid+1 {
		t.Errorf("one details view read twice cost %d calls, want 1", f.calls.Load()-mid)
	}
	if !strings.HasPrefix(zhDet.Text, "实例 ") || !strings.HasPrefix(enDet.Text, "Instance ") {
		t.Errorf("details %q and %q, want Chinese and English", zhDet.Text, enDet.Text)
	}
}

// A reply shared to the channel is a channel message, in BOT_LANGUAGE
// (Config.Printer) whoever clicked Share; every other reply, errors too, is
// in the clicker's language.
func TestShareSpeaksTheChannelLanguage(t *testing.T) {
	f := &fakeLister{instances: fixtures(20)}
	enL, zhL := testLangs()[0], chinese()
	for _, tc := range []struct {
		name       string
		bot        testLang // the channel's language
		clicker    testLang
		wantShared string
		wantOwn    string
	}{
		{"Chinese reader, English channel", enL, zhL, "Failed instances", "失败的实例"},
		{"English reader, Chinese channel", zhL, enL, "失败的实例", "Failed instances"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newTestHandler(t, f, func(c *Config) { c.Printer = tc.bot.p })
			list := tc.clicker.command(h, "failed")
			if !strings.Contains(list.Text, tc.wantOwn) {
				t.Errorf("the reader's own reply %q, want %q", list.Text, tc.wantOwn)
			}
			shared := tc.clicker.click(h, list, actionShare)
			if shared.ResponseType != slack.ResponseTypeInChannel || !strings.Contains(shared.Text, tc.wantShared) {
				t.Errorf("shared %q (%s), want %q in the channel", shared.Text, shared.ResponseType, tc.wantShared)
			}
			if ref := tc.clicker.click(h, list, actionRefresh); !strings.Contains(ref.Text, tc.wantOwn) {
				t.Errorf("Refresh %q, want the reader's language %q", ref.Text, tc.wantOwn)
			}
			det := tc.clicker.click(h, list, detailsActionID(0))
			if sd := tc.clicker.click(h, det, actionShare); sd.ResponseType != slack.ResponseTypeInChannel ||
				!strings.Contains(string(messageJSON(t, sd)), tc.bot.p.T("KitFieldStatus")) {
				t.Errorf("shared details not in the channel's language: %s", messageJSON(t, sd))
			}
			// A stale button is the clicker's business: their language.
			cb := slack.InteractionCallback{User: slack.User{ID: "U0TEST"}}
			stale := h.Action(tc.clicker.ctx(), cb, &slack.BlockAction{ActionID: actionShare, Value: "{"})
			if stale.Text != userMessage(tc.clicker.p, errStaleButton) {
				t.Errorf("a failed Share answers %q, want the clicker's %q", stale.Text, userMessage(tc.clicker.p, errStaleButton))
			}
		})
	}
}

// Without a printer in the request's context a reply is in BOT_LANGUAGE,
// and without that in English.
func TestPrinterFallbacks(t *testing.T) {
	f := &fakeLister{instances: fixtures(3)}
	if m := command(newTestHandler(t, f, nil), "failed"); !strings.Contains(m.Text, "Failed instances") {
		t.Errorf("no printer anywhere: %q, want English", m.Text)
	}
	h := newTestHandler(t, f, func(c *Config) { c.Printer = zh() })
	if m := command(h, "failed"); !strings.Contains(m.Text, "失败的实例") {
		t.Errorf("BOT_LANGUAGE zh, no reader's printer: %q, want Chinese", m.Text)
	}
	if m := testLangs()[0].command(h, "failed"); !strings.Contains(m.Text, "Failed instances") {
		t.Errorf("an English reader under BOT_LANGUAGE zh: %q, want English", m.Text)
	}
	h = newTestHandler(t, f, func(c *Config) { c.Printer = zh(); c.AllowedUsers = []string{"U0OK"} })
	if m := h.Denied(context.Background(), "U0EVE", "C0"); m == nil || !strings.Contains(m.Text, "ALLOWED_USERS") || !strings.Contains(m.Text, "权限") {
		t.Errorf("Denied without a reader's printer under BOT_LANGUAGE zh: %v", m)
	}
	if m := h.Denied(testLangs()[0].ctx(), "U0EVE", "C0"); m == nil || !strings.Contains(m.Text, "You are not allowed") {
		t.Errorf("Denied for an English reader: %v", m)
	}
}

// A 120-character Chinese name, in a bot of two regions with long Chinese
// names, keeps every reply inside Slack's limits in both languages: list
// rows, the details header, and button labels (75 characters, counted in
// runes), shared or not.
func TestLongChineseNameFitsEverywhere(t *testing.T) {
	long := string([]rune(strings.Repeat("训练大模型千问七十二亿参数微调任务", 8))[:120])
	ins := fixtures(12)
	for i := range ins {
		ins[i].Name = long
		ins[i].UserName = strings.Repeat("张", 60)
		ins[i].ResourceGroup = strings.Repeat("资源组", 30)
		ins[i].AcceleratorType = strings.Repeat("加速卡", 30)
		ins[i].Version = strings.Repeat("镜像", 100)
	}
	f1, f2 := &fakeLister{instances: ins[:6]}, &fakeLister{instances: ins[6:]}
	set := regions.Fixed(
		&regions.Region{ID: "11276", Name: strings.Repeat("西北一区【西安】", 10), Client: listerClient{f1}},
		&regions.Region{ID: "11250", Name: strings.Repeat("华东一区【昆山】", 10), Client: listerClient{f2}},
	)
	// Action buttons naming the instance, as an alert's may: cut by
	// characters to Slack's 75.
	buttons := func(_, id, name string, _ scnet.Status) []slack.BlockElement {
		return []slack.BlockElement{slack.NewButtonBlockElement("act.restart", id,
			slack.NewTextBlockObject(slack.PlainTextType, blockkit.PlainText("重启 "+name, blockkit.MaxButtonText), false, false))}
	}
	for _, bot := range testLangs() {
		h := New(set, Config{Location: testNow.Location(), Now: func() time.Time { return testNow }, ActionButtons: buttons, Printer: bot.p})
		for _, l := range testLangs() {
			for _, text := range []string{"", "running " + string([]rune(long)[:40]), "failed", "第2页", ins[0].ID, ins[7].ID} {
				m := l.command(h, text)
				checkLimits(t, m)
				assertNoMarkup(t, m)
				if strings.Contains(m.Text, "Cmd") {
					t.Errorf("%s %q: a message id shows: %q", l.p.Lang(), text, m.Text)
				}
				for id := range actionsOf(m) {
					if id == blockkit.OpenActionID {
						continue
					}
					shared := l.click(h, m, id)
					checkLimits(t, shared)
				}
				assertButtonLabels(t, m)
			}
		}
	}
	// The name does show, cut by characters, in the rows and the header.
	h := New(set, Config{Location: testNow.Location(), ActionButtons: buttons})
	det := chinese().command(h, ins[0].ID)
	blocks, _ := json.Marshal(det.Blocks)
	if !strings.Contains(string(blocks), string([]rune(long)[:100])) {
		t.Errorf("the details header lost the name: %s", blocks)
	}
}

// assertButtonLabels fails for a button label over 75 characters.
func assertButtonLabels(t *testing.T, m *slack.WebhookMessage) {
	t.Helper()
	for id, b := range actionsOf(m) {
		if n := utf8.RuneCountInString(b.Text.Text); n > blockkit.MaxButtonText || n == 0 {
			t.Errorf("button %s has a %d-character label %q", id, n, b.Text.Text)
		}
	}
}

// The status words a reader sees in a reply are theirs, and the command
// words they type are read in either language whatever their locale.
func TestChineseCommandsFromAnEnglishReader(t *testing.T) {
	f := &fakeLister{instances: fixtures(20)}
	h := newTestHandler(t, f, nil)
	en := testLangs()[0].command(h, "失败 ssh")
	zh := chinese().command(h, "failed ssh")
	if !strings.Contains(en.Text, "Failed ssh instances") || !strings.Contains(zh.Text, "失败的 ssh 实例") {
		t.Errorf("replies %q, %q", en.Text, zh.Text)
	}
	if got := fmt.Sprint(f.calls.Load()); got != "1" {
		t.Errorf("%s SCNet calls, want 1", got)
	}
}

// Every failure a reply can meet is worded in both languages: no message id
// shows, no template value is missing. (Ids handed around as values, as
// says and inputError take them, are not seen by i18n's source scan.)
func TestEveryErrorReadsInBothLanguages(t *testing.T) {
	r := &regions.Region{ID: "11", Name: "西北一区"}
	errs := []error{
		errUserNotAllowed, errChannelNotAllowed, errStaleButton, errUnknownAction, regions.ErrNoRegions,
		&regionError{word: "华", matches: []*regions.Region{r, r}, all: []*regions.Region{r}},
		&regionError{word: "华南", all: []*regions.Region{r}, suspended: &regions.Suspended{ID: "14", Name: "华南一区"}},
		&regionError{word: "x", all: []*regions.Region{r}},
		withID(&regionsError{fails: []regionFailure{{r, context.DeadlineExceeded}}, partial: true}, "abc"),
		&regionsError{fails: []regionFailure{{r, context.DeadlineExceeded}}},
		&slowError{after: 8 * time.Second, err: context.DeadlineExceeded},
		withID(&scnet.APIError{Code: scnet.CodeInvalidParams}, "abc"),
		withTarget(tracked.ErrUnknownInstance, "x"), tracked.ErrUnknownInstance,
		withTarget(tracked.ErrNotSnoozed, "x"), tracked.ErrNotSnoozed,
		&tracked.AmbiguousError{Name: "x", Candidates: []tracked.Candidate{{ID: "a", Status: "Failed"}, {ID: "b", Status: "odd"}}},
		withTarget(scnet.ErrNotFound, "x"), withID(scnet.ErrNotFound, "abc"), scnet.ErrNotFound,
	}
	for _, err := range errs {
		for _, l := range testLangs() {
			s := userMessage(l.p, err)
			if strings.Contains(s, "Cmd") || strings.Contains(s, "<no value>") || s == "" {
				t.Errorf("%s: %v reads %q", l.p.Lang(), err, s)
			}
		}
		if userMessage(en(), err) == userMessage(zh(), err) {
			t.Errorf("%v reads the same in English and Chinese: %q", err, userMessage(en(), err))
		}
	}
	for _, l := range testLangs() {
		if s := actionsOffMessage(l.p).Text; strings.HasPrefix(s, "Cmd") {
			t.Errorf("actions off reads %q", s)
		}
	}
}
