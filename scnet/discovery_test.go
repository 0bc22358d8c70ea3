package scnet

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A client built without a base URL finds it on its first request, keeps
// it, and asks again on the next request after a failure, so SCNet being
// down when scnetbot starts does not leave the client without a base.
func TestDiscoveryOnFirstUseRetriedAfterFailure(t *testing.T) {
	mux := http.NewServeMux()
	var lists atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, _ *http.Request) {
		lists.Add(1)
		writeJSON(w, 200, ok(nil))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	var (
		calls atomic.Int32
		down  atomic.Bool
	)
	down.Store(true)
	errDown := errors.New("center unreachable")
	c, err := New("", WithTokenSource(StaticToken(testToken)), WithRetry(1, time.Millisecond),
		WithDiscovery(func(context.Context) (string, error) {
			calls.Add(1)
			if down.Load() {
				return "", errDown
			}
			return srv.URL, nil // without /ai: New's normalisation applies
		}))
	if err != nil {
		t.Fatal(err)
	}
	if c.AIBase() != "" {
		t.Errorf("AIBase before discovery = %q", c.AIBase())
	}
	if _, err := c.ListInstances(context.Background(), ListOptions{}); !errors.Is(err, errDown) {
		t.Fatalf("list while discovery fails = %v, want the discovery error", err)
	}
	down.Store(false)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Errorf("discovery ran %d times, want 2 (one failure, then once for 8 concurrent requests)", n)
	}
	if lists.Load() != 8 || c.AIBase() != srv.URL+"/ai" {
		t.Errorf("lists %d, AIBase %q", lists.Load(), c.AIBase())
	}
}

func TestNewNeedsBaseOrDiscovery(t *testing.T) {
	if _, err := New("", WithTokenSource(StaticToken(testToken))); err == nil {
		t.Error("New with neither a base URL nor discovery succeeded")
	}
}

// A caller that gives up while another discovers is not kept waiting.
func TestDiscoveryWaitRespectsContext(t *testing.T) {
	release := make(chan struct{})
	discovering := make(chan struct{}, 1) // told once a caller holds the lock
	c, err := New("", WithTokenSource(StaticToken(testToken)), WithDiscovery(func(ctx context.Context) (string, error) {
		select {
		case discovering <- struct{}{}:
		default:
		}
		select {
		case <-release:
			return "http://127.0.0.1:1", nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer close(release)
	go func() { _, _ = c.ListInstances(context.Background(), ListOptions{}) }()
	<-discovering // the first caller holds the lock
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.ListInstances(ctx, ListOptions{}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller got %v, want its own deadline", err)
	}
}
