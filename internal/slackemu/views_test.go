package slackemu

import (
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Date(2026, 3, 4, 3, 12, 0, 0, time.UTC)} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// issueTrigger hands out a trigger_id as if a payload carrying it was just
// sent to user, for tests of views.open that need no socket.
func issueTrigger(s *Server, user string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newTriggerLocked(user)
	s.triggerSentLocked(id)
	return id
}

// deleteModal is the shape of modal scnetbot opens: one input, the
// response_url in private_metadata.
func deleteModal() slack.ModalViewRequest {
	input := slack.NewInputBlock("confirm_name",
		slack.NewTextBlockObject(slack.PlainTextType, "Type gpu-1 to delete it", false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "This cannot be undone.", false, false),
		slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "gpu-1", false, false), "name"))
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Delete gpu-1", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Delete", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		CallbackID:      "delete_instance",
		PrivateMetadata: `{"region":"kunshan","id":"i-42"}`,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*gpu-1* in kunshan", false, false), nil, nil),
			input,
		}},
	}
}

func TestViewsOpenExchangesTriggers(t *testing.T) {
	clock := newTestClock()
	s := newEmu(t, WithClock(clock.Now))
	b := startBot(t, s)
	ctx := ctxT(t)
	command := func() slack.SlashCommand {
		t.Helper()
		in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", Text: "delete gpu-1", UserID: "U1", ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		ev := b.next(t, ctx)
		_ = b.sm.Ack(*ev.Request)
		cmd := ev.Data.(slack.SlashCommand)
		if cmd.TriggerID == "" || cmd.TriggerID != in.TriggerID {
			t.Fatalf("trigger_id %q, Interaction says %q", cmd.TriggerID, in.TriggerID)
		}
		return cmd
	}

	cmd := command()
	resp, err := b.api.OpenViewContext(ctx, cmd.TriggerID, deleteModal())
	if err != nil {
		t.Fatal(err)
	}
	v := resp.View
	if !strings.HasPrefix(v.ID, "V") || v.Type != slack.VTModal || v.CallbackID != "delete_instance" ||
		v.PrivateMetadata != `{"region":"kunshan","id":"i-42"}` || v.Hash == "" || v.TeamID != TeamID ||
		v.Title.Text != "Delete gpu-1" || v.State == nil || len(v.State.Values) != 0 || len(v.Blocks.BlockSet) != 2 {
		t.Errorf("views.open answered %+v", v)
	}
	got, err := s.WaitView(ctx, "U1")
	if err != nil {
		t.Fatal(err)
	}
	wantInputs := []ViewInput{{BlockID: "confirm_name", ActionID: "name", Type: "plain_text_input", Label: "Type gpu-1 to delete it"}}
	if got.ID != v.ID || got.UserID != "U1" || got.TriggerID != cmd.TriggerID || !got.Open || got.Title != "Delete gpu-1" ||
		got.Submit != "Delete" || got.Close != "Cancel" || got.CallbackID != "delete_instance" || got.Hash != v.Hash ||
		len(got.Inputs) != 1 || got.Inputs[0] != wantInputs[0] || !got.OpenedAt.Equal(clock.Now()) {
		t.Errorf("WaitView = %+v", got)
	}

	// A trigger_id opens one view only.
	if _, err := b.api.OpenViewContext(ctx, cmd.TriggerID, deleteModal()); err == nil || err.Error() != "exchanged_trigger_id" {
		t.Errorf("second views.open with one trigger: %v, want exchanged_trigger_id", err)
	}
	if _, err := b.api.OpenViewContext(ctx, "1.2.abcdef", deleteModal()); err == nil || err.Error() != "invalid_trigger_id" {
		t.Errorf("unknown trigger: %v, want invalid_trigger_id", err)
	}
	// It lasts TriggerTTL on the emulator's clock, and not a moment more.
	cmd = command()
	clock.Add(TriggerTTL)
	if _, err := b.api.OpenViewContext(ctx, cmd.TriggerID, deleteModal()); err != nil {
		t.Errorf("views.open at exactly TriggerTTL: %v", err)
	}
	cmd = command()
	clock.Add(TriggerTTL + time.Millisecond)
	if _, err := b.api.OpenViewContext(ctx, cmd.TriggerID, deleteModal()); err == nil || err.Error() != "expired_trigger_id" {
		t.Errorf("views.open after TriggerTTL: %v, want expired_trigger_id", err)
	}

	// A click carries a trigger_id too.
	_, ts, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("gpu-1 failed", false), slack.MsgOptionBlocks(
		slack.NewActionBlock("acts", slack.NewButtonBlockElement("delete", "i-42", slack.NewTextBlockObject(slack.PlainTextType, "Delete", false, false)))))
	if err != nil {
		t.Fatal(err)
	}
	click, err := s.Click(ctx, Message{Channel: "C1", TS: ts}, "Delete", "U2")
	if err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	_ = b.sm.Ack(*ev.Request)
	cb := ev.Data.(slack.InteractionCallback)
	if cb.TriggerID == "" || cb.TriggerID != click.TriggerID {
		t.Fatalf("click trigger_id %q, Interaction says %q", cb.TriggerID, click.TriggerID)
	}
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, deleteModal()); err != nil {
		t.Errorf("views.open with a click's trigger: %v", err)
	}
	if v, err := s.WaitView(ctx, "U2"); err != nil || v.TriggerID != cb.TriggerID {
		t.Errorf("view opened by the click: %+v, %v", v, err)
	}
	if n := len(s.Views()); n != 3 {
		t.Errorf("%d views, want 3", n)
	}
	if n := s.Calls("views.open"); n != 6 {
		t.Errorf("Calls(views.open) = %d, want 6", n)
	}
}

