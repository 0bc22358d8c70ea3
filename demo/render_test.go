package main

import (
	"encoding/json"
	"strings"
	"testing"

	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
)

func english() *i18n.Printer { return i18n.MustLoad().Printer(i18n.English) }

func TestMrkdwnText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a &amp; b &lt;c&gt;", "a & b <c>"},
		{"see <https://x.example/a?b=1|the page>", "see the page (https://x.example/a?b=1)"},
		{"hi <@U123>", "hi @U123"},
		{"unclosed <tag", "unclosed <tag"},
	}
	for _, tt := range tests {
		if got := mrkdwnText(tt.in); got != tt.want {
			t.Errorf("mrkdwnText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRenderMessageShowsButtonsAndFields(t *testing.T) {
	blocks := json.RawMessage(`[
		{"type":"header","text":{"type":"plain_text","text":"Failed: a&b"}},
		{"type":"section","text":{"type":"mrkdwn","text":"went *Running → Failed*"},
		 "fields":[{"type":"mrkdwn","text":"*User*\ndemo"},{"type":"mrkdwn","text":"*GPUs*\n2"},{"type":"mrkdwn","text":"*Image*\npytorch"}]},
		{"type":"actions","elements":[{"type":"button","action_id":"alert.ack","text":{"type":"plain_text","text":"Acknowledge"}}]}
	]`)
	out := renderMessage(english(), slackemu.Message{Via: "chat.postMessage", Channel: "C1", Blocks: blocks})
	for _, want := range []string{"chat.postMessage in #C1", "▌Failed: a&b", "*User* demo   *GPUs* 2", "*Image* pytorch", "[Acknowledge]"} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
	if got := messageButtons(blocks); len(got) != 1 || got[0] != (demoButton{ActionID: "alert.ack", Label: "Acknowledge"}) {
		t.Errorf("messageButtons = %+v", got)
	}
}

// FuzzRenderMessage: whatever the bot (or a bug) sends, the demo's terminal
// view must not panic.
func FuzzRenderMessage(f *testing.F) {
	f.Add(`[{"type":"section","text":{"type":"mrkdwn","text":"<a|b> &amp;"}}]`, "x <y")
	f.Add(`[{"type":"actions","elements":[{"type":"button"}]}]`, "")
	f.Add(`{}`, "<<<>>>")
	f.Fuzz(func(t *testing.T, blocks, text string) {
		_ = renderMessage(english(), slackemu.Message{Blocks: json.RawMessage(blocks), Text: text})
		_ = messageButtons(json.RawMessage(blocks))
		_ = builderLink(json.RawMessage(blocks))
	})
}
