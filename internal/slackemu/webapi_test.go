package slackemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func TestAuth(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	res, err := newAPI(s).AuthTestContext(ctx)
	if err != nil || res.UserID != BotUserID || res.TeamID != TeamID || res.BotID != BotID {
		t.Errorf("auth.test = %+v, %v", res, err)
	}
	tests := []struct {
		name  string
		token string
		want  string
	}{
		{"unknown token", "xoxb-nope", "invalid_auth"},
		{"app token for chat", s.AppToken(), "not_allowed_token_type"},
		{"no token", "", "not_authed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := slack.New(tc.token, slack.OptionAPIURL(s.APIURL()))
			_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
		})
	}
	if _, err := newAPI(s).GetUsersContext(ctx); err == nil || err.Error() != "unknown_method" {
		t.Errorf("users.list = %v, want unknown_method", err)
	}
}

// TestMethodsListsEveryMethodCalled: what a test learns from Methods is
// every method called, served or not, so none can hide from a scope check.
func TestMethodsListsEveryMethodCalled(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	if got := s.Methods(); len(got) != 0 {
		t.Errorf("Methods before any call = %v", got)
	}
	api := newAPI(s)
	_, _ = api.AuthTestContext(ctx)
	_, _, _ = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	_, _, _ = api.PostMessageContext(ctx, "C1", slack.MsgOptionText("y", false))
	_, _ = slack.New("xoxb-nope", slack.OptionAPIURL(s.APIURL())).GetConversationHistoryContext(ctx,
		&slack.GetConversationHistoryParameters{ChannelID: "C1"})
	_, _ = api.GetUserInfoContext(ctx, "U1")
	want := []string{"auth.test", "chat.postMessage", "conversations.history", "users.info"}
	if got := s.Methods(); !slices.Equal(got, want) {
		t.Errorf("Methods = %v, want %v", got, want)
	}
}

func TestPostUpdateHistory(t *testing.T) {
	var seen []Message
	var mu sync.Mutex
	s := newEmu(t, WithOnMessage(func(m Message) { mu.Lock(); seen = append(seen, m); mu.Unlock() }))
	api := newAPI(s)
	ctx := ctxT(t)
	meta := func(id string) slack.MsgOption {
		return slack.MsgOptionMetadata(slack.SlackMetadata{EventType: "instance_alert", EventPayload: map[string]any{"instance_id": id}})
	}
	var tss []string
	for _, id := range []string{"i-1", "i-2", "i-3"} {
		ch, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("alert "+id, false), meta(id), slack.MsgOptionDisableLinkUnfurl())
		if err != nil || ch != "C1" {
			t.Fatal(ch, err)
		}
		tss = append(tss, ts)
	}
	if !(tss[0] < tss[1] && tss[1] < tss[2]) {
		t.Errorf("timestamps not increasing: %v", tss)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("detail", false), slack.MsgOptionTS(tss[0])); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", tss[1], slack.MsgOptionText("alert i-2 (resolved)", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := api.UpdateMessageContext(ctx, "C1", "1.000001", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of unknown ts = %v", err)
	}

	h, err := api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", IncludeAllMetadata: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Messages) != 3 {
		t.Fatalf("history has %d messages, want 3 (replies stay in threads)", len(h.Messages))
	}
	if h.Messages[0].Timestamp != tss[2] || h.Messages[2].Timestamp != tss[0] {
		t.Errorf("history not newest first: %s %s %s", h.Messages[0].Timestamp, h.Messages[1].Timestamp, h.Messages[2].Timestamp)
	}
	m1 := h.Messages[1]
	if m1.Text != "alert i-2 (resolved)" || m1.Edited == nil || m1.Metadata.EventType != "instance_alert" || m1.Metadata.EventPayload["instance_id"] != "i-2" {
		t.Errorf("updated message = %+v", m1.Msg)
	}
	if h.Messages[2].ReplyCount != 1 || h.Messages[2].ThreadTimestamp != tss[0] {
		t.Errorf("thread parent = %+v", h.Messages[2].Msg)
	}

	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil || h.Messages[0].Metadata.EventType != "" {
		t.Errorf("metadata returned without include_all_metadata: %+v %v", h.Messages[0].Metadata, err)
	}
	// Paging and windows.
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2})
	if err != nil || len(h.Messages) != 2 || !h.HasMore || h.ResponseMetaData.NextCursor == "" {
		t.Fatalf("page 1 = %d messages, more %v, %v", len(h.Messages), h.HasMore, err)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Limit: 2, Cursor: h.ResponseMetaData.NextCursor})
	if err != nil || len(h.Messages) != 1 || h.HasMore || h.Messages[0].Timestamp != tss[0] {
		t.Fatalf("page 2 = %+v, %v", h, err)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: tss[0]})
	if err != nil || len(h.Messages) != 2 {
		t.Errorf("oldest (exclusive) = %d messages, %v", len(h.Messages), err)
	}
	h, err = api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{ChannelID: "C1", Oldest: tss[0], Latest: tss[2], Inclusive: true})
	if err != nil || len(h.Messages) != 3 {
		t.Errorf("inclusive window = %d messages, %v", len(h.Messages), err)
	}
	replies, _, _, err := api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: tss[0]})
	if err != nil || len(replies) != 2 || replies[1].Text != "detail" {
		t.Errorf("replies = %+v, %v", replies, err)
	}

	cm := s.ChannelMessages("C1")
	if len(cm) != 4 || cm[1].Edits != 1 || cm[1].Text != "alert i-2 (resolved)" || cm[3].ThreadTS != tss[0] {
		t.Errorf("channel = %+v", cm)
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal(cm[0].Metadata, &md); err != nil || md.EventPayload["instance_id"] != "i-1" {
		t.Errorf("metadata = %s", cm[0].Metadata)
	}
	all := s.AllMessages()
	if len(all) != 5 || all[4].Via != ViaUpdate || all[1].Via != ViaPostMessage {
		t.Errorf("log = %+v", all)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 5 {
		t.Errorf("OnMessage saw %d messages, want 5", len(seen))
	}
	if s.Calls("chat.postMessage") != 4 || s.Calls("chat.update") != 2 {
		t.Errorf("calls: post %d update %d", s.Calls("chat.postMessage"), s.Calls("chat.update"))
	}
}

func TestPostEphemeral(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	ts, err := newAPI(s).PostEphemeralContext(ctx, "C1", "U1", slack.MsgOptionText("only you", false))
	if err != nil || ts == "" {
		t.Fatal(ts, err)
	}
	all := s.AllMessages()
	if len(all) != 1 || all[0].Via != ViaPostEphemeral || all[0].To != "U1" || len(s.ChannelMessages("C1")) != 0 {
		t.Errorf("ephemeral = %+v", all)
	}
}

func TestRateLimit(t *testing.T) {
	tests := []struct {
		after time.Duration
		want  time.Duration
	}{
		{1500 * time.Millisecond, 2 * time.Second},
		{time.Second, time.Second},
		{30 * time.Second, 30 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.after.String(), func(t *testing.T) {
			s := newEmu(t)
			api := newAPI(s)
			ctx := ctxT(t)
			s.RateLimitNext("chat.postMessage", 1, tc.after)
			_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
			if !isRateLimited(err, tc.want) {
				t.Fatalf("got %v, want RateLimitedError{%v}", err, tc.want)
			}
			if len(s.AllMessages()) != 0 {
				t.Error("a rate-limited post was recorded")
			}
			if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false)); err != nil {
				t.Errorf("second post: %v", err)
			}
			if s.Calls("chat.postMessage") != 2 {
				t.Errorf("calls = %d", s.Calls("chat.postMessage"))
			}
		})
	}
}

