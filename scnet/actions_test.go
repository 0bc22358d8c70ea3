package scnet

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

const (
	actionID   = "530491fa7c8e47348f01de73e627a6a7"
	taskPath   = "/ai/openapi/v2/instance-service/task"
	restartURL = taskPath + "/actions/restart"
	stopURL    = taskPath + "/actions/stop"
	accessPath = "/ai/openapi/v2/instance-service/" + actionID + "/url"
)

// action is one state-changing call as the tests drive it.
type action struct {
	name   string
	method string
	path   string
	param  string // the query parameter carrying the id
	call   func(c *Client, ctx context.Context, id string) error
}

func actions() []action {
	return []action{
		{"restart", http.MethodPost, restartURL, "instanceServiceId", (*Client).Restart},
		{"stop", http.MethodPost, stopURL, "ids", (*Client).Stop},
		{"delete", http.MethodDelete, taskPath, "ids", (*Client).Delete},
	}
}

// counted wraps h so the test knows how many requests reached the server.
func counted(n *atomic.Int32, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		h(w, r)
	}
}

func TestActionsSuccess(t *testing.T) {
	datas := map[string]any{"restart": actionID, "stop": map[string]any{"taskId": "t-1"}, "delete": nil}
	for _, a := range actions() {
		t.Run(a.name, func(t *testing.T) {
			labels := &labelSet{}
			mux, c := setup(t, WithObserver(labels.observe))
			var n atomic.Int32
			mux.HandleFunc(a.path, counted(&n, func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				switch {
				case r.Method != a.method:
					t.Errorf("method %s, want %s", r.Method, a.method)
				case len(q[a.param]) != 1 || q.Get(a.param) != actionID || len(q) != 1:
					t.Errorf("query %q, want %s=%s only", r.URL.RawQuery, a.param, actionID)
				case r.Header.Get("token") != testToken:
					t.Errorf("token header %q", r.Header.Get("token"))
				}
				writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": datas[a.name]})
			}))
			if err := a.call(c, context.Background(), actionID); err != nil {
				t.Fatalf("%s: %v", a.name, err)
			}
			if n.Load() != 1 {
				t.Errorf("%d requests, want 1", n.Load())
			}
			if got := strings.Join(labels.series(), ","); got != a.name+"/0" {
				t.Errorf("observed %s, want %s/0", got, a.name)
			}
		})
	}
}

func TestAccessURLSuccess(t *testing.T) {
	labels := &labelSet{}
	mux, c := setup(t, WithObserver(labels.observe))
	const want = "https://ai01.scnet.cn:65011/ai/jupyter/" + actionID + "/lab?token=JUPYTER-CANARY"
	mux.HandleFunc(accessPath, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			t.Errorf("method %s", r.Method)
		}
		writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": want})
	})
	got, err := c.AccessURL(context.Background(), actionID)
	if err != nil || got != want {
		t.Fatalf("AccessURL = %q, %v; want %q", got, err, want)
	}
	if s := strings.Join(labels.series(), ","); s != "url/0" {
		t.Errorf("observed %s, want url/0", s)
	}
}

func TestAccessURLRefused(t *testing.T) {
	tests := []struct {
		name string
		body string
		want func(error) bool
	}{
		{"null", `{"code":"0","data":null}`, func(err error) bool { return errors.Is(err, ErrNoAccessURL) }},
		{"empty", `{"code":"0","data":""}`, func(err error) bool { return errors.Is(err, ErrNoAccessURL) }},
		{"relative", `{"code":"0","data":"/ai/jupyter/x?token=JUPYTER-CANARY"}`, isDecode},
		{"ssh", `{"code":"0","data":"ssh://root@h:30001?token=JUPYTER-CANARY"}`, isDecode},
		{"no host", `{"code":"0","data":"https:///x?token=JUPYTER-CANARY"}`, isDecode},
		{"object", `{"code":"0","data":{"url":"https://h/?token=JUPYTER-CANARY"}}`, isDecode},
		{"truncated", `{"code":"0","data":"https://h/?token=JUPYTER-CANARY`, isDecode},
		{"no code", `{"data":"https://h/?token=JUPYTER-CANARY"}`, isDecode},
		{"code", `{"code":"10004","msg":"参数无效","data":null}`, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && ae.Code == CodeInvalidParams
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labels := &labelSet{}
			mux, c := setup(t, WithObserver(labels.observe))
			var n atomic.Int32
			mux.HandleFunc(accessPath, counted(&n, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.WriteString(w, tt.body)
			}))
			got, err := c.AccessURL(context.Background(), actionID)
			if got != "" || !tt.want(err) {
				t.Fatalf("AccessURL = %q, %v", got, err)
			}
			// None of these is worth asking again.
			if n.Load() != 1 || len(labels.series()) != 1 || strings.Contains(labels.series()[0], "network") {
				t.Errorf("%d requests observed as %v, want one, not network", n.Load(), labels.series())
			}
			assertNoSecret(t, tt.name, err, testToken, "JUPYTER-CANARY")
		})
	}
}

