package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// socketConn is one Socket Mode link. Fields other than ws, writeMu and done
// are guarded by Server.mu.
type socketConn struct {
	id       int
	ws       *websocket.Conn
	writeMu  sync.Mutex // gorilla allows one writer of data frames at a time
	done     chan struct{}
	doneOnce sync.Once
	hello    bool // hello was sent: the socket is usable
	draining bool // a disconnect frame was sent: no new envelopes
}

// abort closes the TCP connection without a close frame, the way a network
// failure or a Slack host going away looks to the client.
func (c *socketConn) abort() {
	c.doneOnce.Do(func() { close(c.done) })
	_ = c.ws.NetConn().Close()
}

// writeJSON sends one text frame.
func (c *socketConn) writeJSON(v any) error {
	c.writeMu.Lock()
	defer c.writeMu.Unlock()
	return c.writeLocked(v)
}

// writeLocked sends one text frame; c.writeMu must be held.
func (c *socketConn) writeLocked(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode frame: %w", err)
	}
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, b)
}

// helloFrame is Slack's first frame on a link, field for field.
type helloFrame struct {
	Type           string `json:"type"`
	NumConnections int    `json:"num_connections"`
	DebugInfo      struct {
		Host                      string `json:"host"`
		ApproximateConnectionTime int    `json:"approximate_connection_time"`
	} `json:"debug_info"`
	ConnectionInfo struct {
		AppID string `json:"app_id"`
	} `json:"connection_info"`
}

type disconnectFrame struct {
	Type      string `json:"type"`
	Reason    string `json:"reason"`
	DebugInfo struct {
		Host string `json:"host"`
	} `json:"debug_info"`
}

func newDisconnect(reason string) disconnectFrame {
	f := disconnectFrame{Type: "disconnect", Reason: reason}
	f.DebugInfo.Host = "emu"
	return f
}

// serveLink upgrades a ticketed request to a Socket Mode link and runs it.
func (s *Server) serveLink(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	_, ok := s.tickets[ticket]
	delete(s.tickets, ticket)
	if s.closed {
		ok = false
	}
	if ok {
		s.wg.Add(1)
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "invalid_ticket", http.StatusUnauthorized)
		return
	}
	defer s.wg.Done()

	// slack-go sends Origin https://api.slack.com, which the default check
	// would refuse for a loopback host.
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	ws, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socketConn{ws: ws, done: make(chan struct{})}
	ws.SetPingHandler(func(data string) error {
		s.mu.Lock()
		stopped := s.stopPings
		s.mu.Unlock()
		if stopped {
			return nil
		}
		err := ws.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(5*time.Second))
		if err == websocket.ErrCloseSent {
			return nil
		}
		return err
	})
	ws.SetPongHandler(func(string) error {
		s.mu.Lock()
		s.pongs++
		s.notifyLocked()
		s.mu.Unlock()
		return nil
	})

	// Holding writeMu until hello is out keeps envelopes from overtaking it,
	// while marking the socket usable in the same step as counting keeps two
	// simultaneous links from both slipping under the limit.
	c.writeMu.Lock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		c.writeMu.Unlock()
		_ = ws.Close()
		return
	}
	s.connSeq++
	c.id = s.connSeq
	s.conns = append(s.conns, c)
	n := len(s.usableLocked())
	over := n >= s.cfg.maxConns
	if over {
		c.draining = true
	} else {
		c.hello = true
		s.hellos++
	}
	s.notifyLocked()
	s.mu.Unlock()
	defer s.removeConn(c)

	var first any = newDisconnect("too_many_websockets")
	if !over {
		h := helloFrame{Type: "hello", NumConnections: n + 1}
		h.DebugInfo.Host = "emu"
		h.DebugInfo.ApproximateConnectionTime = 18060
		h.ConnectionInfo.AppID = AppID
		first = h
	}
	err = c.writeLocked(first)
	c.writeMu.Unlock()
	if err != nil {
		return
	}
	if over {
		s.closeAfterGrace(c)
	}

	s.wg.Add(1)
	go s.pingLoop(c)
	s.readLoop(c)
}

// removeConn forgets a socket once its read loop has ended.
func (s *Server) removeConn(c *socketConn) {
	c.abort()
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, x := range s.conns {
		if x == c {
			s.conns = append(s.conns[:i], s.conns[i+1:]...)
			break
		}
	}
	s.notifyLocked()
}

