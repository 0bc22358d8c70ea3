package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"scnetbot/handlers"
	"scnetbot/internal/selfexec"
)

// TestMain lets a test run this binary's main() in a child process.
func TestMain(m *testing.M) { selfexec.Main(m, main) }

func TestCLI(t *testing.T) {
	stdout, _, code := selfexec.Run(t, "", "version")
	if code != 0 || !strings.HasPrefix(stdout, "scnetbot ") {
		t.Errorf("version: %d %q", code, stdout)
	}
	stdout, _, code = selfexec.Run(t, "", "-h")
	if code != 0 || !strings.Contains(stdout, "SLACK_APP_TOKEN") || !strings.Contains(stdout, "WATCH_STATUSES") {
		t.Errorf("-h: %d %q", code, stdout)
	}
	_, stderr, code := selfexec.Run(t, "", "frobnicate")
	if code != 2 || !strings.Contains(stderr, "unknown command") {
		t.Errorf("unknown command: %d %q", code, stderr)
	}
	// The demo is its own program; the bot says where it went.
	_, stderr, code = selfexec.Run(t, "", "demo")
	if code != 2 || !strings.Contains(stderr, "go run ./demo") {
		t.Errorf("demo: %d %q, want 2 and where the demo is", code, stderr)
	}
	// The "demo --lang zh" too: the flag goes to the demo.
	_, stderr, code = selfexec.Run(t, "", "demo", "--lang", "zh")
	if code != 2 || !strings.Contains(stderr, "go run ./demo --lang zh") {
		t.Errorf("demo --lang zh: %d %q, want 2 and the demo's command with the flag", code, stderr)
	}
}

func TestMissingConfigurationNamesEveryVariable(t *testing.T) {
	// Only what a process needs to run: none of scnetbot's variables.
	cmd := selfexec.Command([]string{"PATH=" + os.Getenv("PATH")})
	out, _ := cmd.CombinedOutput()
	if cmd.ProcessState.ExitCode() != 2 {
		t.Errorf("exit code %d, want 2", cmd.ProcessState.ExitCode())
	}
	for _, want := range []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SCNET_TOKEN"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error does not name %s:\n%s", want, out)
		}
	}
}

// manifest is the part of manifest.yaml the code must agree with.
type manifest struct {
	DisplayInformation struct {
		Name string `yaml:"name"`
	} `yaml:"display_information"`
	Features struct {
		BotUser struct {
			DisplayName string `yaml:"display_name"`
		} `yaml:"bot_user"`
		SlashCommands []struct {
			Command     string `yaml:"command"`
			Description string `yaml:"description"`
			URL         string `yaml:"url"`
		} `yaml:"slash_commands"`
	} `yaml:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Interactivity struct {
			IsEnabled  bool   `yaml:"is_enabled"`
			RequestURL string `yaml:"request_url"`
		} `yaml:"interactivity"`
		SocketModeEnabled bool `yaml:"socket_mode_enabled"`
	} `yaml:"settings"`
}

// readManifest reads manifest.yaml.
func readManifest(t *testing.T) manifest {
	t.Helper()
	raw, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestManifestMatchesTheCode checks the manifest's app settings and
// command; app.TestManifestScopesAreWhatTheBotUses checks its scopes.
func TestManifestMatchesTheCode(t *testing.T) {
	m := readManifest(t)
	if n := m.DisplayInformation.Name; n == "" || len([]rune(n)) > 35 {
		t.Errorf("display_information.name %q: required, at most 35 characters", n)
	}
	if m.Features.BotUser.DisplayName == "" {
		t.Error("features.bot_user.display_name is required")
	}
	if !m.Settings.SocketModeEnabled || !m.Settings.Interactivity.IsEnabled || m.Settings.Interactivity.RequestURL != "" {
		t.Errorf("settings: socket mode %v, interactivity %v, request_url %q: Socket Mode needs both on and no URL",
			m.Settings.SocketModeEnabled, m.Settings.Interactivity.IsEnabled, m.Settings.Interactivity.RequestURL)
	}

	var commands []string
	for _, c := range m.Features.SlashCommands {
		if c.URL != "" {
			t.Errorf("%s has a url; Socket Mode commands have none", c.Command)
		}
		if !strings.HasPrefix(c.Command, "/") || len(c.Command) > 32 || c.Description == "" {
			t.Errorf("slash command %+v: must start with /, be ≤ 32 chars, have a description", c)
		}
		commands = append(commands, c.Command)
	}
	if !slices.Equal(commands, []string{handlers.CommandName}) {
		t.Errorf("manifest commands %v, code handles %v", commands, []string{handlers.CommandName})
	}
}

// TestPasswordInBaseURLRefusedBeforeLogging: a user:password@ in
// SCNET_BASE_URL stops the bot before it logs anything, and the refusal
// does not repeat the password.
func TestPasswordInBaseURLRefusedBeforeLogging(t *testing.T) {
	cmd := selfexec.Command([]string{"PATH=" + os.Getenv("PATH"),
		"SLACK_APP_TOKEN=xapp-1", "SLACK_BOT_TOKEN=xoxb-1", "SCNET_TOKEN=t",
		"SCNET_BASE_URL=https://oncall:hunter2pw@scnet.example/ai"})
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 2 {
		t.Errorf("exit code %d, want 2:\n%s", code, out)
	}
	if strings.Contains(string(out), "hunter2pw") || strings.Contains(string(out), "starting scnetbot") {
		t.Errorf("the password was printed, or the bot started logging:\n%s", out)
	}
	if !strings.Contains(string(out), "SCNET_BASE_URL must not contain a user name or password") {
		t.Errorf("the refusal does not say why:\n%s", out)
	}
}
