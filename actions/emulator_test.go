package actions

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
	"scnetbot/tracked"
)

// TestDeleteModalOpensInTheEmulator: the delete modal, in both languages
// and for a Chinese name that fills its fields, is one Slack's views.open
// accepts: the emulator checks a view against Slack's limits and refuses
// what Slack would.
func TestDeleteModalOpensInTheEmulator(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	api := slack.New(emu.BotToken(), slack.OptionAppLevelToken(emu.AppToken()), slack.OptionAPIURL(emu.APIURL()))
	sm := socketmode.New(api)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	go func() { _ = sm.RunContext(ctx) }()
	go func() {
		// Ack whatever arrives, as the bot does, so nothing is re-sent.
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-sm.Events:
				if ev.Request != nil {
					_ = sm.AckCtx(ctx, ev.Request.EnvelopeID, nil)
				}
			}
		}
	}()

	long := strings.Repeat("训练任务", 50) // 200 characters: carried by name
	for _, p := range []*i18n.Printer{en, zh} {
		for _, target := range []string{"eval", long, idRunning} {
			e := newEnv(t, func(c *Config) { c.Views = api }).speak(p)
			e.r2.mu.Lock()
			in := e.r2.instances[idOther]
			if target == long {
				in.Name = long
			}
			e.r2.instances[idOther] = in
			e.r2.mu.Unlock()
			it, err := emu.SendSlashCommand(ctx, slackemu.SlashCommand{Command: "/instances", Text: "delete x", UserID: alice, ChannelID: "CALERTS"})
			if err != nil {
				t.Fatal(err)
			}
			msg := e.s.Command(e.ctx, tracked.ActionDelete, target, slack.SlashCommand{UserID: alice, ChannelID: "CALERTS",
				ResponseURL: it.ResponseURL, TriggerID: it.TriggerID})
			if !strings.Contains(msg.Text, ":wastebasket:") {
				t.Errorf("%s, %.20s: the modal did not open: %s", p.Lang(), target, msg.Text)
			}
		}
	}
	if vs := emu.Violations(); len(vs) > 0 {
		t.Errorf("Slack would refuse: %v", vs)
	}
	if n := len(emu.Views()); n != 6 {
		t.Errorf("%d modals open, want 6", n)
	}
}