func isDecode(err error) bool {
	var de *DecodeError
	return errors.As(err, &de)
}

// TestActionCodesAreDefinite: an SCNet code is SCNet's answer that it did
// not act, whatever the code (10001 included, which a read retries), so it
// is returned as is after exactly one request.
func TestActionCodesAreDefinite(t *testing.T) {
	for _, a := range actions() {
		for _, code := range []Code{CodeInvalidParams, CodeDatabaseQuery, CodeDeleteFailed, CodeInternal, CodeConnectionInterrupted} {
			t.Run(a.name+"/"+string(code), func(t *testing.T) {
				mux, c := setup(t)
				var n atomic.Int32
				mux.HandleFunc(a.path, counted(&n, func(w http.ResponseWriter, r *http.Request) {
					writeJSON(w, 200, map[string]any{"code": string(code), "msg": "删除任务失败", "data": nil})
				}))
				err := a.call(c, context.Background(), actionID)
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != code || errors.Is(err, ErrOutcomeUnknown) {
					t.Fatalf("err = %v, want code %s and not unknown", err, code)
				}
				if n.Load() != 1 {
					t.Errorf("%d requests, want 1", n.Load())
				}
				if !strings.Contains(err.Error(), a.name+" instance") {
					t.Errorf("error %q does not say what failed", err)
				}
			})
		}
	}
}

