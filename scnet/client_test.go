package scnet

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNormalizeAIBase(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://ai.example.com", want: "https://ai.example.com/ai"},
		{in: "https://ai.example.com/", want: "https://ai.example.com/ai"},
		{in: "https://ai.example.com/ai", want: "https://ai.example.com/ai"},
		{in: "https://ai.example.com/ai///", want: "https://ai.example.com/ai"},
		{in: "https://ai01.example.com:65011/ai/", want: "https://ai01.example.com:65011/ai"},
		{in: "http://127.0.0.1:8080/prefix", want: "http://127.0.0.1:8080/prefix/ai"},
		{in: "https://ai.example.com/main", want: "https://ai.example.com/main/ai"},
		{in: "  https://ai.example.com  ", want: "https://ai.example.com/ai"},
		{in: "", wantErr: true},
		{in: "ai.example.com", wantErr: true},
		{in: "ftp://ai.example.com", wantErr: true},
		{in: "https://ai.example.com/ai?x=1", wantErr: true},
		{in: "https://user:pw@ai.example.com", wantErr: true},
	}
	for _, tt := range tests {
		got, err := NormalizeAIBase(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("NormalizeAIBase(%q) error = %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("NormalizeAIBase(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	ts := WithTokenSource(StaticToken("t"))
	tests := []struct {
		name string
		opts []Option
	}{
		{"no token source", nil},
		{"nil token source", []Option{WithTokenSource(nil)}},
		{"nil http client", []Option{ts, WithHTTPClient(nil)}},
		{"zero timeout", []Option{ts, WithTimeout(0)}},
		{"zero in flight", []Option{ts, WithMaxInFlight(0)}},
		{"zero attempts", []Option{ts, WithRetry(0, time.Millisecond)}},
		{"negative delay", []Option{ts, WithRetry(2, -time.Second)}},
		{"zero page size", []Option{ts, WithPageSize(0)}},
		{"zero max pages", []Option{ts, WithMaxPages(0)}},
		{"nil observer", []Option{ts, WithObserver(nil)}},
		{"nil logger", []Option{ts, WithLogger(nil)}},
	}
	for _, tt := range tests {
		if _, err := New("https://ai.example.com", tt.opts...); err == nil {
			t.Errorf("%s: New succeeded, want error", tt.name)
		}
	}
	if _, err := New("https://ai.example.com", ts); err != nil {
		t.Errorf("New with token source: %v", err)
	}
}

// captured is what a list request carried.
type captured struct {
	method, token, contentType, userAgent, path string
	query                                       url.Values
	body                                        map[string]any
	rawBody                                     string
}

func captureList(t *testing.T, opts ...Option) (*Client, *captured) {
	t.Helper()
	mux, c := setup(t, opts...)
	got := &captured{}
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.token, got.path = r.Method, r.Header.Get("token"), r.URL.Path
		got.contentType, got.userAgent = r.Header.Get("Content-Type"), r.Header.Get("User-Agent")
		got.query = r.URL.Query()
		got.rawBody = string(b)
		got.body = map[string]any{}
		if err := json.Unmarshal(b, &got.body); err != nil {
			t.Errorf("body %q is not JSON: %v", b, err)
		}
		writeJSON(w, 200, ok(nil))
	})
	return c, got
}

func TestListRequestCarriesBodyAndQuery(t *testing.T) {
	tests := []struct {
		name      string
		opts      ListOptions
		wantBody  string
		wantQuery url.Values
	}{
		{
			name:      "defaults send nulls like the seed",
			opts:      ListOptions{},
			wantBody:  `{"status":null,"instanceServiceName":null,"taskType":null,"start":0,"limit":100,"sort":"desc"}`,
			wantQuery: url.Values{"start": {"0"}, "limit": {"100"}, "sort": {"desc"}},
		},
		{
			name:     "every filter",
			opts:     ListOptions{Status: StatusFailed, TaskType: TaskSSH, Name: "train-01", Start: 40, Limit: 20, Sort: SortAsc},
			wantBody: `{"status":"Failed","instanceServiceName":["train-01"],"taskType":"ssh","start":40,"limit":20,"sort":"asc"}`,
			wantQuery: url.Values{"status": {"Failed"}, "instanceServiceName": {"train-01"}, "taskType": {"ssh"},
				"start": {"40"}, "limit": {"20"}, "sort": {"asc"}},
		},
		{
			name:      "seed example",
			opts:      ListOptions{TaskType: TaskSSH, Limit: 20},
			wantBody:  `{"status":null,"instanceServiceName":null,"taskType":"ssh","start":0,"limit":20,"sort":"desc"}`,
			wantQuery: url.Values{"taskType": {"ssh"}, "start": {"0"}, "limit": {"20"}, "sort": {"desc"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, got := captureList(t)
			if _, err := c.ListInstances(context.Background(), tt.opts); err != nil {
				t.Fatalf("ListInstances: %v", err)
			}
			if got.method != http.MethodGet {
				t.Errorf("method = %s, want GET", got.method)
			}
			if got.path != listPath {
				t.Errorf("path = %s, want %s", got.path, listPath)
			}
			if got.token != testToken {
				t.Errorf("token header = %q", got.token)
			}
			if got.contentType != "application/json" {
				t.Errorf("Content-Type = %q", got.contentType)
			}
			if got.rawBody != tt.wantBody {
				t.Errorf("body =\n%s\nwant\n%s", got.rawBody, tt.wantBody)
			}
			if got.query.Encode() != tt.wantQuery.Encode() {
				t.Errorf("query = %s, want %s", got.query.Encode(), tt.wantQuery.Encode())
			}
		})
	}
}

func TestBaseURLWithAndWithoutAI(t *testing.T) {
	for _, suffix := range []string{"", "/", "/ai", "/ai/"} {
		var path string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			path = r.URL.Path
			writeJSON(w, 200, ok(nil))
		}))
		c, err := New(srv.URL+suffix, WithTokenSource(StaticToken(testToken)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
			t.Errorf("suffix %q: %v", suffix, err)
		}
		if path != listPath {
			t.Errorf("suffix %q: path %q, want %q", suffix, path, listPath)
		}
		srv.Close()
	}
}

