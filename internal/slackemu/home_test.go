package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// homeTab is a Home tab of n sections.
func homeTab(n int, text string) slack.HomeTabViewRequest {
	blocks := make([]slack.Block, n)
	for i := range blocks {
		blocks[i] = slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}, CallbackID: "home", PrivateMetadata: "v1"}
}

func TestViewsPublish(t *testing.T) {
	var mu sync.Mutex
	var seen []View
	s := newEmu(t, WithOnView(func(v View) { mu.Lock(); seen = append(seen, v); mu.Unlock() }))
	ctx := ctxT(t)
	api := newAPI(s)
	if _, n := s.HomeView("U1"); n != 0 {
		t.Errorf("a Home tab before any publish: %d", n)
	}

	resp, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab(2, "*3 running*")})
	if err != nil {
		t.Fatal(err)
	}
	first := resp.View
	if !strings.HasPrefix(first.ID, "V") || first.Type != slack.VTHomeTab || first.Hash == "" || first.CallbackID != "home" ||
		first.PrivateMetadata != "v1" || len(first.Blocks.BlockSet) != 2 || first.TeamID != TeamID {
		t.Errorf("views.publish answered %+v", first)
	}
	got, n := s.HomeView("U1")
	if n != 1 || got.ID != first.ID || got.Type != "home" || got.UserID != "U1" || got.Hash != first.Hash || !strings.Contains(string(got.Blocks), "3 running") {
		t.Errorf("HomeView = %+v, %d", got, n)
	}

	// The hash of the view shown replaces it; the view keeps its id.
	second, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab(1, "*4 running*"), Hash: &first.Hash})
	if err != nil {
		t.Fatal(err)
	}
	if second.View.ID != first.ID || second.View.Hash == first.Hash {
		t.Errorf("second publish: id %s hash %s, first id %s hash %s: want the same id and a new hash",
			second.View.ID, second.View.Hash, first.ID, first.Hash)
	}
	// A stale hash is refused and changes nothing.
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab(1, "*stale*"), Hash: &first.Hash}); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("a stale hash: %v, want hash_conflict", err)
	}
	bogus := "1.2"
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U2", View: homeTab(1, "x"), Hash: &bogus}); err == nil || err.Error() != "hash_conflict" {
		t.Errorf("a hash for a user with no view: %v, want hash_conflict", err)
	}
	if got, n := s.HomeView("U1"); n != 2 || !strings.Contains(string(got.Blocks), "4 running") || got.Hash != second.View.Hash {
		t.Errorf("after the stale publish: %d publishes, %s", n, got.Blocks)
	}
	// Each user has a view of their own.
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U2", View: homeTab(1, "U2's")}); err != nil {
		t.Fatal(err)
	}
	if u2, n := s.HomeView("U2"); n != 1 || u2.ID == first.ID {
		t.Errorf("U2's Home tab: %+v, %d", u2, n)
	}
	if n := len(s.Views()); n != 0 {
		t.Errorf("Views lists %d Home tabs; it holds modals only", n)
	}
	mu.Lock()
	if len(seen) != 3 || seen[0].Type != "home" || seen[2].UserID != "U2" {
		t.Errorf("OnView saw %d views: %+v", len(seen), seen)
	}
	mu.Unlock()
	if n := s.Calls("views.publish"); n != 5 {
		t.Errorf("Calls(views.publish) = %d, want 5", n)
	}
}

