package handlers

import (
	"github.com/slack-go/slack"

	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"scnetbot/internal/wait"
	"scnetbot/metrics"
	"scnetbot/scnet"
)

// manualClock is a clock tests move by hand.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *manualClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Fifty people typing the same command at once cost SCNet one request.
func TestCacheCoalescesConcurrentCommands(t *testing.T) {
	f := &fakeLister{instances: fixtures(30), gate: make(chan struct{})}
	m := metrics.New()
	h := newTestHandler(t, f, func(c *Config) { c.Metrics = m })
	const n = 50
	var wg sync.WaitGroup
	replies := make(chan string, n)
	for range n {
		wg.Go(func() { replies <- command(h, "running ssh").Text })
	}
	// Let every caller join the flight before SCNet answers; the gate keeps
	// the first call open until then.
	waitInFlight(t, n)
	close(f.gate)
	wg.Wait()
	close(replies)
	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d concurrent identical commands made %d ListInstances calls, want 1", n, got)
	}
	first := ""
	for r := range replies {
		if first == "" {
			first = r
		}
		if r != first {
			t.Errorf("replies differ: %q vs %q", r, first)
		}
	}
	if miss, shared := lookups(t, m, "miss"), lookups(t, m, "shared"); miss != 1 || shared != n-1 {
		t.Errorf("cache lookups: miss %v shared %v, want 1 and %d", miss, shared, n-1)
	}
	command(h, "running ssh")
	if got := lookups(t, m, "hit"); got != 1 {
		t.Errorf("a repeat within the TTL counted %v hits, want 1", got)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("a repeat within the TTL asked SCNet again (%d calls)", got)
	}
}

// waitInFlightExactly waits until exactly n callers wait in the cache.
func waitInFlightExactly(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<22)
	wait.Until(t, fmt.Sprintf("exactly %d callers waiting in the cache", n), func() bool { return inFlight(buf) == n })
}

// inFlight counts goroutines blocked in queryCache.get's select.
func inFlight(buf []byte) int {
	stacks := string(buf[:runtime.Stack(buf, true)])
	waiting := 0
	for _, g := range strings.Split(stacks, "\n\n") {
		if strings.Contains(g, "[select") && strings.Contains(g, "(*queryCache).get(") {
			waiting++
		}
	}
	return waiting
}

// waitInFlight waits until n goroutines wait in the cache for a query in
// flight: blocked in queryCache.get's select, which they reach only after
// joining (or starting) the flight. Reading goroutine stacks makes this
// exact, where a sleep would only make it likely.
func waitInFlight(t *testing.T, n int) {
	t.Helper()
	buf := make([]byte, 1<<22)
	wait.Until(t, fmt.Sprintf("%d callers reaching the cache", n), func() bool { return inFlight(buf) >= n })
}

func TestCacheTTLExpiry(t *testing.T) {
	f := &fakeLister{instances: fixtures(5)}
	clk := &manualClock{t: testNow}
	h := newTestHandler(t, f, func(c *Config) { c.Now = clk.Now; c.CacheTTL = 30 * time.Second })
	ctx := context.Background()
	o := scnet.ListOptions{Status: scnet.StatusRunning, Limit: PageSize}
	for range 3 {
		if _, err := h.testCache().List(ctx, o, false); err != nil {
			t.Fatal(err)
		}
	}
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("calls within the TTL = %d, want 1", got)
	}
	clk.Add(29 * time.Second)
	h.testCache().List(ctx, o, false)
	if got := f.calls.Load(); got != 1 {
		t.Fatalf("calls just before the TTL = %d, want 1", got)
	}
	clk.Add(2 * time.Second)
	h.testCache().List(ctx, o, false)
	if got := f.calls.Load(); got != 2 {
		t.Fatalf("calls after the TTL = %d, want 2", got)
	}
}

func TestCacheRefreshBypasses(t *testing.T) {
	f := &fakeLister{instances: fixtures(5)}
	h := newTestHandler(t, f, nil)
	ctx := context.Background()
	o := scnet.ListOptions{Limit: PageSize}
	h.testCache().List(ctx, o, false)
	h.testCache().List(ctx, o, true)
	if got := f.calls.Load(); got != 2 {
		t.Fatalf("refresh did not ask SCNet: %d calls, want 2", got)
	}
	// The refreshed answer is stored for the next plain lookup.
	h.testCache().List(ctx, o, false)
	if got := f.calls.Load(); got != 2 {
		t.Fatalf("lookup after refresh asked SCNet again: %d calls", got)
	}
}

func TestCacheKeyNormalizesSort(t *testing.T) {
	a := listKey(scnet.ListOptions{Status: scnet.StatusFailed, Limit: 10})
	b := listKey(scnet.ListOptions{Status: scnet.StatusFailed, Limit: 10, Sort: scnet.SortDesc})
	c := listKey(scnet.ListOptions{Status: scnet.StatusFailed, Limit: 10, Start: 10})
	if a != b || a == c {
		t.Errorf("listKey: default sort %q vs desc %q must match, other page %q must differ", a, b, c)
	}
}