// validView is a modal as JSON, for cases slack-go's types cannot express.
func validView() map[string]any {
	return map[string]any{
		"type":   "modal",
		"title":  plain("Delete gpu-1"),
		"submit": plain("Delete"),
		"close":  plain("Cancel"),
		"blocks": []any{map[string]any{
			"type": "input", "block_id": "confirm_name", "label": plain("Type gpu-1"),
			"element": map[string]any{"type": "plain_text_input", "action_id": "name"},
		}},
		"callback_id":      "delete_instance",
		"private_metadata": "i-42",
	}
}

func plain(s string) map[string]any { return map[string]any{"type": "plain_text", "text": s} }

func input(label string, element map[string]any) map[string]any {
	return map[string]any{"type": "input", "label": plain(label), "element": element}
}

func TestViewsOpenValidates(t *testing.T) {
	blocks := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"type": "section", "text": plain("x")}
		}
		return out
	}
	tests := []struct {
		name   string
		change func(v map[string]any)
		want   string // "" when accepted, else a json-pointer Slack names
	}{
		{"valid", func(map[string]any) {}, ""},
		{"title of 24", func(v map[string]any) { v["title"] = plain(strings.Repeat("t", 24)) }, ""},
		{"51 blocks, more than a message may have", func(v map[string]any) { v["blocks"] = blocks(51); delete(v, "submit") }, ""},
		{"100 blocks", func(v map[string]any) { v["blocks"] = blocks(100) }, ""},
		{"private_metadata of 3000", func(v map[string]any) { v["private_metadata"] = strings.Repeat("m", 3000) }, ""},
		{"no submit without inputs", func(v map[string]any) { v["blocks"] = blocks(1); delete(v, "submit") }, ""},
		{"optional hint and placeholder", func(v map[string]any) {
			v["blocks"] = []any{map[string]any{"type": "input", "label": plain("Name"), "hint": plain("h"), "optional": true,
				"element": map[string]any{"type": "plain_text_input", "placeholder": plain(strings.Repeat("p", 150)), "max_length": 3000, "min_length": 0}}}
		}, ""},

		{"not an object", nil, "/view]"},
		{"home type", func(v map[string]any) { v["type"] = "home" }, "/view/type]"},
		{"no title", func(v map[string]any) { delete(v, "title") }, "/view/title]"},
		{"title of 25", func(v map[string]any) { v["title"] = plain(strings.Repeat("t", 25)) }, "/view/title/text]"},
		{"mrkdwn title", func(v map[string]any) { v["title"] = map[string]any{"type": "mrkdwn", "text": "*x*"} }, "/view/title/type]"},
		{"empty title", func(v map[string]any) { v["title"] = plain("") }, "/view/title/text]"},
		{"submit of 25", func(v map[string]any) { v["submit"] = plain(strings.Repeat("s", 25)) }, "/view/submit/text]"},
		{"close of 25", func(v map[string]any) { v["close"] = plain(strings.Repeat("c", 25)) }, "/view/close/text]"},
		{"inputs without submit", func(v map[string]any) { delete(v, "submit") }, "/view/submit]"},
		{"no blocks", func(v map[string]any) { delete(v, "blocks") }, "/view/blocks]"},
		{"null blocks", func(v map[string]any) { v["blocks"] = nil }, "/view/blocks]"},
		{"101 blocks", func(v map[string]any) { v["blocks"] = blocks(101) }, "/view/blocks]"},
		{"callback_id of 256", func(v map[string]any) { v["callback_id"] = strings.Repeat("c", 256) }, "/view/callback_id]"},
		{"private_metadata of 3001", func(v map[string]any) { v["private_metadata"] = strings.Repeat("m", 3001) }, "/view/private_metadata]"},
		{"input without label", func(v map[string]any) {
			v["blocks"] = []any{map[string]any{"type": "input", "element": map[string]any{"type": "plain_text_input"}}}
		}, "/view/blocks/0/label]"},
		{"label of 2001", func(v map[string]any) {
			v["blocks"] = []any{input(strings.Repeat("l", 2001), map[string]any{"type": "plain_text_input"})}
		}, "/view/blocks/0/label/text]"},
		{"input without element", func(v map[string]any) {
			v["blocks"] = []any{map[string]any{"type": "input", "label": plain("Name")}}
		}, "/view/blocks/0/element]"},
		{"placeholder of 151", func(v map[string]any) {
			v["blocks"] = []any{input("Name", map[string]any{"type": "plain_text_input", "placeholder": plain(strings.Repeat("p", 151))})}
		}, "/view/blocks/0/element/placeholder/text]"},
		{"max_length of 3001", func(v map[string]any) {
			v["blocks"] = []any{input("Name", map[string]any{"type": "plain_text_input", "max_length": 3001})}
		}, "/view/blocks/0/element/max_length]"},
		{"min_length above max_length", func(v map[string]any) {
			v["blocks"] = []any{input("Name", map[string]any{"type": "plain_text_input", "max_length": 5, "min_length": 6})}
		}, "/view/blocks/0/element/min_length]"},
		{"action_id of 256", func(v map[string]any) {
			v["blocks"] = []any{input("Name", map[string]any{"type": "plain_text_input", "action_id": strings.Repeat("a", 256)})}
		}, "/view/blocks/0/element/action_id]"},
		// Block Kit's own rules hold in views as in messages.
		{"section text of 3001", func(v map[string]any) {
			v["blocks"] = []any{map[string]any{"type": "section", "text": plain(strings.Repeat("x", 3001))}}
		}, "/view/blocks/0/text/text]"},
		{"duplicate block_id", func(v map[string]any) {
			b := map[string]any{"type": "section", "block_id": "b", "text": plain("x")}
			v["blocks"] = []any{b, b}
		}, "/view/blocks/1/block_id]"},
	}
	s := newEmu(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := "[1,2]"
			if tc.change != nil {
				v := validView()
				tc.change(v)
				raw = string(mustJSON(v))
			}
			trig := issueTrigger(s, "U1")
			body := callAPI(t, s, "views.open", url.Values{"trigger_id": {trig}, "view": {raw}})
			if tc.want == "" {
				if body["ok"] != true {
					t.Fatalf("refused: %v", body)
				}
				return
			}
			msgs, _ := body["response_metadata"].(map[string]any)["messages"].([]any)
			found := false
			for _, m := range msgs {
				found = found || strings.HasSuffix(m.(string), tc.want) && strings.HasPrefix(m.(string), "[ERROR] ")
			}
			if body["ok"] != false || body["error"] != "invalid_arguments" || !found {
				t.Errorf("answer = %v, want invalid_arguments naming %s", body, tc.want)
			}
			// A refused view leaves the trigger_id unspent.
			if body := callAPI(t, s, "views.open", url.Values{"trigger_id": {trig}, "view": {string(mustJSON(validView()))}}); body["ok"] != true {
				t.Errorf("valid view with the same trigger: %v", body)
			}
		})
	}
	if v := s.Violations(); len(v) == 0 || !strings.Contains(v[0], "views.open (refused: invalid_arguments)") {
		t.Errorf("violations = %v", v)
	}
}