func TestViewsPublishValidates(t *testing.T) {
	blocks := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"type": "section", "text": plain("x")}
		}
		return out
	}
	tests := []struct {
		name   string
		user   string
		change func(v map[string]any)
		want   string // "" when accepted, else the error or a json-pointer Slack names
	}{
		{"valid", "U1", func(map[string]any) {}, ""},
		{"100 blocks", "U1", func(v map[string]any) { v["blocks"] = blocks(100) }, ""},
		{"no title needed", "U1", func(v map[string]any) { delete(v, "title") }, ""},
		{"private_metadata of 3000", "U1", func(v map[string]any) { v["private_metadata"] = strings.Repeat("m", 3000) }, ""},
		{"101 blocks", "U1", func(v map[string]any) { v["blocks"] = blocks(101) }, "/view/blocks"},
		{"a modal", "U1", func(v map[string]any) { v["type"] = "modal" }, "/view/type"},
		{"private_metadata of 3001", "U1", func(v map[string]any) { v["private_metadata"] = strings.Repeat("m", 3001) }, "/view/private_metadata"},
		{"callback_id of 256", "U1", func(v map[string]any) { v["callback_id"] = strings.Repeat("c", 256) }, "/view/callback_id"},
		{"a button label of 76", "U1", func(v map[string]any) {
			v["blocks"] = []any{map[string]any{"type": "actions", "elements": []any{
				map[string]any{"type": "button", "action_id": "a", "text": plain(strings.Repeat("名", 76))}}}}
		}, "/view/blocks"},
		{"no blocks", "U1", func(v map[string]any) { delete(v, "blocks") }, "/view/blocks"},
		{"no user", "", func(map[string]any) {}, "invalid `user_id`"},
		{"a channel for a user", "C1", func(map[string]any) {}, "invalid `user_id`"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newEmu(t)
			v := map[string]any{"type": "home", "blocks": blocks(1), "callback_id": "home", "private_metadata": "m"}
			tc.change(v)
			form := url.Values{"view": {string(mustJSON(v))}}
			if tc.user != "" {
				form.Set("user_id", tc.user)
			}
			body := callAPI(t, s, "views.publish", form)
			if tc.want == "" {
				if body["ok"] != true {
					t.Errorf("refused: %v", body)
				}
				if vs := s.Violations(); len(vs) > 0 {
					t.Errorf("violations: %v", vs)
				}
				return
			}
			if body["ok"] != false || body["error"] != "invalid_arguments" || !strings.Contains(string(mustJSON(body)), tc.want) {
				t.Errorf("got %v, want invalid_arguments naming %s", body, tc.want)
			}
			if _, n := s.HomeView(tc.user); n != 0 {
				t.Error("a refused view was published")
			}
		})
	}
	// WithAcceptInvalidBlocks publishes it anyway, and records why Slack
	// would not have.
	lax := newEmu(t, WithAcceptInvalidBlocks())
	over := map[string]any{"type": "home", "blocks": blocks(101)}
	if body := callAPI(t, lax, "views.publish", url.Values{"user_id": {"U1"}, "view": {string(mustJSON(over))}}); body["ok"] != true {
		t.Errorf("WithAcceptInvalidBlocks: %v", body)
	}
	if _, n := lax.HomeView("U1"); n != 1 || len(lax.Violations()) == 0 {
		t.Errorf("WithAcceptInvalidBlocks: published %d, violations %v", n, lax.Violations())
	}

	// A view over 250 KB is refused before it is read.
	s := newEmu(t)
	big := map[string]any{"type": "home", "blocks": blocks(1), "private_metadata": strings.Repeat("m", maxViewBytes)}
	if body := callAPI(t, s, "views.publish", url.Values{"user_id": {"U1"}, "view": {string(mustJSON(big))}}); body["error"] != "view_too_large" {
		t.Errorf("a view of 250 KB: %v, want view_too_large", body)
	}
}

func TestViewsPublishRateLimited(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	s.RateLimitNext("views.publish", 2, 3*time.Second)
	for range 2 {
		if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab(1, "x")}); !isRateLimited(err, 3*time.Second) {
			t.Errorf("rate limited publish: %v, want Retry-After 3s", err)
		}
	}
	if _, n := s.HomeView("U1"); n != 0 {
		t.Errorf("a rate-limited publish was published (%d)", n)
	}
	if _, err := api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab(1, "x")}); err != nil {
		t.Errorf("after the limit: %v", err)
	}
}

func TestWaitHome(t *testing.T) {
	s := newEmu(t)
	api := newAPI(s)
	go func() {
		for _, text := range []string{"loading", "3 running"} {
			_, _ = api.PublishViewContext(context.Background(), slack.PublishViewContextRequest{UserID: "U1", View: homeTab(1, text)})
		}
	}()
	v, err := s.WaitHome(ctxT(t), "U1", func(v View) bool { return strings.Contains(string(v.Blocks), "3 running") })
	if err != nil || v.UserID != "U1" {
		t.Fatalf("WaitHome = %+v, %v", v, err)
	}
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	var we *WaitError
	if _, err := s.WaitHome(short, "U2", nil); !errors.As(err, &we) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitHome for a user with none: %v", err)
	}
}