func TestFailNext(t *testing.T) {
	s := newEmu(t)
	api := newAPI(s)
	ctx := ctxT(t)
	s.FailNext("chat.update", 2, http.StatusServiceUnavailable)
	_, ts, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false))
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("y", false))
		var sc slack.StatusCodeError
		if !errors.As(err, &sc) || sc.Code != http.StatusServiceUnavailable {
			t.Errorf("got %v, want a 503", err)
		}
	}
	if _, _, _, err = api.UpdateMessageContext(ctx, "C1", ts, slack.MsgOptionText("y", false)); err != nil {
		t.Error(err)
	}
	if m := s.ChannelMessages("C1"); m[0].Edits != 1 {
		t.Errorf("edits = %d, want 1", m[0].Edits)
	}
}

func TestPostThenHang(t *testing.T) {
	s := newEmu(t)
	api := newAPI(s, slack.OptionHTTPClient(&http.Client{Timeout: 100 * time.Millisecond}))
	ctx := ctxT(t)
	s.PostThenHang("chat.postMessage", 1, time.Minute)
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("maybe", false))
	if err == nil {
		t.Fatal("post answered despite the hang")
	}
	if m := s.ChannelMessages("C1"); len(m) != 1 || m[0].Text != "maybe" {
		t.Errorf("hung post not recorded: %+v", m)
	}
	if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("next", false)); err != nil {
		t.Errorf("next post: %v", err)
	}
}