// TestActionNoAnswerIsUnknown: every way a sent request can end without
// a usable answer wraps ErrOutcomeUnknown, after exactly one request,
// though a read would retry each of them.
func TestActionNoAnswerIsUnknown(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	hang := func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.ReadAll(r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	tests := []struct {
		name    string
		opts    []Option
		ctx     func() (context.Context, context.CancelFunc)
		handler http.HandlerFunc
		cause   func(error) bool
	}{
		{"hang past the caller's deadline", nil, shortDeadline, hang,
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{"hang past the attempt timeout", []Option{WithTimeout(50 * time.Millisecond)}, background, hang,
			func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
		{"connection reset", nil, background, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.ReadAll(r.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := conn.(*net.TCPConn); ok {
					_ = tc.SetLinger(0) // a reset rather than a clean close
				}
				conn.Close()
			}
		}, func(err error) bool { return err != nil }},
		{"502", nil, background, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>502 Bad Gateway</html>")
		}, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && ae.HTTPStatus == http.StatusBadGateway
		}},
		{"503 with an empty envelope", nil, background, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, http.StatusServiceUnavailable, map[string]any{"msg": "busy"})
		}, func(err error) bool {
			var ae *APIError
			return errors.As(err, &ae) && ae.HTTPStatus == http.StatusServiceUnavailable
		}},
		{"truncated body", nil, background, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"code":"0","msg":"succ`)
		}, isDecode},
		{"no code", nil, background, func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{}`)
		}, isDecode},
	}
	for _, a := range actions() {
		for _, tt := range tests {
			t.Run(a.name+"/"+tt.name, func(t *testing.T) {
				labels := &labelSet{}
				mux, c := setup(t, append([]Option{WithObserver(labels.observe)}, tt.opts...)...)
				var n atomic.Int32
				mux.HandleFunc(a.path, counted(&n, tt.handler))
				ctx, cancel := tt.ctx()
				defer cancel()
				err := a.call(c, ctx, actionID)
				if !errors.Is(err, ErrOutcomeUnknown) || !tt.cause(err) {
					t.Fatalf("err = %v, want ErrOutcomeUnknown wrapping the cause", err)
				}
				if n.Load() != 1 {
					t.Errorf("%d requests, want exactly 1", n.Load())
				}
				assertNoSecret(t, tt.name, err, testToken)
				labels.assertClean(t, testToken)
			})
		}
	}
}

func background() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

func shortDeadline() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 50*time.Millisecond)
}

// TestActionHTTP500WithCodeIsDefinite: a 5xx that carries SCNet's own
// code is SCNet's refusal, not a lost answer.
func TestActionHTTP500WithCodeIsDefinite(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc(restartURL, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"code": "10004", "msg": "参数无效"})
	})
	err := c.Restart(context.Background(), actionID)
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodeInvalidParams || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want code 10004, not unknown", err)
	}
}

// TestActionConnectionRefusedRetried: a refused dial sent nothing, so it
// is retried like a read's and never reported as unknown.
func TestActionConnectionRefusedRetried(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	for _, a := range actions() {
		var mu sync.Mutex
		var outcomes []string
		c, err := New(base, WithTokenSource(StaticToken(testToken)), WithRetry(3, time.Millisecond),
			WithObserver(func(_, o string, _ time.Duration) {
				mu.Lock()
				defer mu.Unlock()
				outcomes = append(outcomes, o)
			}))
		if err != nil {
			t.Fatal(err)
		}
		err = a.call(c, context.Background(), actionID)
		if err == nil || errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("%s: err = %v, want connection refused, not unknown", a.name, err)
		}
		if strings.Join(outcomes, ",") != "network,network,network" {
			t.Errorf("%s: attempts %v, want three", a.name, outcomes)
		}
	}
}

// flakySource fails its first Token call the way a login that could not
// reach SCNet does, then hands out testToken; it records invalidations.
type flakySource struct {
	calls       atomic.Int32
	invalidated atomic.Int32
}

func (f *flakySource) Token(context.Context) (string, error) {
	if f.calls.Add(1) == 1 {
		return "", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	return testToken, nil
}

func (f *flakySource) Invalidate(string) bool {
	f.invalidated.Add(1)
	return true
}

func TestActionTokenFailureRetried(t *testing.T) {
	src := &flakySource{}
	mux, c := setup(t, WithTokenSource(src))
	var n atomic.Int32
	mux.HandleFunc(restartURL, counted(&n, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"code": "0", "data": actionID})
	}))
	if err := c.Restart(context.Background(), actionID); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if src.calls.Load() != 2 || n.Load() != 1 {
		t.Errorf("%d token calls, %d requests; want 2 and 1", src.calls.Load(), n.Load())
	}
}

// TestActionAuthRejectionNotResent: a rejected token is SCNet's definite
// "no"; the token is invalidated for the next request, and this one is
// not sent again.
func TestActionAuthRejectionNotResent(t *testing.T) {
	src := &flakySource{}
	src.calls.Store(1) // no failing first call
	mux, c := setup(t, WithTokenSource(src))
	var n atomic.Int32
	mux.HandleFunc(stopURL, counted(&n, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"code": "10008", "msg": "权限不足"})
	}))
	err := c.Stop(context.Background(), actionID)
	if !IsAuthError(err) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want an auth error, not unknown", err)
	}
	if n.Load() != 1 || src.invalidated.Load() != 1 {
		t.Errorf("%d requests, %d invalidations; want 1 and 1", n.Load(), src.invalidated.Load())
	}
}

func TestActionsRefuseInvalidIDWithoutARequest(t *testing.T) {
	mux, c := setup(t)
	var n atomic.Int32
	mux.HandleFunc("/", counted(&n, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"code": "0"})
	}))
	calls := map[string]func(id string) error{
		"url": func(id string) error { _, err := c.AccessURL(context.Background(), id); return err },
	}
	for _, a := range actions() {
		calls[a.name] = func(id string) error { return a.call(c, context.Background(), id) }
	}
	for name, call := range calls {
		for _, id := range []string{"", "../task", "a/b", "x?ids=y", "a b", strings.Repeat("a", MaxInstanceIDLen+1)} {
			if err := call(id); !errors.Is(err, ErrInvalidInstanceID) {
				t.Errorf("%s(%q) = %v, want ErrInvalidInstanceID", name, id, err)
			}
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d requests reached the server, want 0", n.Load())
	}
}

// TestActionRedirectNotFollowed: a redirect to another host is not
// followed, so neither the action nor the token goes there, and it is a
// definite failure.
func TestActionRedirectNotFollowed(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		writeJSON(w, 200, map[string]any{"code": "0"})
	}))
	defer other.Close()
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	for _, a := range actions() {
		mux, c := setup(t)
		mux.HandleFunc(a.path, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, otherURL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
		})
		err := a.call(c, context.Background(), actionID)
		var ae *APIError
		if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusTemporaryRedirect || errors.Is(err, ErrOutcomeUnknown) {
			t.Errorf("%s: err = %v, want the redirect as a definite HTTP 307", a.name, err)
		}
	}
	if reached.Load() != 0 {
		t.Errorf("the other host got %d requests", reached.Load())
	}
}

// TestNoSecretInActionErrors runs the echoing servers of
// TestNoSecretInErrors against the action endpoints.
func TestNoSecretInActionErrors(t *testing.T) {
	echo := map[string]func(w http.ResponseWriter, tok string){
		"code with token in msg": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": "716866", "msg": "删除任务失败 " + tok})
		},
		"http 500 with token in body": func(w http.ResponseWriter, tok string) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "<pre>token="+tok+"</pre>")
		},
		"malformed json starting with token": func(w http.ResponseWriter, tok string) {
			_, _ = io.WriteString(w, tok+`{"code":`)
		},
		"no code": func(w http.ResponseWriter, tok string) {
			_, _ = io.WriteString(w, `{"echo":"`+tok+`"}`)
		},
		"token as code": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": tok, "msg": "x"})
		},
		"token as data of a url": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": "0", "data": "ftp://h/?token=" + tok})
		},
	}
	for name, h := range echo {
		t.Run(name, func(t *testing.T) {
			labels := &labelSet{}
			mux, c := setup(t, WithRetry(2, time.Millisecond), WithObserver(labels.observe))
			handler := func(w http.ResponseWriter, r *http.Request) { h(w, r.Header.Get("token")) }
			mux.HandleFunc(restartURL, handler)
			mux.HandleFunc(stopURL, handler)
			mux.HandleFunc(taskPath, handler)
			mux.HandleFunc(accessPath, handler)
			for _, a := range actions() {
				if err := a.call(c, context.Background(), actionID); err != nil || !strings.Contains(name, "url") {
					assertNoSecret(t, a.name, err, testToken)
				}
			}
			_, err := c.AccessURL(context.Background(), actionID)
			assertNoSecret(t, "url", err, testToken)
			labels.assertClean(t, testToken, "eyJ")
		})
	}
}

func TestActionCodeDescriptions(t *testing.T) {
	for _, code := range []Code{CodeDatabaseQuery, CodeDeleteFailed} {
		if !code.documented() {
			t.Errorf("%s is not documented", code)
		}
		d := code.Description()
		if strings.Contains(d, "undocumented") || !strings.HasSuffix(d, ".") {
			t.Errorf("%s: description %q", code, d)
		}
		if got := (&APIError{Code: code, HTTPStatus: 200}).outcome(); got != string(code) {
			t.Errorf("%s: outcome label %q", code, got)
		}
	}
}

// FuzzDecodeAccessURL: the decoder never panics, accepts only absolute
// http(s) URLs and returns them unchanged, and its errors never quote the
// URL it was given.
func FuzzDecodeAccessURL(f *testing.F) {
	f.Add("0", "https://ai01.scnet.cn:65011/ai/jupyter/x/lab?token=abcdef123456", []byte(`{"code":"0","data":"https://h/"}`))
	f.Add("0", "ssh://root@h:22?token=abcdef123456", []byte(`{"code":"0","data":null}`))
	f.Add("10004", "http://h/?token=abcdef123456", []byte(`{"code":"0","data":"https://h/?token=x`))
	f.Add("0", " http://h/x", []byte(`{"code":0,"data":{"u":1}}`))
	f.Add("0", "HTTPS://H/", []byte(`[]`))
	f.Fuzz(func(t *testing.T, code, data string, raw []byte) {
		if u, err := decodeAccessURL(raw, testToken); err == nil {
			if checkAccessURL(u) != nil {
				t.Fatalf("accepted %q", u)
			}
		}
		body, err := json.Marshal(map[string]any{"code": code, "msg": "m", "data": data})
		if err != nil {
			t.Skip()
		}
		u, err := decodeAccessURL(body, testToken)
		if err == nil {
			if u != data || code != "0" || checkAccessURL(u) != nil {
				t.Fatalf("decodeAccessURL(%s) = %q", body, u)
			}
			return
		}
		// The same answer with a harmless URL shows which text is the
		// decoder's own; anything more that the error quotes of data is
		// a leak.
		neutral, _ := json.Marshal(map[string]any{"code": code, "msg": "m", "data": "ftp:"})
		_, base := decodeAccessURL(neutral, testToken)
		if len(data) >= 12 && strings.Contains(err.Error(), data) && (base == nil || !strings.Contains(base.Error(), data)) {
			t.Fatalf("error %q quotes the URL %q", err, data)
		}
	})
}
