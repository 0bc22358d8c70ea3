package actions

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/internal/golden"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// submission is the view_submission of the modal v with typed in its input.
func submission(user string, v slack.ModalViewRequest, typedText string) slack.InteractionCallback {
	return slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission, User: slack.User{ID: user},
		View: slack.View{CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata,
			State: &slack.ViewState{Values: map[string]map[string]slack.BlockAction{NameBlockID: {NameActionID: {Value: typedText}}}}}}
}

// lastModal is the modal the fake Slack opened last.
func (e *env) lastModal(t *testing.T) slack.ModalViewRequest {
	t.Helper()
	e.views.mu.Lock()
	defer e.views.mu.Unlock()
	if len(e.views.opened) == 0 {
		t.Fatal("no modal opened")
	}
	return e.views.opened[len(e.views.opened)-1]
}

// validModal checks the modal against Slack's view limits and its blocks
// against Block Kit's.
func validModal(t *testing.T, v slack.ModalViewRequest) {
	t.Helper()
	for _, o := range []*slack.TextBlockObject{v.Title, v.Submit, v.Close} {
		if o == nil || o.Type != slack.PlainTextType || utf8.RuneCountInString(o.Text) > maxViewTitle || o.Text == "" {
			t.Errorf("modal title/submit/close %+v", o)
		}
	}
	if len(v.PrivateMetadata) > maxViewMetadata || v.CallbackID != DeleteViewID {
		t.Errorf("metadata %d bytes, callback %q", len(v.PrivateMetadata), v.CallbackID)
	}
	var blocks []slack.Block
	for _, b := range v.Blocks.BlockSet {
		if b.BlockType() != slack.MBTInput {
			blocks = append(blocks, b)
		}
	}
	valid(t, &slack.WebhookMessage{Text: "x", Blocks: &slack.Blocks{BlockSet: blocks}})
	for _, b := range v.Blocks.BlockSet {
		in, ok := b.(*slack.InputBlock)
		if !ok {
			continue
		}
		if in.Label == nil || in.Label.Text == "" || utf8.RuneCountInString(in.Label.Text) > maxInputLabel {
			t.Errorf("input label %+v", in.Label)
		}
		if el, ok := in.Element.(*slack.PlainTextInputBlockElement); ok && el.Placeholder != nil && utf8.RuneCountInString(el.Placeholder.Text) > maxInputPlaceholder {
			t.Errorf("placeholder of %d characters", utf8.RuneCountInString(el.Placeholder.Text))
		}
	}
}

// TestDeleteFromButton: the Delete button opens the modal at once, before
// any SCNet call; the submit looks the instance up and deletes it once.
func TestDeleteFromButton(t *testing.T) {
	e := newEnv(t)
	value := e.s.Buttons(Target{Region: "r1", InstanceID: idFailed, Name: "train-<!channel>", AlertID: "a1-2-r1"}, scnet.StatusFailed)
	del := value[len(value)-1].(*slack.ButtonBlockElement)
	if msg := e.click(t, alice, actionDelete, del.Value); msg != nil {
		t.Fatalf("the Delete button answered %q instead of opening the modal", msg.Text)
	}
	if e.scnetCalls() != 0 {
		t.Errorf("SCNet was called before the modal opened: %d", e.scnetCalls())
	}
	v := e.lastModal(t)
	validModal(t, v)
	if e.views.triggers[0] != "trigger-1" {
		t.Errorf("trigger %v", e.views.triggers)
	}
	m, ok := decodeViewMeta(v.PrivateMetadata)
	if !ok || m.Word != "train-<!channel>" || m.ByID {
		t.Fatalf("metadata %q", v.PrivateMetadata)
	}
	raw, _ := json.Marshal(v)
	golden.AssertJSON(t, "modal_delete.golden", []byte(strings.ReplaceAll(string(raw), m.Nonce, "NONCE")))

	// Someone else cannot submit it.
	url, msg := e.s.SubmitView(context.Background(), submission(carol, v, "train-<!channel>"))
	if !strings.Contains(msg.Text, "belongs to someone else") || url != "https://hooks.slack.test/click" || len(e.ops()) != 0 {
		t.Errorf("another user's submit: %q → %q", msg.Text, url)
	}
	// A wrong name, had Slack closed the modal anyway.
	_, msg = e.s.SubmitView(context.Background(), submission(alice, v, "train"))
	if !strings.Contains(msg.Text, "does not match") || len(e.ops()) != 0 {
		t.Errorf("wrong name: %q", msg.Text)
	}
	url, msg = e.s.SubmitView(context.Background(), submission(alice, v, "  train-<!channel> "))
	valid(t, msg)
	goldenMessage(t, "outcome_delete_done.golden", msg, m.Nonce)
	if url != "https://hooks.slack.test/click" || msg.ReplaceOriginal || !strings.Contains(msg.Text, "Delete requested by <@UALICE> for *train-&lt;!channel&gt;* in *西北一区*: SCNet is deleting it.") {
		t.Errorf("delete: %q → %q (replace %v)", msg.Text, url, msg.ReplaceOriginal)
	}
	if got := e.ops(); !slices.Equal(got, []string{"delete " + idFailed}) {
		t.Errorf("ops %v", got)
	}
	if got := e.rec.outcomes(); !slices.Equal(got, []string{"delete started", "delete done"}) {
		t.Errorf("recorded %v", got)
	}
	// Slack delivers the submission again.
	_, msg = e.s.SubmitView(context.Background(), submission(alice, v, "train-<!channel>"))
	if !strings.Contains(msg.Text, "already done") || len(e.ops()) != 1 {
		t.Errorf("second submission: %q, ops %v", msg.Text, e.ops())
	}
}