func TestWithUserAgentAndPageSize(t *testing.T) {
	c, got := captureList(t, WithUserAgent("scnetbot-test/9"), WithPageSize(7))
	if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if got.userAgent != "scnetbot-test/9" {
		t.Errorf("User-Agent = %q", got.userAgent)
	}
	if got.body["limit"] != float64(7) || got.query.Get("limit") != "7" {
		t.Errorf("limit body %v query %q, want 7", got.body["limit"], got.query.Get("limit"))
	}
}

// countingTransport counts round trips to prove a custom client is used.
type countingTransport struct{ n atomic.Int32 }

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestWithHTTPClient(t *testing.T) {
	ct := &countingTransport{}
	c, _ := captureList(t, WithHTTPClient(&http.Client{Transport: ct}))
	if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if ct.n.Load() != 1 {
		t.Errorf("custom transport saw %d requests, want 1", ct.n.Load())
	}
}

func TestWithTimeoutBoundsEachAttempt(t *testing.T) {
	mux, c := setup(t, WithTimeout(20*time.Millisecond), WithRetry(2, time.Millisecond))
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		// The server notices a client hang-up only once the body is read.
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done()
	})
	_, err := c.ListInstances(context.Background(), ListOptions{})
	if err == nil {
		t.Fatal("want timeout error")
	}
	if got := attempts.Load(); got != 2 {
		t.Errorf("attempts = %d, want 2 (a timed-out attempt is retried)", got)
	}
}

