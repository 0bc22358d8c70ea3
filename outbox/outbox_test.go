package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
	"github.com/slack-go/slack"

	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/metrics"
	"scnetbot/outbox"
	"scnetbot/state"
)

const deliverChannel = "C0DELIVER"

type deliverEnv struct {
	t   *testing.T
	ctx context.Context
	emu *slackemu.Server
	st  *state.Bolt
	d   *outbox.Deliverer
}

func newDeliverEnv(t *testing.T, interval time.Duration) *deliverEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	st, err := state.Open(filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
	d := outbox.New(api, st, outbox.Config{PerChannelInterval: interval, SendTimeout: 300 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, HistoryLag: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return &deliverEnv{t: t, ctx: ctx, emu: emu, st: st, d: d}
}

func (e *deliverEnv) queue(ms ...state.Message) {
	e.t.Helper()
	err := e.st.Update(e.ctx, func(tx state.Tx) error {
		for _, m := range ms {
			if m.AlertID != "" && m.Kind == state.KindPost {
				if err := tx.PutAlert(state.Alert{ID: m.AlertID, Channel: deliverChannel}); err != nil {
					return err
				}
			}
			m.Channel = deliverChannel
			if m.Created.IsZero() {
				m.Created = time.Now()
			}
			if _, err := tx.Enqueue(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *deliverEnv) drain() {
	e.t.Helper()
	if err := e.d.Drain(e.ctx); err != nil {
		e.t.Fatal(err)
	}
}

func deliverBlocks(t *testing.T, text string) json.RawMessage {
	t.Helper()
	b, err := json.Marshal([]slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, text, false, false), nil, nil)})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDeliverReplyWaitsForParent(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	e.emu.RateLimitNext("chat.postMessage", 1, time.Second)
	e.queue(
		state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "parent", Blocks: deliverBlocks(t, "parent")},
		state.Message{Kind: state.KindPost, ID: "r1", ThreadOf: "a1", Text: "reply"},
		state.Message{Kind: state.KindUpdate, ID: "u1", AlertID: "a1", Text: "parent, updated", Blocks: deliverBlocks(t, "parent, updated")},
	)
	e.drain()
	msgs := e.emu.ChannelMessages(deliverChannel)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want parent and reply", len(msgs))
	}
	if msgs[1].ThreadTS != msgs[0].TS || msgs[1].Text != "reply" {
		t.Errorf("reply = %+v, want it in the parent's thread", msgs[1])
	}
	if msgs[0].Text != "parent, updated" || msgs[0].Edits != 1 {
		t.Errorf("parent = %+v, want it updated once", msgs[0])
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal(msgs[0].Metadata, &md); err != nil || md.EventType != outbox.MetadataEventType || md.EventPayload["alert_id"] != "a1" {
		t.Errorf("metadata = %s (%v)", msgs[0].Metadata, err)
	}
	var ts string
	_ = e.st.View(e.ctx, func(tx state.Tx) error {
		a, _, err := tx.Alert("a1")
		ts = a.MessageTS
		return err
	})
	if ts != msgs[0].TS {
		t.Errorf("alert ts = %q, want %q", ts, msgs[0].TS)
	}
}

func TestDeliverRefusedMessageIsKeptDead(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	// Slack refuses the blocks and then, without them, the empty text: the
	// message can never be posted.
	bad := badBlocks(t)
	e.queue(
		state.Message{Kind: state.KindPost, ID: "bad", AlertID: "a1", Blocks: bad},
		state.Message{Kind: state.KindPost, ID: "r1", ThreadOf: "a1", Text: "reply to a refused alert"},
		state.Message{Kind: state.KindPost, ID: "good", Text: "good"},
	)
	e.drain()
	msgs := e.emu.ChannelMessages(deliverChannel)
	if len(msgs) != 2 || msgs[0].ThreadTS != "" || msgs[1].Text != "good" {
		t.Fatalf("messages = %+v, want the orphan reply at top level and the good one", msgs)
	}
	dead := 0
	_ = e.st.View(e.ctx, func(tx state.Tx) error {
		return tx.Outbox(func(m state.Message) error {
			if m.Dead && m.ID == "bad" && m.LastError != "" {
				dead++
			}
			return nil
		})
	})
	if dead != 1 {
		t.Errorf("refused message not kept as dead")
	}
}

// badBlocks are blocks Slack refuses (a header over 150 characters).
func badBlocks(t *testing.T) json.RawMessage {
	t.Helper()
	b, err := json.Marshal([]slack.Block{slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, strings.Repeat("x", 200), false, false))})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDeliverRefusedBlocksFallBackToText: an alert whose blocks Slack
// refuses still reaches the channel, as its text, and its thread still
// forms under it.
func TestDeliverRefusedBlocksFallBackToText(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	e.queue(
		state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "Instance x went Failed", Blocks: badBlocks(t)},
		state.Message{Kind: state.KindPost, ID: "r1", ThreadOf: "a1", Text: "recovered"},
	)
	e.drain()
	msgs := e.emu.ChannelMessages(deliverChannel)
	if len(msgs) != 2 || msgs[0].Text != "Instance x went Failed" || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("messages = %+v, want the alert as text and the reply in its thread", msgs)
	}
	if len(e.emu.Violations()) == 0 {
		t.Error("the emulator saw no refused blocks; the test proves nothing")
	}
}

