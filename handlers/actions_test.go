package handlers

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// Every button's value, sent back through Action, produces the next reply.
func TestButtonRoundTrip(t *testing.T) {
	f := &fakeLister{instances: fixtures(47)}
	h := newTestHandler(t, f, nil)

	p1 := command(h, "Running page 1")
	if _, ok := actionsOf(p1)[actionPrev]; ok {
		t.Error("page 1 offers Prev")
	}
	p2, err := click(h, p1, actionNext)
	if err != nil {
		t.Fatal(err)
	}
	if !p2.ReplaceOriginal || !strings.Contains(p2.Text, "Page 2 of 2") {
		t.Errorf("Next: replace %v, text %q; want page 2 of 2 replacing the original", p2.ReplaceOriginal, p2.Text)
	}
	assertGolden(t, "action_next", p2)
	zh := chinese()
	zhP2 := zh.click(h, zh.command(h, "Running page 1"), actionNext)
	assertGoldenZh(t, "action_next", zhP2)
	if _, ok := actionsOf(p2)[actionNext]; ok {
		t.Error("last page offers Next")
	}
	back, err := click(h, p2, actionPrev)
	if err != nil {
		t.Fatal(err)
	}
	if !back.ReplaceOriginal || !strings.Contains(back.Text, "Page 1 of 2") {
		t.Errorf("Prev: %q", back.Text)
	}

	// Details, then back to the page it came from.
	det, err := click(h, p2, detailsActionID(1))
	if err != nil {
		t.Fatal(err)
	}
	if !det.ReplaceOriginal || !strings.HasPrefix(det.Text, "Instance ") {
		t.Errorf("Details: replace %v text %q", det.ReplaceOriginal, det.Text)
	}
	assertGolden(t, "action_details", det)
	assertGoldenZh(t, "action_details", zh.click(h, zhP2, detailsActionID(1)))
	ret, err := click(h, det, actionBack)
	if err != nil {
		t.Fatal(err)
	}
	if ret.Text != p2.Text || !ret.ReplaceOriginal {
		t.Errorf("Back: got %q, want the page the details came from %q", ret.Text, p2.Text)
	}

	// Refresh asks SCNet again, for lists and details alike, and keeps Back.
	before := f.calls.Load()
	ref, err := click(h, p2, actionRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != before+1 || ref.Text != p2.Text || !ref.ReplaceOriginal {
		t.Errorf("list Refresh: %d calls (want 1), text %q", f.calls.Load()-before, ref.Text)
	}
	before = f.calls.Load()
	dref, err := click(h, det, actionRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != before+1 || dref.Text != det.Text {
		t.Errorf("details Refresh: %d calls, text %q", f.calls.Load()-before, dref.Text)
	}
	if _, ok := actionsOf(dref)[actionBack]; !ok {
		t.Error("refreshed details lost the Back button")
	}

	// Share posts the same page for the channel, without buttons.
	sh, err := click(h, p2, actionShare)
	if err != nil {
		t.Fatal(err)
	}
	if sh.ResponseType != slack.ResponseTypeInChannel || sh.ReplaceOriginal {
		t.Errorf("Share: response type %q replace %v; want in_channel, not replacing", sh.ResponseType, sh.ReplaceOriginal)
	}
	if len(actionsOf(sh)) != 0 {
		t.Errorf("shared message has buttons: %v", actionsOf(sh))
	}
	assertGolden(t, "action_share", sh)
	// Shared, the page is a channel message: in BOT_LANGUAGE, whoever
	// clicked (TestShareSpeaksTheChannelLanguage).
	hzh := newTestHandler(t, f, func(c *Config) { c.Printer = zh.p })
	assertGoldenZh(t, "action_share", testLangs()[0].click(hzh, testLangs()[0].command(hzh, "Running page 1"), actionShare))
	dsh, err := click(h, det, actionShare)
	if err != nil {
		t.Fatal(err)
	}
	if dsh.ResponseType != slack.ResponseTypeInChannel || len(actionsOf(dsh)) != 0 {
		t.Errorf("details Share: %q with %d buttons", dsh.ResponseType, len(actionsOf(dsh)))
	}
}

// Button values hold the query as canonical command text.
func TestButtonValueEncoding(t *testing.T) {
	back := "running ssh name:help page 2"
	v := buttonValue{ID: "0123456789abcdef0123456789abcdef", B: &back}
	got, q, err := decodeButtonValue(v.encode())
	if err != nil || q.Kind != KindDetails || q.ID != v.ID || got.B == nil || *got.B != back {
		t.Fatalf("decode(encode(%+v)) = %+v, %+v, %v", v, got, q, err)
	}
	var raw map[string]string
	if err := json.Unmarshal([]byte(v.encode()), &raw); err != nil || raw["id"] != v.ID || raw["b"] != back {
		t.Errorf("encoded value %s, want JSON with id and b", v.encode())
	}
	// An id in another shape than SCNet's usual 32 hex digits still opens
	// the details view.
	_, q, err = decodeButtonValue(buttonValue{ID: "inst-42_a"}.encode())
	if err != nil || q.Kind != KindDetails || q.ID != "inst-42_a" {
		t.Errorf("short id: %+v, %v", q, err)
	}
	for _, bad := range []buttonValue{{ID: "a/../b"}, {ID: strings.Repeat("a", 65)}, {ID: "x", Q: "running"}, {Q: "help"}, {Q: "0123456789abcdef0123456789abcdef"}} {
		if _, _, err := decodeButtonValue(bad.encode()); err == nil {
			t.Errorf("decode(%+v) accepted", bad)
		}
	}
}

func TestActionRejects(t *testing.T) {
	f := &fakeLister{instances: fixtures(3)}
	h := newTestHandler(t, f, nil)
	cb := slack.InteractionCallback{User: slack.User{ID: "U0TEST"}}
	tests := []struct {
		name string
		a    *slack.BlockAction
		want error
	}{
		{"garbage value", &slack.BlockAction{ActionID: actionNext, Value: "not json"}, errStaleButton},
		{"bad query", &slack.BlockAction{ActionID: actionNext, Value: `{"q":"runn"}`}, errStaleButton},
		{"not a listing", &slack.BlockAction{ActionID: actionNext, Value: `{"q":"snooze x 4h"}`}, errStaleButton},
		{"unsafe id", &slack.BlockAction{ActionID: detailsActionID(0), Value: `{"id":"../../x"}`}, errStaleButton},
		{"unknown action", &slack.BlockAction{ActionID: "inst.explode", Value: `{"q":""}`}, errUnknownAction},
		{"details without number", &slack.BlockAction{ActionID: "inst.details.x", Value: `{"q":""}`}, errUnknownAction},
		{"nil action", nil, errUnknownAction},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := h.Action(context.Background(), cb, tt.a)
			if m.Text != userMessage(en(), tt.want) || m.ReplaceOriginal {
				t.Errorf("reply %q (replace %v), want %q as a new message", m.Text, m.ReplaceOriginal, userMessage(en(), tt.want))
			}
		})
	}
	if f.calls.Load() != 0 {
		t.Errorf("rejected actions asked SCNet %d times", f.calls.Load())
	}
	if h.OwnsAction("alert.ack") || !h.OwnsAction(actionShare) || !h.OwnsAction(detailsActionID(3)) {
		t.Error("OwnsAction does not match the inst. prefix")
	}
	denied := newTestHandler(t, f, func(c *Config) { c.AllowedUsers = []string{"U0OTHER"} })
	if m := denied.Action(context.Background(), cb, &slack.BlockAction{ActionID: actionNext, Value: `{"q":""}`}); m.Text != userMessage(en(), errUserNotAllowed) {
		t.Errorf("action by a user outside ALLOWED_USERS: %q", m.Text)
	}
}

// The longest query whose every character JSON escapes to six ("<" becomes
// \u003c) still fits in the buttons that carry it, on the list and on the
// details view its Details button opens.
func TestButtonValuesOfLongestQueryFit(t *testing.T) {
	words := make([]string, MaxInputWords)
	for i := range words {
		words[i] = strings.Repeat("<", (MaxInputChars-MaxInputWords+1)/MaxInputWords)
	}
	name := strings.Join(words, " ")
	in := fixtures(3)
	for i := range in {
		in[i].Name = name + "\u2028"
	}
	h := newTestHandler(t, &fakeLister{instances: in}, nil)
	list := command(h, strings.ReplaceAll(name, "<", "&lt;"))
	assertNoMarkup(t, list)
	if _, ok := actionsOf(list)[detailsActionID(0)]; !ok {
		t.Fatalf("no Details button on %s", messageJSON(t, list))
	}
	details, err := click(h, list, detailsActionID(0))
	if err != nil {
		t.Fatal(err)
	}
	assertNoMarkup(t, details)
	if _, ok := actionsOf(details)[actionBack]; !ok {
		t.Errorf("details view lost its Back button: %s", messageJSON(t, details))
	}
}