func TestViewsOpenErrorsThroughSlackGo(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	m := deleteModal()
	m.Title = slack.NewTextBlockObject(slack.PlainTextType, "Delete this GPU instance now", false, false)
	_, err := api.OpenViewContext(ctx, issueTrigger(s, "U1"), m)
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) || se.Err != "invalid_arguments" || len(se.ResponseMetadata.Messages) != 1 ||
		se.ResponseMetadata.Messages[0] != "[ERROR] must be less than 25 characters, is 28 [json-pointer:/view/title/text]" {
		t.Errorf("long title: %#v", err)
	}
	if _, err := slack.New(s.AppToken(), slack.OptionAPIURL(s.APIURL())).OpenViewContext(ctx, issueTrigger(s, "U1"), deleteModal()); err == nil || err.Error() != "not_allowed_token_type" {
		t.Errorf("app token: %v", err)
	}
	// views.open takes the fault knobs like any method.
	s.FailNext("views.open", 1, 500)
	if _, err := api.OpenViewContext(ctx, issueTrigger(s, "U1"), deleteModal()); err == nil {
		t.Error("FailNext: views.open answered")
	}
	if n := len(s.Views()); n != 0 {
		t.Errorf("%d views opened, want 0", n)
	}
}

func TestViewsOpenAcceptInvalid(t *testing.T) {
	s := newEmu(t, WithAcceptInvalidBlocks())
	v := validView()
	v["title"] = plain(strings.Repeat("t", 25))
	body := callAPI(t, s, "views.open", url.Values{"trigger_id": {issueTrigger(s, "U1")}, "view": {string(mustJSON(v))}})
	if body["ok"] != true {
		t.Fatalf("refused despite WithAcceptInvalidBlocks: %v", body)
	}
	if vs := s.Violations(); len(vs) != 1 || !strings.Contains(vs[0], "title.text") {
		t.Errorf("violations = %v", vs)
	}
}