// TestDeleteSubmitPaths: what the submit finds when it looks.
func TestDeleteSubmitPaths(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(e *env)
		want    string
		deletes int
	}{
		{"gone already", func(e *env) {
			e.r1.mu.Lock()
			delete(e.r1.instances, idFailed)
			e.r1.mu.Unlock()
		}, "is already gone", 0},
		{"renamed", func(e *env) {
			e.r1.mu.Lock()
			in := e.r1.instances[idFailed]
			in.Name = "other"
			e.r1.instances[idFailed] = in
			e.r1.mu.Unlock()
		}, "is named *other* on SCNet now", 0},
		{"not allowed any more", func(e *env) { e.s.access.users = nil; e.groups.members = nil }, "Only", 0},
		{"SCNet down", func(e *env) { e.r1.lookupErr = context.DeadlineExceeded }, "could not look up instance", 0},
		{"716020 refused", func(e *env) { e.r1.opErr = &scnet.APIError{Code: "716020", Msg: "instance is busy", HTTPStatus: 200} }, "did not happen: nothing was deleted", 1},
		{"unknown outcome", func(e *env) { e.r1.opErr = scnet.ErrOutcomeUnknown }, "may or may not have happened", 1},
		{"expired", func(e *env) { e.clock.advance(11 * 60e9) }, "has expired", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.click(t, alice, actionDelete, targetValue{R: "r1", I: idFailed, N: "train-<!channel>"}.encode())
			v := e.lastModal(t)
			tt.prepare(e)
			_, msg := e.s.SubmitView(context.Background(), submission(alice, v, "train-<!channel>"))
			valid(t, msg)
			if !strings.Contains(msg.Text, tt.want) {
				t.Errorf("reply %q, want %q", msg.Text, tt.want)
			}
			if n := len(e.ops()); n != tt.deletes {
				t.Errorf("%d deletes, want %d", n, tt.deletes)
			}
			if strings.Contains(msg.Text, "instance is busy") {
				t.Error("SCNet's own text reached Slack")
			}
		})
	}
}

// TestDeleteFromCommand: the command opens the modal at once with the word
// typed, and the submit resolves it.
func TestDeleteFromCommand(t *testing.T) {
	e := newEnv(t)
	msg := e.command(t, alice, tracked.ActionDelete, "eval")
	if !strings.Contains(msg.Text, "Opened the delete dialog for *eval*") || e.scnetCalls() != 0 {
		t.Errorf("command: %q, %d SCNet calls before the modal", msg.Text, e.scnetCalls())
	}
	v := e.lastModal(t)
	validModal(t, v)
	if e.views.triggers[0] != "trigger-cmd" {
		t.Errorf("trigger %v", e.views.triggers)
	}
	url, msg := e.s.SubmitView(context.Background(), submission(alice, v, "eval"))
	if url != "https://hooks.slack.test/command" || !strings.Contains(msg.Text, "Delete requested by <@UALICE> for *eval* in *华东一区*") {
		t.Errorf("submit: %q → %q", msg.Text, url)
	}
	if got := e.ops(); !slices.Equal(got, []string{"delete " + idOther}) {
		t.Errorf("ops %v", got)
	}

	// By id: the id is what is typed.
	e = newEnv(t)
	e.command(t, alice, tracked.ActionDelete, idRunning)
	v = e.lastModal(t)
	if errs := e.s.ValidateView(context.Background(), submission(alice, v, "serve")); errs[NameBlockID] != "Type the instance's id exactly: "+idRunning {
		t.Errorf("by id, a name typed: %v", errs)
	}
	_, msg = e.s.SubmitView(context.Background(), submission(alice, v, idRunning))
	if !strings.Contains(msg.Text, "for *serve* in *西北一区*") || len(e.ops()) != 1 {
		t.Errorf("by id: %q, ops %v", msg.Text, e.ops())
	}

	// An ambiguous name is answered at submit, and nothing is deleted.
	e = newEnv(t)
	e.command(t, alice, tracked.ActionDelete, "twin")
	_, msg = e.s.SubmitView(context.Background(), submission(alice, e.lastModal(t), "twin"))
	if !strings.Contains(msg.Text, "Several instances are named *twin*") || len(e.ops()) != 0 {
		t.Errorf("ambiguous: %q", msg.Text)
	}
	if a := e.action(t, mustMeta(t, e.lastModal(t)).Nonce); a.Phase != state.ActionCancelled {
		t.Errorf("an unresolved delete stays %s", a.Phase)
	}

	// Slack does not open the modal.
	e = newEnv(t)
	e.views.err = errors.New("expired_trigger_id")
	msg = e.command(t, alice, tracked.ActionDelete, "eval")
	if !strings.Contains(msg.Text, "Slack did not open the delete dialog") || strings.Contains(msg.Text, "expired_trigger_id") {
		t.Errorf("no modal: %q", msg.Text)
	}
}

