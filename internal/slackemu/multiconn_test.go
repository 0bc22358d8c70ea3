package slackemu

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/slack-go/slack/socketmode"
)

// receive collects n requests from any of bots, acking each, and returns
// which bot got each envelope ID (by index into bots), failing on an
// envelope that arrives twice.
func receive(t *testing.T, ctx context.Context, n int, bots ...*bot) map[string]int {
	t.Helper()
	got := map[string]int{}
	for len(got) < n {
		var ev socketmode.Event
		var from int
		found := false
		for i, b := range bots {
			select {
			case ev = <-b.reqs:
				from, found = i, true
			default:
			}
			if found {
				break
			}
		}
		if !found {
			if ctx.Err() != nil {
				t.Fatalf("%d of %d envelopes arrived", len(got), n)
			}
			time.Sleep(time.Millisecond)
			continue
		}
		id := ev.Request.EnvelopeID
		if prev, dup := got[id]; dup {
			t.Fatalf("envelope %s delivered twice: to bot %d and bot %d", id, prev, from)
		}
		got[id] = from
		if err := bots[from].sm.Ack(*ev.Request); err != nil {
			t.Fatal(err)
		}
	}
	return got
}

func sendCommands(t *testing.T, ctx context.Context, s *Server, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, in.EnvelopeID)
	}
	return ids
}

// Two clients of one app: every envelope goes to exactly one of them, both
// get a share, and each ack is recorded against the socket that got it.
func TestEachEnvelopeGoesToOneConnection(t *testing.T) {
	s := newEmu(t)
	b1, b2 := startBot(t, s), startBot(t, s)
	ctx := ctxT(t)
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	ids := sendCommands(t, ctx, s, 20)
	got := receive(t, ctx, 20, b1, b2)
	per := [2]int{}
	for _, id := range ids {
		from, ok := got[id]
		if !ok {
			t.Fatalf("envelope %s reached neither client", id)
		}
		per[from]++
	}
	if per[0] == 0 || per[1] == 0 {
		t.Errorf("deliveries %v: one client got nothing", per)
	}
	if err := s.waitFor(ctx, "20 acks", func() bool { return len(s.acks) == 20 }); err != nil {
		t.Fatal(err)
	}
	conns := s.ConnectionIDs()
	d := s.Deliveries()
	if len(conns) != 2 || len(d) != 2 || d[conns[0]]+d[conns[1]] != 20 || d[conns[0]] == 0 || d[conns[1]] == 0 {
		t.Errorf("Deliveries() = %v over sockets %v, want 20 split over both", d, conns)
	}
	// Round robin: the counts differ by at most one.
	if diff := d[conns[0]] - d[conns[1]]; diff < -1 || diff > 1 {
		t.Errorf("Deliveries() = %v, want an even split", d)
	}
	for _, a := range s.Acks() {
		if a.Conn == 0 || a.Conn != a.DeliveredTo || !slices.Contains(conns, a.Conn) {
			t.Errorf("ack of %s came on socket %d, delivered to %d; want the same, one of %v", a.EnvelopeID, a.Conn, a.DeliveredTo, conns)
		}
	}
	if s.StrayAcks() != 0 {
		t.Errorf("%d stray acks", s.StrayAcks())
	}
}

// A client that goes away gets nothing more: everything after goes to the
// one left.
func TestDisconnectedClientGetsNothingMore(t *testing.T) {
	s := newEmu(t)
	b1, b2 := startBot(t, s), startBot(t, s)
	ctx := ctxT(t)
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	sendCommands(t, ctx, s, 4)
	receive(t, ctx, 4, b1, b2)
	before := s.Deliveries()
	left := s.ConnectionIDs()

	b1.stop()
	if err := s.waitFor(ctx, "one socket left", func() bool { return len(s.usableLocked()) == 1 && len(s.conns) == 1 }); err != nil {
		t.Fatal(err)
	}
	remaining := s.ConnectionIDs()[0]
	sendCommands(t, ctx, s, 10)
	for _, from := range receive(t, ctx, 10, b1, b2) {
		if from != 1 {
			t.Fatal("an envelope reached the client that stopped")
		}
	}
	after := s.Deliveries()
	for _, id := range left {
		want := before[id]
		if id == remaining {
			want += 10
		}
		if after[id] != want {
			t.Errorf("socket %d: %d deliveries, want %d (before %v, after %v)", id, after[id], want, before, after)
		}
	}
}

