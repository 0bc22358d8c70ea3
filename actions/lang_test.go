package actions

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/internal/golden"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// notWords are what a Chinese answer may hold in Latin letters: code, ids,
// mentions, emoji codes, escapes and links.
var notWords = regexp.MustCompile("`[^`]*`|<[^>]*>|:[a-z_]+:|&[a-z]+;|\\*[^*]*\\*")

// englishPhrase is three English words in a row.
var englishPhrase = regexp.MustCompile(`[A-Za-z]+ [a-z]+ [a-z]+`)

// noEnglish fails when the Chinese answer s still says something in
// English.
func noEnglish(t *testing.T, what, s string) {
	t.Helper()
	if m := englishPhrase.FindString(notWords.ReplaceAllString(s, "")); m != "" {
		t.Errorf("%s is in English (%q): %s", what, m, s)
	}
	if !regexp.MustCompile(`\p{Han}`).MatchString(s) {
		t.Errorf("%s has no Chinese: %s", what, s)
	}
}

// TestChineseGoldens: every golden answer of the English tests, as a
// Chinese-locale user reads it.
func TestChineseGoldens(t *testing.T) {
	e := newEnv(t).speak(zh)
	p := e.click(t, alice, actionRestart, targetValue{R: "r1", I: idFailed, A: "a66f1-3-r1"}.encode())
	nonce := nonceOf(t, p)
	goldenMessage(t, "prompt_restart.zh.golden", p, nonce)
	noEnglish(t, "restart prompt", p.Text)
	noEnglish(t, "restart prompt", string(mustJSON(t, p.Blocks)))
	msg := e.click(t, alice, actionConfirm, nonce)
	goldenMessage(t, "outcome_done.zh.golden", msg, nonce)
	if want := ":white_check_mark: <@UALICE> 已请求重启 *train-&lt;!channel&gt;* (区域 *西北一区*)：SCNet 正在启动它。"; msg.Text != want {
		t.Errorf("done: %q, want %q", msg.Text, want)
	}
	again := e.click(t, alice, actionConfirm, nonce)
	if !strings.Contains(again.Text, "已经完成：由 <@UALICE> 于 2026-12-02 11:12") {
		t.Errorf("second confirm: %q", again.Text)
	}

	e = newEnv(t).speak(zh)
	p = e.click(t, carol, actionStop, target("r1", idRunning))
	goldenMessage(t, "prompt_stop.zh.golden", p, nonceOf(t, p))
	noEnglish(t, "stop prompt", string(mustJSON(t, p.Blocks)))
	if !strings.Contains(string(mustJSON(t, p.Blocks)), stopNote(zh)) {
		t.Errorf("the Chinese stop prompt does not say SCNet documents no stop endpoint")
	}

	raw, _ := json.MarshalIndent(confirmDialog(zh, tracked.ActionRestart, strings.Repeat("很长的名字", 100), "西北一区"), "", "  ")
	golden.Assert(t, "confirm_long_name.zh.golden", append(raw, '\n'))

	e = newEnv(t).speak(zh)
	nonce = nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.r1.opErr = scnet.ErrOutcomeUnknown
	msg = e.click(t, alice, actionConfirm, nonce)
	goldenMessage(t, "outcome_unknown.zh.golden", msg, nonce)
	noEnglish(t, "unknown outcome", string(mustJSON(t, msg)))
	if !strings.Contains(msg.Text, "可能已经执行") {
		t.Errorf("unknown outcome: %q", msg.Text)
	}

	e = newEnv(t).speak(zh)
	nonce = nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.r1.opErr = &scnet.APIError{Code: scnet.CodePermissionDenied, Msg: "token=secret123 denied", HTTPStatus: 200}
	msg = e.click(t, alice, actionConfirm, nonce)
	goldenMessage(t, "outcome_failed.zh.golden", msg, nonce)
	noEnglish(t, "failed outcome", msg.Text)
	if strings.Contains(msg.Text, "secret123") {
		t.Error("SCNet's own text reached Slack")
	}

	e = newEnv(t).speak(zh)
	btns := e.s.ButtonsIn(zh, Target{Region: "r1", InstanceID: idFailed, Name: "train-<!channel>", AlertID: "a1-2-r1"}, scnet.StatusFailed)
	if msg := e.click(t, alice, actionDelete, btns[len(btns)-1].(*slack.ButtonBlockElement).Value); msg != nil {
		t.Fatalf("the Delete button answered %q", msg.Text)
	}
	v := e.lastModal(t)
	validModal(t, v)
	m := mustMeta(t, v)
	golden.AssertJSON(t, "modal_delete.zh.golden", []byte(strings.ReplaceAll(string(mustJSON(t, v)), m.Nonce, "NONCE")))
	if v.Title.Text != "删除实例" || v.Submit.Text != "删除" || v.Close.Text != "取消" {
		t.Errorf("modal title/submit/close %q %q %q", v.Title.Text, v.Submit.Text, v.Close.Text)
	}
	noEnglish(t, "delete modal", string(mustJSON(t, v.Blocks)))
	if errs := e.s.ValidateView(e.ctx, submission(alice, v, "train")); errs[NameBlockID] != "请准确输入实例名称：train-<!channel>" {
		t.Errorf("Chinese mismatch: %v", errs)
	}
	_, msg = e.s.SubmitView(e.ctx, submission(alice, v, "train-<!channel>"))
	valid(t, msg)
	goldenMessage(t, "outcome_delete_done.zh.golden", msg, m.Nonce)
	noEnglish(t, "delete outcome", msg.Text)
}

