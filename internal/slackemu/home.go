package slackemu

import (
	"context"
	"fmt"
	"strings"
)

// App Home tabs a user can open, as app_home_opened names them.
const (
	TabHome     = "home"
	TabMessages = "messages"
)

// homeState is the Home tab published for one user; guarded by Server.mu.
type homeState struct {
	view      *viewState
	published int
}

// viewsPublish answers views.publish: the view must be a valid Home tab
// (type home, Block Kit's rules, at most MaxViewBlocks blocks, Slack's
// limits on private_metadata, callback_id and external_id), and a hash,
// when given, must be the current view's or Slack answers hash_conflict,
// so that an older render cannot overwrite a newer one. The user's view
// keeps its id and gets a new hash on each publish. Rate limits are
// scripted like any method's, with RateLimitNext("views.publish", n, d).
func (s *Server) viewsPublish(p params) apiResult {
	user := p["user_id"]
	if user == "" || !strings.HasPrefix(user, "U") && !strings.HasPrefix(user, "W") {
		return invalidArguments("invalid `user_id`")
	}
	raw := strings.TrimSpace(p["view"])
	if raw == "" {
		return invalidArguments("[ERROR] missing required field: view")
	}
	if len(raw) > maxViewBytes {
		return errResult("view_too_large")
	}
	pv, vs, fatal := parseViewOf([]byte(raw), viewHome)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usersGone[user] {
		return invalidArguments("invalid `user_id`")
	}
	h := s.homes[user]
	if hash := p["hash"]; hash != "" && (h == nil || h.view.Hash != hash) {
		return errResult("hash_conflict")
	}
	if fatal || (s.cfg.rejectInvalid && len(vs) > 0) {
		s.recordViolationsLocked("views.publish for "+user+" (refused: invalid_arguments)", vs)
		return invalidArguments(slackMessages(vs)...)
	}
	if h == nil {
		h = &homeState{view: &viewState{View: View{ID: newViewID(), Type: viewHome, UserID: user, Open: true}}}
		s.homes[user] = h
	}
	h.view.set(pv)
	h.view.OpenedAt = s.cfg.now()
	h.published++
	s.recordViolationsLocked("views.publish "+h.view.ID+" for "+user, vs)
	s.notifyLocked()
	return apiResult{
		body:  map[string]any{"ok": true, "view": h.view.apiView(map[string]any{})},
		views: []View{h.view.View.clone()},
	}
}

// HomeView returns the Home tab last published for userID and how many
// times one was published for them; published is 0 when none was.
func (s *Server) HomeView(userID string) (v View, published int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if h := s.homes[userID]; h != nil {
		return h.view.View.clone(), h.published
	}
	return View{}, 0
}

// WaitHome blocks until a Home tab is published for userID for which pred
// holds (any, when pred is nil) and returns it.
func (s *Server) WaitHome(ctx context.Context, userID string, pred func(View) bool) (View, error) {
	var got View
	err := s.waitFor(ctx, "a Home tab for "+userID, func() bool {
		h := s.homes[userID]
		if h == nil {
			return false
		}
		v := h.view.View.clone()
		if pred != nil && !pred(v) {
			return false
		}
		got = v
		return true
	})
	return got, err
}

// OpenHome opens the app's Home tab as userID: it sends an events_api
// envelope with an app_home_opened event, tab "home", carrying the view
// published for the user if there is one, as Slack does, and returns once
// the bot acked it.
func (s *Server) OpenHome(ctx context.Context, userID string) (*Interaction, error) {
	return s.OpenAppHome(ctx, userID, TabHome)
}

// OpenAppHome is OpenHome for either tab of the App Home: TabHome or
// TabMessages. Slack sends the view only for the Home tab.
func (s *Server) OpenAppHome(ctx context.Context, userID, tab string) (*Interaction, error) {
	s.mu.Lock()
	now := s.cfg.now()
	event := map[string]any{
		"type": "app_home_opened", "user": userID, "channel": imChannel(userID),
		"tab": tab, "event_ts": formatTS(now.UnixMicro()),
	}
	if h := s.homes[userID]; h != nil && tab == TabHome {
		event["view"] = h.view.apiView(map[string]any{})
	}
	s.mu.Unlock()
	payload := map[string]any{
		"token": "emu-verification-token", "team_id": TeamID, "api_app_id": AppID,
		"event": event, "type": "event_callback",
		"event_id": "Ev" + strings.ToUpper(randomHex(5)), "event_time": now.Unix(),
		"authorizations": []any{map[string]any{
			"enterprise_id": nil, "team_id": TeamID, "user_id": BotUserID,
			"is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-" + randomHex(16),
	}
	env := &envelope{id: newEnvelopeID(), typ: "events_api", channel: imChannel(userID), user: userID}
	if err := s.sendEnvelope(ctx, env, payload); err != nil {
		return nil, fmt.Errorf("open app home %s for %s: %w", tab, userID, err)
	}
	if _, err := s.WaitAck(ctx, env.id); err != nil {
		return nil, fmt.Errorf("open app home %s for %s: %w", tab, userID, err)
	}
	return &Interaction{EnvelopeID: env.id, SentAt: env.sentAt}, nil
}

// imChannel is the id of the direct message channel between the bot and
// userID, the App Home's channel: stable for a user, as on Slack.
func imChannel(userID string) string {
	if len(userID) > 1 {
		return "D" + userID[1:]
	}
	return "D" + userID
}
