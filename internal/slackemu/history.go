package slackemu

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
)

// window is the oldest/latest/inclusive/limit/cursor arguments shared by
// conversations.history and conversations.replies.
type window struct {
	oldest, latest int64
	inclusive      bool
	limit          int
	after          int // index to resume from, decoded from the cursor
}

func readWindow(p params, defLimit int) (window, string) {
	w := window{oldest: 0, latest: math.MaxInt64, limit: defLimit}
	if v := p["oldest"]; v != "" {
		ts, ok := parseTS(v)
		if !ok {
			return w, "invalid_ts_oldest"
		}
		w.oldest = ts
	}
	if v := p["latest"]; v != "" {
		ts, ok := parseTS(v)
		if !ok {
			return w, "invalid_ts_latest"
		}
		w.latest = ts
	}
	w.inclusive = p["inclusive"] == "1" || p["inclusive"] == "true"
	if v := p["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return w, "invalid_limit"
		}
		if n > 0 {
			w.limit = min(n, 999)
		}
	}
	if c := p["cursor"]; c != "" {
		b, err := base64.StdEncoding.DecodeString(c)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "next:"))
		if err != nil || err2 != nil || n < 0 {
			return w, "invalid_cursor"
		}
		w.after = n
	}
	return w, ""
}

// in reports whether ts falls in the window; oldest and latest are exclusive
// unless inclusive is set, as on Slack.
func (w window) in(ts string) bool {
	t, _ := parseTS(ts)
	if w.inclusive {
		return t >= w.oldest && t <= w.latest
	}
	return t > w.oldest && t < w.latest
}

// page cuts msgs to the window's page and says whether more follow.
func (w window) page(msgs []Message) ([]Message, bool, string) {
	if w.after >= len(msgs) {
		return nil, false, ""
	}
	msgs = msgs[w.after:]
	if len(msgs) <= w.limit {
		return msgs, false, ""
	}
	next := base64.StdEncoding.EncodeToString([]byte("next:" + strconv.Itoa(w.after+w.limit)))
	return msgs[:w.limit], true, next
}

// readChannel reads what conversations.history and conversations.replies
// share: the channel, the paging window, whether metadata is wanted, and a
// snapshot of the channel's messages. code is Slack's error, "" when fine.
func (s *Server) readChannel(p params, defaultLimit int) (w window, withMeta bool, all []Message, code string) {
	ch := p["channel"]
	if ch == "" {
		return w, false, nil, "channel_not_found"
	}
	w, code = readWindow(p, defaultLimit)
	if code != "" {
		return w, false, nil, code
	}
	withMeta = p["include_all_metadata"] == "1" || p["include_all_metadata"] == "true"
	s.mu.Lock()
	all = s.channelLocked(ch)
	s.mu.Unlock()
	return w, withMeta, all, ""
}

func (s *Server) conversationsHistory(p params) apiResult {
	w, withMeta, all, code := s.readChannel(p, 100)
	if code != "" {
		return errResult(code)
	}

	// Newest first; thread replies stay in their threads.
	var top []Message
	replies := map[string][]Message{}
	for i := len(all) - 1; i >= 0; i-- {
		m := all[i]
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			replies[m.ThreadTS] = append(replies[m.ThreadTS], m)
			continue
		}
		if w.in(m.TS) {
			top = append(top, m)
		}
	}
	pg, more, next := w.page(top)
	out := make([]map[string]any, 0, len(pg))
	for _, m := range pg {
		am := apiMessage(m, withMeta)
		if rs := replies[m.TS]; len(rs) > 0 {
			am["reply_count"] = len(rs)
			am["latest_reply"] = rs[0].TS
			am["reply_users"] = []string{BotUserID}
			am["reply_users_count"] = 1
		}
		out = append(out, am)
	}
	return apiResult{body: map[string]any{
		"ok": true, "messages": out, "has_more": more, "pin_count": 0,
		"response_metadata": map[string]any{"next_cursor": next},
	}}
}

func (s *Server) conversationsReplies(p params) apiResult {
	ts := p["ts"]
	w, withMeta, all, code := s.readChannel(p, 1000)
	if code != "" {
		return errResult(code)
	}

	var thread []Message
	found := false
	for _, m := range all {
		switch {
		case m.TS == ts:
			found = true
			thread = append([]Message{m}, thread...)
		case m.ThreadTS == ts && w.in(m.TS):
			thread = append(thread, m)
		}
	}
	if !found {
		return errResult("thread_not_found")
	}
	pg, more, next := w.page(thread)
	out := make([]map[string]any, 0, len(pg))
	for _, m := range pg {
		out = append(out, apiMessage(m, withMeta))
	}
	return apiResult{body: map[string]any{
		"ok": true, "messages": out, "has_more": more,
		"response_metadata": map[string]any{"next_cursor": next},
	}}
}
