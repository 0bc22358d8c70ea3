package scnettest

import (
	"bytes"
	crand "crypto/rand"
	"fmt"
	"io"
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
//
// Its own listener serves the token and center endpoints. With one region
// (the default) it serves that region's AI API too, and its fault knobs and
// request log cover everything. With WithRegions each region has its own
// listener, fault knobs and request log (see Region), and the Server's cover
// the token and center endpoints only. Either way the instance methods (Add,
// Records, SetStatus, ...) and AIBaseURL act on the first region.
type Server struct {
	// endpoint holds the fault knobs and request log of the Server's own
	// listener.
	*endpoint

	cfg       config
	listener  net.Listener
	http      *http.Server
	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	jwtKey    []byte

	// regions are the served regions in login order, suspended ones
	// included; primary is the first. multi says they came from
	// WithRegions, each on its own listener.
	regions []*RegionServer
	primary *RegionServer
	multi   bool

	tokMu   sync.Mutex // guards tokens, current and jti
	tokens  map[string]*tokenInfo
	current map[string]string // cluster id -> the token Token hands out
	jti     uint64

	// account is what the user endpoint answers (SetAccount and friends).
	account accountKnobs
}

// New starts a simulator on 127.0.0.1 with a free port (one more per region
// with WithRegions). Like httptest.NewServer it panics when it cannot listen,
// since no test or demo can continue without it.
func New(opts ...Option) *Server {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	s := &Server{
		endpoint: newEndpoint(cfg),
		cfg:      cfg,
		done:     make(chan struct{}),
		jwtKey:   make([]byte, 32),
		tokens:   map[string]*tokenInfo{},
		current:  map[string]string{},
		multi:    cfg.regions != nil,
	}
	s.account.acct = DefaultAccount()
	// The signing key only has to be unguessable by clients, not
	// reproducible; crypto/rand.Read cannot fail.
	_, _ = crand.Read(s.jwtKey)

	specs := cfg.regions
	if !s.multi {
		specs = []RegionSpec{{ID: KunshanClusterID, Name: clusterName(KunshanClusterID)}}
	}
	for i, spec := range specs {
		// The first region keeps the configured seed, so its records are
		// the ones a one-region simulator holds.
		rs := s.newRegion(spec, cfg.seed+int64(i)*regionSeedStep)
		if s.multi {
			rs.endpoint = newEndpoint(cfg)
			rs.listener = listen()
			rs.http = &http.Server{Handler: rs, ReadHeaderTimeout: 10 * time.Second}
		} else {
			rs.endpoint = s.endpoint
		}
		s.regions = append(s.regions, rs)
	}
	s.primary = s.regions[0]

	s.listener = listen()
	s.http = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.serve(s.http, s.listener)
	for _, rs := range s.regions {
		if rs.http != nil {
			s.serve(rs.http, rs.listener)
		}
	}
	if cfg.tick > 0 {
		s.wg.Add(1)
		go s.runLifecycle(cfg.tick)
	}
	return s
}

func listen() net.Listener {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(fmt.Sprintf("scnettest: listen on 127.0.0.1: %v", err))
	}
	return l
}

func (s *Server) serve(h *http.Server, l net.Listener) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		// Serve only returns once Close shut the listener; there is no one
		// to report that to.
		_ = h.Serve(l)
	}()
}

// Close stops the server, every region's listener and the lifecycle ticker
// and waits for them. It may be called more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.http.Close()
		for _, rs := range s.regions {
			if rs.http != nil {
				rs.http.Close()
			}
		}
		s.wg.Wait()
	})
}

// URL is the server's root, e.g. http://127.0.0.1:PORT.
func (s *Server) URL() string { return "http://" + s.listener.Addr().String() }

// AIBaseURL is the first region's AI base URL, which clients append
// /openapi/v2/... to.
func (s *Server) AIBaseURL() string { return s.primary.AIBaseURL() }

// ACBaseURL is the base of the /ac/openapi/v2/... endpoints.
func (s *Server) ACBaseURL() string { return s.URL() }

// AuthBaseURL is the base of the AK/SK endpoint /api/user/v3/tokens.
func (s *Server) AuthBaseURL() string { return s.URL() }

func (s *Server) now() time.Time { return s.cfg.now() }

// ServeHTTP logs the request, applies any pending fault, then routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.endpoint.serve(w, r, s.route)
}

// serve logs the request, applies the endpoint's pending fault, then hands
// the request to route.
func (e *endpoint) serve(w http.ResponseWriter, r *http.Request, route func(http.ResponseWriter, *http.Request, []byte)) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxBody))
	e.record(r, body)

	f := e.takeFault()
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
	route(w, r, body)
}

const (
	aiPrefix = "/ai/openapi/v2/instance-service/"
	acPrefix = "/ac/openapi/v2/"
)

func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte) {
	p := r.URL.Path
	switch {
	case p == "/api/user/v3/tokens":
		onlyMethod(w, r, http.MethodPost, s.now, s.handleAKSKTokens)
	case p == acPrefix+"tokens":
		onlyMethod(w, r, http.MethodPost, s.now, s.handleLegacyTokens)
	case p == acPrefix+"tokens/state":
		onlyMethod(w, r, http.MethodGet, s.now, s.handleTokenState)
	case p == acPrefix+"tokens/next":
		onlyMethod(w, r, http.MethodPost, s.now, s.handleTokenNext)
	case p == acPrefix+"center":
		onlyMethod(w, r, http.MethodGet, s.now, s.handleCenter)
	case p == acPrefix+"user":
		onlyMethod(w, r, http.MethodGet, s.now, s.handleAccount)
	case !s.multi:
		s.primary.route(w, r, body)
	default:
		writeNotFound(w, r, s.now())
	}
}

// route serves the region's AI API; anything else is not found.
func (s *RegionServer) route(w http.ResponseWriter, r *http.Request, body []byte) {
	p := r.URL.Path
	s.settle()

	switch {
	case p == aiPrefix+"task" && r.Method == http.MethodDelete:
		s.handleDelete(w, r)
	case p == aiPrefix+"task/actions/restart":
		onlyMethod(w, r, http.MethodPost, s.srv.now, s.handleRestart)
	case p == aiPrefix+"task/actions/stop":
		onlyMethod(w, r, http.MethodPost, s.srv.now, s.handleStop)
	case p == aiPrefix+"task" || p == aiPrefix+"task/list":
		onlyMethod(w, r, http.MethodGet, s.srv.now, func(w http.ResponseWriter, r *http.Request) {
			s.handleList(w, r, body)
		})
	case strings.HasPrefix(p, aiPrefix) && strings.Count(p[len(aiPrefix):], "/") == 1:
		id, action, _ := strings.Cut(p[len(aiPrefix):], "/")
		switch action {
		case "detail":
			onlyMethod(w, r, http.MethodGet, s.srv.now, func(w http.ResponseWriter, r *http.Request) {
				s.handleDetail(w, r, id)
			})
		case "url":
			onlyMethod(w, r, http.MethodGet, s.srv.now, func(w http.ResponseWriter, r *http.Request) {
				s.handleURL(w, r, id)
			})
		default:
			writeNotFound(w, r, s.srv.now())
		}
	default:
		writeNotFound(w, r, s.srv.now())
	}
}

func onlyMethod(w http.ResponseWriter, r *http.Request, method string, now func() time.Time, h http.HandlerFunc) {
	if r.Method != method {
		writeStatusJSON(w, r, http.StatusMethodNotAllowed, "Method Not Allowed", now())
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
