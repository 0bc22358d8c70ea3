package scnet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestErrorPaths(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		body         string
		wantAttempts int32
		wantCode     Code
		wantHTTP     int
		wantAuth     bool
		wantDecode   bool
	}{
		{name: "10001 internal retried", status: 200, body: `{"code":"10001","msg":"内部异常"}`, wantAttempts: 4, wantCode: CodeInternal, wantHTTP: 200},
		{name: "10012 interrupted retried", status: 200, body: `{"code":"10012","msg":"连接中断"}`, wantAttempts: 4, wantCode: CodeConnectionInterrupted, wantHTTP: 200},
		{name: "10003 final", status: 200, body: `{"code":"10003","msg":"参数不全"}`, wantAttempts: 1, wantCode: CodeMissingParams, wantHTTP: 200},
		{name: "10004 final", status: 200, body: `{"code":"10004","msg":"参数无效"}`, wantAttempts: 1, wantCode: CodeInvalidParams, wantHTTP: 200},
		{name: "10007 final", status: 200, body: `{"code":"10007","msg":"用户已被冻结"}`, wantAttempts: 1, wantCode: CodeUserFrozen, wantHTTP: 200},
		// An auth error is final for setup's static token, which cannot be
		// renewed; Credentials get one more try (TestReloginOnceOnAuthError).
		{name: "10008 auth", status: 200, body: `{"code":"10008","msg":"权限不足"}`, wantAttempts: 1, wantCode: CodePermissionDenied, wantHTTP: 200, wantAuth: true},
		{name: "10009 final", status: 200, body: `{"code":"10009","msg":"没有权限访问接口"}`, wantAttempts: 1, wantCode: CodeNoAPIAccess, wantHTTP: 200},
		{name: "10010 final", status: 200, body: `{"code":"10010","msg":"文件校验失败"}`, wantAttempts: 1, wantCode: CodeFileCheckFailed, wantHTTP: 200},
		{name: "10011 final", status: 200, body: `{"code":"10011","msg":"文件过大"}`, wantAttempts: 1, wantCode: CodeFileTooLarge, wantHTTP: 200},
		{name: "numeric code", status: 200, body: `{"code":10004,"msg":"x"}`, wantAttempts: 1, wantCode: CodeInvalidParams, wantHTTP: 200},
		{name: "500 retried", status: 500, body: ``, wantAttempts: 4, wantHTTP: 500},
		{name: "502 html retried", status: 502, body: `<html><body>Bad Gateway</body></html>`, wantAttempts: 4, wantHTTP: 502},
		{name: "503 retried", status: 503, body: `{"code":"10001","msg":"busy"}`, wantAttempts: 4, wantCode: CodeInternal, wantHTTP: 503},
		{name: "503 with final code", status: 503, body: `{"code":"10004","msg":"bad"}`, wantAttempts: 1, wantCode: CodeInvalidParams, wantHTTP: 503},
		{name: "500 with code 0 retried", status: 500, body: `{"code":"0","msg":"?"}`, wantAttempts: 4, wantHTTP: 500},
		{name: "429 retried", status: 429, body: ``, wantAttempts: 4, wantHTTP: 429},
		{name: "400 final", status: 400, body: `bad request`, wantAttempts: 1, wantHTTP: 400},
		{name: "401 auth", status: 401, body: ``, wantAttempts: 1, wantHTTP: 401, wantAuth: true},
		{name: "403 auth", status: 403, body: `{"code":"10008","msg":"no"}`, wantAttempts: 1, wantCode: CodePermissionDenied, wantHTTP: 403, wantAuth: true},
		{name: "404 final", status: 404, body: `not found`, wantAttempts: 1, wantHTTP: 404},
		{name: "malformed json", status: 200, body: `{"code":"0","data":[{"id":`, wantAttempts: 1, wantDecode: true},
		{name: "no code", status: 200, body: `{}`, wantAttempts: 1, wantDecode: true},
		{name: "html 200", status: 200, body: "<html>\n<title>login</title>", wantAttempts: 1, wantDecode: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux, c := setup(t)
			var attempts atomic.Int32
			mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
				attempts.Add(1)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			_, err := c.ListInstances(context.Background(), ListOptions{})
			if err == nil {
				t.Fatal("want error")
			}
			if got := attempts.Load(); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if got := IsAuthError(err); got != tt.wantAuth {
				t.Errorf("IsAuthError = %v, want %v", got, tt.wantAuth)
			}
			var de *DecodeError
			if got := errors.As(err, &de); got != tt.wantDecode {
				t.Errorf("DecodeError = %v, want %v (err %v)", got, tt.wantDecode, err)
			}
			if tt.wantDecode {
				return
			}
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			if ae.Code != tt.wantCode || ae.HTTPStatus != tt.wantHTTP {
				t.Errorf("APIError code %q http %d, want %q %d", ae.Code, ae.HTTPStatus, tt.wantCode, tt.wantHTTP)
			}
			if ae.Description() == "" || !strings.HasSuffix(ae.Description(), ".") {
				t.Errorf("Description %q is not a sentence", ae.Description())
			}
			if errors.Is(err, ErrNotFound) {
				t.Error("a failure must never read as not found")
			}
		})
	}
}

