package scnet

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scnetbot/secret"
)

// assertNoSecret fails if err, printed any way, shows one of the secrets.
func assertNoSecret(t *testing.T, what string, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: want an error", what)
		return
	}
	printed := fmt.Sprintf("%v|%+v|%#v|%s", err, err, err, err.Error())
	// The description is what people are shown, so it must be as clean.
	var ae *APIError
	if errors.As(err, &ae) {
		printed += "|" + ae.Description()
	}
	for _, s := range secrets {
		if strings.Contains(printed, s) {
			t.Errorf("%s: error shows a secret: %s", what, printed)
		}
	}
}

// TestNoSecretInErrors runs every failure path with servers that echo the
// token back in every way they can and checks no error carries it.
func TestNoSecretInErrors(t *testing.T) {
	echo := map[string]func(w http.ResponseWriter, tok string){
		"code with token in msg": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": "10004", "msg": "bad token " + tok})
		},
		"auth error with token in msg": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": "10008", "msg": "token " + tok + " expired"})
		},
		"http 500 with token in body": func(w http.ResponseWriter, tok string) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, "<pre>token="+tok+"</pre>")
		},
		"http 401 json msg": func(w http.ResponseWriter, tok string) {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"code":"10008","msg":"`+tok+`"}`)
		},
		"malformed json starting with token": func(w http.ResponseWriter, tok string) {
			_, _ = io.WriteString(w, tok+`{"code":`)
		},
		"malformed json with token inside": func(w http.ResponseWriter, tok string) {
			_, _ = io.WriteString(w, `{"code":"0","token":"`+tok+`","data":[{`)
		},
		"no code": func(w http.ResponseWriter, tok string) {
			_, _ = io.WriteString(w, `{"echo":"`+tok+`"}`)
		},
		"token as code": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": tok, "msg": "x"})
		},
		"token inside a long code": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": "E:" + tok + strings.Repeat("x", 500)})
		},
		"jwt as code": func(w http.ResponseWriter, tok string) {
			writeJSON(w, 200, map[string]any{"code": "c" + jwt(map[string]any{"sub": "x"})})
		},
		"token as code of an auth error": func(w http.ResponseWriter, tok string) {
			w.WriteHeader(401)
			_, _ = io.WriteString(w, `{"code":"`+tok+`","msg":"no"}`)
		},
		"token as code of a 500": func(w http.ResponseWriter, tok string) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, `{"code":"`+tok+`"}`)
		},
	}
	for name, h := range echo {
		t.Run(name, func(t *testing.T) {
			var logs bytes.Buffer
			labels := &labelSet{}
			mux, c := setup(t, WithRetry(2, time.Millisecond), WithObserver(labels.observe),
				WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			handler := func(w http.ResponseWriter, r *http.Request) { h(w, r.Header.Get("token")) }
			mux.HandleFunc(listPath, handler)
			mux.HandleFunc("/ai/openapi/v2/instance-service/x/detail", handler)
			mux.HandleFunc("/ac/openapi/v2/center", handler)
			mux.HandleFunc("/ac/openapi/v2/user", handler)
			_, err := c.ListInstances(context.Background(), ListOptions{})
			assertNoSecret(t, "list", err, testToken)
			_, err = c.Instance(context.Background(), "x")
			assertNoSecret(t, "detail", err, testToken)
			for _, err := range c.All(context.Background(), ListOptions{}) {
				if err != nil {
					assertNoSecret(t, "all", err, testToken)
				}
			}
			_, err = DiscoverAIBase(context.Background(), nil, "http://"+c.aiBase[len("http://"):len(c.aiBase)-len("/ai")], StaticToken(testToken))
			assertNoSecret(t, "center", err, testToken)
			_, _, err = DescribeRegion(context.Background(), nil, "http://"+c.aiBase[len("http://"):len(c.aiBase)-len("/ai")], StaticToken(testToken))
			assertNoSecret(t, "describe region", err, testToken)
			_, err = DescribeAccount(context.Background(), nil, "http://"+c.aiBase[len("http://"):len(c.aiBase)-len("/ai")], StaticToken(testToken))
			assertNoSecret(t, "describe account", err, testToken)
			if strings.Contains(logs.String(), testToken) {
				t.Errorf("debug log shows the token: %s", logs.String())
			}
			labels.assertClean(t, testToken, "eyJ")
		})
	}
}

// labelSet records the metric labels an Observer is given.
type labelSet struct {
	mu  sync.Mutex
	set map[string]int
}

func (l *labelSet) observe(endpoint, outcome string, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.set == nil {
		l.set = map[string]int{}
	}
	l.set[endpoint+"/"+outcome]++
}

// series is the number of distinct endpoint/outcome pairs seen.
func (l *labelSet) series() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for k := range l.set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// assertClean fails if a label shows one of the secrets.
func (l *labelSet) assertClean(t *testing.T, secrets ...string) {
	t.Helper()
	for _, k := range l.series() {
		for _, s := range secrets {
			if s != "" && strings.Contains(k, s) {
				t.Errorf("metric label %q shows a secret", k)
			}
		}
	}
}

// TestUndocumentedCodesShareOneSeries: every code SCNet does not document
// is counted under one label, so a server inventing codes cannot grow
// /metrics, while documented codes and HTTP statuses keep their own.
func TestUndocumentedCodesShareOneSeries(t *testing.T) {
	labels := &labelSet{}
	mux, c := setup(t, WithRetry(1, time.Millisecond), WithObserver(labels.observe))
	var n atomic.Int32
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"code": fmt.Sprintf("E%06d", n.Add(1)), "msg": "x"})
	})
	for range 1000 {
		_, err := c.ListInstances(context.Background(), ListOptions{})
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("err = %v, want an *APIError", err)
		}
	}
	if got := labels.series(); !slices.Equal(got, []string{"list/other"}) {
		t.Errorf("1000 undocumented codes made %d series (first %q), want only list/other", len(got), got[0])
	}

	for _, tt := range []struct {
		status int
		body   string
		want   string
	}{
		{200, `{"code":"10004","msg":"x"}`, "list/10004"},
		{200, `{"code":10008,"msg":"x"}`, "list/10008"},
		{200, `{"code":"","msg":"x"}`, "list/other"},
		{503, `{"code":"whatever"}`, "list/http_503"},
		{200, `{"msg":"x"}`, "list/decode"},
	} {
		labels := &labelSet{}
		mux, c := setup(t, WithRetry(1, time.Millisecond), WithObserver(labels.observe))
		mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.status)
			_, _ = io.WriteString(w, tt.body)
		})
		_, _ = c.ListInstances(context.Background(), ListOptions{})
		if got := labels.series(); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("%d %s: series = %v, want %s", tt.status, tt.body, got, tt.want)
		}
	}
}

// TestNoSecretInLoginErrors covers login and renewal failures, with servers
// echoing the password, secret key, signature and tokens.
func TestNoSecretInLoginErrors(t *testing.T) {
	const regionToken = "REGION-TOKEN-CANARY-3c1d"
	oldTok := jwt(map[string]any{"expireTime": time.Now().Add(time.Minute).UnixMilli()})
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"echo headers in msg", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": "10004", "msg": fmt.Sprint(r.Header)})
		}},
		{"echo headers in 500 body", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(500)
			_, _ = io.WriteString(w, fmt.Sprint(r.Header))
		}},
		{"malformed with headers", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, fmt.Sprint(r.Header)+"{")
		}},
		{"suspended with platform token", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": "0", "data": []map[string]any{
				{"clusterName": "ac", "clusterId": "0", "token": regionToken},
				{"clusterName": "Kunshan", "clusterId": "1", "token": nil}}})
		}},
		{"unknown cluster", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": "0", "data": []map[string]any{
				{"clusterName": "Wuzhen", "clusterId": "2", "token": regionToken}}})
		}},
		{"data of the wrong shape", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": "0", "data": map[string]any{"r": []map[string]any{{"token": regionToken}}}})
		}},
		{"password as code", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": r.Header.Get("password"), "msg": "x"})
		}},
		{"signature as code", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": r.Header.Get("signature"), "msg": "x"})
		}},
		{"signature as code of a 403", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, map[string]any{"code": r.Header.Get("signature") + r.Header.Get("password")})
		}},
		{"secrets as region names", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": "0", "data": []map[string]any{
				{"clusterName": r.Header.Get("password") + r.Header.Get("signature"), "clusterId": r.Header.Get("password") + r.Header.Get("signature"), "token": regionToken},
				{"clusterName": "x", "clusterId": "9", "token": regionToken}}})
		}},
		{"region token as code", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": regionToken, "data": []map[string]any{
				{"clusterName": "Kunshan", "clusterId": "1", "token": regionToken}}})
		}},
		{"failure code with tokens in data", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"code": "10001", "msg": "x " + regionToken, "data": []map[string]any{
				{"clusterName": "Kunshan", "clusterId": "1", "token": regionToken}}})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The signature depends on the second it is made in: remember
			// every one the server was sent.
			var sigMu sync.Mutex
			var sigs []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if s := r.Header.Get("signature"); s != "" {
					sigMu.Lock()
					sigs = append(sigs, s)
					sigMu.Unlock()
				}
				tt.handler(w, r)
			}))
			defer srv.Close()
			labels := &labelSet{}
			for _, cfg := range []CredentialsConfig{
				{User: testUser, AccessKey: testAK, SecretKey: testSK, Cluster: "Kunshan", AuthBase: srv.URL, ACBase: srv.URL, Observer: labels.observe},
				{User: testUser, Password: testPasswd, OrgID: testOrg, Cluster: "Kunshan", AuthBase: srv.URL, ACBase: srv.URL, Observer: labels.observe},
			} {
				c := newCreds(t, cfg)
				_, err := c.Token(context.Background())
				sigMu.Lock()
				secrets := append([]string{testSK, testPasswd, regionToken}, sigs...)
				sigMu.Unlock()
				assertNoSecret(t, "login", err, secrets...)
				labels.assertClean(t, secrets...)
				// Renewal failure falls back to login, which fails too.
				c.cfg.RenewBefore = time.Hour
				_, err = c.renew(context.Background(), secret.Secret(oldTok))
				assertNoSecret(t, "renew", err, testSK, testPasswd, oldTok, regionToken)
				if s := fmt.Sprintf("%v %+v %#v", c, c, cfg); strings.Contains(s, testSK) || strings.Contains(s, testPasswd) || strings.Contains(s, oldTok) {
					t.Errorf("printing the source or config shows a secret: %s", s)
				}
			}
		})
	}
}

// TestTokenNotForwardedAcrossHosts: a redirect to another host must not
// carry the token (or login credentials) there, also through an HTTP client
// given by the caller without a redirect policy of its own, such as the
// plain client the app passes to DiscoverAIBase.
func TestTokenNotForwardedAcrossHosts(t *testing.T) {
	var leaked atomic.Bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"token", "password", "signature", "accessKey"} {
			if r.Header.Get(h) != "" {
				leaked.Store(true)
			}
		}
		writeJSON(w, 200, ok(nil))
	}))
	defer other.Close()
	// 127.0.0.1 and localhost are different hosts to the redirect check.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	redirect := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+r.URL.RequestURI(), http.StatusFound)
	}
	srv := httptest.NewServer(http.HandlerFunc(redirect))
	defer srv.Close()
	plain := &http.Client{Timeout: 5 * time.Second}
	tests := []struct {
		name string
		run  func() error
	}{
		{"list, default client", func() error {
			mux, c := setup(t)
			mux.HandleFunc(listPath, redirect)
			_, err := c.ListInstances(context.Background(), ListOptions{})
			return err
		}},
		{"list, caller's client", func() error {
			mux, c := setup(t, WithHTTPClient(plain))
			mux.HandleFunc(listPath, redirect)
			_, err := c.ListInstances(context.Background(), ListOptions{})
			return err
		}},
		{"center, caller's client", func() error {
			_, err := DiscoverAIBase(context.Background(), plain, srv.URL, StaticToken(testToken))
			return err
		}},
		{"login, caller's client", func() error {
			c := newCreds(t, CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, AuthBase: srv.URL, HTTPClient: plain})
			_, err := c.Token(context.Background())
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaked.Store(false)
			err := tt.run()
			var ae *APIError
			if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusFound {
				t.Errorf("err = %v, want the redirect reported as HTTP 302", err)
			}
			if leaked.Load() {
				t.Error("token or credentials sent to another host")
			}
		})
	}
	if plain.CheckRedirect != nil {
		t.Error("the caller's client was modified")
	}
}

// bothSchemes serves h over TLS and plain HTTP on the same port, telling
// them apart by the first byte (a TLS handshake starts with 0x16), so a
// redirect can change the scheme and nothing else. It returns the https
// base URL and a client that trusts the server's certificate.
func bothSchemes(t *testing.T, h http.Handler) (string, *http.Client) {
	t.Helper()
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(tlsSrv.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(&sniffListener{Listener: ln, cfg: tlsSrv.TLS}) }()
	t.Cleanup(func() { _ = srv.Close() })
	hc := tlsSrv.Client()
	hc.Timeout = 5 * time.Second
	return "https://" + ln.Addr().String(), hc
}

// sniffListener hands out TLS connections for clients that start a TLS
// handshake and plain ones for the rest.
type sniffListener struct {
	net.Listener
	cfg *tls.Config
}

func (l *sniffListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(c)
	first, err := br.Peek(1)
	pc := &peekedConn{Conn: c, r: br}
	if err == nil && first[0] == 0x16 {
		return tls.Server(pc, l.cfg), nil
	}
	return pc, nil
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// TestTokenNotSentAfterSchemeChange: a redirect from https to http on the
// same host and port must not be followed, or the token (and login
// credentials) would cross the network in clear text.
func TestTokenNotSentAfterSchemeChange(t *testing.T) {
	var clear, secure atomic.Int32
	base, hc := bothSchemes(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			for _, h := range []string{"token", "password", "signature", "accessKey"} {
				if r.Header.Get(h) != "" {
					clear.Add(1)
				}
			}
			writeJSON(w, 200, ok(nil))
			return
		}
		secure.Add(1)
		http.Redirect(w, r, "http://"+r.Host+r.URL.RequestURI(), http.StatusFound)
	}))
	tests := []struct {
		name string
		run  func() error
	}{
		{"list", func() error {
			c, err := New(base, WithTokenSource(StaticToken(testToken)), WithHTTPClient(hc), WithRetry(1, 0))
			if err != nil {
				return err
			}
			_, err = c.ListInstances(context.Background(), ListOptions{})
			return err
		}},
		{"center", func() error {
			_, err := DiscoverAIBase(context.Background(), hc, base, StaticToken(testToken))
			return err
		}},
		{"login ak/sk", func() error {
			c := newCreds(t, CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, AuthBase: base, HTTPClient: hc})
			_, err := c.Token(context.Background())
			return err
		}},
		{"login legacy", func() error {
			c := newCreds(t, CredentialsConfig{User: testUser, Password: testPasswd, OrgID: testOrg, ACBase: base, HTTPClient: hc})
			_, err := c.Token(context.Background())
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clear.Store(0)
			secure.Store(0)
			err := tt.run()
			var ae *APIError
			if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusFound {
				t.Errorf("err = %v, want the redirect reported as HTTP 302", err)
			}
			if secure.Load() == 0 {
				t.Error("the https server was never asked: the test proves nothing")
			}
			if n := clear.Load(); n > 0 {
				t.Errorf("%d credential headers sent over plain http", n)
			}
		})
	}
	if hc.CheckRedirect != nil {
		t.Error("the caller's client was modified")
	}
}

// TestSameOriginRedirectFollowed: refusing redirects that change host or
// scheme must not refuse the ones that change neither.
func TestSameOriginRedirectFollowed(t *testing.T) {
	var moved atomic.Int32
	base, hc := bothSchemes(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			t.Error("plain http request")
			return
		}
		if r.URL.Path == listPath {
			http.Redirect(w, r, "/moved"+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		if r.Header.Get("token") == testToken {
			moved.Add(1)
		}
		writeJSON(w, 200, ok([]map[string]any{item("a")}))
	}))
	c, err := New(base, WithTokenSource(StaticToken(testToken)), WithHTTPClient(hc), WithRetry(1, 0))
	if err != nil {
		t.Fatal(err)
	}
	p, err := c.ListInstances(context.Background(), ListOptions{})
	if err != nil || len(p.Instances) != 1 || moved.Load() != 1 {
		t.Errorf("ListInstances = %v, %v after %d requests at the new path; want 1 instance from it", p, err, moved.Load())
	}
}

// TestNoSecretInRegionsErrors: selecting regions never quotes a token, not
// even one pasted into the cluster setting, and a region's source prints
// none.
func TestNoSecretInRegionsErrors(t *testing.T) {
	const regionToken = "REGION-TOKEN-CANARY-3c1d"
	jwtTok := jwt(map[string]any{"expireTime": time.Now().Add(time.Hour).UnixMilli()})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"code": "0", "data": []map[string]any{
			{"clusterName": "ac", "clusterId": "0", "token": jwtTok},
			{"clusterName": "Kunshan", "clusterId": "1", "token": regionToken},
			{"clusterName": "Frozen", "clusterId": "2", "token": nil}}})
	}))
	defer srv.Close()
	for i, cluster := range []string{regionToken, "Kunshan," + regionToken, jwtTok, "Mars", "ac"} {
		c := newCreds(t, CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, Cluster: cluster, AuthBase: srv.URL, ACBase: srv.URL})
		_, _, err := c.Regions(context.Background())
		assertNoSecret(t, fmt.Sprint("regions ", i), err, testSK, regionToken, jwtTok, "eyJ")
		_, err = c.Token(context.Background())
		assertNoSecret(t, fmt.Sprint("token ", i), err, testSK, regionToken, jwtTok, "eyJ")
	}
	c := newCreds(t, CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, Cluster: "Frozen", AuthBase: srv.URL, ACBase: srv.URL})
	_, err := c.Token(context.Background())
	assertNoSecret(t, "suspended", err, testSK, regionToken, jwtTok)
	usable, _, err := newCreds(t, CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, AuthBase: srv.URL, ACBase: srv.URL}).Regions(context.Background())
	if err != nil || len(usable) != 1 {
		t.Fatalf("Regions = %v, %v", usable, err)
	}
	if s := fmt.Sprintf("%v %+v %#v", usable, usable[0], usable[0].Tokens); strings.Contains(s, regionToken) {
		t.Errorf("printing a region shows its token: %s", s)
	}
}