// An envelope whose client died before acking is redelivered, by the test
// as Slack would after its timeout, to a client still connected.
func TestRedeliveryGoesToALiveConnection(t *testing.T) {
	s := newEmu(t)
	raw := dialRaw(t, s)
	raw.read(t) // hello
	ctx := ctxT(t)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	rawID := s.ConnectionIDs()[0]
	b := startBot(t, s)
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	in, err := s.SendSlashCommand(ctx, SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if env := raw.read(t); string(env["envelope_id"]) != `"`+in.EnvelopeID+`"` {
		t.Fatalf("the first socket got %v, want envelope %s", env, in.EnvelopeID)
	}
	_ = raw.ws.Close() // gone without an ack
	if err := s.waitFor(ctx, "the raw socket gone", func() bool { return len(s.conns) == 1 }); err != nil {
		t.Fatal(err)
	}
	if err := s.Redeliver(ctx, in.EnvelopeID, "timeout"); err != nil {
		t.Fatal(err)
	}
	ev := b.next(t, ctx)
	if ev.Request.EnvelopeID != in.EnvelopeID || ev.Request.RetryAttempt != 1 {
		t.Fatalf("bot got %+v, want envelope %s's first retry", ev.Request, in.EnvelopeID)
	}
	if err := b.sm.Ack(*ev.Request); err != nil {
		t.Fatal(err)
	}
	ack, err := s.WaitAck(ctx, in.EnvelopeID)
	if err != nil {
		t.Fatal(err)
	}
	botID := s.ConnectionIDs()[0]
	if ack.Conn != botID || ack.DeliveredTo != botID || botID == rawID {
		t.Errorf("ack on %d delivered to %d; want both the bot's socket %d (raw was %d)", ack.Conn, ack.DeliveredTo, botID, rawID)
	}
	if d := s.Deliveries(); d[rawID] != 1 || d[botID] != 1 {
		t.Errorf("Deliveries() = %v, want one each to %d and %d", d, rawID, botID)
	}
}

// Over the app's limit, a client is told too_many_websockets instead of
// hello and gets no envelopes; it gets in once a place is free.
func TestConnectionsOverTheLimitAreRefused(t *testing.T) {
	s := newEmu(t, WithMaxConnections(2))
	ctx := ctxT(t)
	b1 := startBot(t, s)
	if err := s.WaitConnected(ctx, 1); err != nil {
		t.Fatal(err)
	}
	b2 := startBot(t, s)
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	b3 := startBot(t, s)
	// The third keeps trying and keeps being refused.
	if err := s.waitFor(ctx, "the third client refused twice", func() bool {
		return s.opened >= 4
	}); err != nil {
		t.Fatal(err)
	}
	if s.Hellos() != 2 || s.Connections() != 2 || b3.seen(socketmode.EventTypeHello) != 0 {
		t.Fatalf("hellos %d, connections %d, third client's hellos %d; want 2, 2, 0", s.Hellos(), s.Connections(), b3.seen(socketmode.EventTypeHello))
	}
	// slack-go keeps the disconnect frame to itself (TestTooManyWebsockets
	// reads it raw) and reconnects, which is what it shows.
	if err := s.waitFor(ctx, "the third client reconnecting", func() bool { return b3.seen(socketmode.EventTypeConnecting) >= 2 }); err != nil {
		t.Error(err)
	}
	greeted := s.ConnectionIDs()
	sendCommands(t, ctx, s, 6)
	for _, from := range receive(t, ctx, 6, b1, b2, b3) {
		if from == 2 {
			t.Fatal("a refused client got an envelope")
		}
	}
	for id := range s.Deliveries() {
		if !slices.Contains(greeted, id) {
			t.Errorf("socket %d, never greeted, got deliveries: %v", id, s.Deliveries())
		}
	}

	b1.stop()
	if err := s.waitFor(ctx, "the third client greeted", func() bool { return s.hellos == 3 }); err != nil {
		t.Fatal(err)
	}
	if err := s.WaitConnected(ctx, 2); err != nil {
		t.Fatal(err)
	}
	sendCommands(t, ctx, s, 4)
	per := map[int]int{}
	for _, from := range receive(t, ctx, 4, b1, b2, b3) {
		per[from]++
	}
	if per[0] != 0 || per[1] != 2 || per[2] != 2 {
		t.Errorf("after the first client left: deliveries by client %v, want 0, 2, 2", per)
	}
}
