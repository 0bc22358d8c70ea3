package slackemu

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

func TestHelloFrame(t *testing.T) {
	s := newEmu(t)
	c := dialRaw(t, s)
	hello, err := json.Marshal(c.read(t))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"hello","num_connections":1,"debug_info":{"host":"emu","approximate_connection_time":18060},"connection_info":{"app_id":"A0EMU"}}`
	if got := mustCanon(t, string(hello)); got != mustCanon(t, want) {
		t.Errorf("hello = %s, want %s", got, want)
	}
	if err := s.WaitConnected(ctxT(t), 1); err != nil {
		t.Fatal(err)
	}
	c2 := dialRaw(t, s)
	if n := string(c2.read(t)["num_connections"]); n != "2" {
		t.Errorf("second hello num_connections = %s, want 2", n)
	}
}

func mustCanon(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestSlackGoReceivesAndAcks(t *testing.T) {
	s := newEmu(t)
	s.AddUser("U1", "alice")
	b := startBot(t, s)
	ctx := ctxT(t)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}

	// Slash command.
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", Text: "list failed", UserID: "U1", ChannelID: "C1", ChannelName: "oncall"})
	if err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	cmd, ok := ev.Data.(slack.SlashCommand)
	if !ok || ev.Type != socketmode.EventTypeSlashCommand {
		t.Fatalf("got %s %T, want a slash command", ev.Type, ev.Data)
	}
	wantCmd := slack.SlashCommand{
		Token: "emu-verification-token", TeamID: TeamID, TeamDomain: TeamDomain, ChannelID: "C1", ChannelName: "oncall",
		UserID: "U1", UserName: "alice", Command: "/instances", Text: "list failed", ResponseURL: in.ResponseURL,
		TriggerID: cmd.TriggerID, APIAppID: AppID,
	}
	if cmd != wantCmd || cmd.TriggerID == "" {
		t.Errorf("slash command = %+v\nwant %+v", cmd, wantCmd)
	}
	if ev.Request == nil || ev.Request.EnvelopeID != in.EnvelopeID || !ev.Request.AcceptsResponsePayload {
		t.Errorf("request = %+v", ev.Request)
	}
	if err := b.sm.Ack(*ev.Request); err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(ctx, in.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if ack.Latency <= 0 || ack.Size == 0 || ack.Dropped || ack.Payload != nil || ack.Type != "slash_commands" {
		t.Errorf("ack = %+v", ack)
	}

	// The bot answers with a button; a user clicks it.
	blocks := []slack.Block{
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*gpu-1* failed", false, false), nil, nil),
		slack.NewActionBlock("acts", slack.NewButtonBlockElement("restart", "inst-42", slack.NewTextBlockObject(slack.PlainTextType, "Restart", false, false))),
	}
	_, ts, err := b.api.PostMessageContext(ctx, "C1", slack.MsgOptionText("gpu-1 failed", false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		t.Fatal(err)
	}
	msgs := s.ChannelMessages("C1")
	if len(msgs) != 1 || msgs[0].TS != ts {
		t.Fatalf("channel = %+v", msgs)
	}
	click, err := s.Click(ctx, msgs[0], "Restart", "U1")
	if err != nil {
		t.Fatal(err)
	}
	ev = b.next(t, ctx)
	cb, ok := ev.Data.(slack.InteractionCallback)
	if !ok {
		t.Fatalf("got %s %T, want an interaction", ev.Type, ev.Data)
	}
	if cb.Type != slack.InteractionTypeBlockActions || len(cb.ActionCallback.BlockActions) != 1 {
		t.Fatalf("interaction = %+v", cb)
	}
	act := cb.ActionCallback.BlockActions[0]
	if act.ActionID != "restart" || act.BlockID != "acts" || act.Value != "inst-42" || act.Type != "button" || act.Text.Text != "Restart" {
		t.Errorf("action = %+v", act)
	}
	if cb.User.ID != "U1" || cb.User.Name != "alice" || cb.Channel.ID != "C1" || cb.ResponseURL != click.ResponseURL ||
		cb.Container.MessageTs != ts || cb.Container.ChannelID != "C1" || cb.Message.Timestamp != ts ||
		cb.Message.Text != "gpu-1 failed" || len(cb.Message.Blocks.BlockSet) != 2 || cb.Team.ID != TeamID {
		t.Errorf("interaction = %+v", cb)
	}
	if err := b.sm.Ack(*ev.Request); err != nil {
		t.Fatal(err)
	}
	if _, err := s.WaitAck(ctx, click.EnvelopeID); err != nil {
		t.Fatal(err)
	}
	if got := len(s.Acks()); got != 2 {
		t.Errorf("%d acks, want 2", got)
	}

	// replace_original through the click's response_url edits the message.
	if err := slack.PostWebhookCustomHTTPContext(ctx, click.ResponseURL, http.DefaultClient, &slack.WebhookMessage{Text: "restarting gpu-1", ReplaceOriginal: true}); err != nil {
		t.Fatal(err)
	}
	msgs = s.ChannelMessages("C1")
	if len(msgs) != 1 || msgs[0].Text != "restarting gpu-1" || msgs[0].Blocks != nil || msgs[0].Edits != 1 {
		t.Errorf("after replace_original: %+v", msgs)
	}
	if s.Pongs() == 0 {
		if err := s.waitFor(ctx, "a pong", func() bool { return s.pongs > 0 }); err != nil {
			t.Error(err)
		}
	}
	if b.seen(socketmode.EventTypeHello) != 1 || b.seen(socketmode.EventTypeConnected) != 1 {
		t.Errorf("events seen: %v", b.kinds)
	}
}

func TestClickEphemeralOmitsMessage(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	_ = b.sm.Ack(*b.next(t, ctx).Request)
	btn := slack.NewActionBlock("", slack.NewButtonBlockElement("more", "p2", slack.NewTextBlockObject(slack.PlainTextType, "Next page", false, false)))
	if err := slack.PostWebhookContext(ctx, in.ResponseURL, &slack.WebhookMessage{Text: "page 1", Blocks: &slack.Blocks{BlockSet: []slack.Block{btn}}}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.WaitResponses(ctx, in.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !resp[0].Ephemeral || resp[0].ResponseType != "ephemeral" || resp[0].To != "U1" || len(s.ChannelMessages("C1")) != 0 {
		t.Fatalf("response = %+v", resp[0])
	}
	click, err := s.Click(ctx, resp[0], "more", "U1")
	if err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	cb := ev.Data.(slack.InteractionCallback)
	if !cb.Container.IsEphemeral || cb.Message.Timestamp != "" || cb.ActionCallback.BlockActions[0].BlockID == "" {
		t.Errorf("ephemeral click = %+v", cb)
	}
	_ = b.sm.Ack(*ev.Request)
	// replace_original on the click's URL replaces the ephemeral message.
	if err := slack.PostWebhookContext(ctx, click.ResponseURL, &slack.WebhookMessage{Text: "page 2", ReplaceOriginal: true}); err != nil {
		t.Fatal(err)
	}
	all := s.AllMessages()
	last := all[len(all)-1]
	if last.TS != resp[0].TS || last.Text != "page 2" || !last.ReplaceOriginal || last.Edits != 1 {
		t.Errorf("replacement = %+v", last)
	}
	var bnf *ButtonNotFoundError
	// The message now has no buttons: Click sees it as it is now.
	if _, err := s.Click(ctx, resp[0], "more", "U1"); !errors.As(err, &bnf) || bnf.Want != "more" || len(bnf.Buttons) != 0 {
		t.Errorf("missing button: %v", err)
	}
}

func TestAckPayloadIsAMessage(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", Text: "help", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	if err := b.sm.Ack(*ev.Request, map[string]any{"text": "usage: /instances list"}); err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(ctx, in.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(ack.Payload), "usage") {
		t.Errorf("ack payload = %s", ack.Payload)
	}
	all, err := s.WaitMessages(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if all[0].Via != ViaAck || all[0].Text != "usage: /instances list" || !all[0].Ephemeral || all[0].To != "U1" {
		t.Errorf("ack message = %+v", all[0])
	}
}

func TestOversizedAckDropped(t *testing.T) {
	s := newEmu(t)
	c := dialRaw(t, s)
	c.read(t) // hello
	ctx := ctxT(t)
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	env := c.read(t)
	if string(env["type"]) != `"slash_commands"` {
		t.Fatalf("envelope = %v", env)
	}
	big := map[string]any{"envelope_id": in.EnvelopeID, "payload": map[string]string{"text": strings.Repeat("x", 21*1024)}}
	if err := c.ws.WriteJSON(big); err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(ctx, in.EnvelopeID)
	if !errors.Is(err, ErrAckDropped) || !ack.Dropped || ack.Size < 21*1024 {
		t.Errorf("WaitAck = %+v, %v; want dropped", ack, err)
	}
	if len(s.AllMessages()) != 0 {
		t.Error("a dropped ack's payload was shown")
	}
	if err := c.ws.WriteJSON(map[string]string{"envelope_id": "unknown"}); err != nil {
		t.Fatal(err)
	}
	if err := s.waitFor(ctx, "stray ack", func() bool { return s.strayAcks == 1 }); err != nil {
		t.Error(err)
	}
}

func TestRoundRobin(t *testing.T) {
	s := newEmu(t)
	b1, b2 := startBot(t, s), startBot(t, s)
	ctx := ctxT(t)
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for range 4 {
		if _, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"}); err != nil {
			t.Fatal(err)
		}
	}
	for len(b1.reqs)+len(b2.reqs) < 4 && ctx.Err() == nil {
		time.Sleep(time.Millisecond)
	}
	if len(b1.reqs) != 2 || len(b2.reqs) != 2 {
		t.Errorf("deliveries %d and %d, want 2 and 2", len(b1.reqs), len(b2.reqs))
	}
}

func TestTooManyWebsockets(t *testing.T) {
	s := newEmu(t, WithMaxConnections(1))
	c1 := dialRaw(t, s)
	c1.read(t)
	c2 := dialRaw(t, s)
	f := c2.read(t)
	if string(f["type"]) != `"disconnect"` || string(f["reason"]) != `"too_many_websockets"` {
		t.Errorf("second socket got %v", f)
	}
	if s.Connections() != 1 {
		t.Errorf("Connections = %d", s.Connections())
	}
}

func TestReconnects(t *testing.T) {
	tests := []struct {
		name  string
		cause func(s *Server)
	}{
		{"refresh_requested", func(s *Server) { s.Disconnect("refresh_requested") }},
		{"warning", func(s *Server) { s.Disconnect("warning") }},
		{"link_disabled", func(s *Server) { s.Disconnect("link_disabled") }},
		{"too_many_websockets", func(s *Server) { s.Disconnect("too_many_websockets") }},
		{"dropped", func(s *Server) { s.DropConnections() }},
		{"ping timeout", func(s *Server) { s.StopPings(true) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newEmu(t)
			b := startBot(t, s)
			ctx := ctxT(t)
			if err := s.WaitConnected(ctx, 1); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			tc.cause(s)
			if err := s.WaitConnectionsOpened(ctx, 2); err != nil {
				t.Fatal(err)
			}
			s.StopPings(false)
			if err := s.WaitHellos(ctx, 2); err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: reconnected in %v", tc.name, time.Since(start))
			// The new link works.
			in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
			if err != nil {
				t.Fatal(err)
			}
			ev := b.next(t, ctx)
			_ = b.sm.Ack(*ev.Request)
			if _, err := s.WaitAck(ctx, in.EnvelopeID); err != nil {
				t.Fatal(err)
			}
			// The old socket is gone: the client closed it.
			if err := s.waitFor(ctx, "old socket closed", func() bool { return len(s.conns) == 1 }); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestInvalidAppToken(t *testing.T) {
	s := newEmu(t)
	api := slack.New(s.BotToken(), slack.OptionAppLevelToken("xapp-wrong"), slack.OptionAPIURL(s.APIURL()))
	sm := socketmode.New(api)
	go func() {
		for range sm.Events {
		}
	}()
	err := sm.RunContext(ctxT(t))
	if err == nil || err.Error() != "invalid_auth" {
		t.Errorf("RunContext = %v, want invalid_auth", err)
	}
	// A bot token where the app token belongs.
	api = slack.New(s.BotToken(), slack.OptionAppLevelToken(s.BotToken()), slack.OptionAPIURL(s.APIURL()))
	if _, _, err := api.StartSocketModeContext(ctxT(t)); err == nil || err.Error() != "not_allowed_token_type" {
		t.Errorf("open with bot token = %v", err)
	}
}

func TestOpenFailuresBackOff(t *testing.T) {
	s := newEmu(t)
	s.FailNext("apps.connections.open", 2, 503)
	start := time.Now()
	b := startBot(t, s)
	ctx := ctxT(t)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// slack-go backs off 100 ms, then 200 ms, before the third try.
	t.Logf("connected after two 503s in %v", time.Since(start))
	if s.Calls("apps.connections.open") != 3 || s.ConnectionsOpened() != 1 || b.seen(socketmode.EventTypeConnectionError) != 2 {
		t.Errorf("calls %d, opened %d, connection errors %d", s.Calls("apps.connections.open"), s.ConnectionsOpened(), b.seen(socketmode.EventTypeConnectionError))
	}
}

func TestRedeliverSendsTheSameEnvelopeAgain(t *testing.T) {
	s := newEmu(t)
	b := startBot(t, s)
	ctx := ctxT(t)
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", Text: "share", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	first := b.next(t, ctx)
	if err := s.Redeliver(ctx, in.EnvelopeID, "timeout"); err != nil {
		t.Fatal(err)
	}
	again := b.next(t, ctx)
	if first.Request.RetryAttempt != 0 || first.Request.RetryReason != "" {
		t.Errorf("first delivery = %+v, want no retry fields", first.Request)
	}
	r := again.Request
	if r.EnvelopeID != in.EnvelopeID || r.RetryAttempt != 1 || r.RetryReason != "timeout" || string(r.Payload) != string(first.Request.Payload) {
		t.Errorf("redelivery = %+v, want envelope %s again with retry_attempt 1, retry_reason timeout", r, in.EnvelopeID)
	}
	for _, ev := range []socketmode.Event{first, again} {
		if err := b.sm.Ack(*ev.Request); err != nil {
			t.Fatal(err)
		}
	}
	acks := func() int {
		n := 0
		for _, a := range s.acks {
			if a.EnvelopeID == in.EnvelopeID {
				n++
			}
		}
		return n
	}
	if err := s.waitFor(ctx, "two acks", func() bool { return acks() >= 2 }); err != nil {
		t.Fatal(err)
	}
	if n, stray := len(s.Acks()), s.StrayAcks(); n != 2 || stray != 0 {
		t.Errorf("%d acks, %d stray; want both deliveries acked", n, stray)
	}
	if err := s.Redeliver(ctx, "no-such-envelope", "timeout"); !errors.Is(err, ErrUnknownEnvelope) {
		t.Errorf("Redeliver(unknown) = %v, want ErrUnknownEnvelope", err)
	}
}