// openView opens deleteModal through a slash command's trigger.
func openView(t *testing.T, s *Server, b *bot, m slack.ModalViewRequest) View {
	t.Helper()
	ctx := ctxT(t)
	if _, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", Text: "delete gpu-1", UserID: "U1", ChannelID: "C1"}); err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	_ = b.sm.Ack(*ev.Request)
	resp, err := b.api.OpenViewContext(ctx, ev.Data.(slack.SlashCommand).TriggerID, m)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := s.View(resp.ID)
	if !ok {
		t.Fatalf("view %s not kept", resp.ID)
	}
	return v
}

func TestSubmitView(t *testing.T) {
	s := newEmu(t)
	s.AddUser("U1", "alice")
	b := startBot(t, s)
	ctx := ctxT(t)
	v := openView(t, s, b, deleteModal())
	submit := func(value string) (*Interaction, slack.InteractionCallback, socketmode.Event) {
		t.Helper()
		in, err := s.SubmitView(ctx, v.ID, "U1", map[string]map[string]string{"confirm_name": {"name": value}})
		if err != nil {
			t.Fatal(err)
		}
		ev := b.next(t, ctx)
		cb, ok := ev.Data.(slack.InteractionCallback)
		if !ok || ev.Type != socketmode.EventTypeInteractive {
			t.Fatalf("got %s %T, want an interaction", ev.Type, ev.Data)
		}
		return in, cb, ev
	}

	in, cb, ev := submit("gpu-2")
	if cb.Type != slack.InteractionTypeViewSubmission || cb.User.ID != "U1" || cb.User.Name != "alice" || cb.Team.ID != TeamID ||
		cb.APIAppID != AppID || cb.TriggerID == "" || cb.TriggerID != in.TriggerID || in.ViewID != v.ID {
		t.Errorf("view_submission = %+v", cb)
	}
	if cb.View.ID != v.ID || cb.View.CallbackID != "delete_instance" || cb.View.PrivateMetadata != `{"region":"kunshan","id":"i-42"}` ||
		cb.View.Hash != v.Hash || cb.View.Title.Text != "Delete gpu-1" || len(cb.View.Blocks.BlockSet) != 2 || cb.ViewSubmissionCallback.Hash != "" {
		t.Errorf("view = %+v", cb.View)
	}
	if got := cb.View.State.Values["confirm_name"]["name"]; got.Value != "gpu-2" || got.Type != "plain_text_input" {
		t.Errorf("state.values = %+v", cb.View.State.Values)
	}
	if !ev.Request.AcceptsResponsePayload {
		t.Error("view_submission envelope does not accept a response payload")
	}
	// The bot answers with errors: the view stays open showing them.
	errs := map[string]string{"confirm_name": "Type gpu-1 exactly to delete it."}
	if err := b.sm.Ack(*ev.Request, slack.NewErrorsViewSubmissionResponse(errs)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.View(v.ID); !got.Open || !maps.Equal(got.Errors, errs) || got.Submissions != 1 {
		t.Errorf("after errors: %+v", got)
	}
	// Submitted again and acked without payload: closed.
	in, cb, ev = submit("gpu-1")
	if cb.View.State.Values["confirm_name"]["name"].Value != "gpu-1" {
		t.Errorf("second state = %+v", cb.View.State.Values)
	}
	_ = b.sm.Ack(*ev.Request)
	if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.View(v.ID); got.Open || got.Errors != nil || got.Submissions != 2 {
		t.Errorf("after a bare ack: %+v", got)
	}
	if _, err := s.SubmitView(ctx, v.ID, "U1", nil); !errors.Is(err, ErrViewClosed) {
		t.Errorf("submit of a closed view: %v", err)
	}
	// An ack that is a message closes the view and posts nothing.
	if n := len(s.AllMessages()); n != 0 {
		t.Errorf("%d messages posted", n)
	}
}

func TestSubmitViewAcks(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	tests := []struct {
		name      string
		ack       any
		open      bool
		violation string
	}{
		{"clear", slack.NewClearViewSubmissionResponse(), false, ""},
		{"empty object", map[string]any{}, false, ""},
		{"errors for a block that is no input", slack.NewErrorsViewSubmissionResponse(map[string]string{"nope": "x"}), true, `block_id "nope"`},
		{"errors without errors", map[string]any{"response_action": "errors"}, true, "without errors"},
		{"push", map[string]any{"response_action": "push", "view": deleteModal()}, true, `"push"`},
		{"update to an invalid view", map[string]any{"response_action": "update", "view": map[string]any{"type": "modal"}}, true, "update refused"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := openView(t, s, b, deleteModal())
			before := len(s.Violations())
			in, err := s.SubmitView(ctx, v.ID, "", map[string]map[string]string{"confirm_name": {"name": "gpu-1"}})
			if err != nil {
				t.Fatal(err)
			}
			_ = b.sm.Ack(*b.next(t, ctx).Request, tc.ack)
			if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
				t.Fatal(err)
			}
			got, _ := s.View(v.ID)
			vs := s.Violations()[before:]
			if got.Open != tc.open || (tc.violation == "") != (len(vs) == 0) || (tc.violation != "" && !strings.Contains(strings.Join(vs, "\n"), tc.violation)) {
				t.Errorf("open = %v, violations %v; want open %v, violation %q", got.Open, vs, tc.open, tc.violation)
			}
		})
	}

	t.Run("update", func(t *testing.T) {
		v := openView(t, s, b, deleteModal())
		in, err := s.SubmitView(ctx, v.ID, "", map[string]map[string]string{"confirm_name": {"name": "gpu-1"}})
		if err != nil {
			t.Fatal(err)
		}
		next := deleteModal()
		next.Title = slack.NewTextBlockObject(slack.PlainTextType, "Deleting gpu-1", false, false)
		next.Blocks = slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Deleting…", false, false), nil, nil)}}
		next.Submit = nil
		_ = b.sm.Ack(*b.next(t, ctx).Request, slack.NewUpdateViewSubmissionResponse(&next))
		if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
			t.Fatal(err)
		}
		got, _ := s.View(v.ID)
		if !got.Open || got.Title != "Deleting gpu-1" || len(got.Inputs) != 0 || got.Hash == v.Hash || got.ID != v.ID {
			t.Errorf("after update: %+v", got)
		}
	})
}

