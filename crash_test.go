package main

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"scnetbot/internal/selfexec"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// binaryEnv is the environment that points the real binary at sim and emu,
// with the watcher on and no health server.
func binaryEnv(sim *scnettest.Server, emu *slackemu.Server, statePath string) []string {
	return []string{
		"SLACK_APP_TOKEN=" + emu.AppToken(), "SLACK_BOT_TOKEN=" + emu.BotToken(), "SLACK_API_URL=" + emu.APIURL(),
		"SCNET_BASE_URL=" + sim.AIBaseURL(), "SCNET_TOKEN=" + sim.Token(), "SCNET_AC_URL=" + sim.ACBaseURL(),
		"WATCH_CHANNEL=C0ALERTS", "WATCH_INTERVAL=5s", "STATE_PATH=" + statePath, "HTTP_ADDR=",
	}
}

// startBinary runs the real scnetbot as a child process against sim and emu
// with the watcher on, the way a deployment runs it.
func startBinary(t *testing.T, sim *scnettest.Server, emu *slackemu.Server, statePath string) *exec.Cmd {
	t.Helper()
	cmd := selfexec.Command(binaryEnv(sim, emu, statePath))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

// TestKillDuringAlertSendPostsOnce kills the real binary with SIGKILL while
// Slack has taken an alert but not yet answered, then starts it again on the
// same state file. The restarted bot must find the alert in the channel
// (by its metadata) instead of posting it a second time.
func TestKillDuringAlertSendPostsOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("takes about 30 s")
	}
	const channel = "C0ALERTS"
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(200, 11), scnettest.WithTokenLifetime(30*24*time.Hour))
	statePath := filepath.Join(t.TempDir(), "scnetbot.db")

	bot := startBinary(t, sim, emu, statePath)
	if _, err := emu.WaitChannelMessages(timeout(t, 30*time.Second), channel, 1); err != nil {
		t.Fatalf("no baseline summary: %v", err)
	}

	var first, second scnettest.Record
	for _, r := range sim.Records() {
		if r.Status != scnet.StatusRunning {
			continue
		}
		if first.ID == "" {
			first = r
		} else {
			second = r
			break
		}
	}
	// Slack records the alert but never answers in time.
	emu.PostThenHang("chat.postMessage", 1, time.Minute)
	if err := sim.SetStatus(first.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the alert to reach Slack", func() bool { return len(alertsAbout(emu, channel, first.ID)) == 1 })
	if err := bot.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = bot.Wait()

	// A second failure after the restart: delivery is in order per channel,
	// so its alert arriving means the first one's fate was settled.
	startBinary(t, sim, emu, statePath)
	if err := sim.SetStatus(second.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.For(t, time.Minute, "an alert for the failure after the restart", func() bool {
		return len(alertsAbout(emu, channel, second.ID)) > 0
	})
	if n := len(alertsAbout(emu, channel, first.ID)); n != 1 {
		var texts []string
		for _, m := range emu.ChannelMessages(channel) {
			texts = append(texts, m.Text)
		}
		t.Errorf("the alert sent before the kill is in the channel %d times, want 1:\n%s", n, strings.Join(texts, "\n"))
	}
	if emu.Calls("conversations.history") == 0 {
		t.Error("the restarted bot never checked the channel before deciding")
	}
}