// TestConfirmInConfirmersLanguage: a confirmation is answered in the
// language of the person confirming, not the one it was asked in.
func TestConfirmInConfirmersLanguage(t *testing.T) {
	e := newEnv(t)
	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	msg := e.speak(zh).click(t, alice, actionConfirm, nonce)
	if !strings.Contains(msg.Text, "已请求重启") {
		t.Errorf("confirmed by a Chinese reader: %q", msg.Text)
	}
	nonce = nonceOf(t, e.click(t, alice, actionStop, target("r1", idRunning)))
	if msg := e.speak(en).click(t, alice, actionCancel, nonce); msg.Text != ":heavy_multiplication_x: Cancelled; nothing was sent to SCNet." {
		t.Errorf("cancelled by an English reader: %q", msg.Text)
	}
}

// TestChannelLanguage: BOT_LANGUAGE labels an alert's buttons and writes
// the thread's details; the person who clicked is answered in theirs, or
// in BOT_LANGUAGE when the bot does not know it; the audit log and the
// store stay English.
func TestChannelLanguage(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Printer = zh }).speak(en)
	labels := func(els []slack.BlockElement) []string {
		var out []string
		for _, el := range els {
			out = append(out, el.(*slack.ButtonBlockElement).Text.Text)
		}
		return out
	}
	tg := Target{Region: "r1", InstanceID: idFailed}
	if got := strings.Join(labels(e.s.Buttons(tg, scnet.StatusFailed)), ","); got != "重启,删除" {
		t.Errorf("alert buttons in BOT_LANGUAGE zh: %s", got)
	}
	if got := strings.Join(labels(e.s.ButtonsIn(en, tg, scnet.StatusRunning)), ","); got != "Stop,Delete" {
		t.Errorf("buttons for an English reader: %s", got)
	}
	if got := strings.Join(labels(newEnv(t).s.Buttons(tg, scnet.StatusFailed)), ","); got != "Restart,Delete" {
		t.Errorf("buttons without BOT_LANGUAGE: %s", got)
	}

	nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.r1.opErr = &scnet.APIError{Code: scnet.CodePermissionDenied, Msg: "denied", HTTPStatus: 200}
	msg := e.click(t, alice, actionConfirm, nonce)
	if !strings.Contains(msg.Text, "did not happen: nothing was restarted") {
		t.Errorf("the English clicker is answered %q", msg.Text)
	}
	e.rec.mu.Lock()
	last := e.rec.recs[len(e.rec.recs)-1]
	e.rec.mu.Unlock()
	if last.Outcome != tracked.ActionFailed || !regexp.MustCompile(`\p{Han}`).MatchString(last.Detail) {
		t.Errorf("the thread's detail is not in BOT_LANGUAGE: %+v", last)
	}
	if a := e.action(t, nonce); a.Detail == "" || regexp.MustCompile(`\p{Han}`).MatchString(a.Detail) {
		t.Errorf("the stored detail is for the operators, in English: %q", a.Detail)
	}
	lines := e.auditLines(t)
	if d, _ := lines[len(lines)-1]["detail"].(string); regexp.MustCompile(`\p{Han}`).MatchString(d) {
		t.Errorf("audit line in Chinese: %q", d)
	}

	// A click whose person the bot does not know is answered in
	// BOT_LANGUAGE.
	e.ctx = context.Background()
	if msg := e.click(t, bob, actionRestart, target("r1", idFailed)); !strings.Contains(msg.Text, "只有 <@UALICE> 和 <!subteam^SONCALL> 的成员可以") {
		t.Errorf("refusal without the person's language: %q", msg.Text)
	}
}

