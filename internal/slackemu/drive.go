package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// slackEscape escapes what a user typed the way Slack does before sending
// it: &, < and > become entities (Slack's "Formatting text" reference: all
// text it sends is escaped this way), so the bot's un-escaping is exercised.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// SlashCommand is what a user typed, e.g. Command "/instances", Text "list".
// Empty UserName, ChannelName and TeamID are filled in.
type SlashCommand struct{ Command, Text, UserID, UserName, ChannelID, ChannelName, TeamID string }

// Interaction is an envelope the emulator sent for the bot to handle.
type Interaction struct {
	EnvelopeID, ResponseURL string
	SentAt                  time.Time
}

// responseURL is one response_url handed to the bot; guarded by Server.mu.
type responseURL struct {
	id        string
	url       string
	channel   string
	user      string
	created   time.Time
	uses      int
	origin    *msgKey // the clicked message, for replace/delete_original
	lastPosts []msgKey
}

// newResponseURLLocked issues a response_url on this server.
func (s *Server) newResponseURLLocked(channel, user string, origin *msgKey) *responseURL {
	id := randomHex(12)
	r := &responseURL{
		id: id, url: s.baseURL + "/response/" + id, channel: channel, user: user,
		created: time.Now(), origin: origin,
	}
	s.responses[id] = r
	return r
}

func (s *Server) userNameLocked(id string) string {
	if n, ok := s.users[id]; ok {
		return n
	}
	return strings.ToLower(id)
}

func (s *Server) channelNameLocked(id string) string {
	if n, ok := s.channels[id]; ok {
		return n
	}
	return strings.ToLower(id)
}

// SendSlashCommand delivers a slash_commands envelope, shaped as Slack's
// Socket Mode sends it, with a fresh response_url on this server. It waits
// for a usable connection first.
func (s *Server) SendSlashCommand(ctx context.Context, c SlashCommand) (*Interaction, error) {
	if c.TeamID == "" {
		c.TeamID = TeamID
	}
	s.mu.Lock()
	if c.UserName == "" {
		c.UserName = s.userNameLocked(c.UserID)
	} else {
		s.users[c.UserID] = c.UserName
	}
	if c.ChannelName == "" {
		c.ChannelName = s.channelNameLocked(c.ChannelID)
	} else {
		s.channels[c.ChannelID] = c.ChannelName
	}
	ru := s.newResponseURLLocked(c.ChannelID, c.UserID, nil)
	s.envelopeSeq++
	trigger := fmt.Sprintf("%d.%d.%s", time.Now().Unix(), s.envelopeSeq, randomHex(16))
	s.mu.Unlock()

	// Slack sends is_enterprise_install as the string "false" here (and as a
	// boolean in interactive payloads); slack-go accepts both.
	payload := map[string]string{
		"token": "emu-verification-token", "team_id": c.TeamID, "team_domain": TeamDomain,
		"channel_id": c.ChannelID, "channel_name": c.ChannelName,
		"user_id": c.UserID, "user_name": c.UserName,
		"command": c.Command, "text": slackEscape(c.Text), "api_app_id": AppID,
		"is_enterprise_install": "false", "response_url": ru.url, "trigger_id": trigger,
	}
	env := &envelope{
		id: newEnvelopeID(), typ: "slash_commands", acceptsResponse: true,
		channel: c.ChannelID, user: c.UserID,
	}
	if err := s.sendEnvelope(ctx, env, payload); err != nil {
		return nil, fmt.Errorf("send slash command %q: %w", c.Command, err)
	}
	return &Interaction{EnvelopeID: env.id, ResponseURL: ru.url, SentAt: env.sentAt}, nil
}

// button is an interactive button found in a message's blocks.
type button struct {
	blockID string
	raw     map[string]json.RawMessage
	id      string
	label   string
}

