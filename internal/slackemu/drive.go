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
	// TriggerID is the payload's trigger_id, which can open one view within
	// TriggerTTL of SentAt.
	TriggerID string
	// ViewID is the submitted view, for SubmitView.
	ViewID string
	// Confirm is the confirm dialog the user accepted before the click went
	// out, nil when the button has none.
	Confirm *Confirm
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
	trigger := s.newTriggerLocked(c.UserID)
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
		channel: c.ChannelID, user: c.UserID, trigger: trigger,
	}
	if err := s.sendEnvelope(ctx, env, payload); err != nil {
		return nil, fmt.Errorf("send slash command %q: %w", c.Command, err)
	}
	return &Interaction{EnvelopeID: env.id, ResponseURL: ru.url, SentAt: env.sentAt, TriggerID: trigger}, nil
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
