package scnettest

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Request is one request as the simulator received it, faulted ones
// included.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Body     []byte
	Token    string // the "token" header
	At       time.Time
}

// maxLogged bounds the request log so a demo running for weeks does not
// grow without end; past it the oldest half is dropped.
const maxLogged = 100_000

func (e *endpoint) record(r *http.Request, body []byte) {
	req := Request{
		Method:   r.Method,
		Path:     r.URL.Path,
		RawQuery: r.URL.RawQuery,
		Body:     body,
		Token:    r.Header.Get("token"),
		At:       e.now(),
	}
	e.logMu.Lock()
	defer e.logMu.Unlock()
	if len(e.log) >= maxLogged {
		e.log = slices.Delete(e.log, 0, maxLogged/2)
	}
	e.log = append(e.log, req)
}

// Requests returns every request received since start or ResetRequests, in
// arrival order (only the latest 50,000 to 100,000 once over 100,000).
func (e *endpoint) Requests() []Request {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	out := slices.Clone(e.log)
	for i := range out {
		out[i].Body = slices.Clone(out[i].Body)
	}
	return out
}

// RequestCount counts requests whose path starts with pathPrefix; "" counts
// all.
func (e *endpoint) RequestCount(pathPrefix string) int {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	n := 0
	for _, r := range e.log {
		if strings.HasPrefix(r.Path, pathPrefix) {
			n++
		}
	}
	return n
}

// ResetRequests forgets every logged request.
func (e *endpoint) ResetRequests() {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	e.log = nil
}

// ActionCount counts the logged calls of action a: every request to its
// method and path, refused and faulted ones included, so a test can tell
// how often a client asked.
func (e *endpoint) ActionCount(a Action) int {
	e.logMu.Lock()
	defer e.logMu.Unlock()
	n := 0
	for _, r := range e.log {
		if got, ok := actionOf(r.Method, r.Path); ok && got == a {
			n++
		}
	}
	return n
}
