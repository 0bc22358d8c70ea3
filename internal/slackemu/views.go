package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"scnetbot/blockkit"
)

// View is a modal the bot opened with views.open, or a Home tab it
// published with views.publish, as the emulator holds it.
type View struct {
	ID, UserID string
	// Type is "modal" (views.open) or "home" (views.publish).
	Type string
	// TriggerID is the trigger_id the view was opened with.
	TriggerID                               string
	CallbackID, PrivateMetadata, ExternalID string
	// Title, Submit and Close are the texts of the modal's title and buttons.
	Title, Submit, Close string
	// Blocks is the blocks array as Slack holds it: every block has a
	// block_id and every input element an action_id, filled in when the bot
	// left them out.
	Blocks json.RawMessage
	// Inputs are the view's input blocks, in order.
	Inputs []ViewInput
	// Hash changes each time the view changes (opened, updated).
	Hash string
	// Open is false once the view was closed: by an ack of its submission
	// that did not keep it open, or by CloseView.
	Open bool
	// Submissions counts view_submission payloads sent for it.
	Submissions int
	// Errors are the errors (block_id → message) of the last ack that
	// answered response_action "errors", as Slack shows them under the
	// inputs; nil again once an ack closes or updates the view.
	Errors map[string]string
	// OpenedAt is when views.open accepted it, or views.publish last
	// published it, on the emulator's clock.
	OpenedAt time.Time
}

// ViewInput is one input block of a view, the field a user types into.
type ViewInput struct {
	BlockID, ActionID string
	// Type is the element's type, e.g. plain_text_input.
	Type         string
	Label        string
	InitialValue string
	Optional     bool
	// MinLength and MaxLength are plain_text_input's bounds, 0 when unset.
	MinLength, MaxLength int
}

func (v View) clone() View {
	v.Blocks = slices.Clone(v.Blocks)
	v.Inputs = slices.Clone(v.Inputs)
	v.Errors = maps.Clone(v.Errors)
	return v
}

// input finds the input block with blockID.
func (v View) input(blockID string) (ViewInput, bool) {
	for _, in := range v.Inputs {
		if in.BlockID == blockID {
			return in, true
		}
	}
	return ViewInput{}, false
}

// viewState is one view and its object as Slack would send it back;
// guarded by Server.mu.
type viewState struct {
	View
	obj map[string]json.RawMessage
}

func (v *viewState) set(pv *parsedView) {
	v.obj = pv.obj
	v.Blocks, v.Inputs = pv.blocks, pv.inputs
	v.Title, v.Submit, v.Close = pv.title, pv.submit, pv.close
	v.CallbackID, v.PrivateMetadata, v.ExternalID = pv.callbackID, pv.privateMetadata, pv.externalID
	v.Hash = fmt.Sprintf("%d.%s", time.Now().Unix(), randomHex(4))
}

// apiView renders the view as Slack's API and payloads show it, with state
// as given.
func (v *viewState) apiView(state map[string]any) map[string]any {
	out := map[string]any{
		"id": v.ID, "team_id": TeamID, "type": v.Type, "blocks": v.Blocks,
		"private_metadata": v.PrivateMetadata, "callback_id": v.CallbackID, "external_id": v.ExternalID,
		"state": map[string]any{"values": state}, "hash": v.Hash,
		"clear_on_close": false, "notify_on_close": false,
		"root_view_id": v.ID, "previous_view_id": nil, "app_id": AppID, "bot_id": BotID,
		"app_installed_team_id": TeamID,
	}
	for _, k := range []string{"title", "submit", "close", "clear_on_close", "notify_on_close"} {
		if raw, ok := v.obj[k]; ok && !isNull(raw) {
			out[k] = raw
		}
	}
	return out
}

