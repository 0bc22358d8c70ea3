package slackemu

import (
	"strconv"
	"strings"
)

// DefaultLocale is the Slack locale of a user no test gave one.
const DefaultLocale = "en-US"

// neededScope is the bot scope Slack names in a missing_scope answer (its
// "needed" field) for method, "" when the emulator does not know it.
func neededScope(method string) string {
	switch method {
	case "users.info":
		return "users:read"
	case "usergroups.users.list":
		return "usergroups:read"
	case "conversations.history", "conversations.replies":
		return "channels:history"
	case "chat.postMessage", "chat.update", "chat.postEphemeral":
		return "chat:write"
	}
	return ""
}

// SetUserLocale sets the Slack locale ("zh-CN", "en-US", "ja-JP") users.info
// reports for userID when asked with include_locale. A user given none has
// DefaultLocale.
func (s *Server) SetUserLocale(userID, locale string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.locales[userID] = locale
	delete(s.usersGone, userID)
	s.notifyLocked()
}

// SetUserNotFound makes users.info answer user_not_found for userID, as
// Slack does for an id no member of the workspace has.
func (s *Server) SetUserNotFound(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.usersGone[userID] = true
	s.notifyLocked()
}

// SetMissingScope makes every call of method (with a valid token) answer
// missing_scope, as
// Slack does when the app was installed without the scope the method needs
// (for users.info, users:read), until it is called again with false.
func (s *Server) SetMissingScope(method string, missing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if missing {
		s.scopeless[method] = true
	} else {
		delete(s.scopeless, method)
	}
}

// UsersInfoCalls counts users.info calls about userID that reached the
// method, missing_scope and user_not_found answers included; calls a
// scripted fault refused (RateLimitNext, FailNext) are only in Calls.
func (s *Server) UsersInfoCalls(userID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.userCalls[userID]
}

// checkScope counts a users.info call by its user and answers
// missing_scope for method if a test said so; refused is false when the
// method may run.
func (s *Server) checkScope(method string, p params) (res apiResult, refused bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if method == "users.info" && p["user"] != "" {
		s.userCalls[p["user"]]++
		s.notifyLocked()
	}
	if !s.scopeless[method] {
		return apiResult{}, false
	}
	body := map[string]any{"ok": false, "error": "missing_scope", "provided": "commands,chat:write"}
	if needed := neededScope(method); needed != "" {
		body["needed"] = needed
	}
	return apiResult{body: body}, true
}

// usersInfo answers users.info: the member's profile, with its locale
// only when include_locale is true, as Slack sends it.
func (s *Server) usersInfo(p params) apiResult {
	id := p["user"]
	if id == "" {
		return invalidArguments("[ERROR] missing required field: user")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usersGone[id] || !strings.HasPrefix(id, "U") && !strings.HasPrefix(id, "W") {
		return errResult("user_not_found")
	}
	name := s.userNameLocked(id)
	isBot := id == BotUserID
	if isBot {
		name = BotName
	}
	user := map[string]any{
		"id": id, "team_id": TeamID, "name": name, "deleted": false, "color": "9f69e7",
		"real_name": name, "tz": "Asia/Shanghai", "tz_label": "China Standard Time", "tz_offset": 8 * 3600,
		"profile": map[string]any{
			"real_name": name, "display_name": name, "real_name_normalized": name,
			"display_name_normalized": name, "team": TeamID,
		},
		"is_admin": false, "is_owner": false, "is_primary_owner": false, "is_restricted": false,
		"is_ultra_restricted": false, "is_bot": isBot, "is_app_user": false, "updated": 1700000000,
	}
	if include, _ := strconv.ParseBool(p["include_locale"]); include {
		locale, ok := s.locales[id]
		if !ok {
			locale = DefaultLocale
		}
		user["locale"] = locale
	}
	return apiResult{body: map[string]any{"ok": true, "user": user}}
}
