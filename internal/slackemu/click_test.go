package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
)

func confirmDialog(title, text, ok, deny string) *slack.ConfirmationBlockObject {
	return slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, title, false, false),
		slack.NewTextBlockObject(slack.PlainTextType, text, false, false),
		slack.NewTextBlockObject(slack.PlainTextType, ok, false, false),
		slack.NewTextBlockObject(slack.PlainTextType, deny, false, false))
}

// postButtons posts a message with a Restart button that asks for
// confirmation and an Open button that does not.
func postButtons(t *testing.T, ctx context.Context, api *slack.Client, confirm *slack.ConfirmationBlockObject) Message {
	t.Helper()
	restart := slack.NewButtonBlockElement("restart", "i-42", slack.NewTextBlockObject(slack.PlainTextType, "Restart", false, false))
	restart.Confirm = confirm
	open := slack.NewButtonBlockElement("open", "i-42", slack.NewTextBlockObject(slack.PlainTextType, "Open", false, false))
	ch, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("gpu-1 failed", false),
		slack.MsgOptionBlocks(slack.NewActionBlock("acts", restart, open)))
	if err != nil {
		t.Fatal(err)
	}
	return Message{Channel: ch, TS: ts}
}

func TestConfirmDialog(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	c := confirmDialog("Restart gpu-1?", "gpu-1 in kunshan restarts.", "Restart", "Cancel")
	c.WithStyle(slack.StyleDanger)
	msg := postButtons(t, ctx, b.api, c)
	want := Confirm{Title: "Restart gpu-1?", Text: "gpu-1 in kunshan restarts.", ConfirmLabel: "Restart", DenyLabel: "Cancel", Style: "danger"}

	if got, err := s.ButtonConfirm(msg, "restart"); err != nil || got == nil || *got != want {
		t.Errorf("ButtonConfirm = %+v, %v; want %+v", got, err, want)
	}
	// Cancel in the dialog: the bot is sent nothing, so the next thing it
	// receives is the confirmed click below.
	if got, err := s.ClickDeny(msg, "Restart"); err != nil || got == nil || *got != want {
		t.Errorf("ClickDeny = %+v, %v; want %+v", got, err, want)
	}
	in, err := s.Click(ctx, msg, "Restart", "U1")
	if err != nil {
		t.Fatal(err)
	}
	if in.Confirm == nil || *in.Confirm != want {
		t.Errorf("Click passed dialog %+v, want %+v", in.Confirm, want)
	}
	ev := b.next(t, ctx)
	if ev.Request.EnvelopeID != in.EnvelopeID {
		t.Errorf("bot got envelope %s first, want the click's %s: ClickDeny sent something", ev.Request.EnvelopeID, in.EnvelopeID)
	}
	_ = b.sm.Ack(*ev.Request)

	// A button without a dialog.
	if got, err := s.ButtonConfirm(msg, "open"); err != nil || got != nil {
		t.Errorf("ButtonConfirm(open) = %+v, %v; want nil", got, err)
	}
	if _, err := s.ClickDeny(msg, "open"); !errors.Is(err, ErrNoConfirm) {
		t.Errorf("ClickDeny(open) = %v, want ErrNoConfirm", err)
	}
	in, err = s.Click(ctx, msg, "open", "U1")
	if err != nil || in.Confirm != nil {
		t.Errorf("Click(open) = %+v, %v; want no dialog", in, err)
	}
	_ = b.sm.Ack(*b.next(t, ctx).Request)
	var bnf *ButtonNotFoundError
	if _, err := s.ClickDeny(msg, "stop"); !errors.As(err, &bnf) {
		t.Errorf("ClickDeny(stop) = %v, want ButtonNotFoundError", err)
	}
	if v := s.Violations(); len(v) != 0 {
		t.Errorf("violations = %v", v)
	}
}

