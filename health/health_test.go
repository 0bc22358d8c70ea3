package health

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"scnetbot/metrics"
	"scnetbot/watcher"
)

func TestReady(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	watching := func(last time.Time) func() watcher.Health {
		return func() watcher.Health {
			return watcher.Health{Enabled: true, Interval: time.Minute, LastSuccess: last}
		}
	}
	tests := []struct {
		name      string
		connected bool
		watch     func() watcher.Health
		ready     bool
		problem   string
	}{
		{"connected, no watcher", true, nil, true, ""},
		{"disconnected", false, nil, false, "not connected"},
		{"watcher disabled", true, func() watcher.Health { return watcher.Health{} }, true, ""},
		{"watcher never polled", true, watching(time.Time{}), false, "not polled"},
		{"recent poll", true, watching(now.Add(-2 * time.Minute)), true, ""},
		{"poll exactly 3 intervals ago", true, watching(now.Add(-3 * time.Minute)), true, ""},
		{"stale poll", true, watching(now.Add(-3*time.Minute - time.Second)), false, "older than 3 intervals"},
		{"disconnected and stale", false, watching(now.Add(-time.Hour)), false, "not connected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Checks{Connected: func() bool { return tt.connected }, Watch: tt.watch, Now: func() time.Time { return now }}
			r := c.Ready()
			if r.Ready != tt.ready {
				t.Fatalf("Ready = %v, want %v (problems %v)", r.Ready, tt.ready, r.Problems)
			}
			if tt.problem != "" && !strings.Contains(strings.Join(r.Problems, "; "), tt.problem) {
				t.Errorf("problems %v do not mention %q", r.Problems, tt.problem)
			}
		})
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
