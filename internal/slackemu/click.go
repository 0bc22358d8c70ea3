package slackemu

import (
	"context"
	"fmt"
	"time"
)

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

// Click presses a button of msg, found by its action_id or else its label,
// as userID: it sends a block_actions interactive envelope shaped as Slack
// sends it, with a fresh response_url whose replace_original and
// delete_original act on msg, and a fresh trigger_id. As on Slack, the
// payload carries the message itself only when it is not ephemeral.
func (s *Server) Click(ctx context.Context, msg Message, actionIDOrLabel string, userID string) (*Interaction, error) {
	msg, hit, err := s.pressable(msg, actionIDOrLabel)
	if err != nil {
		return nil, err
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