func TestWithMaxInFlight(t *testing.T) {
	const limit = 2
	mux, c := setup(t, WithMaxInFlight(limit))
	var cur, peak atomic.Int32
	release := make(chan struct{})
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		n := cur.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		cur.Add(-1)
		writeJSON(w, 200, ok(nil))
	})
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
				t.Error(err)
			}
		})
	}
	for cur.Load() < limit {
		time.Sleep(time.Millisecond)
	}
	// Give the other four every chance to (wrongly) get through.
	time.Sleep(50 * time.Millisecond)
	if got := cur.Load(); got != limit {
		t.Errorf("%d requests in flight, want %d", got, limit)
	}
	close(release)
	wg.Wait()
	if got := peak.Load(); got != limit {
		t.Errorf("peak in flight = %d, want %d", got, limit)
	}
}

func TestMaxInFlightWaitRespectsContext(t *testing.T) {
	mux, c := setup(t, WithMaxInFlight(1))
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		entered <- struct{}{}
		<-release
		writeJSON(w, 200, ok(nil))
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = c.ListInstances(context.Background(), ListOptions{})
	}()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := c.ListInstances(ctx, ListOptions{})
		errc <- err
	}()
	cancel()
	if err := <-errc; err == nil || ctx.Err() == nil {
		t.Errorf("queued request returned %v, want context error", err)
	}
	close(release)
	<-done
}

func TestWithObserver(t *testing.T) {
	type obs struct{ endpoint, outcome string }
	var mu sync.Mutex
	var got []obs
	mux, c := setup(t, WithObserver(func(e, o string, d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		if d < 0 {
			t.Errorf("negative duration %v", d)
		}
		got = append(got, obs{e, o})
	}), WithRetry(2, time.Millisecond))
	var n atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			writeJSON(w, 200, map[string]any{"code": "10001", "msg": "内部异常"})
		case 2:
			writeJSON(w, 200, ok(nil))
		case 3:
			w.WriteHeader(503)
		case 4:
			_, _ = io.WriteString(w, "<html>oops")
		}
	})
	mux.HandleFunc("/ai/openapi/v2/instance-service/x/detail", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"code": "0", "data": nil})
	})
	ctx := context.Background()
	_, _ = c.ListInstances(ctx, ListOptions{}) // 10001 then 0
	_, _ = c.ListInstances(ctx, ListOptions{}) // 503 then decode
	_, _ = c.Instance(ctx, "x")                // not found is a successful call
	want := []obs{{"list", "10001"}, {"list", "0"}, {"list", "http_503"}, {"list", "decode"}, {"detail", "0"}}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != len(want) {
		t.Fatalf("observed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("observation %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestObserverNetworkOutcome(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close() // nothing listens there any more
	var outcomes []string
	c, err := New(base, WithTokenSource(StaticToken(testToken)), WithRetry(2, time.Millisecond),
		WithObserver(func(_, o string, _ time.Duration) { outcomes = append(outcomes, o) }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListInstances(context.Background(), ListOptions{}); err == nil {
		t.Fatal("want network error")
	}
	if strings.Join(outcomes, ",") != "network,network" {
		t.Errorf("outcomes = %v, want two network", outcomes)
	}
}

func TestWithLoggerLogsRetries(t *testing.T) {
	var logs strings.Builder
	var mu sync.Mutex
	h := slog.NewTextHandler(&lockedWriter{w: &logs, mu: &mu}, &slog.HandlerOptions{Level: slog.LevelDebug})
	mux, c := setup(t, WithLogger(slog.New(h)), WithRetry(2, time.Millisecond))
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(502) })
	_, _ = c.ListInstances(context.Background(), ListOptions{})
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logs.String(), "scnet retry") || !strings.Contains(logs.String(), "attempt=1") {
		t.Errorf("debug log = %q, want one retry line", logs.String())
	}
	if strings.Count(logs.String(), "scnet retry") != 1 {
		t.Errorf("want exactly one retry line for two attempts: %q", logs.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