func TestCodeDescriptions(t *testing.T) {
	codes := []Code{CodeSuccess, CodeInternal, CodeMissingParams, CodeInvalidParams, CodeUserFrozen,
		CodePermissionDenied, CodeNoAPIAccess, CodeFileCheckFailed, CodeFileTooLarge, CodeConnectionInterrupted}
	seen := map[string]Code{}
	for _, c := range codes {
		d := c.Description()
		if prev, dup := seen[d]; dup {
			t.Errorf("codes %s and %s share description %q", prev, c, d)
		}
		seen[d] = c
		if !strings.HasSuffix(d, ".") || strings.Contains(d, "undocumented") {
			t.Errorf("code %s: description %q is not a specific sentence", c, d)
		}
	}
	if d := Code("99999").Description(); !strings.Contains(d, "99999") {
		t.Errorf("unknown code description %q does not name the code", d)
	}
	e := &APIError{Code: CodeUserFrozen, Msg: "用户已被冻结", HTTPStatus: 200}
	if !strings.Contains(e.Error(), "用户已被冻结") || !strings.Contains(e.Error(), "10007") {
		t.Errorf("Error() %q must keep the code and SCNet's message", e.Error())
	}
	for _, status := range []int{401, 403, 404, 429, 500, 418} {
		if d := (&APIError{HTTPStatus: status}).Description(); d == "" {
			t.Errorf("http %d: empty description", status)
		}
	}
}

func TestRetryThenSuccess(t *testing.T) {
	mux, c := setup(t)
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) < 3 {
			w.WriteHeader(503)
			return
		}
		writeJSON(w, 200, ok([]map[string]any{item("a")}))
	})
	p, err := c.ListInstances(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Instances) != 1 || attempts.Load() != 3 {
		t.Errorf("got %d instances after %d attempts, want 1 after 3", len(p.Instances), attempts.Load())
	}
}

func TestWithRetrySingleAttempt(t *testing.T) {
	mux, c := setup(t, WithRetry(1, time.Millisecond))
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		w.WriteHeader(503)
	})
	if _, err := c.ListInstances(context.Background(), ListOptions{}); err == nil {
		t.Fatal("want error")
	}
	if attempts.Load() != 1 {
		t.Errorf("attempts = %d, want 1", attempts.Load())
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	mux, c := setup(t)
	var slept []time.Duration
	c.policy.Sleep = func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return ctx.Err()
	}
	attempts := 0
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts++
		if attempts == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(429)
			return
		}
		writeJSON(w, 200, ok(nil))
	})
	if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Fatalf("attempts = %d, want 2", attempts)
	}
	// Backoff alone would be about a millisecond.
	if len(slept) != 1 || slept[0] != time.Second {
		t.Errorf("waits before the second attempt = %v, want Retry-After's 1s", slept)
	}
}

