package alerts

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/watcher"
)

// longChinese is a name of n Chinese characters: three bytes each, so a
// limit counted in bytes would cut it at a third of what Slack allows.
func longChinese(n int) string { return strings.Repeat("训", n) }

// TestEveryMessageFitsBlockKitWithALongChineseName renders every message
// of the channel in both languages for an instance, a resource group, a
// user, an account and a region named with 120 Chinese characters: each
// must pass Block Kit's limits (counted in characters), and the header
// must still show the name's start.
func TestEveryMessageFitsBlockKitWithALongChineseName(t *testing.T) {
	inEach(t, func(t *testing.T, p *i18n.Printer) {
		r := goldenWatcherIn(p)
		name, region := longChinese(120), "区"+longChinese(119)
		in := hostileInstance()
		in.Name, in.UserName, in.ResourceGroup, in.AcceleratorType = name, name, name, name
		in.TimeoutLimit = "72h"
		open := state.Alert{ID: "a-1", InstanceID: in.ID, From: scnet.StatusRunning, To: scnet.StatusFailed,
			Created: goldenNow.Add(-time.Hour), StatusLine: name, Failures: 3}
		acked := open
		acked.AckedBy, acked.AckedAt = "U42", goldenNow
		closed := open
		closed.Closed, closed.ResolvedBy = goldenNow, "U42"
		change := watcher.Change{Instance: in, From: scnet.StatusRunning, To: scnet.StatusFailed}
		storm := []watcher.Change{change, change, change, change, change, change}
		account := scnet.Account{AccountName: name, Status: name, Balance: -1, BalanceKnown: true}
		type message struct {
			text   string
			blocks json.RawMessage
		}
		msgs := map[string]message{}
		add := func(what string) func(string, json.RawMessage) {
			return func(text string, blocks json.RawMessage) { msgs[what] = message{text, blocks} }
		}
		add("alert")(r.Alert(open, in, nil, region))
		add("alert acked and snoozed")(r.Alert(acked, in, &state.Snooze{Until: goldenNow, By: "U7"}, region))
		add("alert resolved")(r.Alert(closed, in, nil, region))
		add("alert new")(r.Alert(state.Alert{ID: "a-2", InstanceID: in.ID, To: scnet.StatusFailed, StatusLine: name}, in, nil, region))
		add("storm")(r.Storm(state.Alert{ID: "s-1", Storm: true, StatusLine: name}, storm, region))
		lines := []string{r.StormLine(change), r.NewsLine(name, in.ID, name, "now"),
			r.UserNewsLine(name, in.ID, name+watcher.UserMark, "U1", "now")}
		for i, c := range r.Chunks(lines) {
			add("list")(r.List(c, p.T("WatchStormListTitle"), i, 1))
		}
		add("baseline")(r.Baseline(region, 3, []scnet.Status{scnet.StatusFailed, scnet.StatusTerminated}, nil))
		add("outage")(r.Outage(state.Alert{ID: "o", StatusLine: r.OutageLine(goldenNow, nil)}, region))
		add("recovered")(r.Recovered(state.Alert{ID: "o", StatusLine: r.RecoveredLine(goldenNow.Add(-time.Hour), goldenNow)}, region))
		add("token")(r.TokenWarning(region, goldenNow.Add(time.Hour), goldenNow))
		add("token expired")(r.TokenWarning(region, goldenNow.Add(-time.Hour), goldenNow))
		add("suspended")(r.Suspended(region))
		add("escalation")(r.Escalation(open, "S0ONCALL", time.Hour))
		add("expiry")(r.ExpiryWarning(in, time.Minute, region))
		for _, reason := range []watcher.AccountReason{watcher.AccountFrozen, watcher.AccountStatus, watcher.AccountArrears, watcher.AccountLowBalance} {
			add("account " + string(reason))(r.AccountWarning(watcher.AccountProblem{Reason: reason, Account: account, Below: 10,
				Refused: []string{region, region}}))
		}
		add("account ok")(r.AccountOK(account))
		for what, m := range msgs {
			if vs := blockkit.ValidateMessage(m.text, m.blocks); len(vs) > 0 {
				t.Errorf("%s breaks Block Kit rules: %v", what, vs)
			}
		}
		var header struct {
			Text struct{ Text string } `json:"text"`
		}
		var blocks []json.RawMessage
		if err := json.Unmarshal(msgs["alert"].blocks, &blocks); err != nil || json.Unmarshal(blocks[0], &header) != nil {
			t.Fatalf("alert blocks: %v", err)
		}
		if n := utf8.RuneCountInString(header.Text.Text); n > blockkit.MaxHeaderText || !strings.Contains(header.Text.Text, longChinese(100)) {
			t.Errorf("header of %d characters: %q", n, header.Text.Text)
		}
	})
}

// TestChannelMessagesInChinese: with BOT_LANGUAGE zh the alert, its
// thread line and the outage notice read in Chinese, with no English word
// of scnetbot's own left in them.
func TestChannelMessagesInChinese(t *testing.T) {
	r := goldenWatcherIn(chinese)
	in := scnet.Instance{ID: "a1b2c3", Name: "训练-7", Status: scnet.StatusFailed}
	a := state.Alert{ID: "a-1", InstanceID: in.ID, From: scnet.StatusRunning, To: scnet.StatusFailed, StatusLine: "x"}
	_, alert := r.Alert(a, in, nil, "华东一区")
	_, outage := r.Outage(state.Alert{ID: "o", StatusLine: r.OutageLine(goldenNow, nil)}, "华东一区")
	line := r.UserNewsLine(in.Name, in.ID, chinese.T("WatchRestartedBy", "User", watcher.UserMark), "U42", "18:00")
	for _, tc := range []struct {
		what string
		got  string
		want []string
	}{
		{"alert", strings.Join(mrkdwnTexts(t, alert), "\n") + string(alert),
			[]string{"实例 *训练-7* (`a1b2c3`)（华东一区） 状态变为 *运行中 → 失败*", "失败：训练-7", "尚未认领", `"认领"`, "静默 1 小时", "详情"}},
		{"thread line", line, []string{"• *训练-7* (`a1b2c3`) 已由 <@U42> 重启（18:00）"}},
		{"outage", strings.Join(mrkdwnTexts(t, outage), "\n"), []string{"*SCNet 无法访问（华东一区）。*", "起无法访问"}},
	} {
		for _, w := range tc.want {
			if !strings.Contains(tc.got, w) {
				t.Errorf("%s lacks %q: %s", tc.what, w, tc.got)
			}
		}
		for _, english := range []string{"Instance", "went", "Acknowledge", "Snooze", "Details", "unreachable", "restarted", " at "} {
			if strings.Contains(tc.got, english) {
				t.Errorf("%s still says %q: %s", tc.what, english, tc.got)
			}
		}
	}
}
