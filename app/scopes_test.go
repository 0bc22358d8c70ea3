package app

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"scnetbot/bot"
	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/state"
)

// slackMethodScopes is Slack's documented mapping from a Web API method to
// the bot scopes it needs, for the methods scnetbot may call, narrowed to
// how it calls them: in public and private channels, never DMs, and posting
// alerts to a channel the bot may not have been invited to. Which methods
// the bot calls is not written here: TestManifestScopesAreWhatTheBotUses
// watches the bot and the emulator tells.
func slackMethodScopes() map[string][]string {
	return map[string][]string{
		// chat:write.public posts to WATCH_CHANNEL before anyone invites the bot.
		"chat.postMessage":   {"chat:write", "chat:write.public"},
		"chat.update":        {"chat:write"},
		"chat.postEphemeral": {"chat:write"},
		// channels: public channels; groups: private ones.
		"conversations.history": {"channels:history", "groups:history"},
		"conversations.replies": {"channels:history", "groups:history"},
		"auth.test":             nil,
		// The members of ACTION_USERGROUP, who may act.
		"usergroups.users.list": {"usergroups:read"},
		// The delete modal: Slack's reference lists no scope for it.
		"views.open": nil,
		// Who asked, and so the language of the answer (include_locale).
		"users.info": {"users:read"},
		// The Home tab: Slack's reference lists no scope for it.
		"views.publish": nil,
		// Uses the app-level token (connections:write), not a bot scope.
		"apps.connections.open": nil,
		// A response_url carries its own authority.
		slackemu.MethodResponseURL: nil,
	}
}

// slashCommandScope is the bot scope that every slash command needs.
const slashCommandScope = "commands"

// TestManifestScopesAreWhatTheBotUses: manifest.yaml asks for exactly the
// bot scopes of the Slack methods the bot was seen to call, plus the slash
// command's, so a scope is neither missing nor asked for in vain. The second
// half also guards the scenario: should it stop reaching a method, that
// method's scopes look unneeded and the test fails.
func TestManifestScopesAreWhatTheBotUses(t *testing.T) {
	used := observedSlackMethods(t)
	table := slackMethodScopes()
	want := map[string]bool{}
	if len(readScopesManifest(t).Features.SlashCommands) > 0 {
		want[slashCommandScope] = true
	}
	for _, method := range used {
		scopes, ok := table[method]
		if !ok {
			t.Errorf("the bot called %s, which slackMethodScopes does not know: add it with the scopes Slack documents", method)
		}
		for _, s := range scopes {
			want[s] = true
		}
	}
	got := readScopesManifest(t).OAuthConfig.Scopes.Bot
	for s := range want {
		if !slices.Contains(got, s) {
			t.Errorf("manifest.yaml lacks bot scope %s, which the methods used need (%v)", s, used)
		}
	}
	for _, s := range got {
		if !want[s] {
			t.Errorf("manifest.yaml asks for bot scope %s, which none of the methods used needs (%v)", s, used)
		}
	}
}

