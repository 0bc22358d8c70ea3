package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// maxResponseUses is how many times Slack accepts posts to one response_url.
const maxResponseUses = 5

// responseBody is what a response_url accepts (slack.WebhookMessage's shape).
type responseBody struct {
	Text            string          `json:"text"`
	Blocks          json.RawMessage `json:"blocks"`
	ResponseType    string          `json:"response_type"`
	ReplaceOriginal bool            `json:"replace_original"`
	DeleteOriginal  bool            `json:"delete_original"`
	ThreadTS        string          `json:"thread_ts"`
}

func plainAnswer(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// serveResponseURL accepts posts to a response_url as Slack's hooks host does:
// "ok" on success, 404 used_url after five uses, 404 expired_url after 30
// minutes or for an unknown URL, 400 for a bad payload.
func (s *Server) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	f := s.takeFault(MethodResponseURL)
	if refuse(w, f) {
		return
	}
	if r.Method != http.MethodPost {
		plainAnswer(w, http.StatusMethodNotAllowed, "invalid_method")
		return
	}
	raw, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		plainAnswer(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	var body responseBody
	if err := json.Unmarshal(raw, &body); err != nil {
		plainAnswer(w, http.StatusBadRequest, "invalid_payload")
		return
	}
	if string(body.Blocks) == "null" {
		body.Blocks = nil
	}
	status, answer, emitted := s.postResponse(r.PathValue("id"), body)
	s.emit(emitted...)
	if status == http.StatusOK && !s.hang(r, f) {
		return
	}
	plainAnswer(w, status, answer)
}

// postResponse applies one response_url post and says how to answer it.
func (s *Server) postResponse(id string, body responseBody) (int, string, []Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ru, ok := s.responses[id]
	switch {
	case !ok || time.Since(ru.created) > s.cfg.responseTTL:
		return http.StatusNotFound, "expired_url", nil
	case ru.uses >= maxResponseUses:
		return http.StatusNotFound, "used_url", nil
	}

	respType := body.ResponseType
	if respType == "" {
		respType = "ephemeral"
	}
	m := Message{
		Channel: ru.channel, ThreadTS: body.ThreadTS, Text: body.Text, User: BotUserID,
		Blocks: body.Blocks, ResponseType: respType, ReplaceOriginal: body.ReplaceOriginal,
		DeleteOriginal: body.DeleteOriginal, Via: ViaResponseURL, ResponseURL: ru.url,
	}
	target := s.responseTargetLocked(ru)

	if body.DeleteOriginal {
		ru.uses++
		if target != nil {
			target.deleted = true
			m.TS = target.TS
		}
		s.logLocked(m)
		return http.StatusOK, "ok", []Message{m}
	}

	vs, code := s.judge(body.Text, body.Blocks)
	where := fmt.Sprintf("%s %s", ViaResponseURL, ru.url)
	if s.refusedLocked(where, code, vs) {
		return http.StatusBadRequest, code, nil
	}
	ru.uses++

	if body.ReplaceOriginal && target != nil {
		target.Text, target.Blocks = body.Text, body.Blocks
		target.Edits++
		m.TS, m.ThreadTS, m.Edits = target.TS, target.ThreadTS, target.Edits
		m.Ephemeral, m.To = target.Ephemeral, target.To
		s.logLocked(m)
		s.recordViolationsLocked(fmt.Sprintf("%s (replacing %s)", where, target.TS), vs)
		return http.StatusOK, "ok", []Message{m}
	}
	if respType != "in_channel" {
		m.Ephemeral, m.To = true, ru.user
	}
	st := s.postLocked(m)
	ru.lastPosts = append(ru.lastPosts, msgKey{st.Channel, st.TS})
	s.recordViolationsLocked(fmt.Sprintf("%s ts %s", where, st.TS), vs)
	return http.StatusOK, "ok", []Message{st.Message}
}

// responseTargetLocked finds the message replace_original and delete_original
// act on: the clicked message for an interaction, else the last message
// posted through this response_url.
func (s *Server) responseTargetLocked(ru *responseURL) *stored {
	if ru.origin != nil {
		if st, ok := s.byKey[*ru.origin]; ok && !st.deleted {
			return st
		}
		return nil
	}
	for i := len(ru.lastPosts) - 1; i >= 0; i-- {
		if st, ok := s.byKey[ru.lastPosts[i]]; ok && !st.deleted {
			return st
		}
	}
	return nil
}

// WaitResponses blocks until n messages have been posted to responseURL and
// returns every message posted to it so far.
func (s *Server) WaitResponses(ctx context.Context, responseURL string, n int) ([]Message, error) {
	var out []Message
	err := s.waitFor(ctx, fmt.Sprintf("%d posts to %s", n, responseURL), func() bool {
		out = out[:0]
		for _, m := range s.log {
			if m.Via == ViaResponseURL && m.ResponseURL == responseURL {
				out = append(out, m.clone())
			}
		}
		return len(out) >= n
	})
	return out, err
}

// ResponseURLUses counts accepted posts to responseURL.
func (s *Server) ResponseURLUses(responseURL string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ru := range s.responses {
		if ru.url == responseURL {
			return ru.uses
		}
	}
	return 0
}
