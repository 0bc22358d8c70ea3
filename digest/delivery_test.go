package digest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/internal/slackemu"
	"scnetbot/outbox"
)

// TestDeliveredOnceAcrossARestart: the queued digest reaches Slack through
// the outbox as one valid message, and a process restarted the same day
// posts no second one.
func TestDeliveredOnceAcrossARestart(t *testing.T) {
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
	e := newRunEnv(t, "2026-12-02 10:00")
	deliver := func() {
		t.Helper()
		d := outbox.New(api, e.st, outbox.Config{PerChannelInterval: time.Millisecond, HistoryLag: time.Millisecond})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := d.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}

	stop := e.run(e.digester(e.st))
	e.sleeping(1, "2026-12-03 09:30")
	stop()
	deliver()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	e.st = openStore(t, e.path)
	e.clock.Set(e.at("2026-12-02 18:00"))
	e.run(e.digester(e.st))
	e.sleeping(1, "2026-12-03 09:30")
	deliver()

	msgs := emu.ChannelMessages("C1")
	if len(msgs) != 1 {
		t.Fatalf("%d messages in the channel, want one digest", len(msgs))
	}
	if m := msgs[0]; !strings.HasPrefix(m.Text, "Daily digest 2026-12-02") || !strings.Contains(string(m.Blocks), "Daily digest · 2026-12-02") ||
		!strings.Contains(string(m.Metadata), "digest-2026-12-02") {
		t.Errorf("the posted digest: %q %s %s", m.Text, m.Blocks, m.Metadata)
	}
	if vs := emu.Violations(); len(vs) > 0 {
		t.Errorf("Slack would refuse: %v", vs)
	}
}