func mustMeta(t *testing.T, v slack.ModalViewRequest) viewMeta {
	t.Helper()
	m, ok := decodeViewMeta(v.PrivateMetadata)
	if !ok {
		t.Fatalf("metadata %q", v.PrivateMetadata)
	}
	return m
}

// TestValidateView: the typed name must be the name, trimmed; a modal
// scnetbot cannot read keeps an error.
func TestValidateView(t *testing.T) {
	s := newEnv(t).s
	meta := viewMeta{Nonce: "00112233445566778899aabbccddeeff", Word: "train-<!channel>"}.encode()
	tests := []struct {
		name, callback, meta, typed, want string
	}{
		{"exact", DeleteViewID, meta, "train-<!channel>", ""},
		{"trimmed", DeleteViewID, meta, "  train-<!channel>\n", ""},
		{"other case", DeleteViewID, meta, "TRAIN-<!channel>", "Type the instance's name exactly: train-<!channel>"},
		{"prefix", DeleteViewID, meta, "train", "Type the instance's name exactly: train-<!channel>"},
		{"empty", DeleteViewID, meta, "", "Type the instance's name exactly"},
		{"junk metadata", DeleteViewID, "{", "train", "cannot read this dialog"},
		{"no nonce", DeleteViewID, `{"w":"train"}`, "train", "cannot read this dialog"},
		{"other view", "other", meta, "train-<!channel>", "cannot read this dialog"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cb := submission(alice, slack.ModalViewRequest{CallbackID: tt.callback, PrivateMetadata: tt.meta}, tt.typed)
			errs := s.ValidateView(context.Background(), cb)
			if tt.want == "" {
				if errs != nil {
					t.Errorf("errors %v", errs)
				}
				return
			}
			if !strings.Contains(errs[NameBlockID], tt.want) {
				t.Errorf("errors %v, want %q", errs, tt.want)
			}
		})
	}
	if errs := s.ValidateView(context.Background(), slack.InteractionCallback{View: slack.View{CallbackID: DeleteViewID, PrivateMetadata: meta}}); errs == nil {
		t.Error("a submission without state passed")
	}
	if !s.OwnsView(DeleteViewID) || s.OwnsView("inst.x") || !s.OwnsAction("act.confirm") || s.OwnsAction("alert.ack") {
		t.Error("routing")
	}
}

// FuzzDecodeTarget: the button value decoder never panics, and whatever
// it accepts is its own encoding, with ids that are safe to send.
func FuzzDecodeTarget(f *testing.F) {
	for _, s := range []string{
		target("r1", idFailed), targetValue{R: "r1", I: idFailed, A: "a1-2-r1", N: "名<!here>"}.encode(),
		`{"i":"x"}`, `{"I":"x"}`, `{"i":"x","i":"y"}`, `{"i":"../x"}`, `{"i":"x"} `, "", "null", `{"i":"x","n":"\ud800"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := decodeTarget(s)
		if err != nil {
			return
		}
		if !scnet.ValidInstanceID(tg.InstanceID) || tg.Region != "" && !scnet.ValidInstanceID(tg.Region) || !validAlertID(tg.AlertID) {
			t.Fatalf("accepted %q as %+v", s, tg)
		}
		if got := (targetValue{R: tg.Region, I: tg.InstanceID, A: tg.AlertID, N: tg.Name}).encode(); got != s {
			t.Fatalf("accepted %q, which encodes as %q", s, got)
		}
	})
}
