package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"scnetbot/metrics"
)

// watching is a watcher whose last successful poll was at last.
func watching(last time.Time) func(context.Context) (time.Time, time.Duration, error) {
	return func(context.Context) (time.Time, time.Duration, error) { return last, time.Minute, nil }
}

func TestReady(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	unusable := func(context.Context) (time.Time, time.Duration, error) {
		return now, time.Minute, errors.New("watcher state unusable: page 9 corrupt")
	}
	tests := []struct {
		name      string
		connected bool
		watch     func(context.Context) (time.Time, time.Duration, error)
		ready     bool
		problem   string
	}{
		{"connected, no watcher", true, nil, true, ""},
		{"disconnected", false, nil, false, "not connected"},
		{"watcher never polled", true, watching(time.Time{}), false, "not polled"},
		{"recent poll", true, watching(now.Add(-2 * time.Minute)), true, ""},
		{"poll exactly 3 intervals ago", true, watching(now.Add(-3 * time.Minute)), true, ""},
		{"stale poll", true, watching(now.Add(-3*time.Minute - time.Second)), false, "older than 3 intervals"},
		{"disconnected and stale", false, watching(now.Add(-time.Hour)), false, "not connected"},
		{"recent poll but state unusable", true, unusable, false, "watcher state unusable: page 9 corrupt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Checks{Connected: func() bool { return tt.connected }, Watch: tt.watch, Now: func() time.Time { return now }}
			r := c.Ready(context.Background())
			if r.Ready != tt.ready {
				t.Fatalf("Ready = %v, want %v (problems %v)", r.Ready, tt.ready, r.Problems)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(r.Problems, "; "), tt.problem) {
				t.Errorf("problems %v do not mention %q", r.Problems, tt.problem)
			}
		})
	}
}

// TestReadyzGivesTheWatcherADeadline: a watcher that does not answer makes
// /readyz answer 503 with the reason, not hang the probe.
func TestReadyzGivesTheWatcherADeadline(t *testing.T) {
	stuck := func(ctx context.Context) (time.Time, time.Duration, error) {
		if _, ok := ctx.Deadline(); !ok {
			return time.Time{}, 0, errors.New("no deadline given")
		}
		<-ctx.Done()
		return time.Time{}, 0, fmt.Errorf("watcher health: %w", ctx.Err())
	}
	srv := httptest.NewServer(Handler(metrics.New().Registry, Checks{Connected: func() bool { return true }, Watch: stuck}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "deadline exceeded") {
		t.Errorf("/readyz with a stuck watcher = %d %+v", resp.StatusCode, rep)
	}
}

func TestEndpoints(t *testing.T) {
	m := metrics.New()
	m.Commands.WithLabelValues("command", "ok").Inc()
	connected := false
	srv := httptest.NewServer(Handler(m.Registry, Checks{Connected: func() bool { return connected }}))
	defer srv.Close()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	if code, body := get("/healthz"); code != 200 || body != "ok\n" {
		t.Errorf("/healthz = %d %q", code, body)
	}
	code, body := get("/readyz")
	if code != http.StatusServiceUnavailable {
		t.Errorf("/readyz while disconnected = %d, want 503", code)
	}
	var rep Report
	if err := json.Unmarshal([]byte(body), &rep); err != nil || rep.Ready || len(rep.Problems) == 0 {
		t.Errorf("/readyz body %q: %+v %v", body, rep, err)
	}
	connected = true
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz while connected = %d, want 200", code)
	}
	code, body = get("/metrics")
	if code != 200 || !strings.Contains(body, `scnetbot_commands_total{kind="command",result="ok"} 1`) {
		t.Errorf("/metrics = %d, missing command counter:\n%.500s", code, body)
	}
	for _, name := range []string{"scnetbot_ack_latency_seconds", "go_goroutines", "process_resident_memory_bytes"} {
		if !strings.Contains(body, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}
