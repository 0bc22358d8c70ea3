package slackemu

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// params holds a Web API call's arguments, whether sent as a form, a query
// string or a JSON body.
type params map[string]string

func (p params) has(k string) bool { _, ok := p[k]; return ok }

// readParams decodes the arguments of r. JSON values that are not strings
// (a blocks array, say) are kept as their JSON text, which is how the form
// encoding carries them too.
func readParams(r *http.Request) (params, error) {
	p := params{}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
		if err != nil {
			return nil, err
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			var m map[string]json.RawMessage
			if err := json.Unmarshal(body, &m); err != nil {
				return nil, err
			}
			for k, raw := range m {
				var s string
				if json.Unmarshal(raw, &s) == nil {
					p[k] = s
				} else {
					p[k] = string(raw)
				}
			}
		}
		for k, v := range r.URL.Query() {
			p[k] = v[0]
		}
		return p, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	for k, v := range r.Form {
		p[k] = v[0]
	}
	return p, nil
}

// tokenOf finds the caller's token: slack-go sends the bot token as a form
// field and the app token as a Bearer header.
func tokenOf(r *http.Request, p params) string {
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
		return strings.TrimPrefix(h, "Bearer ")
	}
	return p["token"]
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func apiError(w http.ResponseWriter, code string) {
	writeJSON(w, map[string]any{"ok": false, "error": code})
}

// apiResult is what a method handler decides: the JSON answer, and the
// messages to hand to the WithOnMessage callback.
type apiResult struct {
	body    any
	emitted []Message
	views   []View
}

func errResult(code string) apiResult {
	return apiResult{body: map[string]any{"ok": false, "error": code}}
}

// serveAPI answers https://slack.com/api/<method> calls.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	f := s.takeFault(method)
	if refuse(w, f) {
		return
	}
	if r.Method != http.MethodPost && r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p, err := readParams(r)
	if err != nil {
		apiError(w, "invalid_form_data")
		return
	}
	tok := tokenOf(r, p)

	var handler func(params) apiResult
	wantApp := false
	switch method {
	case "apps.connections.open":
		handler, wantApp = s.appsConnectionsOpen, true
	case "auth.test":
		handler = s.authTest
		if tok == s.appToken {
			wantApp = true
		}
	case "chat.postMessage":
		handler = s.chatPostMessage
	case "chat.update":
		handler = s.chatUpdate
	case "chat.postEphemeral":
		handler = s.chatPostEphemeral
	case "conversations.history":
		handler = s.conversationsHistory
	case "conversations.replies":
		handler = s.conversationsReplies
	case "views.open":
		handler = s.viewsOpen
	case "usergroups.users.list":
		handler = s.usergroupsUsersList
	case "users.info":
		handler = s.usersInfo
	case "views.publish":
		handler = s.viewsPublish
	default:
		apiError(w, "unknown_method")
		return
	}
	switch {
	case tok == "":
		apiError(w, "not_authed")
		return
	case wantApp && tok == s.botToken, !wantApp && tok == s.appToken:
		apiError(w, "not_allowed_token_type")
		return
	case wantApp && tok != s.appToken, !wantApp && tok != s.botToken:
		apiError(w, "invalid_auth")
		return
	}
	res, refused := s.checkScope(method, p)
	if !refused {
		res = handler(p)
	}
	s.emit(res.emitted...)
	s.emitViews(res.views...)
	if !s.hang(r, f) {
		return
	}
	writeJSON(w, res.body)
}

func (s *Server) appsConnectionsOpen(params) apiResult {
	ticket := randomHex(16)
	s.mu.Lock()
	s.tickets[ticket] = time.Now()
	s.opened++
	s.notifyLocked()
	s.mu.Unlock()
	u := "ws" + strings.TrimPrefix(s.baseURL, "http") + "/link?ticket=" + ticket + "&app_id=" + AppID
	return apiResult{body: map[string]any{"ok": true, "url": u}}
}

func (s *Server) authTest(params) apiResult {
	return apiResult{body: map[string]any{
		"ok": true, "url": "https://" + TeamDomain + ".slack.com/", "team": "SCNet emulator",
		"team_id": TeamID, "user": BotName, "user_id": BotUserID, "bot_id": BotID,
		"is_enterprise_install": false,
	}}
}
