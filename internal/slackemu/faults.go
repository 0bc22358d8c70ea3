package slackemu

import (
	"net/http"
	"slices"
	"strconv"
	"time"
)

type faultKind int

const (
	faultRateLimit faultKind = iota + 1
	faultStatus
	faultHang
)

// fault is one scripted misbehaviour of the next call of a method.
type fault struct {
	kind       faultKind
	retryAfter time.Duration
	status     int
	hang       time.Duration
}

// MethodResponseURL names response_url posts for RateLimitNext, FailNext,
// PostThenHang and Calls.
const MethodResponseURL = "response_url"

// RateLimitNext makes the next n calls of method answer HTTP 429 with
// Retry-After in whole seconds, rounded up, and post nothing; slack-go
// surfaces that as *slack.RateLimitedError.
func (s *Server) RateLimitNext(method string, n int, retryAfter time.Duration) {
	s.addFaults(method, n, fault{kind: faultRateLimit, retryAfter: retryAfter})
}

// FailNext makes the next n calls of method answer with HTTP status (a 5xx)
// and post nothing; slack-go surfaces that as slack.StatusCodeError.
func (s *Server) FailNext(method string, n int, status int) {
	s.addFaults(method, n, fault{kind: faultStatus, status: status})
}

// PostThenHang makes the next n calls of method take effect (the message is
// posted) but hold the answer back for d, so a client with a shorter timeout
// cannot know whether its post landed.
func (s *Server) PostThenHang(method string, n int, d time.Duration) {
	s.addFaults(method, n, fault{kind: faultHang, hang: d})
}

func (s *Server) addFaults(method string, n int, f fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults[method] = append(s.faults[method], f)
	}
}

// Calls counts calls of method, including those a fault answered.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

// Methods lists, sorted, every Web API method the emulator was called with
// (response_url posts as MethodResponseURL), whether it served, refused or
// did not know the method. It is how a test learns which methods the bot
// really uses.
func (s *Server) Methods() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.calls))
	for m, n := range s.calls {
		if n > 0 {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	return out
}

// takeFault counts a call of method and pops the fault scripted for it.
func (s *Server) takeFault(method string) fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[method]++
	s.notifyLocked()
	q := s.faults[method]
	if len(q) == 0 {
		return fault{}
	}
	s.faults[method] = q[1:]
	return q[0]
}

// refuse answers a rate-limit or status fault; it reports whether it did.
func refuse(w http.ResponseWriter, f fault) bool {
	switch f.kind {
	case faultRateLimit:
		secs := int64((f.retryAfter + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
		return true
	case faultStatus:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte("<html><body>" + http.StatusText(f.status) + "</body></html>"))
		return true
	}
	return false
}

// hang holds an answer back for f.hang, or until the client gives up or the
// emulator closes; it reports whether the answer should still be written.
func (s *Server) hang(r *http.Request, f fault) bool {
	if f.kind != faultHang {
		return true
	}
	t := time.NewTimer(f.hang)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	case <-s.done:
		return false
	}
}
