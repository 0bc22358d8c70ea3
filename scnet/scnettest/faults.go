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

// actionKnobs are the pending misbehaviours of one action: the next failN
// calls fail with failCode, then the next holdN are applied and answered
// after hold.
type actionKnobs struct {
	failN    int
	failCode string
	holdN    int
	hold     time.Duration
}

// actionKnob is what one action call gets: a code to fail with unapplied,
// or a hold before the answer of an applied call.
type actionKnob struct {
	code string
	hold time.Duration
}

func (e *endpoint) takeActionKnob(a Action) actionKnob {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	k := e.actions[a]
	switch {
	case k == nil:
	case k.failN > 0:
		k.failN--
		return actionKnob{code: k.failCode}
	case k.holdN > 0:
		k.holdN--
		return actionKnob{hold: k.hold}
	}
	return actionKnob{}
}

func (e *endpoint) actionKnobs(a Action) *actionKnobs {
	if e.actions == nil {
		e.actions = map[Action]*actionKnobs{}
	}
	if e.actions[a] == nil {
		e.actions[a] = &actionKnobs{}
	}
	return e.actions[a]
}

// FailNextAction makes the next n calls of action a that carry a valid
// token answer HTTP 200 with SCNet code code (its Chinese message, data
// null) without doing anything: SCNet's definite refusal. A call the
// fault knobs above answer first does not count. FailNextAction runs out
// before HoldNextAction applies.
func (e *endpoint) FailNextAction(a Action, n int, code string) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	k := e.actionKnobs(a)
	k.failN, k.failCode = n, code
}

// HoldNextAction makes the next n calls of action a that carry a valid
// token do what they ask and then hold the answer for d on the wall clock
// (or until the client gives up): the "may have happened" case, in which
// a client that times out cannot tell whether SCNet acted.
func (e *endpoint) HoldNextAction(a Action, n int, d time.Duration) {
	e.faultMu.Lock()
	defer e.faultMu.Unlock()
	k := e.actionKnobs(a)
	k.holdN, k.hold = n, d
}
