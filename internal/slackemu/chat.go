package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"

	"scnetbot/blockkit"
)

// judge checks a message against Block Kit and answers the error code Slack
// would give it, or "" when Slack would accept it.
func (s *Server) judge(text string, blocks json.RawMessage) ([]blockkit.Violation, string) {
	vs := blockkit.ValidateMessage(text, blocks)
	code := ""
	for _, v := range vs {
		switch {
		case v.Rule == blockkit.RuleBlocksJSON && v.Path == "blocks":
			return vs, "invalid_blocks_format"
		case v.Rule == blockkit.RuleNoContent:
			code = "no_text"
		case v.Rule.RejectedBySlack() && s.cfg.rejectInvalid && code == "":
			code = "invalid_blocks"
		}
	}
	return vs, code
}

// refusedLocked records the violations of a message Slack refuses (code
// not "") and reports whether it was refused.
func (s *Server) refusedLocked(where, code string, vs []blockkit.Violation) bool {
	if code == "" {
		return false
	}
	s.recordViolationsLocked(where+" (refused: "+code+")", vs)
	return true
}

// recordViolationsLocked keeps violations with where they happened.
func (s *Server) recordViolationsLocked(where string, vs []blockkit.Violation) {
	for _, v := range vs {
		s.violations = append(s.violations, where+": "+v.String())
	}
}

// rejection is the answer to a message Slack would refuse.
func rejection(code string, vs []blockkit.Violation) apiResult {
	body := map[string]any{"ok": false, "error": code}
	if code == "invalid_blocks" || code == "invalid_blocks_format" {
		msgs := blockkit.Strings(vs)
		body["errors"] = msgs
		body["response_metadata"] = map[string]any{"messages": msgs}
	}
	return apiResult{body: body}
}

// blocksParam reads the blocks argument; absent or empty means none.
func blocksParam(p params) json.RawMessage {
	b := bytes.TrimSpace([]byte(p["blocks"]))
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// metadataParam checks chat.postMessage's metadata argument the way Slack
// does: a JSON object with an event_type and an event_payload object.
func metadataParam(p params) (json.RawMessage, string) {
	raw := bytes.TrimSpace([]byte(p["metadata"]))
	if len(raw) == 0 {
		return nil, ""
	}
	var m struct {
		EventType    *string         `json:"event_type"`
		EventPayload json.RawMessage `json:"event_payload"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "invalid_metadata_format"
	}
	if m.EventType == nil || *m.EventType == "" {
		return nil, "invalid_metadata_schema"
	}
	if len(m.EventPayload) > 0 && m.EventPayload[0] != '{' && string(m.EventPayload) != "null" {
		return nil, "invalid_metadata_schema"
	}
	return json.RawMessage(raw), ""
}

// apiMessage renders a stored message as Slack's Web API returns it.
func apiMessage(m Message, withMeta bool) map[string]any {
	out := map[string]any{
		"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "team": TeamID,
	}
	if m.User == BotUserID {
		out["bot_id"] = BotID
		out["app_id"] = AppID
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if m.ThreadTS != "" {
		out["thread_ts"] = m.ThreadTS
	}
	if m.Edits > 0 {
		out["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	if withMeta && len(m.Metadata) > 0 {
		out["metadata"] = m.Metadata
	}
	return out
}

func (s *Server) chatPostMessage(p params) apiResult {
	ch := p["channel"]
	if ch == "" {
		return errResult("channel_not_found")
	}
	meta, code := metadataParam(p)
	if code != "" {
		return errResult(code)
	}
	blocks := blocksParam(p)
	vs, code := s.judge(p["text"], blocks)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusedLocked(ViaPostMessage+" "+ch, code, vs) {
		return rejection(code, vs)
	}
	thread := p["thread_ts"]
	if parent, ok := s.byKey[msgKey{ch, thread}]; ok && parent.ThreadTS != "" {
		// A reply to a reply lands in the parent's thread, as on Slack.
		thread = parent.ThreadTS
	}
	st := s.postLocked(Message{
		Channel: ch, ThreadTS: thread, Text: p["text"], User: BotUserID,
		Blocks: blocks, Metadata: meta, Via: ViaPostMessage,
	})
	if thread != "" {
		if parent, ok := s.byKey[msgKey{ch, thread}]; ok && parent.ThreadTS == "" {
			parent.ThreadTS = parent.TS
		}
	}
	s.recordViolationsLocked(fmt.Sprintf("%s %s ts %s", ViaPostMessage, ch, st.TS), vs)
	return apiResult{
		body:    map[string]any{"ok": true, "channel": ch, "ts": st.TS, "message": apiMessage(st.Message, true)},
		emitted: []Message{st.Message},
	}
}

func (s *Server) chatUpdate(p params) apiResult {
	ch, ts := p["channel"], p["ts"]
	if ch == "" {
		return errResult("channel_not_found")
	}
	s.mu.Lock()
	st, ok := s.byKey[msgKey{ch, ts}]
	if !ok || st.deleted || st.Ephemeral {
		s.mu.Unlock()
		return errResult("message_not_found")
	}
	next := st.Message.clone()
	s.mu.Unlock()

	if p.has("text") {
		next.Text = p["text"]
	}
	if p.has("blocks") {
		next.Blocks = blocksParam(p)
		if string(next.Blocks) == "[]" {
			next.Blocks = nil
		}
	}
	if p.has("metadata") {
		meta, code := metadataParam(p)
		if code != "" {
			return errResult(code)
		}
		next.Metadata = meta
	}
	vs, code := s.judge(next.Text, next.Blocks)
	where := fmt.Sprintf("%s %s ts %s", ViaUpdate, ch, ts)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusedLocked(where, code, vs) {
		return rejection(code, vs)
	}
	st, ok = s.byKey[msgKey{ch, ts}]
	if !ok || st.deleted {
		return errResult("message_not_found")
	}
	st.Text, st.Blocks, st.Metadata = next.Text, next.Blocks, next.Metadata
	st.Edits++
	s.recordViolationsLocked(where, vs)
	logged := st.Message.clone()
	logged.Via = ViaUpdate
	s.logLocked(logged)
	return apiResult{
		body: map[string]any{
			"ok": true, "channel": ch, "ts": ts, "text": st.Text,
			"message": apiMessage(st.Message, true),
		},
		emitted: []Message{logged},
	}
}

func (s *Server) chatPostEphemeral(p params) apiResult {
	ch, user := p["channel"], p["user"]
	if ch == "" {
		return errResult("channel_not_found")
	}
	if user == "" {
		return errResult("user_not_in_channel")
	}
	blocks := blocksParam(p)
	vs, code := s.judge(p["text"], blocks)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refusedLocked(ViaPostEphemeral+" "+ch, code, vs) {
		return rejection(code, vs)
	}
	st := s.postLocked(Message{
		Channel: ch, ThreadTS: p["thread_ts"], Text: p["text"], User: BotUserID, Blocks: blocks,
		Via: ViaPostEphemeral, To: user, Ephemeral: true, ResponseType: "ephemeral",
	})
	s.recordViolationsLocked(fmt.Sprintf("%s %s ts %s", ViaPostEphemeral, ch, st.TS), vs)
	return apiResult{
		body:    map[string]any{"ok": true, "message_ts": st.TS},
		emitted: []Message{st.Message},
	}
}
