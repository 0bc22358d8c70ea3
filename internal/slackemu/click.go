package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"scnetbot/blockkit"
)

// Confirm is a button's confirm dialog (Block Kit's confirmation dialog
// object), which Slack shows before it sends the click.
type Confirm struct {
	Title, Text, ConfirmLabel, DenyLabel string
	// Style is the confirm button's style: "", primary or danger.
	Style string
}

// confirmOf reads a button's confirm dialog; nil when it has none.
func confirmOf(b button) *Confirm {
	raw, ok := b.raw["confirm"]
	if !ok || isNull(raw) {
		return nil
	}
	var c struct {
		Title, Text, Confirm, Deny struct{ Text string }
		Style                      string
	}
	_ = json.Unmarshal(raw, &c)
	return &Confirm{Title: c.Title.Text, Text: c.Text.Text, ConfirmLabel: c.Confirm.Text, DenyLabel: c.Deny.Text, Style: c.Style}
}

// confirmViolations checks a button's confirm dialog as Slack does (title
// ≤ 100, text ≤ 300, confirm and deny ≤ 30 characters, plain_text where
// Slack wants it), through blockkit's own checks of the button.
func confirmViolations(b button) []blockkit.Violation {
	blocks := mustJSON([]any{map[string]any{"type": "actions", "elements": []any{b.raw}}})
	var out []blockkit.Violation
	for _, v := range blockkit.Validate(blocks) {
		if i := strings.Index(v.Path, ".confirm"); i >= 0 {
			v.Path = "confirm" + v.Path[i+len(".confirm"):]
			out = append(out, v)
		}
	}
	return out
}

// currentMessage is msg as it is now, as Slack sends a clicked message; ok
// is false when it was deleted.
func (s *Server) currentMessage(msg Message) (Message, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.byKey[msgKey{msg.Channel, msg.TS}]; ok {
		return st.Message.clone(), !st.deleted
	}
	return msg, true
}

// findButton finds a button of msg by its action_id or else its label.
func findButton(msg Message, actionIDOrLabel string) (button, error) {
	btns := findButtons(msg.Blocks)
	for _, b := range btns {
		if b.id == actionIDOrLabel {
			return b, nil
		}
	}
	for _, b := range btns {
		if b.label == actionIDOrLabel {
			return b, nil
		}
	}
	names := make([]string, len(btns))
	for i, b := range btns {
		names[i] = fmt.Sprintf("%s (%s)", b.id, b.label)
	}
	return button{}, &ButtonNotFoundError{Want: actionIDOrLabel, Buttons: names}
}

// pressable finds the button a user presses in msg as it is now.
func (s *Server) pressable(msg Message, actionIDOrLabel string) (Message, button, error) {
	msg, ok := s.currentMessage(msg)
	if !ok {
		return msg, button{}, fmt.Errorf("click %q: message %s in %s was deleted", actionIDOrLabel, msg.TS, msg.Channel)
	}
	b, err := findButton(msg, actionIDOrLabel)
	return msg, b, err
}

// ButtonConfirm is the confirm dialog a click on the button would show,
// nil when it has none; the demo shows it and asks before it clicks.
func (s *Server) ButtonConfirm(msg Message, actionIDOrLabel string) (*Confirm, error) {
	_, b, err := s.pressable(msg, actionIDOrLabel)
	if err != nil {
		return nil, err
	}
	return confirmOf(b), nil
}

// Click presses a button of msg, found by its action_id or else its label,
// as userID: it sends a block_actions interactive envelope shaped as Slack
// sends it, with a fresh response_url whose replace_original and
// delete_original act on msg, and a fresh trigger_id. As on Slack, the
// payload carries the message itself only when it is not ephemeral.
//
// A button with a confirm dialog is clicked and then confirmed: the
// Interaction's Confirm is the dialog passed. A malformed dialog is
// recorded in Violations.
func (s *Server) Click(ctx context.Context, msg Message, actionIDOrLabel string, userID string) (*Interaction, error) {
	msg, hit, err := s.pressable(msg, actionIDOrLabel)
	if err != nil {
		return nil, err
	}
	confirm := confirmOf(hit)
	if confirm != nil {
		if vs := confirmViolations(hit); len(vs) > 0 {
			s.mu.Lock()
			s.recordViolationsLocked(fmt.Sprintf("click %s in %s ts %s", hit.id, msg.Channel, msg.TS), vs)
			s.mu.Unlock()
		}
	}
	action := map[string]any{"action_id": hit.id, "block_id": hit.blockID, "type": "button"}
	for _, k := range []string{"text", "value", "style", "url"} {
		if v, ok := hit.raw[k]; ok {
			action[k] = v
		}
	}
	in, err := s.sendBlockActions(ctx, msg, action, userID)
	if err != nil {
		return nil, fmt.Errorf("click %q: %w", actionIDOrLabel, err)
	}
	in.Confirm = confirm
	return in, nil
}