// usableLocked lists sockets that got hello and no disconnect.
func (s *Server) usableLocked() []*socketConn {
	var out []*socketConn
	for _, c := range s.conns {
		if c.hello && !c.draining {
			out = append(out, c)
		}
	}
	return out
}

// pingLoop pings the socket every ping interval, as Slack does; slack-go
// treats a silence longer than its own ping interval as a dead link.
func (s *Server) pingLoop(c *socketConn) {
	defer s.wg.Done()
	t := time.NewTicker(s.cfg.pingInterval)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-c.done:
			return
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		stopped := s.stopPings
		s.mu.Unlock()
		if stopped {
			continue
		}
		n++
		payload := fmt.Sprintf("ping-%d", n)
		if err := c.ws.WriteControl(websocket.PingMessage, []byte(payload), time.Now().Add(5*time.Second)); err != nil {
			c.abort()
			return
		}
	}
}

// readLoop reads acks until the socket ends.
func (s *Server) readLoop(c *socketConn) {
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		s.recordAck(c, data)
	}
}

// closeAfterGrace closes a socket that was told to disconnect if the client
// has not closed it by itself within the grace period, as Slack does.
func (s *Server) closeAfterGrace(c *socketConn) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(s.cfg.disconnectWait)
		defer t.Stop()
		select {
		case <-t.C:
			c.writeMu.Lock()
			_ = c.ws.WriteControl(websocket.CloseMessage,
				websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
			c.writeMu.Unlock()
			c.abort()
		case <-c.done:
		case <-s.done:
		}
	}()
}

// WaitConnected blocks until at least n sockets have received hello and are
// still usable (open, not told to disconnect).
func (s *Server) WaitConnected(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d connections", n), func() bool {
		return len(s.usableLocked()) >= n
	})
}

// WaitConnectionsOpened blocks until apps.connections.open has succeeded n
// times in all, which is how a test sees that the client reconnected.
func (s *Server) WaitConnectionsOpened(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d apps.connections.open calls", n), func() bool {
		return s.opened >= n
	})
}

// WaitHellos blocks until n hello frames have been sent in all.
func (s *Server) WaitHellos(ctx context.Context, n int) error {
	return s.waitFor(ctx, fmt.Sprintf("%d hellos", n), func() bool { return s.hellos >= n })
}

// Connections counts usable sockets: open, greeted with hello and not told
// to disconnect.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.usableLocked())
}

// ConnectionIDs lists the usable sockets' IDs, in the order they opened: the
// keys of Deliveries and the Conn of an Ack.
func (s *Server) ConnectionIDs() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []int
	for _, c := range s.usableLocked() {
		ids = append(ids, c.id)
	}
	return ids
}

// ConnectionsOpened counts successful apps.connections.open calls.
func (s *Server) ConnectionsOpened() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.opened
}

// Hellos counts hello frames sent, across all sockets ever opened.
func (s *Server) Hellos() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hellos
}

// Pongs counts pongs received in answer to the emulator's pings.
func (s *Server) Pongs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pongs
}

// Disconnect sends {"type":"disconnect","reason":reason} to every usable
// socket, as Slack does before a refresh (refresh_requested, warning) or when
// Socket Mode is turned off (link_disabled). A socket the client has not
// closed after the grace period is closed by the emulator.
func (s *Server) Disconnect(reason string) {
	s.mu.Lock()
	targets := s.usableLocked()
	for _, c := range targets {
		c.draining = true
	}
	s.notifyLocked()
	s.mu.Unlock()
	for _, c := range targets {
		if err := c.writeJSON(newDisconnect(reason)); err != nil {
			c.abort()
			continue
		}
		s.closeAfterGrace(c)
	}
}

// DropConnections closes every socket's TCP connection without a close
// frame, like a network failure.
func (s *Server) DropConnections() {
	s.mu.Lock()
	conns := append([]*socketConn(nil), s.conns...)
	s.mu.Unlock()
	for _, c := range conns {
		c.abort()
	}
}

// StopPings stops (true) or resumes (false) sending pings and answering the
// client's pings, so the client's ping timeout fires.
func (s *Server) StopPings(stop bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopPings = stop
}
