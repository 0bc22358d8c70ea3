package slackemu

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// testPing is the emulator's ping interval in tests; testClientPing is
// slack-go's ping timeout, kept well above it as in production (10 s vs 30 s).
const (
	testPing       = 20 * time.Millisecond
	testClientPing = 400 * time.Millisecond
)

func newEmu(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(append([]Option{WithPingInterval(testPing), WithDisconnectGrace(2 * time.Second)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

func ctxT(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func newAPI(s *Server, opts ...slack.Option) *slack.Client {
	return slack.New(s.BotToken(), append([]slack.Option{
		slack.OptionAppLevelToken(s.AppToken()), slack.OptionAPIURL(s.APIURL()),
	}, opts...)...)
}

// bot is a slack-go Socket Mode client run the way scnetbot runs it, whose
// requests a test reads from reqs.
type bot struct {
	api    *slack.Client
	sm     *socketmode.Client
	reqs   chan socketmode.Event
	mu     sync.Mutex
	kinds  []socketmode.EventType
	runErr chan error
	// stop ends the client, as a replica that exits does; calls after the
	// first do nothing.
	stop func()
}

func startBot(t testing.TB, s *Server) *bot {
	t.Helper()
	api := newAPI(s)
	b := &bot{
		api:    api,
		sm:     socketmode.New(api, socketmode.OptionPingInterval(testClientPing)),
		reqs:   make(chan socketmode.Event, 100),
		runErr: make(chan error, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		b.runErr <- b.sm.RunContext(ctx)
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-b.sm.Events:
				b.mu.Lock()
				b.kinds = append(b.kinds, ev.Type)
				b.mu.Unlock()
				switch ev.Type {
				case socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive, socketmode.EventTypeEventsAPI, socketmode.EventTypeErrorBadMessage:
					b.reqs <- ev
				}
			}
		}
	}()
	var once sync.Once
	b.stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	t.Cleanup(b.stop)
	return b
}

func (b *bot) seen(k socketmode.EventType) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, x := range b.kinds {
		if x == k {
			n++
		}
	}
	return n
}

func (b *bot) next(t testing.TB, ctx context.Context) socketmode.Event {
	t.Helper()
	select {
	case ev := <-b.reqs:
		if ev.Type == socketmode.EventTypeErrorBadMessage {
			t.Fatalf("slack-go could not parse an envelope: %+v", ev.Data)
		}
		return ev
	case <-ctx.Done():
		t.Fatal("no request reached the bot")
	}
	return socketmode.Event{}
}

// rawClient is a bare WebSocket client, for what slack-go will not do
// (oversized acks) or to see frames exactly.
type rawClient struct {
	ws *websocket.Conn
}

func dialRaw(t testing.TB, s *Server) *rawClient {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.APIURL()+"apps.connections.open", nil)
	req.Header.Set("Authorization", "Bearer "+s.AppToken())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var open struct {
		OK  bool
		URL string
	}
	if err := json.NewDecoder(resp.Body).Decode(&open); err != nil || !open.OK {
		t.Fatalf("apps.connections.open: %v %+v", err, open)
	}
	ws, _, err := websocket.DefaultDialer.Dial(open.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	return &rawClient{ws: ws}
}

func (c *rawClient) read(t testing.TB) map[string]json.RawMessage {
	t.Helper()
	_ = c.ws.SetReadDeadline(time.Now().Add(5 * time.Second))
	var m map[string]json.RawMessage
	if err := c.ws.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func isRateLimited(err error, want time.Duration) bool {
	var rl *slack.RateLimitedError
	return errors.As(err, &rl) && rl.RetryAfter == want
}
