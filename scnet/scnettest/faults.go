package scnettest

import "time"

// faults are the pending misbehaviours; each request takes at most one, in
// the order down, HTTP status, SCNet code, garbage.
type faults struct {
	down       bool
	latency    time.Duration
	httpN      int
	httpStatus int
	codeN      int
	code       string
	garbageN   int
}

// fault is what one request gets.
type fault struct {
	down       bool
	latency    time.Duration
	httpStatus int
	code       string
	garbage    bool
}

func (s *Server) takeFault() fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	f := &s.faults
	out := fault{latency: f.latency}
	switch {
	case f.down:
		out.down = true
	case f.httpN > 0:
		f.httpN--
		out.httpStatus = f.httpStatus
	case f.codeN > 0:
		f.codeN--
		out.code = f.code
	case f.garbageN > 0:
		f.garbageN--
		out.garbage = true
	}
	return out
}

// SetLatency delays every following answer by d.
func (s *Server) SetLatency(d time.Duration) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.latency = d
}

// FailNext makes the next n requests answer httpStatus with an HTML body, as
// the gateway in front of SCNet does (e.g. 502 Bad Gateway).
func (s *Server) FailNext(n int, httpStatus int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.httpN, s.faults.httpStatus = n, httpStatus
}

// FailNextCode makes the next n requests answer HTTP 200 with SCNet code
// code, its Chinese message and data null.
func (s *Server) FailNextCode(n int, code string) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.codeN, s.faults.code = n, code
}

// GarbageNext makes the next n requests answer HTTP 200 with truncated JSON.
func (s *Server) GarbageNext(n int) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.garbageN = n
}

// SetDown makes every request, while down, lose its connection without an
// answer, which clients see as a network error.
func (s *Server) SetDown(down bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	s.faults.down = down
}