// TestDeliverWaitsOutAuthAndChannelErrors: a revoked token or a bot not in
// the channel is fixed by an operator; until then messages wait, and they
// are delivered once it is fixed instead of being dropped.
func TestDeliverWaitsOutAuthAndChannelErrors(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	broken := outbox.New(slack.New("xoxb-revoked", slack.OptionAPIURL(e.emu.APIURL())), e.st,
		outbox.Config{PerChannelInterval: time.Millisecond, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond, Logger: logger})
	e.queue(state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "alert"})
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- broken.Run(ctx) }()
	// Wait until the broken deliverer has been refused a few times.
	for {
		var m state.Message
		_ = e.st.View(e.ctx, func(tx state.Tx) error {
			return tx.Outbox(func(q state.Message) error { m = q; return nil })
		})
		if m.Dead {
			cancel()
			<-done
			t.Fatal("message marked dead after an auth error")
		}
		if strings.Contains(m.LastError, "invalid_auth") {
			break
		}
		if e.ctx.Err() != nil {
			t.Fatal("the broken deliverer never tried")
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	e.drain() // the fixed token
	if msgs := e.emu.ChannelMessages(deliverChannel); len(msgs) != 1 || msgs[0].Text != "alert" {
		t.Fatalf("messages = %+v, want the alert once", msgs)
	}
}

func TestDeliverAttemptedBeforeChecksFirst(t *testing.T) {
	tests := []struct {
		name      string
		preposted bool
	}{
		{"not in Slack: sent once", false},
		{"already in Slack: not sent", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newDeliverEnv(t, time.Millisecond)
			m := state.Message{Kind: state.KindPost, ID: "a9", AlertID: "a9", Text: "alert a9", Attempts: 1}
			if tt.preposted {
				api := slack.New(e.emu.BotToken(), slack.OptionAPIURL(e.emu.APIURL()))
				_, _, err := api.PostMessageContext(e.ctx, deliverChannel, slack.MsgOptionText("alert a9", false),
					slack.MsgOptionMetadata(slack.SlackMetadata{EventType: outbox.MetadataEventType,
						EventPayload: map[string]any{"alert_id": "a9", "msg_id": "a9"}}))
				if err != nil {
					t.Fatal(err)
				}
			}
			e.queue(m)
			e.drain()
			if n := len(e.emu.ChannelMessages(deliverChannel)); n != 1 {
				t.Errorf("%d messages in the channel, want 1", n)
			}
			if e.emu.Calls("conversations.history") == 0 {
				t.Error("history was not checked")
			}
		})
	}
}

func TestDeliverKeepsPace(t *testing.T) {
	const interval = 40 * time.Millisecond
	e := newDeliverEnv(t, interval)
	for i := range 4 {
		e.queue(state.Message{Kind: state.KindPost, ID: "m" + strconv.Itoa(i), Text: "m" + strconv.Itoa(i)})
	}
	e.drain()
	msgs := e.emu.ChannelMessages(deliverChannel)
	if len(msgs) != 4 {
		t.Fatalf("got %d messages", len(msgs))
	}
	for i := 1; i < len(msgs); i++ {
		a, _ := strconv.ParseFloat(msgs[i-1].TS, 64)
		b, _ := strconv.ParseFloat(msgs[i].TS, 64)
		if gap := time.Duration((b - a) * float64(time.Second)); gap < interval-5*time.Millisecond {
			t.Errorf("messages %d and %d only %s apart, want at least %s", i-1, i, gap, interval)
		}
		if msgs[i].Text != "m"+strconv.Itoa(i) {
			t.Errorf("message %d is %q: out of order", i, msgs[i].Text)
		}
	}
}

func TestDeliverRunSendsAfterKick(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.d.Run(ctx) }()
	e.queue(state.Message{Kind: state.KindPost, ID: "k1", Text: "kicked"})
	e.d.Kick()
	if _, err := e.emu.WaitChannelMessages(e.ctx, deliverChannel, 1); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
}

