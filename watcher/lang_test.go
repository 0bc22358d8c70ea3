package watcher_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/watcher"
)

var (
	english = i18n.MustLoad().Printer(i18n.English)
	chinese = i18n.MustLoad().Printer(i18n.Chinese)
)

// withLanguage sets BOT_LANGUAGE: the printer of the channel messages.
func withLanguage(p *i18n.Printer) envOption { return func(e *env) { e.ui.Printer = p } }

// clickAs presses an alert button as user, whose language is p (the bot
// puts the clicker's printer in the click's context).
func (e *env) clickAs(p *i18n.Printer, user, actionID, value string) *slack.WebhookMessage {
	e.t.Helper()
	return e.a.Action(i18n.NewContext(e.ctx, p), slack.InteractionCallback{User: slack.User{ID: user}},
		&slack.BlockAction{ActionID: actionID, Value: value})
}

// everything is a reply's text and blocks, as one string to search.
func everything(m *slack.WebhookMessage) string {
	if m == nil {
		return ""
	}
	b, _ := json.Marshal(m.Blocks)
	return m.Text + "\n" + unescapeJSON(string(b))
}

// TestChineseChannel: with BOT_LANGUAGE zh, the alert of an instance with a
// 120-character Chinese name, its thread lines, its status line when it
// flaps and the outage notice are Chinese and fit Block Kit (drain checks
// every message); a button answers each clicker in their own language,
// while the alert it re-renders stays in the channel's.
func TestChineseChannel(t *testing.T) {
	e := newEnv(t, 0, withLanguage(chinese), withConfig(func(c *watcher.Config) { c.FlapWindow = 30 * time.Minute }))
	name := strings.Repeat("训练", 60)
	r := e.alerted(name)
	alerts := e.alerts()
	if len(alerts) != 1 {
		t.Fatalf("%d alerts, want 1", len(alerts))
	}
	b := blocksOf(alerts[0])
	for _, want := range []string{"失败：" + name, "状态变为 *运行中 → 失败*", "*状态：* 自 ", "起失败", "尚未认领", `"认领"`, "静默 1 小时", "详情"} {
		if !strings.Contains(b, want) {
			t.Errorf("alert lacks %q: %s", want, b)
		}
	}

	// It recovers and fails again: thread lines and the status line.
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.clock.Advance(5 * time.Minute)
	e.setStatus(r.ID, scnet.StatusFailed)
	e.step()
	e.drain()
	for _, want := range []string{"已恢复：失败 → 运行中", "再次失败（7分钟内第 2 次）：运行中 → 失败"} {
		if n := countContaining(e.replies(), want); n != 1 {
			t.Errorf("%d thread lines with %q: %v", n, want, e.replies())
		}
	}
	b = blocksOf(e.alerts()[0])
	if !strings.Contains(b, "反复失败：自 ") || !strings.Contains(b, "*状态：* 再次失败（7分钟内第 2 次）") {
		t.Errorf("flapping alert: %s", b)
	}

	// An English clicker reads English; the alert stays Chinese.
	value := buttonValue(t, b, "alert.details")
	alertID, _, _ := strings.Cut(value, "|")
	if reply := e.clickAs(english, "U1", "alert.snooze.90m", value); !strings.Contains(everything(reply), "no such snooze button (alerts offer 1h, 4h or 24h)") {
		t.Errorf("English clicker, forged snooze: %s", everything(reply))
	}
	if reply := e.clickAs(chinese, "U1", "alert.snooze.90m", value); !strings.Contains(everything(reply), "没有这个静默按钮（告警提供 1h、4h或24h）") {
		t.Errorf("Chinese clicker, forged snooze: %s", everything(reply))
	}
	if reply := e.clickAs(english, "U1", "alert.details", value); !strings.Contains(everything(reply), "*Status*") || strings.Contains(everything(reply), "状态") {
		t.Errorf("English clicker, details: %s", everything(reply))
	}
	reply := e.clickAs(english, "U0ACK", "alert.ack", alertID)
	if s := everything(reply); reply == nil || !reply.ReplaceOriginal || !strings.Contains(s, "<@U0ACK> 已于 ") || strings.Contains(s, "Acknowledged") {
		t.Errorf("the acknowledged alert, re-rendered for an English clicker: %s", s)
	}

	// SCNet goes down: the outage notice and its recovery.
	for range 8 {
		e.sim.SetDown(true)
		e.clock.Advance(time.Minute)
		e.pollFail()
	}
	e.sim.SetDown(false)
	e.step()
	e.drain()
	top, replies := e.messages()
	if n := countContaining(top, "SCNet 无法访问"); n != 1 {
		t.Errorf("%d Chinese outage notices, want 1", n)
	}
	if n := countContaining(replies, "SCNet 已恢复响应"); n != 1 {
		t.Errorf("%d Chinese recovery replies, want 1", n)
	}
	for _, m := range e.emu.ChannelMessages(channel) {
		for _, english := range []string{"unreachable", "answers again", "Acknowledge", "failed again", "recovered:"} {
			if strings.Contains(m.Text+string(m.Blocks), english) {
				t.Errorf("a channel message says %q: %s", english, m.Text)
			}
		}
	}
}

// TestEnglishChannelChineseClicker: the default channel language is
// English; a Chinese clicker's private answers are Chinese.
func TestEnglishChannelChineseClicker(t *testing.T) {
	e := newEnv(t, 0)
	e.alerted("job")
	b := blocksOf(e.alerts()[0])
	value := buttonValue(t, b, "alert.details")
	if reply := e.clickAs(chinese, "U1", "alert.details", "nope|"+strings.SplitN(value, "|", 2)[1]); !strings.Contains(everything(reply), "监控已不再保留这条告警") {
		t.Errorf("Chinese clicker, unknown alert: %s", everything(reply))
	}
	if reply := e.clickAs(chinese, "U1", "alert.details", value); !strings.Contains(everything(reply), "*状态*") {
		t.Errorf("Chinese clicker, details: %s", everything(reply))
	}
	reply := e.clickAs(chinese, "U0ACK", "alert.ack", strings.SplitN(value, "|", 2)[0])
	if s := everything(reply); reply == nil || !strings.Contains(s, "Acknowledged by <@U0ACK>") || strings.Contains(s, "认领") {
		t.Errorf("the acknowledged alert, re-rendered for a Chinese clicker: %s", s)
	}
	// Without a printer in the context, the channel's language.
	if reply := e.a.Action(context.Background(), slack.InteractionCallback{User: slack.User{ID: "U1"}},
		&slack.BlockAction{ActionID: "alert.nope"}); reply == nil || reply.Text != "This button is no longer supported." {
		t.Errorf("no printer in the context: %+v", reply)
	}
}