func TestConfirmDialogChecked(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	tests := []struct {
		name    string
		confirm map[string]any
		want    string // the rule broken, "" for none
	}{
		{"at the limits", map[string]any{"title": plain(long(100)), "text": plain(long(300)), "confirm": plain(long(30)), "deny": plain(long(30))}, ""},
		{"mrkdwn text", map[string]any{"title": plain("t"), "text": map[string]any{"type": "mrkdwn", "text": "*x*"}, "confirm": plain("c"), "deny": plain("d")}, ""},
		{"title of 101", map[string]any{"title": plain(long(101)), "text": plain("t"), "confirm": plain("c"), "deny": plain("d")}, "confirm.title.text: text is 101 characters, limit 100 (confirm_title)"},
		{"text of 301", map[string]any{"title": plain("t"), "text": plain(long(301)), "confirm": plain("c"), "deny": plain("d")}, "(confirm_text)"},
		{"confirm of 31", map[string]any{"title": plain("t"), "text": plain("t"), "confirm": plain(long(31)), "deny": plain("d")}, "confirm.confirm.text"},
		{"deny of 31", map[string]any{"title": plain("t"), "text": plain("t"), "confirm": plain("c"), "deny": plain(long(31))}, "confirm.deny.text"},
		{"mrkdwn title", map[string]any{"title": map[string]any{"type": "mrkdwn", "text": "t"}, "text": plain("t"), "confirm": plain("c"), "deny": plain("d")}, "confirm.title.type"},
		{"no deny", map[string]any{"title": plain("t"), "text": plain("t"), "confirm": plain("c")}, "confirm.deny: confirm dialog has no deny"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			btn := button{raw: map[string]json.RawMessage{
				"type": mustJSON("button"), "action_id": mustJSON("restart"), "text": mustJSON(plain("Restart")),
				"confirm": mustJSON(tc.confirm),
			}}
			got := blockkit.Join(confirmViolations(btn))
			if tc.want == "" && got != "" || tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("violations %q, want %q", got, tc.want)
			}
		})
	}

	// A click on a malformed dialog, which Slack would not have posted,
	// goes out and is recorded.
	s := newEmu(t, WithAcceptInvalidBlocks())
	b := startBot(t, s)
	ctx := ctxT(t)
	msg := postButtons(t, ctx, b.api, confirmDialog(long(101), "t", "c", "d"))
	if _, err := s.Click(ctx, msg, "restart", "U1"); err != nil {
		t.Fatal(err)
	}
	_ = b.sm.Ack(*b.next(t, ctx).Request)
	v := s.Violations()
	if len(v) != 2 || !strings.HasPrefix(v[1], "click restart in C1 ts "+msg.TS+": confirm.title.text") {
		t.Errorf("violations = %q", v)
	}
}

func TestForgeClick(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	msg := postButtons(t, ctx, b.api, confirmDialog("Restart gpu-1?", "t", "Restart", "Cancel"))
	tests := []struct {
		name, actionID, value, blockID string
	}{
		{"a button the message lacks", "restart_confirmed", "i-42:forged", "emu-forged"},
		{"the message's button, skipping its dialog", "restart", "i-43", "acts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := s.ForgeClick(ctx, msg, tc.actionID, tc.value, "U2")
			if err != nil {
				t.Fatal(err)
			}
			ev := b.next(t, ctx)
			_ = b.sm.Ack(*ev.Request)
			cb := ev.Data.(slack.InteractionCallback)
			if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
				t.Fatalf("forged click = %+v", cb)
			}
			a := cb.ActionCallback.BlockActions[0]
			if a.ActionID != tc.actionID || a.Value != tc.value || a.BlockID != tc.blockID || a.Type != "button" {
				t.Errorf("action = %+v", a)
			}
			if in.Confirm != nil || cb.User.ID != "U2" || cb.TriggerID != in.TriggerID || cb.TriggerID == "" ||
				cb.ResponseURL != in.ResponseURL || cb.Container.MessageTs != msg.TS || cb.Channel.ID != "C1" ||
				cb.Message.Timestamp != msg.TS {
				t.Errorf("forged click = %+v", cb)
			}
		})
	}
}

// TestBlockActionsPayloadFields: what the bot needs of a click is in the
// payload under Slack's names, for clicks and forged clicks alike.
func TestBlockActionsPayloadFields(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	c := dialRaw(t, s)
	if c.read(t)["type"] == nil {
		t.Fatal("no hello")
	}
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	msg := postButtons(t, ctx, newAPI(s), nil)
	send := map[string]func() (*Interaction, error){
		"click":        func() (*Interaction, error) { return s.Click(ctx, msg, "restart", "U1") },
		"forged click": func() (*Interaction, error) { return s.ForgeClick(ctx, msg, "restart", "i-42", "U1") },
	}
	for _, name := range []string{"click", "forged click"} {
		in, err := send[name]()
		if err != nil {
			t.Fatal(err)
		}
		frame := c.read(t)
		var p map[string]json.RawMessage
		if err := json.Unmarshal(frame["payload"], &p); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"type", "trigger_id", "response_url", "container", "channel", "message", "user", "actions", "team", "api_app_id", "state"} {
			if isNull(p[k]) {
				t.Errorf("%s payload lacks %s: %s", name, k, frame["payload"])
			}
		}
		if trig, _ := jsonString(p["trigger_id"]); trig != in.TriggerID {
			t.Errorf("%s trigger_id %q, want %q", name, trig, in.TriggerID)
		}
		if !strings.Contains(string(p["container"]), `"message_ts":"`+msg.TS+`"`) || !strings.Contains(string(p["container"]), `"channel_id":"C1"`) {
			t.Errorf("%s container = %s", name, p["container"])
		}
	}
}
