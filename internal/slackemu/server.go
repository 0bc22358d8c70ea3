// Package slackemu is a loopback stand-in for Slack that slack-go's Web API
// client and Socket Mode client talk to as if it were slack.com: it opens
// Socket Mode links (hello, pings, disconnect frames), up to ten per app as
// Slack allows, delivers slash commands and button clicks as envelopes,
// each to exactly one link, records acks, serves the chat.*,
// conversations.*, views.open, views.publish, users.info and
// usergroups.users.list methods scnetbot uses, opens and submits modals,
// keeps each user's Home tab and sends app_home_opened events, accepts
// response_url posts, and checks every message and view against Block
// Kit's rules. End-to-end tests drive the bot through it, and scnetbot's
// demo mode runs the bot against it.
package slackemu

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"sync"
	"time"
)

// Identities the emulator reports for its workspace and bot.
const (
	TeamID     = "T0EMU"
	TeamDomain = "scnet-emu"
	AppID      = "A0EMU"
	BotUserID  = "U0BOT"
	BotID      = "B0EMU"
	BotName    = "scnetbot"
)

// Server is a running emulator. Its methods are safe for concurrent use.
type Server struct {
	cfg      config
	listener net.Listener
	http     *http.Server
	baseURL  string // http://127.0.0.1:PORT
	appToken string
	botToken string
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every state change
	closed  bool

	// Socket Mode state.
	tickets     map[string]time.Time // unused link tickets → issue time
	conns       []*socketConn        // live sockets, in connection order
	nextConn    int                  // round-robin position
	connSeq     int
	opened      int // successful apps.connections.open calls
	hellos      int // hello frames sent, ever
	stopPings   bool
	envelopes   map[string]*envelope
	deliveries  map[int]int // socket ID → envelopes written to it
	acks        []Ack
	strayAcks   int
	pongs       int
	envelopeSeq int

	// Web API state.
	calls      map[string]int
	faults     map[string][]fault
	tsLast     int64     // last issued ts in microseconds
	msgs       []*stored // current state of every message, in arrival order
	log        []Message // snapshot of every message as received
	byKey      map[msgKey]*stored
	responses  map[string]*responseURL
	violations []string
	users      map[string]string // user ID → name
	channels   map[string]string // channel ID → name

	// Interactivity state: trigger_ids, modals, user groups.
	triggers map[string]*trigger
	views    []*viewState        // in the order opened
	groups   map[string][]string // user group ID → member IDs

	// Users and the Home tab: locales, ids users.info does not know, the
	// methods answering missing_scope, users.info calls by user, and the
	// Home tab published for each user.
	locales   map[string]string
	usersGone map[string]bool
	scopeless map[string]bool
	userCalls map[string]int
	homes     map[string]*homeState
}

type config struct {
	pingInterval   time.Duration
	onMessage      func(Message)
	onView         func(View)
	rejectInvalid  bool
	disconnectWait time.Duration
	responseTTL    time.Duration
	maxConns       int
	now            func() time.Time
}

// Option configures New.
type Option func(*config)

// WithPingInterval sets how often the emulator pings each socket (default
// 10 s). slack-go reconnects when no ping arrives within its own ping
// interval (30 s by default), so keep this well below the client's.
func WithPingInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.pingInterval = d
		}
	}
}

// WithOnMessage registers f to be called, outside any lock, with every
// message the bot sends: chat.postMessage, chat.update, chat.postEphemeral,
// response_url posts and acks that carry a message.
func WithOnMessage(f func(Message)) Option {
	return func(c *config) { c.onMessage = f }
}

// WithOnView registers f to be called, outside any lock, with a view each
// time it changes: opened by views.open, kept open with errors or updated
// by the ack of a submission, or closed. The demo shows modals this way.
func WithOnView(f func(View)) Option {
	return func(c *config) { c.onView = f }
}

// WithAcceptInvalidBlocks makes the emulator post messages, and open views,
// that break Block Kit rules Slack enforces, instead of answering
// "invalid_blocks" (or, for a view, "invalid_arguments") as Slack does. The
// violations are recorded either way.
func WithAcceptInvalidBlocks() Option {
	return func(c *config) { c.rejectInvalid = false }
}

