package scnettest

import (
	"bytes"
	crand "crypto/rand"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxBody caps how much of a request body the simulator reads and logs.
const maxBody = 1 << 20

// Server is a running simulator. All its methods are safe for concurrent use.
// It is also an http.Handler, so benchmarks can drive it without a network.
type Server struct {
	cfg       config
	listener  net.Listener
	http      *http.Server
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	jwtKey    []byte

	mu    sync.RWMutex // guards data and rng
	data  *store
	rng   *rand.Rand
	idSeq uint64

	tokMu   sync.Mutex // guards tokens and current
	tokens  map[string]*tokenInfo
	current string
	jti     uint64

	faultMu sync.Mutex
	faults  faults

	logMu sync.Mutex
	log   []Request
}

// New starts a simulator on 127.0.0.1 with a free port. Like
// httptest.NewServer it panics when it cannot listen, since no test or demo
// can continue without it.
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		cfg:    cfg,
		done:   make(chan struct{}),
		jwtKey: make([]byte, 32),
		data:   newStore(),
		rng:    rand.New(rand.NewPCG(uint64(cfg.seed), uint64(cfg.seed)^0x5c0e7)),
		tokens: map[string]*tokenInfo{},
	}
	s.faults.latency = cfg.latency
	// The signing key only has to be unguessable by clients, not
	// reproducible; crypto/rand.Read cannot fail.
	_, _ = crand.Read(s.jwtKey)
	s.data.load(seedEntries(cfg.instances, cfg.seed, cfg.hostile, cfg.now()))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("scnettest: listen on 127.0.0.1: %v", err))
	}
	s.listener = l
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Serve only returns once Close shut the listener; there is no one
		// to report that to.
		_ = s.http.Serve(l)
	}()
	if cfg.tick > 0 {
		s.wg.Add(1)
		go s.runLifecycle(cfg.tick)
	}
	return s
}

// Close stops the server and the lifecycle ticker and waits for both. It may
// be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.http.Close()
		s.wg.Wait()
	})
}

// URL is the server's root, e.g. http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.listener.Addr().String() }

// AIBaseURL is the AI base URL clients append /openapi/v2/... to.
func (s *Server) AIBaseURL() string { return s.URL() + "/ai" }

// ACBaseURL is the base of the /ac/openapi/v2/... endpoints.
func (s *Server) ACBaseURL() string { return s.URL() }

// AuthBaseURL is the base of the AK/SK endpoint /api/user/v3/tokens.
func (s *Server) AuthBaseURL() string { return s.URL() }

func (s *Server) now() time.Time { return s.cfg.now() }

// ServeHTTP logs the request, applies any pending fault, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	s.record(r, body)

	f := s.takeFault()
	if f.down {
		abort(w)
		return
	}
	if f.latency > 0 {
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	switch {
	case f.httpStatus != 0:
		writeProxyError(w, f.httpStatus)
		return
	case f.code != "":
		writeError(w, f.code)
		return
	case f.garbage:
		writeGarbage(w)
		return
	}
	s.route(w, r, body)
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	const (
		aiPrefix = "/ai/openapi/v2/instance-service/"
		acPrefix = "/ac/openapi/v2/"
	)
	p := r.URL.Path
	switch {
	case p == "/api/user/v3/tokens":
		s.onlyMethod(w, r, http.MethodPost, s.handleAKSKTokens)
	case p == acPrefix+"tokens":
		s.onlyMethod(w, r, http.MethodPost, s.handleLegacyTokens)
	case p == acPrefix+"tokens/state":
		s.onlyMethod(w, r, http.MethodGet, s.handleTokenState)
	case p == acPrefix+"tokens/next":
		s.onlyMethod(w, r, http.MethodPost, s.handleTokenNext)
	case p == acPrefix+"center":
		s.onlyMethod(w, r, http.MethodGet, s.handleCenter)
	case p == aiPrefix+"task" || p == aiPrefix+"task/list":
		s.onlyMethod(w, r, http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			s.handleList(w, r, body)
		})
	case strings.HasPrefix(p, aiPrefix) && strings.Count(p[len(aiPrefix):], "/") == 1:
		id, action, _ := strings.Cut(p[len(aiPrefix):], "/")
		switch action {
		case "detail":
			s.onlyMethod(w, r, http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
				s.handleDetail(w, r, id)
			})
		case "url":
			s.onlyMethod(w, r, http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
				s.handleURL(w, r, id)
			})
		default:
			writeNotFound(w, r, s.now())
		}
	default:
		writeNotFound(w, r, s.now())
	}
}

func (s *Server) onlyMethod(w http.ResponseWriter, r *http.Request, method string, h http.HandlerFunc) {
	if r.Method != method {
		writeStatusJSON(w, r, http.StatusMethodNotAllowed, "Method Not Allowed", s.now())
		return
	}
	h(w, r)
}

// abort drops the connection without an answer, so the client sees a
// network error rather than an HTTP status.
func abort(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	// Without a connection to take over (e.g. a ResponseRecorder) the
	// handler aborts the way net/http documents for that purpose.
	panic(http.ErrAbortHandler)
}

// hasBody reports whether a request body holds anything but whitespace.
func hasBody(b []byte) bool { return len(bytes.TrimSpace(b)) > 0 }