func TestDeliverReplyWithUnknownOutcomeIsNotRepeated(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	e.queue(state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "parent"})
	e.drain()
	e.emu.PostThenHang("chat.postMessage", 1, 2*time.Second)
	e.queue(state.Message{Kind: state.KindPost, ID: "r1", ThreadOf: "a1", Text: "reply"})
	e.drain()
	msgs := e.emu.ChannelMessages(deliverChannel)
	if len(msgs) != 2 || msgs[1].ThreadTS != msgs[0].TS {
		t.Fatalf("messages = %+v, want the parent and one reply", msgs)
	}
	if e.emu.Calls("conversations.replies") == 0 {
		t.Error("the thread was not checked")
	}
}

func TestDeliverCountsOutcomes(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	m := metrics.New()
	api := slack.New(e.emu.BotToken(), slack.OptionAPIURL(e.emu.APIURL()))
	e.d = outbox.New(api, e.st, outbox.Config{PerChannelInterval: time.Millisecond, SendTimeout: 300 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, HistoryLag: time.Millisecond, Metrics: m,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.emu.PostThenHang("chat.postMessage", 1, 2*time.Second)
	e.emu.FailNext("chat.postMessage", 1, 502)
	e.queue(state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "one"},
		state.Message{Kind: state.KindPost, ID: "a2", AlertID: "a2", Text: "two"})
	e.drain()
	tests := []struct {
		metric *prometheus.CounterVec
		labels []string
		want   float64
	}{
		{m.Alerts, []string{"sent"}, 1},
		{m.Alerts, []string{"deduplicated"}, 1},
		{m.Alerts, []string{"retried"}, 2},
		{m.SlackRetries, []string{"chat.postMessage", "unknown_outcome"}, 1},
		{m.SlackRetries, []string{"chat.postMessage", "server_error"}, 1},
	}
	for _, tt := range tests {
		var d dto.Metric
		if err := tt.metric.WithLabelValues(tt.labels...).Write(&d); err != nil {
			t.Fatal(err)
		}
		got := d.GetCounter().GetValue()
		if got != tt.want {
			t.Errorf("%v = %v, want %v", tt.labels, got, tt.want)
		}
	}
	if n := len(e.emu.ChannelMessages(deliverChannel)); n != 2 {
		t.Errorf("%d messages, want 2", n)
	}
}

// laggingHistory is the Slack client in front of the emulator, except that
// conversations.history leaves out messages younger than lag, as Slack's
// history may briefly do after a post.
type laggingHistory struct {
	*slack.Client
	lag time.Duration
}

func (l laggingHistory) GetConversationHistoryContext(ctx context.Context, p *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error) {
	r, err := l.Client.GetConversationHistoryContext(ctx, p)
	if err != nil {
		return r, err
	}
	cut := time.Now().Add(-l.lag)
	var kept []slack.Message
	for _, m := range r.Messages {
		sec, _ := strconv.ParseFloat(m.Timestamp, 64)
		if time.Unix(0, int64(sec*float64(time.Second))).Before(cut) {
			kept = append(kept, m)
		}
	}
	r.Messages = kept
	return r, nil
}

// TestDeliverUnknownOutcomeWaitsForHistory: after a post whose outcome is
// unknown, the channel is checked only once Slack's history has had time to
// show it, so a lagging history does not cause a second post.
func TestDeliverUnknownOutcomeWaitsForHistory(t *testing.T) {
	e := newDeliverEnv(t, time.Millisecond)
	api := laggingHistory{Client: slack.New(e.emu.BotToken(), slack.OptionAPIURL(e.emu.APIURL())), lag: 200 * time.Millisecond}
	e.d = outbox.New(api, e.st, outbox.Config{PerChannelInterval: time.Millisecond, SendTimeout: 50 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, HistoryLag: time.Second,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.emu.PostThenHang("chat.postMessage", 1, time.Second)
	e.queue(state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "alert"})
	e.drain()
	if msgs := e.emu.ChannelMessages(deliverChannel); len(msgs) != 1 {
		t.Fatalf("%d messages, want the alert once", len(msgs))
	}
	if e.emu.Calls("conversations.history") == 0 {
		t.Error("history was not checked")
	}
}

// shiftedClock is the wall clock moved by an offset a test can advance, so
// that the emulator and the deliverer agree on Slack time while hours pass
// in an instant.
type shiftedClock struct{ offset atomic.Int64 }

func (c *shiftedClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *shiftedClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// floodAfterFailure is the Slack client, except that the first post that
// fails is followed by flood: other people's messages arriving while the
// deliverer does not know whether its post landed.
type floodAfterFailure struct {
	*slack.Client
	once  sync.Once
	flood func()
}

func (f *floodAfterFailure) PostMessageContext(ctx context.Context, channel string, opts ...slack.MsgOption) (string, string, error) {
	ch, ts, err := f.Client.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		f.once.Do(f.flood)
	}
	return ch, ts, err
}

// TestDeliverUnknownOutcomeInABusyChannel: a post whose outcome is unknown,
// followed by more messages than the history check can page through, is
// settled by looking only around the time of the attempt: the alert is in
// the channel exactly once and the alert queued behind it is not blocked.
func TestDeliverUnknownOutcomeInABusyChannel(t *testing.T) {
	const others = 2500
	tests := []struct {
		name   string
		landed bool // the unknown attempt did reach Slack
	}{
		{"the post landed", true},
		{"the post was lost", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			clock := &shiftedClock{}
			emu := slackemu.New(slackemu.WithClock(clock.Now))
			defer emu.Close()
			st, err := state.Open(filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			client := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
			api := &floodAfterFailure{Client: client, flood: func() {
				// An hour later in Slack's time, the channel has moved on.
				clock.Advance(time.Hour)
				for i := range others {
					if _, _, err := client.PostMessageContext(ctx, deliverChannel, slack.MsgOptionText("chatter "+strconv.Itoa(i), false)); err != nil {
						t.Errorf("post chatter %d: %v", i, err)
						return
					}
				}
			}}
			m := metrics.New()
			d := outbox.New(api, st, outbox.Config{PerChannelInterval: time.Millisecond, SendTimeout: 100 * time.Millisecond,
				MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond, HistoryLag: time.Millisecond, Now: clock.Now, Metrics: m,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if tt.landed {
				emu.PostThenHang("chat.postMessage", 1, 2*time.Second)
			} else {
				emu.FailNext("chat.postMessage", 1, 503)
			}
			e := &deliverEnv{t: t, ctx: ctx, emu: emu, st: st, d: d}
			e.queue(state.Message{Kind: state.KindPost, ID: "a1", AlertID: "a1", Text: "alert a1"},
				state.Message{Kind: state.KindPost, ID: "a2", AlertID: "a2", Text: "alert a2"})
			e.drain()

			count := map[string]int{}
			for _, msg := range emu.ChannelMessages(deliverChannel) {
				count[msg.Text]++
			}
			if count["alert a1"] != 1 || count["alert a2"] != 1 || len(emu.ChannelMessages(deliverChannel)) != others+2 {
				t.Errorf("a1 posted %d times, a2 %d times, %d messages in all; want each alert once among %d",
					count["alert a1"], count["alert a2"], len(emu.ChannelMessages(deliverChannel)), others+2)
			}
			want := map[bool]string{true: "deduplicated", false: "sent"}[tt.landed]
			if got := testutil.ToFloat64(m.Alerts.WithLabelValues(want)); got < 1 {
				t.Errorf("alerts %s = %v: the unknown attempt was not settled as %s", want, got, want)
			}
			if n := emu.Calls("conversations.history"); n != 1 {
				t.Errorf("conversations.history called %d times, want one bounded look", n)
			}
		})
	}
}

// countingStore is a store whose every transaction fails, counting them.
type countingStore struct {
	calls atomic.Int32
	err   error
}

func (s *countingStore) View(context.Context, func(state.Tx) error) error {
	s.calls.Add(1)
	return s.err
}
func (s *countingStore) Update(context.Context, func(state.Tx) error) error {
	s.calls.Add(1)
	return s.err
}
func (s *countingStore) Close() error { return nil }

// A store that cannot be read (a corrupt file) must not turn the deliverer
// into a loop that asks it, and logs an error, every MinBackoff: the waits
// grow to MaxBackoff.
func TestDeliverBacksOffAnUnusableStore(t *testing.T) {
	st := &countingStore{err: state.ErrUnusable}
	var logs syncbuf.Buffer
	d := outbox.New(slack.New("xoxb-unused"), st, outbox.Config{
		MinBackoff: 10 * time.Millisecond, MaxBackoff: time.Second,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// Without backoff: about 100 tries in the second. With it, doubling
	// from 10 ms: 7.
	if n := st.calls.Load(); n > 15 {
		t.Errorf("the store was asked %d times in 1 s with a 10 ms minimum backoff: no backoff", n)
	}
	if n := strings.Count(logs.String(), "level=ERROR"); n > 15 {
		t.Errorf("%d error lines in 1 s", n)
	}
}
