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

func (e *endpoint) takeFault() fault {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	f := &e.faults
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
func (e *endpoint) SetLatency(d time.Duration) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults.latency = d
}

// FailNext makes the next n requests answer httpStatus with an HTML body, as
// the gateway in front of SCNet does (e.g. 502 Bad Gateway).
func (e *endpoint) FailNext(n int, httpStatus int) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults.httpN, e.faults.httpStatus = n, httpStatus
}

// FailNextCode makes the next n requests answer HTTP 200 with SCNet code
// code, its Chinese message and data null.
func (e *endpoint) FailNextCode(n int, code string) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults.codeN, e.faults.code = n, code
}

// GarbageNext makes the next n requests answer HTTP 200 with truncated JSON.
func (e *endpoint) GarbageNext(n int) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults.garbageN = n
}

// SetDown makes every request, while down, lose its connection without an
// answer, which clients see as a network error.
func (e *endpoint) SetDown(down bool) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	e.faults.down = down
}
