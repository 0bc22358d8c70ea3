package handlers

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/slack-go/slack"

	"scnetbot/tracked"
)

// fakeActions is an ActionCommands that records every command it gets.
type fakeActions struct {
	enabled bool
	mu      sync.Mutex
	got     []actionCall
}

type actionCall struct {
	kind   tracked.ActionKind
	target string
	cmd    slack.SlashCommand
}

func (f *fakeActions) Enabled() bool { return f.enabled }

func (f *fakeActions) Command(_ context.Context, kind tracked.ActionKind, target string, cmd slack.SlashCommand) *slack.WebhookMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, actionCall{kind, target, cmd})
	return &slack.WebhookMessage{Text: "confirm " + string(kind) + " of " + target, ResponseType: slack.ResponseTypeEphemeral}
}

func (f *fakeActions) calls() []actionCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]actionCall(nil), f.got...)
}

// TestActionCommandsDelegated: with actions on, the parsed kind and the
// target as typed (Slack's escaping undone) go to the actions service with
// the command itself (its trigger_id opens the delete modal), and its
// answer is the reply.
func TestActionCommandsDelegated(t *testing.T) {
	fa := &fakeActions{enabled: true}
	h := newTestHandler(t, &fakeLister{instances: fixtures(3)}, func(c *Config) { c.Actions = fa })
	tests := []struct {
		text   string
		kind   tracked.ActionKind
		target string
	}{
		{"restart train-llm-000", tracked.ActionRestart, "train-llm-000"},
		{"STOP 00000000000000000000000000000002", tracked.ActionStop, "00000000000000000000000000000002"},
		{"delete a&amp;b", tracked.ActionDelete, "a&b"},
	}
	for i, tt := range tests {
		cmd := slack.SlashCommand{Command: "/instances", Text: tt.text, UserID: "U0TEST", ChannelID: "C0TEST", TriggerID: "trig-" + tt.text}
		m := h.Command(context.Background(), cmd)
		if want := "confirm " + string(tt.kind) + " of " + tt.target; m.Text != want {
			t.Errorf("%q → %q, want the actions service's answer %q", tt.text, m.Text, want)
		}
		calls := fa.calls()
		if len(calls) != i+1 {
			t.Fatalf("%q: %d calls to the actions service, want %d", tt.text, len(calls), i+1)
		}
		if c := calls[i]; c.kind != tt.kind || c.target != tt.target || c.cmd.TriggerID != cmd.TriggerID || c.cmd.UserID != "U0TEST" {
			t.Errorf("%q: the actions service got %+v", tt.text, c)
		}
	}
}

// TestActionCommandsOff: with no actions service, or one nobody may use,
// the reply says how to turn actions on and nothing is asked of SCNet or
// the service.
func TestActionCommandsOff(t *testing.T) {
	for name, actions := range map[string]ActionCommands{"none": nil, "disabled": &fakeActions{}} {
		t.Run(name, func(t *testing.T) {
			f := &fakeLister{instances: fixtures(3)}
			h := newTestHandler(t, f, func(c *Config) { c.Actions = actions })
			for _, text := range []string{"restart train-llm-000", "stop x", "delete x"} {
				m := command(h, text)
				for _, want := range []string{"turned off", "ACTION_USERS", "ACTION_USERGROUP", "“Actions”"} {
					if !strings.Contains(m.Text, want) {
						t.Errorf("%q → %q, want it to mention %q", text, m.Text, want)
					}
				}
				checkLimits(t, m)
			}
			if n := f.calls.Load(); n != 0 {
				t.Errorf("SCNet asked %d times", n)
			}
			if fa, ok := actions.(*fakeActions); ok && len(fa.calls()) != 0 {
				t.Errorf("a disabled actions service got %d commands", len(fa.calls()))
			}
		})
	}
	h := newTestHandler(t, &fakeLister{}, nil)
	assertGoldenLangs(t, "actions_off", func(l testLang) *slack.WebhookMessage { return l.command(h, "restart x") })
}

// TestActionCommandsCheckedFirst: ALLOWED_USERS and the grammar are
// checked before the actions service hears of a command.
func TestActionCommandsCheckedFirst(t *testing.T) {
	fa := &fakeActions{enabled: true}
	h := newTestHandler(t, &fakeLister{}, func(c *Config) { c.Actions = fa; c.AllowedUsers = []string{"U0OTHER"} })
	if m := command(h, "restart x"); !strings.Contains(m.Text, "You are not allowed to use scnetbot") {
		t.Errorf("restart by a user ALLOWED_USERS keeps out → %q, want the refusal", m.Text)
	}
	h2 := newTestHandler(t, &fakeLister{}, func(c *Config) { c.Actions = fa })
	if m := command(h2, "delete"); !strings.Contains(m.Text, "write `delete &lt;name|id&gt;`, e.g. `/instances delete train-llm`") {
		t.Errorf("delete without a target → %q, want the usage", m.Text)
	}
	if n := len(fa.calls()); n != 0 {
		t.Errorf("the actions service got %d commands, want none", n)
	}
}
