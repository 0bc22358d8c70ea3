package main

import (
	"encoding/json"
	"strings"
	"testing"

	"scnetbot/i18n"
	"scnetbot/internal/selfexec"
	"scnetbot/internal/slackemu"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// frames splits a transcript into its frames, each from its "┌─ " head.
func frames(transcript string) []string {
	parts := strings.Split(transcript, "┌─ ")
	return parts[1:]
}

// framesFrom are the frames whose head starts with head.
func framesFrom(transcript, head string) []string {
	var out []string
	for _, f := range frames(transcript) {
		if strings.HasPrefix(f, head) {
			out = append(out, f)
		}
	}
	return out
}

// TestDemoChinese runs the binary with --lang zh: a Chinese command word
// is answered in Chinese, Chinese labels click their buttons ("详情3"
// without a space too), home prints the Home tab and digest the digest,
// both in Chinese, and no digest comes that was not asked for.
func TestDemoChinese(t *testing.T) {
	stdout, stderr, code := selfexec.Run(t, "/instances 失败\n下一页\n详情3\nhome\ndigest\n", "--lang", "zh", "--fail-every", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	if strings.Contains("\n"+stdout, "\ndemo: ") || strings.Contains(stdout, "reply, ") {
		t.Errorf("an error, or a frame in English:\n%s", stdout)
	}
	replies := framesFrom(stdout, "回复")
	if len(replies) != 3 {
		t.Fatalf("%d replies, want the list, its page 2 and the details of its row 3:\n%s", len(replies), stdout)
	}
	if !strings.HasPrefix(replies[0], "回复，仅你可见") || !strings.Contains(replies[0], "▌失败的实例") || !strings.Contains(replies[0], "第 1 页，共") {
		t.Errorf("/instances 失败 is not the failed list in Chinese:\n%s", replies[0])
	}
	if !strings.HasPrefix(replies[1], "回复，替换了上一条") || !strings.Contains(replies[1], "第 2 页，共") {
		t.Errorf("下一页 did not turn to page 2:\n%s", replies[1])
	}
	if !strings.Contains(replies[2], "*状态* 🔴 失败") || !strings.Contains(replies[2], "[◀ 返回列表]") {
		t.Errorf("详情3 did not open the details of a row:\n%s", replies[2])
	}
	home := framesFrom(stdout, "主页标签")
	if len(home) != 1 || !strings.Contains(home[0], "▌SCNet 实例概览") || !strings.Contains(home[0], "*告警监控*") {
		t.Errorf("home printed %d Home tabs, want one in Chinese:\n%s", len(home), stdout)
	}
	digest := after(t, stdout, "(demo) 已请 bot 立即生成最近 24 小时的摘要")
	if n := strings.Count(stdout, "▌每日摘要 · "); n != 1 || !strings.Contains(digest, "┌─ chat.postMessage，#C0ALERTS\n│ ▌每日摘要 · ") {
		t.Errorf("%d digests, want the one digest asked for, in #C0ALERTS after it was asked for:\n%s", n, stdout)
	}
	for _, want := range []string{"*加速卡使用情况*", "*卡时排行*", "卡时"} {
		if !strings.Contains(digest, want) {
			t.Errorf("the digest lacks %q:\n%s", want, digest)
		}
	}
}

// TestDemoHomeAndDigest: in English, home prints the Home tab in a frame
// of its own and digest the digest, in the alert channel, once.
func TestDemoHomeAndDigest(t *testing.T) {
	stdout, stderr, code := selfexec.Run(t, "/instances running\nhome\ndigest\n", "--fail-every", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	if strings.Contains("\n"+stdout, "\ndemo: ") {
		t.Errorf("an error:\n%s", stdout)
	}
	if len(framesFrom(stdout, "reply, only visible to you")) != 1 {
		t.Errorf("no reply to /instances running:\n%s", stdout)
	}
	home := framesFrom(stdout, "Home tab\n")
	if len(home) != 1 || !strings.Contains(home[0], "▌SCNet instances at a glance") || !strings.Contains(home[0], "instances tracked*") {
		t.Errorf("home printed %d Home tabs, want one with the counts:\n%s", len(home), stdout)
	}
	digest := after(t, stdout, "(demo) Asked the bot for a digest of the last 24 hours now")
	if n := strings.Count(stdout, "▌Daily digest · "); n != 1 || !strings.Contains(digest, "┌─ chat.postMessage in #C0ALERTS\n│ ▌Daily digest · ") {
		t.Errorf("%d digests, want the one asked for, in #C0ALERTS:\n%s", n, stdout)
	}
	for _, want := range []string{"*Incidents*", "*GPUs in use*", "*Top users by GPU-hours*", "GPU-hours"} {
		if !strings.Contains(digest, want) {
			t.Errorf("the digest lacks %q:\n%s", want, digest)
		}
	}
}

// TestDemoChineseRestart: with --lang zh the alert's 重启 opens the
// prompt, whose 重启 shows Slack's dialog in Chinese; 取消 closes it, 确认
// restarts the instance once.
func TestDemoChineseRestart(t *testing.T) {
	cluster, victim := demoInstance(t, scnet.StatusRunning)
	out, sim := runActionsWith(t, []string{"--lang", "zh"}, "fail "+victim.Name+"\n重启\n重启\n取消\n重启\n确认\n")
	rest := after(t, out, "(demo) SCNet：")
	rest = after(t, rest, "┌─ Slack 确认对话框：")
	rest = after(t, rest, "(demo) Slack 在发送点击之前先确认：输入“确认”按下“重启”，输入“取消”按下“返回”")
	rest = after(t, rest, "(demo) 已按下“返回”：Slack 关闭了对话框，没有向 scnetbot 发送任何内容")
	rest = after(t, rest, "┌─ Slack 确认对话框：")
	done := after(t, rest, "┌─ 回复，替换了上一条")
	if !strings.Contains(done, victim.Name) || !strings.Contains(done, "✅") {
		t.Errorf("确认 did not restart %s:\n%s", victim.Name, done)
	}
	if n := sim.Region(cluster).ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet received %d restarts, want 1", n)
	}
}

// TestDemoFindsChineseButtons: Chinese labels match as English ones do,
// emoji and arrows ignored, and a row number may follow without a space.
func TestDemoFindsChineseButtons(t *testing.T) {
	p := newPrinter(&strings.Builder{}, false)
	p.tr = i18n.MustLoad().Printer(i18n.Chinese)
	p.print(slackemu.Message{Via: "response_url", Channel: demoChannel, TS: "1.000300", Blocks: json.RawMessage(`[
		{"type":"section","text":{"type":"mrkdwn","text":"🔴 *语音识别-测试15*  ·  失败"},
		 "accessory":{"type":"button","action_id":"inst.details.0","text":{"type":"plain_text","text":"详情"}}},
		{"type":"section","text":{"type":"mrkdwn","text":"🔴 *whisper-asr-3*  ·  失败"},
		 "accessory":{"type":"button","action_id":"inst.details.1","text":{"type":"plain_text","text":"详情"}}},
		{"type":"section","text":{"type":"mrkdwn","text":"🔴 *train-llm-7*  ·  失败"},
		 "accessory":{"type":"button","action_id":"inst.details.2","text":{"type":"plain_text","text":"详情"}}},
		{"type":"actions","elements":[
		 {"type":"button","action_id":"list.prev","text":{"type":"plain_text","text":"◀ 上一页"}},
		 {"type":"button","action_id":"list.next","text":{"type":"plain_text","text":"下一页 ▶"}},
		 {"type":"button","action_id":"list.refresh","text":{"type":"plain_text","text":":arrows_counterclockwise: 刷新"}},
		 {"type":"button","action_id":"list.share","text":{"type":"plain_text","text":"分享到频道"}}]}
	]`)})
	for _, tt := range []struct{ typed, want string }{
		{"下一页", "list.next"},
		{"下一页 ▶", "list.next"},
		{"上一页", "list.prev"},
		{"刷新", "list.refresh"},
		{"🔄 刷新", "list.refresh"},
		{"点击 刷新", "list.refresh"},
		{"click 刷新", "list.refresh"},
		{"分享到频道", "list.share"},
		{"详情", "inst.details.0"},
		{"详情 3", "inst.details.2"},
		{"详情3", "inst.details.2"},
		{"详情 语音识别-测试15", "inst.details.0"},
		{"详情 whisper-asr-3", "inst.details.1"},
	} {
		_, b, err := p.find(tt.typed)
		if err != nil || b.ActionID != tt.want {
			t.Errorf("find(%q) = %q, %v; want %s", tt.typed, b.ActionID, err, tt.want)
		}
	}
	for _, tt := range []struct{ typed, want string }{
		{"详情 4", "没有第 4 行：最新一条带“详情”按钮的消息有 3 个“详情”按钮"},
		{"详情4", "没有第 4 行"},
		{"确认", `最近的消息上没有按钮 "确认"`},
	} {
		if _, b, err := p.find(tt.typed); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("find(%q) = %q, %v; want an error saying %q", tt.typed, b.ActionID, err, tt.want)
		}
	}
}

// TestDemoNotesHomeChangesOnce: once home has printed the tab, a change
// the bot publishes later is noted in one line, and further changes are
// not, until home is typed again; a Home tab is not a modal.
func TestDemoNotesHomeChangesOnce(t *testing.T) {
	var w strings.Builder
	p := newPrinter(&w, false)
	home := func(hash string) slackemu.View {
		return slackemu.View{ID: "V0HOME", Type: viewHome, UserID: demoUser, Hash: hash, Open: true}
	}
	p.view(home("h0")) // before home was typed
	if w.Len() != 0 {
		t.Errorf("a Home tab nobody asked to see was printed:\n%s", w.String())
	}
	p.mu.Lock()
	p.home.hash = "h1" // what home printed
	p.mu.Unlock()
	p.view(home("h1"))
	p.view(home("h2"))
	p.view(home("h3"))
	if got := strings.Count(w.String(), "(demo) The bot updated your Home tab: type home to see it"); got != 1 {
		t.Errorf("%d notes of the changes, want 1:\n%s", got, w.String())
	}
	if len(p.views) != 0 {
		t.Errorf("the Home tab is kept as a modal: %+v", p.views)
	}
}