func TestSubmitViewRefusesWhatSlackWouldNotSend(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	m := deleteModal()
	limited := slack.NewPlainTextInputBlockElement(nil, "reason")
	limited.MaxLength = 5
	limited.MinLength = 2
	reason := slack.NewInputBlock("why", slack.NewTextBlockObject(slack.PlainTextType, "Why", false, false), nil, limited)
	reason.Optional = true
	m.Blocks.BlockSet = append(m.Blocks.BlockSet, reason)
	v := openView(t, s, b, m)

	tests := []struct {
		name   string
		user   string
		values map[string]map[string]string
		want   string
	}{
		{"required input empty", "", nil, "confirm_name/name: a required input is empty"},
		{"no such input", "", map[string]map[string]string{"confirm_name": {"name": "x"}, "nope": {"a": "x"}}, "nope/a: the view has no such input"},
		{"too long", "", map[string]map[string]string{"confirm_name": {"name": "x"}, "why": {"reason": "because"}}, "why/reason: 7 characters, max_length 5"},
		{"too short", "", map[string]map[string]string{"confirm_name": {"name": "x"}, "why": {"reason": "b"}}, "why/reason: 1 characters, min_length 2"},
		{"another user", "U2", map[string]map[string]string{"confirm_name": {"name": "x"}}, "open for U1 only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.SubmitView(ctx, v.ID, tc.user, tc.values)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("SubmitView: %v, want %q", err, tc.want)
			}
		})
	}
	var ie *InputError
	if _, err := s.SubmitView(ctx, v.ID, "", nil); !errors.As(err, &ie) || ie.BlockID != "confirm_name" {
		t.Errorf("required input: %v, want an *InputError", err)
	}
	if _, err := s.SubmitView(ctx, "VNOPE", "", nil); !errors.Is(err, ErrUnknownView) {
		t.Errorf("unknown view: %v", err)
	}
	// The optional input left empty goes as null, as Slack sends it.
	if _, err := s.SubmitView(ctx, v.ID, "", map[string]map[string]string{"confirm_name": {"name": "gpu-1"}}); err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	raw, _ := json.Marshal(ev.Request.Payload)
	if !strings.Contains(string(raw), `"why":{"reason":{"type":"plain_text_input","value":null}}`) {
		t.Errorf("payload = %s", raw)
	}
	if n := len(s.Acks()); n != 1 {
		t.Errorf("%d acks: refused submissions reached the bot", n)
	}
}