func TestCacheErrorsNotCached(t *testing.T) {
	f := &fakeLister{instances: fixtures(5), err: &scnet.APIError{Code: scnet.CodeInternal}}
	h := newTestHandler(t, f, nil)
	ctx := context.Background()
	o := scnet.ListOptions{Limit: PageSize}
	if _, err := h.testCache().List(ctx, o, false); err == nil {
		t.Fatal("want the lister's error")
	}
	f.setErr(nil)
	p, err := h.testCache().List(ctx, o, false)
	if err != nil || p == nil || len(p.Instances) != 5 {
		t.Fatalf("after SCNet recovered: %v, %v", p, err)
	}
	if got := f.calls.Load(); got != 2 {
		t.Errorf("calls = %d, want 2 (the error must not be cached)", got)
	}
}

// A caller that gives up must not cancel the query the others wait on.
func TestCacheCallerCancelDoesNotCancelShared(t *testing.T) {
	f := &fakeLister{instances: fixtures(5), gate: make(chan struct{})}
	h := newTestHandler(t, f, nil)
	o := scnet.ListOptions{Limit: PageSize}
	ctx1, cancel1 := context.WithCancel(context.Background())
	var err1, err2 error
	var p2 *scnet.Page
	var wg sync.WaitGroup
	wg.Go(func() { _, err1 = h.testCache().List(ctx1, o, false) })
	waitInFlight(t, 1)
	wg.Go(func() { p2, err2 = h.testCache().List(context.Background(), o, false) })
	waitInFlight(t, 2)
	cancel1()
	// The cancelled caller leaves; the flight must still be open for the
	// other one.
	waitInFlightExactly(t, 1)
	close(f.gate)
	wg.Wait()
	if !errors.Is(err1, context.Canceled) {
		t.Errorf("cancelled caller got %v, want context.Canceled", err1)
	}
	if err2 != nil || p2 == nil || len(p2.Instances) != 5 {
		t.Errorf("the other caller got %v, %v; want the page", p2, err2)
	}
	if got := f.calls.Load(); got != 1 {
		t.Errorf("calls = %d, want 1", got)
	}
}

// A query SCNet never answers ends at QueryTimeout with the "slow" reply.
func TestCommandSlowSCNet(t *testing.T) {
	f := &fakeLister{gate: make(chan struct{})}
	defer close(f.gate)
	h := newTestHandler(t, f, func(c *Config) { c.QueryTimeout = 50 * time.Millisecond })
	m := command(h, "running")
	if m.Text != userMessage(en(), &slowError{after: 50 * time.Millisecond, err: context.DeadlineExceeded}) || !strings.Contains(m.Text, "within 50ms") {
		t.Errorf("reply %q, want the slow-SCNet message", m.Text)
	}
}

// The status summary comes from one Limit-1 listing per status, cached like
// the rest.
func TestSummaryQueries(t *testing.T) {
	f := &fakeLister{instances: fixtures(20)}
	h := newTestHandler(t, f, nil)
	command(h, "")
	want := int64(len(scnet.Statuses()) + 1)
	if got := f.calls.Load(); got != want {
		t.Errorf("unfiltered list made %d calls, want %d", got, want)
	}
	for _, o := range f.opts {
		if o.Status != "" && o.Limit != 1 {
			t.Errorf("summary query %+v, want Limit 1", o)
		}
	}
	command(h, "")
	command(h, "page 1")
	if got := f.calls.Load(); got != want {
		t.Errorf("repeats within the TTL made %d calls, want %d", got, want)
	}
	command(h, "running")
	if got := f.calls.Load(); got != want+1 {
		t.Errorf("a filtered list made %d extra calls, want 1 (no summary)", got-want)
	}
}

// A summary that fails still leaves the list.
func TestSummaryFailureKeepsList(t *testing.T) {
	f := &statusFailLister{fakeLister: fakeLister{instances: fixtures(3)}}
	h := New(oneRegion(f), Config{Location: testNow.Location(), Now: func() time.Time { return testNow }})
	assertGoldenLangs(t, "list_summary_failed", func(l testLang) *slack.WebhookMessage { return l.command(h, "") })
}

type statusFailLister struct{ fakeLister }

func (s *statusFailLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	if o.Status != "" {
		return nil, &scnet.APIError{Code: scnet.CodeInternal}
	}
	return s.fakeLister.ListInstances(ctx, o)
}

// lookups reads the cache lookup counter for one result.
func lookups(t testing.TB, m *metrics.Metrics, result string) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.CacheLookups.WithLabelValues(result).(prometheus.Metric).Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetCounter().GetValue()
}

// A Lister that panics fails that one query instead of the process.
func TestCacheContainsPanic(t *testing.T) {
	h := New(oneRegion(panicLister{}), Config{Location: testNow.Location()})
	if m := command(h, "running"); m.Text != userMessage(en(), errors.New("any unknown error")) {
		t.Errorf("reply after a panic: %q", m.Text)
	}
}

type panicLister struct{}

func (panicLister) ListInstances(context.Context, scnet.ListOptions) (*scnet.Page, error) {
	panic("lister bug")
}

func (panicLister) Instance(context.Context, string) (*scnet.Instance, error) { panic("lister bug") }