// viewsOpen answers views.open: the trigger_id must be one the emulator sent
// less than TriggerTTL ago and not yet exchanged, and the view must pass
// Slack's checks.
func (s *Server) viewsOpen(p params) apiResult {
	trig := p["trigger_id"]
	if trig == "" {
		trig = p["interactivity_pointer"]
	}
	if trig == "" {
		return invalidArguments("[ERROR] missing required field: trigger_id")
	}
	raw := strings.TrimSpace(p["view"])
	if raw == "" {
		return invalidArguments("[ERROR] missing required field: view")
	}
	if len(raw) > maxViewBytes {
		return errResult("view_too_large")
	}
	pv, vs, fatal := parseView([]byte(raw))
	s.mu.Lock()
	defer s.mu.Unlock()
	t, code := s.exchangeTriggerLocked(trig)
	if code != "" {
		return errResult(code)
	}
	if fatal || (s.cfg.rejectInvalid && len(vs) > 0) {
		s.recordViolationsLocked("views.open (refused: invalid_arguments)", vs)
		return invalidArguments(slackMessages(vs)...)
	}
	t.used = true
	v := &viewState{View: View{
		ID: newViewID(), Type: viewModal, UserID: t.user, TriggerID: trig,
		Open: true, OpenedAt: s.cfg.now(),
	}}
	v.set(pv)
	s.views = append(s.views, v)
	s.recordViolationsLocked("views.open "+v.ID, vs)
	s.notifyLocked()
	return apiResult{
		body:  map[string]any{"ok": true, "view": v.apiView(map[string]any{})},
		views: []View{v.View.clone()},
	}
}

// newViewID makes an ID shaped like Slack's view IDs.
func newViewID() string { return "V" + strings.ToUpper(randomHex(5)) }

func (s *Server) viewLocked(id string) *viewState {
	for _, v := range s.views {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// Views lists every view the bot opened, in the order opened, closed ones
// included.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]View, len(s.views))
	for i, v := range s.views {
		out[i] = v.View.clone()
	}
	return out
}

// View returns the view with id as it is now.
func (s *Server) View(id string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.viewLocked(id); v != nil {
		return v.View.clone(), true
	}
	return View{}, false
}

// WaitView blocks until a view is open for userID and returns the one
// opened last.
func (s *Server) WaitView(ctx context.Context, userID string) (View, error) {
	var got View
	err := s.waitFor(ctx, "an open view for "+userID, func() bool {
		for i := len(s.views) - 1; i >= 0; i-- {
			if v := s.views[i]; v.Open && v.UserID == userID {
				got = v.View.clone()
				return true
			}
		}
		return false
	})
	return got, err
}

// CloseView closes a view as the user's Cancel button or Esc does. Slack
// tells the app only when the view asked for notify_on_close, which
// scnetbot's do not, so nothing is sent.
func (s *Server) CloseView(viewID string) error {
	s.mu.Lock()
	v := s.viewLocked(viewID)
	if v == nil {
		s.mu.Unlock()
		return fmt.Errorf("close view %q: %w", viewID, ErrUnknownView)
	}
	wasOpen := v.Open
	v.Open = false
	closed := v.View.clone()
	s.notifyLocked()
	s.mu.Unlock()
	if wasOpen {
		s.emitViews(closed)
	}
	return nil
}

// emitViews hands views to the WithOnView callback; call without s.mu held.
func (s *Server) emitViews(vs ...View) {
	if s.cfg.onView == nil {
		return
	}
	for _, v := range vs {
		s.cfg.onView(v.clone())
	}
}

// SubmitView presses a view's submit button as userID ("" for the user it
// is open for) with values typed into its inputs (block_id → action_id →
// text): it sends a view_submission interactive envelope shaped as Slack
// sends it. An input left out keeps its initial_value. As Slack's client
// does, it sends nothing and returns an *InputError when a required input is
// empty or a value breaks the input's length bounds.
//
// The bot's ack decides what happens next, as on Slack: none or
// response_action "clear" closes the view; "errors" keeps it open and
// records the errors in View.Errors; "update" replaces it. An ack that is
// late or dropped leaves it open.
func (s *Server) SubmitView(ctx context.Context, viewID, userID string, values map[string]map[string]string) (*Interaction, error) {
	s.mu.Lock()
	v := s.viewLocked(viewID)
	if v == nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("submit view %q: %w", viewID, ErrUnknownView)
	}
	if !v.Open {
		s.mu.Unlock()
		return nil, fmt.Errorf("submit view %q: %w", viewID, ErrViewClosed)
	}
	if userID == "" {
		userID = v.UserID
	}
	if userID != v.UserID {
		s.mu.Unlock()
		return nil, fmt.Errorf("submit view %q as %s: it is open for %s only", viewID, userID, v.UserID)
	}
	state, err := submittedState(v.View, values)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	v.Submissions++
	userName := s.userNameLocked(userID)
	trig := s.newTriggerLocked(userID)
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":                  map[string]any{"id": userID, "username": userName, "name": userName, "team_id": TeamID},
		"api_app_id":            AppID,
		"token":                 "emu-verification-token",
		"trigger_id":            trig,
		"view":                  v.apiView(state),
		"response_urls":         []any{},
		"enterprise":            nil,
		"is_enterprise_install": false,
	}
	s.mu.Unlock()

	env := &envelope{
		id: newEnvelopeID(), typ: "interactive", acceptsResponse: true, user: userID,
		trigger: trig, viewID: viewID,
	}
	if err := s.sendEnvelope(ctx, env, payload); err != nil {
		return nil, fmt.Errorf("submit view %q: %w", viewID, err)
	}
	return &Interaction{EnvelopeID: env.id, SentAt: env.sentAt, TriggerID: trig, ViewID: viewID}, nil
}