// TestChineseRefusalsAndCommands: the refusals and the command answers a
// Chinese reader gets are Chinese, escaped as the English ones are.
func TestChineseRefusalsAndCommands(t *testing.T) {
	e := newEnv(t).speak(zh)
	replies := map[string]string{
		"not allowed":          e.click(t, bob, actionRestart, target("r1", idFailed)).Text,
		"status rule":          e.click(t, alice, actionRestart, target("r1", idRunning)).Text,
		"forged":               e.click(t, alice, actionConfirm, "").Text,
		"unknown action":       e.click(t, alice, "act.reboot", "x").Text,
		"no such confirmation": e.click(t, alice, actionConfirm, "00112233445566778899aabbccddeeff").Text,
		"unknown region":       e.click(t, alice, actionRestart, target("r9", idFailed)).Text,
		"empty":                text(e.command(t, alice, tracked.ActionStop, " ")),
		"unknown kind":         text(e.command(t, alice, tracked.ActionKind("reboot"), "x")),
		"ambiguous":            text(e.command(t, alice, tracked.ActionRestart, "twin")),
		"none":                 text(e.command(t, alice, tracked.ActionRestart, "eva")),
		"delete opened":        text(e.command(t, alice, tracked.ActionDelete, "eval")),
		"off":                  New(Config{}).Command(e.ctx, tracked.ActionRestart, "x", slack.SlashCommand{UserID: alice}).Text,
	}
	raw := regexp.MustCompile(`<[a-z|]+>`)
	for name, reply := range replies {
		noEnglish(t, name, reply)
		if m := raw.FindString(reply); m != "" {
			t.Errorf("%s: %s is not escaped in %q", name, m, reply)
		}
	}
	if want := "只有 <@UALICE> 和 <!subteam^SONCALL> 的成员可以在 Slack 中重启、停止或删除实例"; !strings.Contains(replies["not allowed"], want) {
		t.Errorf("refusal %q, want %q", replies["not allowed"], want)
	}
	if want := "*serve* 当前状态为运行中；只能重启失败、已终止或已完成的实例"; !strings.Contains(replies["status rule"], want) {
		t.Errorf("status rule %q, want %q", replies["status rule"], want)
	}
	if !strings.Contains(replies["ambiguous"], "有多个名为 *twin* 的实例") {
		t.Errorf("ambiguous: %q", replies["ambiguous"])
	}

	var users []string
	for i := range 12 {
		users = append(users, "U"+strings.Repeat("1", i+1))
	}
	if got := (&access{users: users}).refusal(zh); !strings.Contains(got, "<@U111111111>、<@U1111111111> 和 另外 2 人可以在 Slack 中") {
		t.Errorf("refusal list %q", got)
	}
	if got := (&access{users: users}).refusal(en); !strings.Contains(got, ", <@U1111111111> and 2 more may") {
		t.Errorf("refusal list %q", got)
	}
}

// TestChineseUsedConfirmations: a click on a confirmation that can no
// longer act is told why in Chinese.
func TestChineseUsedConfirmations(t *testing.T) {
	e := newEnv(t).speak(zh)
	done := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
	e.click(t, alice, actionConfirm, done)
	cancelled := nonceOf(t, e.click(t, alice, actionStop, target("r1", idRunning)))
	e.click(t, alice, actionCancel, cancelled)
	failed := nonceOf(t, e.click(t, alice, actionRestart, target("r2", idOther)))
	e.r2.opErr = &scnet.APIError{Code: "716020", HTTPStatus: 200}
	e.click(t, alice, actionConfirm, failed)
	mine := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idTwin)))
	tests := []struct{ name, user, nonce, want string }{
		{"done", alice, done, "对 *train-&lt;!channel&gt;* 的重启已经完成：由 <@UALICE> 于"},
		{"cancelled", alice, cancelled, "这条确认已于 2026-12-02 11:12 UTC+08:00 取消"},
		{"failed", alice, failed, "对 *eval* 的重启于 2026-12-02 11:12 UTC+08:00 失败。请用 `/instances 重启 " + idOther + "` 重新发起"},
		{"someone else's", carol, mine, "这条确认由 <@UALICE> 发起"},
	}
	for _, tt := range tests {
		msg := e.click(t, tt.user, actionConfirm, tt.nonce)
		if !strings.Contains(msg.Text, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, msg.Text, tt.want)
		}
		noEnglish(t, tt.name, msg.Text)
	}
	e.clock.advance(11 * 60e9)
	if msg := e.click(t, alice, actionConfirm, mine); !strings.Contains(msg.Text, "这条确认已过期（2026-12-02 11:22 UTC+08:00）") {
		t.Errorf("expired: %q", msg.Text)
	}
}