func TestRetryAfterBeyondDeadlineGivesUp(t *testing.T) {
	mux, c := setup(t)
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		w.Header().Set("Retry-After", "50")
		w.WriteHeader(503)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := c.ListInstances(ctx, ListOptions{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 503 || ae.RetryAfter != 50*time.Second {
		t.Fatalf("err = %v, want 503 with Retry-After 50s", err)
	}
	if ctx.Err() != nil {
		t.Error("client slept into the deadline instead of giving up")
	}
	if attempts.Load() != 1 {
		t.Errorf("attempts = %d, want 1", attempts.Load())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"7", 7 * time.Second},
		{"-3", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	base := 100 * time.Millisecond
	for attempt := 1; attempt <= 10; attempt++ {
		full := min(base<<(attempt-1), maxBackoff)
		for range 50 {
			d := newPolicy(DefaultMaxAttempts, base).Backoff(attempt)
			if d < full/2 || d > full {
				t.Fatalf("backoff(%v, %d) = %v, want in [%v, %v]", base, attempt, d, full/2, full)
			}
		}
	}
	if newPolicy(DefaultMaxAttempts, 0).Backoff(3) != 0 {
		t.Error("zero base must mean no wait")
	}
}

func TestCancelDuringSlowResponse(t *testing.T) {
	mux, c := setup(t)
	entered := make(chan struct{})
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		close(entered)
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-entered
		cancel()
	}()
	_, err := c.ListInstances(ctx, ListOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if attempts.Load() != 1 {
		t.Errorf("attempts = %d, want 1: a cancelled request is not retried", attempts.Load())
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	// An hour of backoff: the test only ends if cancellation cuts the sleep.
	mux, c := setup(t, WithRetry(4, time.Hour))
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		w.WriteHeader(503)
	})
	ctx, cancel := context.WithCancel(context.Background())
	c.tr.observe = func(string, string, time.Duration) { cancel() }
	_, err := c.ListInstances(ctx, ListOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 503 {
		t.Errorf("err = %v, want the last failure (503) kept", err)
	}
	if attempts.Load() != 1 {
		t.Errorf("attempts = %d, want 1", attempts.Load())
	}
}

func TestOversizedBodyIsDecodeError(t *testing.T) {
	mux, c := setup(t)
	var attempts atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		_, _ = io.WriteString(w, `{"code":"0","data":[`)
		chunk := strings.Repeat(" ", 1<<20)
		for range MaxBodyBytes>>20 + 1 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
	})
	_, err := c.ListInstances(context.Background(), ListOptions{})
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("err = %v, want a size-limit DecodeError", err)
	}
	if attempts.Load() != 1 {
		t.Errorf("attempts = %d, want 1", attempts.Load())
	}
}

// TestRetryableIsAnAllowList: only failures the classifier names are
// retried; an error it does not know is final.
func TestRetryableIsAnAllowList(t *testing.T) {
	netErr := &url.Error{Op: "Get", URL: "https://scnet.example/ai", Err: errors.New("connection refused")}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"network", netErr, true},
		{"body cut off", &readError{endpoint: "list", err: io.ErrUnexpectedEOF}, true},
		{"attempt timeout", fmt.Errorf("wrapped: %w", context.DeadlineExceeded), true},
		{"503", &APIError{HTTPStatus: 503}, true},
		{"429", &APIError{HTTPStatus: 429}, true},
		{"400", &APIError{HTTPStatus: 400}, false},
		{"code 10001", &APIError{HTTPStatus: 200, Code: CodeInternal}, true},
		{"login on the network", &TokenError{Err: netErr}, true},
		{"login on configuration", &TokenError{Err: errors.New("cluster not found")}, false},
		{"malformed url", &url.Error{Op: "parse", URL: "::", Err: errors.New("missing scheme")}, false},
		{"decode", &DecodeError{Endpoint: "list", Err: errors.New("bad json")}, false},
		{"not found", ErrNotFound, false},
		{"unknown", errors.New("something else"), false},
	} {
		if got := retryable(tc.err).Retry; got != tc.want {
			t.Errorf("%s: retryable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}