func TestCloseView(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	v := openView(t, s, b, deleteModal())
	if err := s.CloseView(v.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.View(v.ID); got.Open {
		t.Error("view still open after CloseView")
	}
	if _, err := s.SubmitView(ctxT(t), v.ID, "", nil); !errors.Is(err, ErrViewClosed) {
		t.Errorf("submit after close: %v", err)
	}
	if err := s.CloseView("VNOPE"); !errors.Is(err, ErrUnknownView) {
		t.Errorf("close of an unknown view: %v", err)
	}
}

// TestViewAckDropped: an ack Slack drops (20 KB or more) leaves the view
// open as it was, since to Slack the submission was never answered.
func TestViewAckDropped(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	c := dialRaw(t, s)
	c.read(t) // hello
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	body := callAPI(t, s, "views.open", url.Values{"trigger_id": {issueTrigger(s, "U1")}, "view": {string(mustJSON(validView()))}})
	id, _ := body["view"].(map[string]any)["id"].(string)
	values := map[string]map[string]string{"confirm_name": {"name": "gpu-1"}}
	ack := func(payload any) error {
		t.Helper()
		in, err := s.SubmitView(ctx, id, "U1", values)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(c.read(t)["envelope_id"]); got != `"`+in.EnvelopeID+`"` {
			t.Fatalf("read envelope %s, want %s", got, in.EnvelopeID)
		}
		if err := c.ws.WriteJSON(map[string]any{"envelope_id": in.EnvelopeID, "payload": payload}); err != nil {
			t.Fatal(err)
		}
		_, err = s.WaitAck(ctx, in.EnvelopeID)
		return err
	}
	huge := slack.NewErrorsViewSubmissionResponse(map[string]string{"confirm_name": strings.Repeat("x", 21<<10)})
	if err := ack(huge); !errors.Is(err, ErrAckDropped) {
		t.Fatalf("huge ack: %v, want ErrAckDropped", err)
	}
	if v, _ := s.View(id); !v.Open || v.Errors != nil {
		t.Errorf("after a dropped ack: open %v, errors %v; want open without errors", v.Open, v.Errors)
	}
	if err := ack(slack.NewClearViewSubmissionResponse()); err != nil {
		t.Fatal(err)
	}
	if v, _ := s.View(id); v.Open {
		t.Error("still open after clear")
	}
}

func TestOnView(t *testing.T) {
	var mu sync.Mutex
	var seen []View
	s := newEmu(t, WithOnView(func(v View) { mu.Lock(); seen = append(seen, v); mu.Unlock() }))
	b := startBot(t, s)
	ctx := ctxT(t)
	v := openView(t, s, b, deleteModal())
	for _, ack := range []any{slack.NewErrorsViewSubmissionResponse(map[string]string{"confirm_name": "not gpu-1"}), nil} {
		in, err := s.SubmitView(ctx, v.ID, "", map[string]map[string]string{"confirm_name": {"name": "gpu-2"}})
		if err != nil {
			t.Fatal(err)
		}
		req := *b.next(t, ctx).Request
		if ack != nil {
			_ = b.sm.Ack(req, ack)
		} else {
			_ = b.sm.Ack(req)
		}
		if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CloseView(v.ID); err != nil { // already closed: no change
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 3 || !seen[0].Open || seen[0].Errors != nil || !seen[1].Open || seen[1].Errors["confirm_name"] != "not gpu-1" || seen[2].Open {
		t.Errorf("views seen: %+v", seen)
	}
}

func FuzzParseView(f *testing.F) {
	f.Add(string(mustJSON(validView())))
	f.Add(`{"type":"modal","title":{"type":"plain_text","text":"t"},"blocks":[{"type":"input","element":{"type":"plain_text_input","max_length":"x"}}]}`)
	f.Add(`{"blocks":null}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, raw string) {
		pv, vs, fatal := parseView([]byte(raw))
		if fatal {
			if len(vs) == 0 {
				t.Fatal("fatal without a violation")
			}
			return
		}
		// What is accepted has valid blocks, with every input element
		// identified.
		var blocks []map[string]any
		if err := json.Unmarshal(pv.blocks, &blocks); err != nil {
			t.Fatalf("normalised blocks %s: %v", pv.blocks, err)
		}
		for _, in := range pv.inputs {
			if in.ActionID == "" && in.Type != "" {
				t.Fatalf("input element without an action_id: %+v", in)
			}
		}
		_ = slackMessages(vs)
	})
}