func TestResponseURLUses(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.sm.Ack(*b.next(t, ctx).Request)
	for i := range 6 {
		msg := &slack.WebhookMessage{Text: "part", ResponseType: "in_channel"}
		err := slack.PostWebhookCustomHTTPContext(ctx, in.ResponseURL, http.DefaultClient, msg)
		var sc slack.StatusCodeError
		switch {
		case i < 5 && err != nil:
			t.Fatalf("use %d: %v", i+1, err)
		case i == 5 && (!errors.As(err, &sc) || sc.Code != http.StatusNotFound):
			t.Fatalf("use 6: %v, want 404 used_url", err)
		}
	}
	got, err := s.WaitResponses(ctx, in.ResponseURL, 5)
	if err != nil || len(got) != 5 || got[0].ResponseType != "in_channel" || got[0].Ephemeral {
		t.Fatalf("responses = %+v, %v", got, err)
	}
	if len(s.ChannelMessages("C1")) != 5 || s.ResponseURLUses(in.ResponseURL) != 5 || s.Calls(MethodResponseURL) != 6 {
		t.Errorf("in_channel responses not in the channel")
	}
	// An unknown response_url.
	err = slack.PostWebhookCustomHTTPContext(ctx, s.baseURL+"/response/nope", http.DefaultClient, &slack.WebhookMessage{Text: "x"})
	var sc slack.StatusCodeError
	if !errors.As(err, &sc) || sc.Code != http.StatusNotFound {
		t.Errorf("unknown url: %v", err)
	}
}

func TestResponseURLDeleteOriginal(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	btn := slack.NewActionBlock("a", slack.NewButtonBlockElement("ack", "i-1", slack.NewTextBlockObject(slack.PlainTextType, "Acknowledge", false, false)))
	if _, _, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("alert", false), slack.MsgOptionBlocks(btn)); err != nil {
		t.Fatal(err)
	}
	click, err := s.Click(ctx, s.ChannelMessages("C1")[0], "ack", "U2")
	if err != nil {
		t.Fatal(err)
	}
	_ = b.sm.Ack(*b.next(t, ctx).Request)
	if err := slack.PostWebhookCustomHTTPContext(ctx, click.ResponseURL, http.DefaultClient, &slack.WebhookMessage{DeleteOriginal: true}); err != nil {
		t.Fatal(err)
	}
	if n := len(s.ChannelMessages("C1")); n != 0 {
		t.Errorf("%d messages left after delete_original", n)
	}
}

func TestViolations(t *testing.T) {
	header := slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("h", 151), false, false))
	long := strings.Repeat("x", 4001)
	t.Run("refused like Slack", func(t *testing.T) {
		s := newEmu(t)
		api := newAPI(s)
		ctx := ctxT(t)
		_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("t", false), slack.MsgOptionBlocks(header))
		if err == nil || err.Error() != "invalid_blocks" {
			t.Errorf("got %v, want invalid_blocks", err)
		}
		if len(s.AllMessages()) != 0 {
			t.Error("refused message recorded")
		}
		v := s.Violations()
		if len(v) != 1 || !strings.Contains(v[0], "chat.postMessage C1") || !strings.Contains(v[0], "header_text") {
			t.Errorf("violations = %q", v)
		}
		// Too-long text is scnetbot's own rule: posted, but recorded.
		if _, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText(long, false)); err != nil {
			t.Fatal(err)
		}
		if v := s.Violations(); len(v) != 2 || !strings.Contains(v[1], "message_text_too_long") {
			t.Errorf("violations = %q", v)
		}
		if _, _, err := api.PostMessageContext(ctx, "C1"); err == nil || err.Error() != "no_text" {
			t.Errorf("empty post = %v, want no_text", err)
		}
	})
	t.Run("accepted on request", func(t *testing.T) {
		s := newEmu(t, WithAcceptInvalidBlocks())
		if _, _, err := newAPI(s).PostMessageContext(ctxT(t), "C1", slack.MsgOptionText("t", false), slack.MsgOptionBlocks(header)); err != nil {
			t.Fatal(err)
		}
		if v := s.Violations(); len(v) != 1 || len(s.ChannelMessages("C1")) != 1 {
			t.Errorf("violations = %q", v)
		}
	})
	t.Run("response_url", func(t *testing.T) {
		s := newEmu(t)
		b := startBot(t, s)
		ctx := ctxT(t)
		in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		_ = b.sm.Ack(*b.next(t, ctx).Request)
		err = slack.PostWebhookCustomHTTPContext(ctx, in.ResponseURL, http.DefaultClient, &slack.WebhookMessage{Text: "t", Blocks: &slack.Blocks{BlockSet: []slack.Block{header}}})
		var sc slack.StatusCodeError
		if !errors.As(err, &sc) || sc.Code != http.StatusBadRequest {
			t.Errorf("got %v, want 400", err)
		}
		if v := s.Violations(); len(v) != 1 || !strings.Contains(v[0], "response_url") {
			t.Errorf("violations = %q", v)
		}
	})
}

func TestMetadataChecked(t *testing.T) {
	s := newEmu(t)
	ctx := ctxT(t)
	api := newAPI(s)
	_, _, err := api.PostMessageContext(ctx, "C1", slack.MsgOptionText("x", false), slack.MsgOptionMetadata(slack.SlackMetadata{}))
	if err == nil || err.Error() != "invalid_metadata_schema" {
		t.Errorf("metadata without event_type: %v", err)
	}
}