// observedSlackMethods runs the whole bot through what it does in Slack
// and returns the methods the emulator saw: start, a command and a button
// on its reply, a restart asked by a member of ACTION_USERGROUP (whom the
// bot looks up) and the delete dialog, an alert, its Acknowledge button
// and the update, a reply in its thread, and, after a crash between send
// and confirm, the checks of the channel and of the thread before an
// unknown send is repeated.
func observedSlackMethods(t *testing.T) []string {
	t.Helper()
	const (
		channel = "C0SCOPES"
		group   = "S0ONCALL"
	)
	e := newE2E(t, 300, func(c *config.Config) {
		c.WatchChannel = channel
		c.WatchInterval.D = 150 * time.Millisecond
		c.ActionUserGroup = group
	})
	e.emu.SetUserGroup(group, "U0ONCALL")
	wait.Until(t, "baseline poll", func() bool {
		h, err := e.app.group.Health(context.Background())
		return err == nil && !h.LastSuccess.IsZero()
	})

	_, list := e.command("completed")
	e.click(list, "Next ▶")

	var running string
	for _, r := range e.sim.Records() {
		if r.Status == scnet.StatusRunning {
			running = r.ID
			break
		}
	}
	if running == "" {
		t.Fatal("simulator has no running instance")
	}
	// Acting: whether the user may (the group's members), and the delete
	// dialog.
	_, refused := e.command("restart " + running)
	mustContain(t, refused, "Nothing was sent to SCNet")
	_, opened := e.command("delete " + running)
	mustContain(t, opened, "Opened the delete dialog")
	v, err := e.emu.WaitView(timeout(t, 10*time.Second), "U0ONCALL")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.emu.CloseView(v.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetStatus(running, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "alert", func() bool { return len(alertsAbout(e.emu, channel, running)) == 1 })
	alert := alertsAbout(e.emu, channel, running)[0]
	in, err := e.emu.Click(timeout(t, 10*time.Second), alert, "Acknowledge", "U0ONCALL")
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(in)
	wait.Until(t, "acknowledged alert", func() bool { return e.emu.Calls("chat.update") > 0 })
	if err := e.sim.SetStatus(running, scnet.StatusRunning); err != nil {
		t.Fatal(err)
	}
	inThread := func(text string) func() bool {
		return func() bool {
			for _, m := range e.emu.ChannelMessages(channel) {
				if m.ThreadTS == alert.TS && m.TS != alert.TS && (text == "" || m.Text == text) {
					return true
				}
			}
			return false
		}
	}
	wait.Until(t, "recovery in the alert's thread", inThread(""))
	e.shutdown()

	// As if the bot had died while Slack held a notice and a thread reply:
	// both were attempted, neither confirmed.
	st, err := state.Open(e.cfg.StatePath)
	if err != nil {
		t.Fatal(err)
	}
	err = st.Update(context.Background(), func(tx state.Tx) error {
		var alertID string
		if err := tx.Alerts(func(a state.Alert) error {
			if a.InstanceID == running {
				alertID = a.ID
			}
			return nil
		}); err != nil {
			return err
		}
		if alertID == "" {
			t.Error("no alert record for " + running)
		}
		now := time.Now()
		for _, m := range []state.Message{
			{Kind: state.KindPost, ID: "scopes-notice", Channel: channel, Text: "crashed notice", Created: now, Attempts: 1},
			{Kind: state.KindPost, ID: "scopes-reply", Channel: channel, ThreadOf: alertID, Text: "crashed reply", Created: now, Attempts: 1},
		} {
			if _, err := tx.Enqueue(m); err != nil {
				return err
			}
		}
		return nil
	})
	if cerr := st.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	e = startBot(t, e.sim, e.emu, e.cfg)
	wait.Until(t, "the crashed reply in the alert's thread", inThread("crashed reply"))
	e.shutdown()

	methods := e.emu.Methods()
	t.Logf("Slack methods the bot called: %s", strings.Join(methods, ", "))
	return methods
}

// TestManifestEventsAreWhatTheBotHandles: manifest.yaml subscribes to
// exactly the events the bot handles, and turns on the Home tab that
// app_home_opened is about, so Slack neither withholds an event the bot
// waits for nor sends one it drops.
func TestManifestEventsAreWhatTheBotHandles(t *testing.T) {
	m := readScopesManifest(t)
	got := slices.Sorted(slices.Values(m.Settings.EventSubscriptions.BotEvents))
	want := slices.Sorted(slices.Values(bot.Events()))
	if !slices.Equal(got, want) {
		t.Errorf("manifest.yaml subscribes to bot events %v, the bot handles %v", got, want)
	}
	if slices.Contains(want, "app_home_opened") && !m.Features.AppHome.HomeTabEnabled {
		t.Error("the bot handles app_home_opened, but manifest.yaml does not enable the Home tab (features.app_home.home_tab_enabled)")
	}
	if m.Settings.EventSubscriptions.RequestURL != "" {
		t.Errorf("event_subscriptions.request_url %q: Socket Mode delivers events, with no URL", m.Settings.EventSubscriptions.RequestURL)
	}
}

// scopesManifest is the part of manifest.yaml the scope and event checks
// read; the root package's tests check the rest of it.
type scopesManifest struct {
	Features struct {
		AppHome struct {
			HomeTabEnabled bool `yaml:"home_tab_enabled"`
		} `yaml:"app_home"`
		SlashCommands []struct {
			Command string `yaml:"command"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			RequestURL string   `yaml:"request_url"`
			BotEvents  []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
	} `yaml:"settings"`
}

func readScopesManifest(t *testing.T) scopesManifest {
	t.Helper()
	raw, err := os.ReadFile("../manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m scopesManifest
	if err := yaml.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}
