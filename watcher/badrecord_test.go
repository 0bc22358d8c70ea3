package watcher_test

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"scnetbot/metrics"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/watcher"
)

// TestBadRecordDoesNotBlindTheWatcher: a record SCNet sends with an id that
// cannot be an instance id (null, empty, 40 KiB, a path) is skipped and
// counted; the rest of the listing is still watched, a failure among it is
// alerted, and no "SCNet unreachable" notice goes out, because SCNet
// answered.
func TestBadRecordDoesNotBlindTheWatcher(t *testing.T) {
	tests := []struct {
		name string
		id   any
	}{
		{"null id", nil},
		{"missing id", "<missing>"},
		{"empty id", ""},
		{"object id", map[string]any{"x": 1}},
		{"40 KiB id", strings.Repeat("f", 40<<10)},
		{"path in id", "../../instance-service/task"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := metrics.New()
			e := newEnv(t, 0, withRewrite(), withConfig(func(c *watcher.Config) { c.Metrics = m }))
			bad := e.add(scnettest.Record{Name: "bad-record", Status: scnet.StatusRunning})
			good := e.add(scnettest.Record{Name: "good", Status: scnet.StatusRunning})
			other := e.add(scnettest.Record{Name: "other", Status: scnet.StatusRunning})
			e.rewrite.set(func(rec map[string]any) {
				if rec["instanceServiceName"] != "bad-record" {
					return
				}
				switch v := tt.id.(type) {
				case string:
					if v == "<missing>" {
						delete(rec, "id")
						return
					}
				}
				rec["id"] = tt.id
			})
			e.poll() // the baseline
			e.setStatus(good.ID, scnet.StatusFailed)
			e.setStatus(bad.ID, scnet.StatusFailed)
			// Well past OutageAfter: every poll must succeed.
			for range 7 {
				e.step()
			}
			e.drain()
			alerts := e.alerts()
			if len(alerts) != 1 || countContaining(alerts, good.ID) != 1 {
				t.Fatalf("%d alerts, want one for %s", len(alerts), good.ID)
			}
			top, _ := e.messages()
			if n := countContaining(top, "unreachable"); n != 0 {
				t.Errorf("%d outage notices although SCNet answered every poll", n)
			}
			h := e.health()
			if h.LastError != "" || h.Tracked != 2 {
				t.Errorf("health = %+v, want no error and %s, %s tracked", h, good.ID, other.ID)
			}
			if n := testutil.ToFloat64(m.SkippedRecords); n < 8 {
				t.Errorf("skipped records counted %v, want one per poll at least (8)", n)
			}
		})
	}
}

// TestBadRecordsAreLoggedBounded: each bad id is logged once per poll
// however many listings carry it, and a listing full of them logs a bounded
// number of lines.
func TestBadRecordsAreLoggedBounded(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	read := func() string {
		mu.Lock()
		defer mu.Unlock()
		s := logs.String()
		logs.Reset()
		return s
	}
	e := newEnv(t, 0, withRewrite(), withConfig(func(c *watcher.Config) { c.Logger = logger }))
	add := func(n int) {
		for range n {
			e.add(scnettest.Record{Name: "bad", Status: scnet.StatusRunning})
		}
	}
	add(3)
	e.add(scnettest.Record{Name: "null", Status: scnet.StatusRunning})
	e.add(scnettest.Record{Name: "null", Status: scnet.StatusFailed})
	e.rewrite.set(func(rec map[string]any) {
		switch rec["instanceServiceName"] {
		case "null":
			rec["id"] = nil
		case "bad":
			rec["id"] = fmt.Sprintf("x/%v", rec["id"])
		}
	})
	e.poll()
	out := read()
	if n := strings.Count(out, "whose id cannot be an instance id"); n != 4 {
		t.Errorf("%d bad records logged, want 4 (3 bad ids and one null listed twice):\n%s", n, out)
	}
	if n := strings.Count(out, `id_start="\"\""`); n != 1 {
		t.Errorf("the null id listed twice was logged %d times, want once:\n%s", n, out)
	}
	add(20)
	e.step()
	out = read()
	if n := strings.Count(out, "whose id cannot be an instance id"); n != 5 {
		t.Errorf("%d bad records logged in one poll, want 5:\n%s", n, out)
	}
	if n := strings.Count(out, "only the first are logged"); n != 1 {
		t.Errorf("%d notes that more were skipped, want 1:\n%s", n, out)
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestUnknownStatusLoggedOncePerPoll: a status SCNet added later, carried
// by many tracked instances, is logged once per poll, not once per
// instance, and its text is quoted short.
func TestUnknownStatusLoggedOncePerPoll(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	logger := slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return logs.Write(p)
	}), nil))
	e := newEnv(t, 0, withRewrite(), withConfig(func(c *watcher.Config) { c.Logger = logger }))
	for range 30 {
		e.add(scnettest.Record{Name: "busy", Status: scnet.StatusRunning})
	}
	e.poll()
	long := "Hibernating" + strings.Repeat("x", 5000)
	e.rewrite.set(func(rec map[string]any) { rec["status"] = long })
	e.step()
	mu.Lock()
	out := logs.String()
	mu.Unlock()
	if n := strings.Count(out, "unknown status"); n != 1 {
		t.Errorf("%d log lines about the unknown status of 30 instances, want 1", n)
	}
	if strings.Contains(out, strings.Repeat("x", 200)) {
		t.Error("the unknown status is logged whole")
	}
	if h := e.health(); h.LastError != "" || h.Tracked != 30 {
		t.Errorf("health = %+v", h)
	}
}