// TestOpenHome: app_home_opened reaches slack-go as an Events API event
// shaped as Slack sends it, with the view published for the user once
// there is one, and OpenHome returns after the ack.
func TestOpenHome(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	type opened struct {
		in  *Interaction
		err error
	}
	open := func(tab string) (*slackevents.AppHomeOpenedEvent, socketmode.Event, chan opened) {
		t.Helper()
		done := make(chan opened, 1)
		go func() {
			in, err := s.OpenAppHome(ctx, "U1", tab)
			done <- opened{in, err}
		}()
		ev := b.next(t, ctx)
		if ev.Type != socketmode.EventTypeEventsAPI || ev.Request.Type != "events_api" {
			t.Fatalf("got %s (%s), want an events_api envelope", ev.Type, ev.Request.Type)
		}
		select {
		case <-done:
			t.Fatal("OpenAppHome returned before the ack")
		default:
		}
		api, ok := ev.Data.(slackevents.EventsAPIEvent)
		if !ok || api.Type != slackevents.CallbackEvent || api.TeamID != TeamID || api.APIAppID != AppID {
			t.Fatalf("event %+v", ev.Data)
		}
		home, ok := api.InnerEvent.Data.(*slackevents.AppHomeOpenedEvent)
		if !ok {
			t.Fatalf("inner event %T, want *AppHomeOpenedEvent", api.InnerEvent.Data)
		}
		return home, ev, done
	}

	home, ev, done := open(TabHome)
	if home.User != "U1" || home.Tab != "home" || !strings.HasPrefix(home.Channel, "D") || home.EventTimeStamp == "" || home.View != nil {
		t.Errorf("app_home_opened = %+v: want U1's home tab in a D channel, no view before one is published", home)
	}
	_ = b.sm.Ack(*ev.Request)
	o := <-done
	if o.err != nil || o.in.EnvelopeID != ev.Request.EnvelopeID {
		t.Fatalf("OpenHome = %+v, %v", o.in, o.err)
	}

	pub, err := b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: "U1", View: homeTab(1, "3 running")})
	if err != nil {
		t.Fatal(err)
	}
	home, ev, done = open(TabHome)
	if home.View == nil || home.View.ID != pub.View.ID || home.View.Hash != pub.View.Hash || home.View.Type != slack.VTHomeTab {
		t.Errorf("app_home_opened after a publish carries view %+v, want %s", home.View, pub.View.ID)
	}
	_ = b.sm.Ack(*ev.Request)
	if o := <-done; o.err != nil {
		t.Fatal(o.err)
	}

	home, ev, done = open(TabMessages)
	if home.Tab != "messages" || home.View != nil {
		t.Errorf("messages tab: %+v", home)
	}
	_ = b.sm.Ack(*ev.Request)
	if o := <-done; o.err != nil {
		t.Fatal(o.err)
	}
	// Redelivered like any envelope.
	if err := s.Redeliver(ctx, ev.Request.EnvelopeID, "timeout"); err != nil {
		t.Fatal(err)
	}
	again := b.next(t, ctx)
	if again.Request.EnvelopeID != ev.Request.EnvelopeID || again.Request.RetryAttempt != 1 || again.Request.RetryReason != "timeout" {
		t.Errorf("redelivery %+v", again.Request)
	}
	_ = b.sm.Ack(*again.Request)
	for _, a := range s.Acks() {
		if a.Type != "events_api" || a.Late {
			t.Errorf("ack %+v", a)
		}
	}
	raw, _ := json.Marshal(ev.Request.Payload)
	if !strings.Contains(string(raw), `"event_id":"Ev`) {
		t.Errorf("payload has no event_id: %s", raw)
	}
}

// TestOpenHomeUnacked: OpenHome waits for the ack, and gives up with ctx.
func TestOpenHomeUnacked(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	short, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := s.OpenHome(short, "U1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("OpenHome without an ack: %v, want the deadline", err)
	}
	// It was delivered; the client read it and never acked.
	if ev := b.next(t, ctxT(t)); ev.Type != socketmode.EventTypeEventsAPI {
		t.Errorf("delivered %s", ev.Type)
	}
}