// TestLimitsInBothLanguages: a Chinese name long enough to fill a button,
// a dialog and the modal stays within Slack's limits in both languages.
func TestLimitsInBothLanguages(t *testing.T) {
	for _, p := range []*i18n.Printer{en, zh} {
		for _, n := range []int{120, 200, 300} {
			name := strings.Repeat("训", n-1) + "<"
			t.Run(string(p.Lang())+"/"+name[:3], func(t *testing.T) {
				e := newEnv(t).speak(p)
				e.r1.mu.Lock()
				for _, id := range []string{idFailed, idRunning} {
					in := e.r1.instances[id]
					in.Name = name
					e.r1.instances[id] = in
				}
				e.r1.mu.Unlock()

				tg := Target{Region: "r1", InstanceID: idFailed, Name: name, AlertID: "a1-2-r1"}
				for _, st := range []scnet.Status{scnet.StatusFailed, scnet.StatusRunning} {
					els := e.s.ButtonsIn(p, tg, st)
					valid(t, &slack.WebhookMessage{Text: "x", Blocks: &slack.Blocks{BlockSet: []slack.Block{slack.NewActionBlock("", els...)}}})
				}
				for _, k := range []tracked.ActionKind{tracked.ActionRestart, tracked.ActionStop} {
					c := confirmDialog(p, k, name, strings.Repeat("区", 100))
					for what, o := range map[string]struct {
						s   *slack.TextBlockObject
						max int
					}{"title": {c.Title, 100}, "text": {c.Text, 300}, "confirm": {c.Confirm, 30}, "deny": {c.Deny, 30}} {
						if n := utf8.RuneCountInString(o.s.Text); n > o.max || n == 0 {
							t.Errorf("%s dialog %s has %d characters", k, what, n)
						}
					}
				}
				// click validates every answer against Block Kit's limits.
				nonce := nonceOf(t, e.click(t, alice, actionRestart, target("r1", idFailed)))
				e.r1.opErr = scnet.ErrOutcomeUnknown
				st := elements(t, e.click(t, alice, actionConfirm, nonce), actionStatus)
				if len(st) != 1 {
					t.Fatal("no Check status button")
				}
				e.click(t, bob, actionStatus, st[0]["value"].(string))
				e.r1.opErr = &scnet.APIError{Code: "716020", HTTPStatus: 200}
				e.click(t, alice, actionConfirm, nonceOf(t, e.click(t, alice, actionStop, target("r1", idRunning))))

				els := e.s.ButtonsIn(p, tg, scnet.StatusFailed)
				e.click(t, alice, actionDelete, els[len(els)-1].(*slack.ButtonBlockElement).Value)
				v := e.lastModal(t)
				validModal(t, v)
				e.r1.opErr = nil
				word := mustMeta(t, v).Word
				_, msg := e.s.SubmitView(e.ctx, submission(alice, v, word))
				valid(t, msg)
				if a := e.action(t, mustMeta(t, v).Nonce); a.Phase != state.ActionDone {
					t.Errorf("the delete of a long name ended %s: %s", a.Phase, msg.Text)
				}
			})
		}
	}
}

// TestEveryKindIsWorded: each kind's words, and an unknown kind's, are in
// both catalogs (wordsOf builds no id at run time, but the ids stand in a
// table the catalogs' check of literal ids cannot see).
func TestEveryKindIsWorded(t *testing.T) {
	for _, k := range []tracked.ActionKind{tracked.ActionRestart, tracked.ActionStop, tracked.ActionDelete, "reboot"} {
		w := wordsOf(k)
		for _, id := range []string{w.verb, w.noun, w.past, w.command} {
			for _, p := range []*i18n.Printer{en, zh} {
				if got := p.T(id); got == id || got == "" {
					t.Errorf("%s %s: %s is not in the catalog", p.Lang(), k, id)
				}
			}
		}
	}
}