// submittedState builds view.state.values for a submission, refusing what
// Slack's client would not let the user submit.
func submittedState(v View, values map[string]map[string]string) (map[string]any, error) {
	for blockID, actions := range values {
		in, ok := v.input(blockID)
		for actionID := range actions {
			if !ok || actionID != in.ActionID {
				return nil, &InputError{ViewID: v.ID, BlockID: blockID, ActionID: actionID, Reason: "the view has no such input"}
			}
			if in.Type != "plain_text_input" {
				return nil, &InputError{ViewID: v.ID, BlockID: blockID, ActionID: actionID,
					Reason: "the emulator types only into plain_text_input, not " + in.Type}
			}
		}
	}
	state := map[string]any{}
	for _, in := range v.Inputs {
		val, typed := values[in.BlockID][in.ActionID]
		if !typed {
			val = in.InitialValue
		}
		n := len([]rune(val))
		fail := func(reason string) error {
			return &InputError{ViewID: v.ID, BlockID: in.BlockID, ActionID: in.ActionID, Reason: reason}
		}
		switch {
		case n == 0 && !in.Optional:
			return nil, fail("a required input is empty")
		case n > 0 && in.MinLength > 0 && n < in.MinLength:
			return nil, fail(fmt.Sprintf("%d characters, min_length %d", n, in.MinLength))
		case in.MaxLength > 0 && n > in.MaxLength:
			return nil, fail(fmt.Sprintf("%d characters, max_length %d", n, in.MaxLength))
		}
		if in.Type != "plain_text_input" {
			continue
		}
		var value any = val
		if n == 0 {
			value = nil // Slack sends null for an empty input
		}
		state[in.BlockID] = map[string]any{in.ActionID: map[string]any{"type": "plain_text_input", "value": value}}
	}
	return state, nil
}

// viewAckLocked applies the ack of a view_submission to its view and
// returns the view when the ack changed it.
func (s *Server) viewAckLocked(env *envelope, payload json.RawMessage) []View {
	v := s.viewLocked(env.viewID)
	if v == nil || !v.Open {
		return nil
	}
	changed := func() []View { return []View{v.View.clone()} }
	where := fmt.Sprintf("ack of view_submission %s for view %s", env.id, v.ID)
	bad := func(format string, args ...any) {
		s.recordViolationsLocked(where, []blockkit.Violation{{
			Path: "response_action", Rule: ruleViewResponse, Detail: fmt.Sprintf(format, args...),
		}})
	}
	if len(payload) == 0 {
		v.Open, v.Errors = false, nil
		return changed()
	}
	var r struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	if err := json.Unmarshal(payload, &r); err != nil {
		bad("payload is not a response_action object: %v", err)
		return nil
	}
	switch r.ResponseAction {
	case "", "clear":
		v.Open, v.Errors = false, nil
		return changed()
	case "errors":
		if len(r.Errors) == 0 {
			bad("response_action errors without errors")
			return nil
		}
		for _, id := range slices.Sorted(maps.Keys(r.Errors)) {
			if _, ok := v.input(id); !ok {
				bad("errors names block_id %q, which is no input block of the view", blockkit.Truncate(id, 40))
			}
		}
		v.Errors = maps.Clone(r.Errors)
		return changed()
	case "update":
		pv, vs, fatal := parseView(r.View)
		if fatal || (s.cfg.rejectInvalid && len(vs) > 0) {
			s.recordViolationsLocked(where+" (update refused)", vs)
			return nil
		}
		s.recordViolationsLocked(where+" (update)", vs)
		v.set(pv)
		v.Errors = nil
		return changed()
	}
	bad("response_action %q is not one the emulator applies (clear, errors, update)", blockkit.Truncate(r.ResponseAction, 40))
	return nil
}