// ClickDeny presses a button of msg that has a confirm dialog and then the
// dialog's deny button (Cancel): as on Slack, nothing is sent to the bot.
// It returns the dialog shown, or ErrNoConfirm when the button has none,
// since then a press sends the click at once.
func (s *Server) ClickDeny(msg Message, actionIDOrLabel string) (*Confirm, error) {
	_, hit, err := s.pressable(msg, actionIDOrLabel)
	if err != nil {
		return nil, err
	}
	c := confirmOf(hit)
	if c == nil {
		return nil, fmt.Errorf("click %q and cancel: %w", actionIDOrLabel, ErrNoConfirm)
	}
	return c, nil
}

// ForgeClick sends a block_actions payload for a button with actionID and
// value on msg whether or not msg has one, as a crafted payload would: no
// confirm dialog was shown and the value can be anything. Tests use it to
// see the bot refuse what no user could have clicked. The action's block_id
// is that of msg's button with actionID if there is one.
func (s *Server) ForgeClick(ctx context.Context, msg Message, actionID, value, userID string) (*Interaction, error) {
	msg, _ = s.currentMessage(msg)
	blockID := "emu-forged"
	if b, err := findButton(msg, actionID); err == nil && b.id == actionID {
		blockID = b.blockID
	}
	action := map[string]any{
		"action_id": actionID, "block_id": blockID, "type": "button", "value": value,
		"text": map[string]any{"type": "plain_text", "text": actionID, "emoji": true},
	}
	in, err := s.sendBlockActions(ctx, msg, action, userID)
	if err != nil {
		return nil, fmt.Errorf("forge click %q: %w", actionID, err)
	}
	return in, nil
}

// sendBlockActions sends a block_actions payload for action on msg.
func (s *Server) sendBlockActions(ctx context.Context, msg Message, action map[string]any, userID string) (*Interaction, error) {
	now := time.Now()
	action["action_ts"] = formatTS(now.UnixMicro())
	key := msgKey{msg.Channel, msg.TS}
	s.mu.Lock()
	userName := s.userNameLocked(userID)
	channelName := s.channelNameLocked(msg.Channel)
	ru := s.newResponseURLLocked(msg.Channel, userID, &key)
	trigger := s.newTriggerLocked(userID)
	s.mu.Unlock()

	container := map[string]any{
		"type": "message", "message_ts": msg.TS, "channel_id": msg.Channel, "is_ephemeral": msg.Ephemeral,
	}
	if msg.ThreadTS != "" {
		container["thread_ts"] = msg.ThreadTS
	}
	payload := map[string]any{
		"type": "block_actions",
		"user": map[string]any{
			"id": userID, "username": userName, "name": userName, "team_id": TeamID,
		},
		"api_app_id":            AppID,
		"token":                 "emu-verification-token",
		"container":             container,
		"trigger_id":            trigger,
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": msg.Channel, "name": channelName},
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          ru.url,
		"actions":               []any{action},
	}
	if !msg.Ephemeral {
		payload["message"] = apiMessage(msg, false)
	}
	env := &envelope{
		id: newEnvelopeID(), typ: "interactive", channel: msg.Channel, user: userID, trigger: trigger,
	}
	if err := s.sendEnvelope(ctx, env, payload); err != nil {
		return nil, err
	}
	return &Interaction{EnvelopeID: env.id, ResponseURL: ru.url, SentAt: env.sentAt, TriggerID: trigger}, nil
}
