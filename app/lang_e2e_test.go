package app

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"scnetbot/actions"
	"scnetbot/blockkit"
	"scnetbot/config"
	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// The readers of the language tests: one whose Slack is in Chinese, one
// whose Slack is in English, in the same channel.
const (
	zhUser = "U0ZHREADER"
	enUser = "U0ENREADER"
)

// taskList is SCNet's instance list endpoint, what a list command costs.
const taskList = "/ai/openapi/v2/instance-service/task"

// zhT is a Chinese message of the catalog, for the words a test looks
// for that translators may reword.
func zhT(id string, args ...any) string { return i18n.MustLoad().Printer(i18n.Chinese).T(id, args...) }

// withReaders gives the emulator's users their Slack locales.
func withReaders(emu *slackemu.Server) {
	emu.SetUserLocale(zhUser, "zh-CN")
	emu.SetUserLocale(enUser, "en-US")
}

// botLanguage sets BOT_LANGUAGE as config.Load would.
func botLanguage(c *config.Config, l i18n.Lang) {
	c.BotLanguage, c.Language = string(l), l
}

// validMessage fails t when m breaks a Block Kit rule.
func validMessage(t *testing.T, what string, m slackemu.Message) {
	t.Helper()
	if vs := blockkit.ValidateMessage(m.Text, m.Blocks); len(vs) > 0 {
		t.Errorf("%s breaks Block Kit: %v\n%.1500s", what, vs, everything(m))
	}
}

// reads asserts that m, seen by a person, has every one of wants and none
// of lacks, and that it is valid Block Kit.
func reads(t *testing.T, what string, m slackemu.Message, wants, lacks []string) {
	t.Helper()
	validMessage(t, what, m)
	all := visible(m)
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("%s lacks %q:\n%.2000s", what, w, all)
		}
	}
	for _, l := range lacks {
		if strings.Contains(all, l) {
			t.Errorf("%s shows %q, of the other language:\n%.2000s", what, l, all)
		}
	}
}

// labelOf is the label of m's button with actionID, "" when there is none.
func labelOf(t *testing.T, m slackemu.Message, actionID string) string {
	t.Helper()
	var walk func(v any) string
	walk = func(v any) string {
		switch x := v.(type) {
		case []any:
			for _, y := range x {
				if s := walk(y); s != "" {
					return s
				}
			}
		case map[string]any:
			if x["type"] == "button" && x["action_id"] == actionID {
				if txt, ok := x["text"].(map[string]any); ok {
					s, _ := txt["text"].(string)
					return s
				}
			}
			for _, y := range x {
				if s := walk(y); s != "" {
					return s
				}
			}
		}
		return ""
	}
	var v any
	if err := json.Unmarshal(m.Blocks, &v); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	return walk(v)
}

// labelled fails t unless m's button actionID reads want.
func labelled(t *testing.T, what string, m slackemu.Message, actionID, want string) {
	t.Helper()
	if got := labelOf(t, m, actionID); got != want {
		t.Errorf("%s: button %s is labelled %q, want %q\n%.1500s", what, actionID, got, want, visible(m))
	}
}