// WithDisconnectGrace sets how long a socket that was sent a disconnect frame
// stays open before the emulator closes it, as Slack does (default 10 s).
func WithDisconnectGrace(d time.Duration) Option {
	return func(c *config) { c.disconnectWait = d }
}

// WithMaxConnections sets how many sockets the app may hold at once (Slack's
// limit is 10); a socket over the limit gets a too_many_websockets disconnect
// instead of hello.
func WithMaxConnections(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxConns = n
		}
	}
}

// WithClock sets the clock message timestamps are issued from and
// trigger_ids expire by (default time.Now), so a test can have messages
// posted hours apart in Slack's time, or let a trigger_id outlive its
// TriggerTTL, without waiting. Give the bot the same clock.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.now = now
		}
	}
}

// New starts an emulator listening on 127.0.0.1 on a free port. It panics if
// no loopback port can be had, since nothing useful can happen without one.
func New(opts ...Option) *Server {
	cfg := config{
		pingInterval:   10 * time.Second,
		rejectInvalid:  true,
		disconnectWait: 10 * time.Second,
		responseTTL:    30 * time.Minute,
		maxConns:       10,
		now:            time.Now,
	}
	for _, o := range opts {
		o(&cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic("slackemu: listen on loopback: " + err.Error())
	}
	s := &Server{
		cfg:        cfg,
		listener:   ln,
		baseURL:    "http://" + ln.Addr().String(),
		appToken:   "xapp-1-" + AppID + "-" + randomHex(16),
		botToken:   "xoxb-" + TeamID + "-" + randomHex(16),
		done:       make(chan struct{}),
		changed:    make(chan struct{}),
		tickets:    map[string]time.Time{},
		envelopes:  map[string]*envelope{},
		deliveries: map[int]int{},
		calls:      map[string]int{},
		faults:     map[string][]fault{},
		byKey:      map[msgKey]*stored{},
		responses:  map[string]*responseURL{},
		users:      map[string]string{},
		channels:   map[string]string{},
		triggers:   map[string]*trigger{},
		groups:     map[string][]string{},
		locales:    map[string]string{},
		usersGone:  map[string]bool{},
		scopeless:  map[string]bool{},
		userCalls:  map[string]int{},
		homes:      map[string]*homeState{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.serveAPI)
	mux.HandleFunc("/response/{id}", s.serveResponseURL)
	mux.HandleFunc("/link", s.serveLink)
	mux.HandleFunc("/link/", s.serveLink)
	s.http = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		_ = s.http.Serve(ln)
	}()
	return s
}

// Close stops the emulator: it drops every socket, unblocks hung answers and
// waits for its goroutines. Calls after the first do nothing.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	conns := append([]*socketConn(nil), s.conns...)
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
	_ = s.http.Close()
	s.wg.Wait()
}

// APIURL is the Web API base to give slack.OptionAPIURL, with its trailing slash.
func (s *Server) APIURL() string { return s.baseURL + "/api/" }

// AppToken is the app-level token apps.connections.open accepts.
func (s *Server) AppToken() string { return s.appToken }

// BotToken is the bot token the chat.* and conversations.* methods accept.
func (s *Server) BotToken() string { return s.botToken }

// AddUser names a workspace member, so payloads carry a user name as Slack's
// do; an unnamed user's name is derived from the ID.
func (s *Server) AddUser(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = name
}

// notifyLocked wakes every waiter; s.mu must be held.
func (s *Server) notifyLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// waitFor blocks until cond, evaluated under s.mu, holds; or ctx ends; or
// the server closes.
func (s *Server) waitFor(ctx context.Context, what string, cond func() bool) error {
	for {
		s.mu.Lock()
		if cond() {
			s.mu.Unlock()
			return nil
		}
		closed := s.closed
		ch := s.changed
		s.mu.Unlock()
		if closed {
			return &WaitError{What: what, Err: ErrClosed}
		}
		select {
		case <-ctx.Done():
			return &WaitError{What: what, Err: ctx.Err()}
		case <-ch:
		}
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
