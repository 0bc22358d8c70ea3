package scnet

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// cancelOnInvalidate is a token that claims it can be renewed and whose
// rejection cancels the caller's context, the way a shutdown can land right
// after SCNet refuses a token.
type cancelOnInvalidate struct {
	Static
	cancel context.CancelFunc
}

func (s *cancelOnInvalidate) Invalidate(string) bool {
	s.cancel()
	return true
}

// After SCNet rejects the token the client asks again with a fresh one, but
// not for a caller that has given up: no request may follow the cancel.
func TestCancelAfterAuthRejectionSendsNothing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ts := &cancelOnInvalidate{Static: *StaticToken(testToken), cancel: cancel}
	mux, c := setup(t, WithTokenSource(ts), WithRetry(1, time.Millisecond))
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		writeJSON(w, 200, map[string]any{"code": "10008", "msg": "token expired"})
	})
	_, err := c.ListInstances(ctx, ListOptions{})
	cancel()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := attempts.Load(); n != 1 {
		t.Errorf("requests = %d, want 1: none after the caller cancelled", n)
	}
}