// TestE2ELangTwoReadersOneChannel: a Chinese and an English reader in one
// channel type the same commands, in either language's words: each is
// answered in their own language — lists, help, details and its action
// buttons, paging — and the answers share one cache, so SCNet is asked the
// same whoever asks first. users.info is asked once per reader.
func TestE2ELangTwoReadersOneChannel(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(200, 7))
	withReaders(emu)
	cfg := e2eConfig(t, sim, emu)
	cfg.ActionUsers = config.List{zhUser, enUser}
	cfg.CacheTTL.D = time.Hour // the test, not the clock, decides what is cached
	cfg.AllowedChannels = config.List{"C0ONCALL"}
	e := startBot(t, sim, emu, cfg)
	failed := e.addInstance("e2e-lang-failed", scnet.StatusFailed)

	zhList := []string{"失败的实例"}
	enList := []string{"Failed instances"}
	sim.ResetRequests()
	for _, tt := range []struct {
		user, text    string
		wants, lacks  []string
		requestsAfter int
	}{
		// The first asks SCNet; every later one, in either language and
		// with either word, is the same query and reads the cache.
		{zhUser, "failed", zhList, enList, 1},
		{enUser, "failed", enList, zhList, 1},
		{enUser, "失败", enList, zhList, 1},
		{zhUser, "失败", zhList, enList, 1},
		{zhUser, "help", []string{"/instances 用法", "帮助"}, []string{"How to use /instances"}, 1},
		{enUser, "帮助", []string{"How to use /instances"}, []string{"/instances 用法"}, 1},
		{enUser, "help", []string{"How to use /instances"}, []string{"/instances 用法"}, 1},
		{zhUser, "帮助", []string{"/instances 用法"}, []string{"How to use /instances"}, 1},
		// The other way round: English first, then Chinese.
		{enUser, "running", []string{"Running instances"}, []string{"运行中的实例"}, 2},
		{zhUser, "运行中", []string{"运行中的实例"}, []string{"Running instances"}, 2},
	} {
		_, reply := e.commandAs(tt.user, tt.text)
		reads(t, tt.user+" /instances "+tt.text, reply, tt.wants, tt.lacks)
		if got := sim.RequestCount(taskList); got != tt.requestsAfter {
			t.Errorf("after %s's /instances %s SCNet had %d list requests, want %d", tt.user, tt.text, got, tt.requestsAfter)
		}
	}

	// More of the command in either language's words.
	for _, tt := range []struct {
		user, text   string
		wants, lacks []string
	}{
		{zhUser, "区域", []string{"SCNet 区域"}, []string{"SCNet regions"}},
		{enUser, "区域", []string{"SCNet regions"}, []string{"SCNet 区域"}},
		{zhUser, "失败 第2页", []string{"失败的实例", "第 2 页，共"}, []string{"Page 2"}},
		{enUser, "failed page 2", []string{"Failed instances", "Page 2 of"}, []string{"第 2 页"}},
		{zhUser, "监控", []string{zhT("CmdWatchOff")}, []string{"watcher is disabled"}},
		{zhUser, "runing", []string{"你是想写"}, []string{"did you mean"}},
	} {
		_, reply := e.commandAs(tt.user, tt.text)
		reads(t, tt.user+" /instances "+tt.text, reply, tt.wants, tt.lacks)
	}

	// Details, with the action buttons in the reader's language.
	zhDetails := e.details(zhUser, failed.ID)
	reads(t, "the Chinese details", zhDetails, []string{"镜像", "资源组", "失败"}, []string{"Resource group"})
	labelled(t, "the Chinese details", zhDetails, "act.restart", "重启")
	labelled(t, "the Chinese details", zhDetails, "act.delete", "删除")
	enDetails := e.details(enUser, failed.ID)
	reads(t, "the English details", enDetails, []string{"Image", "Resource group", "Failed"}, []string{"资源组"})
	labelled(t, "the English details", enDetails, "act.restart", "Restart")

	// The restart prompt from the details view, in the reader's language.
	_, zhPrompt := e.clickAs(zhDetails, "重启", zhUser)
	reads(t, "the Chinese prompt", zhPrompt, []string{"e2e-lang-failed", "要重启"}, []string{"It is"})
	labelled(t, "the Chinese prompt", zhPrompt, "act.cancel", "取消")
	_, cancelled := e.clickAs(zhPrompt, "取消", zhUser)
	reads(t, "the Chinese cancel", cancelled, []string{"已取消"}, []string{"Cancelled"})

	// Paging: each reader's list pages in their language.
	_, zhAll := e.commandAs(zhUser, "")
	reads(t, "the Chinese list", zhAll, []string{"全部实例", "第 1 页，共"}, []string{"All instances"})
	_, zhNext := e.clickAs(zhAll, "下一页 ▶", zhUser)
	reads(t, "the Chinese page 2", zhNext, []string{"第 2 页，共"}, []string{"Page 2"})
	_, zhBack := e.clickAs(zhNext, "◀ 上一页", zhUser)
	reads(t, "the Chinese page 1 again", zhBack, []string{"第 1 页，共"}, nil)
	_, enAll := e.commandAs(enUser, "")
	reads(t, "the English list", enAll, []string{"All instances", "Page 1 of"}, []string{"全部实例"})
	_, enNext := e.clickAs(enAll, "Next ▶", enUser)
	reads(t, "the English page 2", enNext, []string{"Page 2 of"}, []string{"第 2 页"})

	// Shared to the channel, a Chinese reader's list is a channel message:
	// in BOT_LANGUAGE (English here), for everyone in the channel.
	_, shared := e.clickAs(zhBack, "分享到频道", zhUser)
	if shared.ResponseType != "in_channel" {
		t.Errorf("Share posted %q, want in_channel", shared.ResponseType)
	}
	reads(t, "the shared list", shared, []string{"All instances", "shared by <@" + zhUser + ">"}, []string{"全部实例"})

	_, zhRow := e.clickAs(zhBack, "详情", zhUser)
	reads(t, "the Chinese details from a row", zhRow, []string{"镜像"}, []string{"Image"})

	// Refused in a channel ALLOWED_CHANNELS leaves out, in their language.
	for _, tt := range []struct{ user, want, other string }{
		{zhUser, "scnetbot 不在这个频道回复", "does not answer in this channel"},
		{enUser, "does not answer in this channel", "scnetbot 不在这个频道回复"},
	} {
		in, err := emu.SendSlashCommand(timeout(t, 10*time.Second), slackemu.SlashCommand{
			Command: "/instances", Text: "失败", UserID: tt.user, ChannelID: "C0RANDOM"})
		if err != nil {
			t.Fatal(err)
		}
		e.awaitAck(in)
		reads(t, tt.user+" in another channel", e.awaitReply(in), []string{tt.want}, []string{tt.other})
	}

	for _, u := range []string{zhUser, enUser} {
		if n := emu.UsersInfoCalls(u); n != 1 {
			t.Errorf("users.info asked about %s %d times, want once (cached)", u, n)
		}
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2ELangAlertsInBotLanguage: with the watcher on, an alert in the
// channel is in BOT_LANGUAGE (English by default, then Chinese); a reader
// of the other language acknowledges it, opens its details and restarts
// the instance from it: what only they see (details, prompt, Slack's
// confirm dialog, the outcome) is in their language, what the channel
// sees (the alert re-rendered, the thread's line) in BOT_LANGUAGE.
func TestE2ELangAlertsInBotLanguage(t *testing.T) {
	for _, tt := range []struct {
		bot      i18n.Lang
		reader   string // the reader of the other language
		channel  []string
		notChan  []string
		ackedBy  string
		thread   string
		again    string // the thread's line once it runs again
		resolved string // the alert's header once resolved
		private  privateWords
		ackLabel string
	}{
		{
			bot: i18n.English, reader: zhUser,
			channel: []string{"Failed", "Acknowledge"}, notChan: []string{"失败", zhT("AlertAckButton")},
			ackedBy: "Acknowledged by <@" + zhUser + ">", thread: "restarted by <@" + zhUser + ">",
			again: "running again after restart by <@" + zhUser + ">", resolved: "Resolved: e2e-lang-victim",
			private:  privateWords{details: "镜像", restart: "重启", prompt: "要重启", dialog: "要重启", done: "已请求重启", other: "Image"},
			ackLabel: "Acknowledge",
		},
		{
			bot: i18n.Chinese, reader: enUser,
			channel: []string{"失败", zhT("AlertAckButton")}, notChan: []string{"Failed", "Acknowledge"},
			ackedBy: "<@" + enUser + "> 已于", thread: "已由 <@" + enUser + "> 重启",
			again: "经 <@" + enUser + "> 重启后恢复运行", resolved: "已解决：e2e-lang-victim",
			private:  privateWords{details: "Image", restart: "Restart", prompt: "Restart", dialog: "Restart", done: "Restart requested by", other: "镜像"},
			ackLabel: zhT("AlertAckButton"),
		},
	} {
		t.Run(string(tt.bot), func(t *testing.T) {
			sim, emu := newSimAndEmu(t, scnettest.WithInstances(30, 7), scnettest.WithRestartDelay(200*time.Millisecond), scnettest.WithTokenLifetime(30*24*time.Hour))
			withReaders(emu)
			cfg := e2eConfig(t, sim, emu)
			watchFast(cfg)
			botLanguage(cfg, tt.bot)
			cfg.ActionUsers = config.List{zhUser, enUser}
			victim := sim.Add(scnettest.Record{Name: "e2e-lang-victim", Status: scnet.StatusRunning})
			e := startBot(t, sim, emu, cfg)
			e.regionsPolled(t, 1, 1)
			wait.Until(t, "the baseline summary", func() bool { return len(topLevel(emu, alertChannel)) == 1 })
			validMessage(t, "the baseline summary", topLevel(emu, alertChannel)[0])

			alert := e.failAndAlert(t, victim.ID)
			reads(t, "the alert", alert, tt.channel, tt.notChan)

			// Details from the alert: private, in the reader's language,
			// action buttons too.
			_, details := e.clickAs(alert, "alert.details", tt.reader)
			if !details.Ephemeral && details.ResponseType != "ephemeral" {
				t.Errorf("the alert's details are not private: %+v", details)
			}
			reads(t, "the alert's details for "+tt.reader, details, []string{tt.private.details}, []string{tt.private.other})
			labelled(t, "the alert's details for "+tt.reader, details, "act.restart", tt.private.restart)

			// Acknowledge: the channel's message, re-rendered in
			// BOT_LANGUAGE, names the reader.
			_, acked := e.clickAs(alert, tt.ackLabel, tt.reader)
			if !acked.ReplaceOriginal {
				t.Errorf("Acknowledge did not replace the alert: %+v", acked)
			}
			reads(t, "the acknowledged alert", acked, []string{tt.ackedBy}, tt.notChan[:1])
			wait.Until(t, "the channel's alert acknowledged", func() bool {
				return strings.Contains(visible(e.current(t, alert)), tt.ackedBy)
			})
			reads(t, "the channel's acknowledged alert", e.current(t, alert), []string{tt.ackedBy}, tt.notChan[:1])

			// Restart from the alert: prompt, dialog and outcome in the
			// reader's language; the thread's line in BOT_LANGUAGE.
			_, prompt := e.clickAs(e.current(t, alert), "act.restart", tt.reader)
			if !prompt.Ephemeral && prompt.ResponseType != "ephemeral" {
				t.Errorf("the prompt is not private: %+v", prompt)
			}
			reads(t, "the restart prompt", prompt, []string{tt.private.prompt, "e2e-lang-victim"}, nil)
			dialog, err := emu.ButtonConfirm(prompt, "act.confirm")
			if err != nil || dialog == nil {
				t.Fatalf("the prompt's confirm has no dialog: %v %v", dialog, err)
			}
			if !strings.Contains(dialog.Title+dialog.Text, tt.private.dialog) {
				t.Errorf("confirm dialog %q / %q is not in the reader's language (want %q)", dialog.Title, dialog.Text, tt.private.dialog)
			}
			_, done := e.clickAs(prompt, "act.confirm", tt.reader)
			reads(t, "the restart's outcome", done, []string{tt.private.done}, nil)
			if n := sim.ActionCount(scnettest.ActionRestart); n != 1 {
				t.Errorf("SCNet got %d restarts, want 1", n)
			}
			wait.Until(t, "the restart in the thread", func() bool { return e.inThread(alert, tt.thread) == 1 })
			wait.Until(t, "running again in the thread", func() bool { return e.inThread(alert, tt.again) == 1 })
			wait.Until(t, "the alert resolved", func() bool { return strings.Contains(visible(e.current(t, alert)), tt.resolved) })
			e.delivered(t)
			for _, m := range e.thread(alert) {
				validMessage(t, "a thread reply", m)
				for _, w := range tt.notChan[:1] {
					if strings.Contains(visible(m), w) {
						t.Errorf("a thread reply is not in BOT_LANGUAGE (shows %q):\n%s", w, visible(m))
					}
				}
			}
			if n := emu.UsersInfoCalls(tt.reader); n != 1 {
				t.Errorf("users.info asked about %s %d times, want once", tt.reader, n)
			}
			for _, m := range emu.ChannelMessages(alertChannel) {
				validMessage(t, "a channel message", m)
			}
			if v := emu.Violations(); len(v) > 0 {
				t.Errorf("Block Kit violations: %v", v)
			}
		})
	}
}

// privateWords are what a reader's private answers must show: details'
// field, the restart button's label, the prompt's, the confirm dialog's
// and the outcome's words; other is a word of the other language.
type privateWords struct {
	details, restart, prompt, dialog, done, other string
}

// TestE2ELangWithoutUsersRead: an app installed without users:read cannot
// read anyone's locale: everyone is answered in BOT_LANGUAGE, and the
// commands still answer.
func TestE2ELangWithoutUsersRead(t *testing.T) {
	for _, tt := range []struct {
		bot          i18n.Lang
		wants, lacks []string
	}{
		{i18n.English, []string{"Failed instances"}, []string{"失败的实例"}},
		{i18n.Chinese, []string{"失败的实例"}, []string{"Failed instances"}},
	} {
		t.Run(string(tt.bot), func(t *testing.T) {
			sim, emu := newSimAndEmu(t, scnettest.WithInstances(30, 7))
			withReaders(emu)
			emu.SetMissingScope("users.info", true)
			cfg := e2eConfig(t, sim, emu)
			botLanguage(cfg, tt.bot)
			e := startBot(t, sim, emu, cfg)
			for _, u := range []string{zhUser, enUser} {
				for _, text := range []string{"failed", "失败"} {
					_, reply := e.commandAs(u, text)
					reads(t, u+" /instances "+text, reply, tt.wants, tt.lacks)
				}
			}
			e.openHome(t, zhUser)
			title := map[i18n.Lang]string{i18n.English: "SCNet instances at a glance", i18n.Chinese: "SCNet 实例概览"}[tt.bot]
			e.home(t, zhUser, title)
			if !strings.Contains(e.logs.String(), "users:read") {
				t.Error("the log does not say users:read is missing")
			}
		})
	}
}

// TestE2ELangAlertWorkInTwoLanguages: with English channel messages, a
// Chinese reader snoozes an alerted instance by command, resolves its
// alert by button, asks how the watcher is, and deletes an instance
// through the delete dialog, typing a wrong name first: each answer to
// them, the dialog and its errors included, is Chinese; what the channel
// keeps (the alert, its thread) is English.
func TestE2ELangAlertWorkInTwoLanguages(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(30, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	withReaders(emu)
	cfg := e2eConfig(t, sim, emu)
	watchFast(cfg)
	cfg.ActionUsers = config.List{zhUser}
	victim := sim.Add(scnettest.Record{Name: "e2e-lang-snooze", Status: scnet.StatusRunning})
	doomed := sim.Add(scnettest.Record{Name: "e2e-lang-delete", Status: scnet.StatusRunning})
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 1, 1)
	alert := e.failAndAlert(t, victim.ID)
	doomedAlert := e.failAndAlert(t, doomed.ID)

	_, watch := e.commandAs(zhUser, "监控")
	reads(t, "the Chinese watch", watch, []string{"告警监控", "正常"}, []string{"Alert watcher"})
	_, enWatch := e.commandAs(enUser, "监控")
	reads(t, "the English watch", enWatch, []string{"Alert watcher"}, []string{"告警监控"})

	_, snoozed := e.commandAs(zhUser, "静默 e2e-lang-snooze 2小时")
	reads(t, "the Chinese snooze", snoozed, []string{"已静默", "e2e-lang-snooze"}, []string{"snoozed for"})
	wait.Until(t, "the alert showing the snooze", func() bool {
		return strings.Contains(visible(e.current(t, alert)), "Snoozed until")
	})
	reads(t, "the snoozed alert", e.current(t, alert), []string{"Snoozed until", "<@" + zhUser + ">"}, []string{"静默至"})

	// The Home tab lists the snooze, in each reader's language.
	e.openHome(t, enUser)
	e.home(t, enUser, "e2e-lang-snooze", "until", "by <@"+zhUser+">")
	e.openHome(t, zhUser)
	e.home(t, zhUser, "e2e-lang-snooze", "由 <@"+zhUser+"> 设置")

	_, resolved := e.clickAs(e.current(t, alert), "alert.resolve", zhUser)
	reads(t, "the resolved alert", resolved, []string{"Resolved by <@" + zhUser + ">"}, []string{"已由"})
	wait.Until(t, "resolved by in the thread", func() bool { return e.inThread(alert, "resolved by <@"+zhUser+">") == 1 })

	// The delete dialog from the alert's Details, in Chinese.
	_, details := e.clickAs(doomedAlert, "alert.details", zhUser)
	labelled(t, "the Chinese details of an alert", details, "act.delete", "删除")
	click, err := emu.Click(timeout(t, 10*time.Second), details, "act.delete", zhUser)
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(click)
	modal, err := emu.WaitView(timeout(t, 10*time.Second), zhUser)
	if err != nil {
		t.Fatal(err)
	}
	if modal.Title != "删除实例" || !strings.Contains(visible(slackemu.Message{Blocks: modal.Blocks}), "请在下方输入实例名称以确认") {
		t.Errorf("the delete dialog is not Chinese: title %q\n%s", modal.Title, visible(slackemu.Message{Blocks: modal.Blocks}))
	}
	submit := func(typed string) {
		t.Helper()
		in, err := emu.SubmitView(timeout(t, 10*time.Second), modal.ID, zhUser,
			map[string]map[string]string{actions.NameBlockID: {actions.NameActionID: typed}})
		if err != nil {
			t.Fatal(err)
		}
		e.awaitAck(in)
	}
	submit("e2e-lang-wrong")
	if v, _ := emu.View(modal.ID); !v.Open || !strings.Contains(v.Errors[actions.NameBlockID], "请准确输入实例名称") {
		t.Errorf("after a wrong name the dialog is open=%v with errors %q, want open with a Chinese error", v.Open, v.Errors)
	}
	submit("e2e-lang-delete")
	done := e.awaitReply(click)
	reads(t, "the Chinese delete's outcome", done, []string{"已请求删除", "e2e-lang-delete"}, []string{"requested by"})
	wait.Until(t, "the delete in the thread", func() bool { return e.inThread(doomedAlert, "deleted by <@"+zhUser+">") == 1 })

	for _, m := range emu.ChannelMessages(alertChannel) {
		validMessage(t, "a channel message", m)
		for _, zh := range []string{"已由", "静默至", "失败"} {
			if strings.Contains(visible(m), zh) {
				t.Errorf("a channel message is not in BOT_LANGUAGE (shows %q):\n%s", zh, visible(m))
			}
		}
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2ELangActionsOff: with the actions off, a Chinese reader pressing
// an action button an older scnetbot posted is told, in Chinese, that
// they are off; an English reader in English.
func TestE2ELangActionsOff(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7))
	withReaders(emu)
	e := startBot(t, sim, emu, e2eConfig(t, sim, emu))
	rec := e.addInstance("e2e-lang-off", scnet.StatusFailed)
	for _, tt := range []struct{ user, want, other string }{
		{zhUser, "操作功能已关闭", "Actions are off"},
		{enUser, "Actions are off", "操作功能已关闭"},
	} {
		view := e.details(tt.user, rec.ID)
		if hasButton(view, "act.restart") {
			t.Fatalf("actions are off, yet the details offer Restart:\n%s", visible(view))
		}
		reply := e.forge(view, "act.restart", `{"r":"","id":"`+rec.ID+`"}`, tt.user)
		reads(t, tt.user+"'s click with the actions off", reply, []string{tt.want}, []string{tt.other})
	}
}