// findButtons lists the buttons in actions blocks and section accessories.
// Blocks without a block_id get the one Slack would have assigned on post;
// here, a stable one derived from the position.
func findButtons(blocks json.RawMessage) []button {
	var bs []map[string]json.RawMessage
	if json.Unmarshal(blocks, &bs) != nil {
		return nil
	}
	var out []button
	for i, b := range bs {
		var blockID, typ string
		_ = json.Unmarshal(b["block_id"], &blockID)
		_ = json.Unmarshal(b["type"], &typ)
		if blockID == "" {
			blockID = "emu-block-" + strconv.Itoa(i)
		}
		var elems []map[string]json.RawMessage
		switch typ {
		case "actions":
			_ = json.Unmarshal(b["elements"], &elems)
		case "section":
			var acc map[string]json.RawMessage
			if json.Unmarshal(b["accessory"], &acc) == nil && acc != nil {
				elems = append(elems, acc)
			}
		}
		for _, e := range elems {
			var et string
			_ = json.Unmarshal(e["type"], &et)
			if et != "button" {
				continue
			}
			btn := button{blockID: blockID, raw: e}
			_ = json.Unmarshal(e["action_id"], &btn.id)
			var text struct{ Text string }
			_ = json.Unmarshal(e["text"], &text)
			btn.label = text.Text
			out = append(out, btn)
		}
	}
	return out
}

// Click presses a button of msg, found by its action_id or else its label,
// as userID: it sends a block_actions interactive envelope shaped as Slack
// sends it, with a fresh response_url whose replace_original and
// delete_original act on msg. As on Slack, the payload carries the message
// itself only when it is not ephemeral.
func (s *Server) Click(ctx context.Context, msg Message, actionIDOrLabel string, userID string) (*Interaction, error) {
	s.mu.Lock()
	key := msgKey{msg.Channel, msg.TS}
	if st, ok := s.byKey[key]; ok {
		msg = st.Message.clone() // Slack sends the message as it is now
		if st.deleted {
			s.mu.Unlock()
			return nil, fmt.Errorf("click %q: message %s in %s was deleted", actionIDOrLabel, msg.TS, msg.Channel)
		}
	}
	s.mu.Unlock()

	btns := findButtons(msg.Blocks)
	var hit *button
	for i := range btns {
		if btns[i].id == actionIDOrLabel {
			hit = &btns[i]
			break
		}
	}
	if hit == nil {
		for i := range btns {
			if btns[i].label == actionIDOrLabel {
				hit = &btns[i]
				break
			}
		}
	}
	if hit == nil {
		names := make([]string, len(btns))
		for i, b := range btns {
			names[i] = fmt.Sprintf("%s (%s)", b.id, b.label)
		}
		return nil, &ButtonNotFoundError{Want: actionIDOrLabel, Buttons: names}
	}

	now := time.Now()
	actionTS := formatTS(now.UnixMicro())
	s.mu.Lock()
	userName := s.userNameLocked(userID)
	channelName := s.channelNameLocked(msg.Channel)
	ru := s.newResponseURLLocked(msg.Channel, userID, &key)
	s.envelopeSeq++
	trigger := fmt.Sprintf("%d.%d.%s", now.Unix(), s.envelopeSeq, randomHex(16))
	s.mu.Unlock()

	action := map[string]any{
		"action_id": hit.id, "block_id": hit.blockID, "type": "button", "action_ts": actionTS,
	}
	for _, k := range []string{"text", "value", "style", "url"} {
		if v, ok := hit.raw[k]; ok {
			action[k] = v
		}
	}
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
		id: newEnvelopeID(), typ: "interactive", channel: msg.Channel, user: userID,
	}
	if err := s.sendEnvelope(ctx, env, payload); err != nil {
		return nil, fmt.Errorf("click %q: %w", actionIDOrLabel, err)
	}
	return &Interaction{EnvelopeID: env.id, ResponseURL: ru.url, SentAt: env.sentAt}, nil
}
