package scnet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scnetbot/secret"
)

const (
	testUser   = "alice@example.com"
	testAK     = "AK-0123456789"
	testSK     = "SK-CANARY-5e6f"
	testPasswd = "PASSWORD-CANARY-77aa"
	testOrg    = "org-42"
)

// authServer fakes SCNet's login, renewal, center and container endpoints
// on one loopback server; each test sets the behaviour it needs.
type authServer struct {
	t   *testing.T
	srv *httptest.Server
	mux *http.ServeMux

	logins, renewals atomic.Int32
	mu               sync.Mutex
	// issue returns the token for the n-th login (1-based).
	issue func(n int) string
	// regions, when set, replaces the default region list of a login.
	regions func(tok string) []map[string]any
	// renew answers a renewal of old; empty means fail with HTTP 500.
	renew func(old string) string
	// loginGate, when set, is waited on inside each login.
	loginGate chan struct{}
}

func newAuthServer(t *testing.T) *authServer {
	a := &authServer{t: t, mux: http.NewServeMux()}
	a.issue = func(n int) string { return fmt.Sprintf("tok-%d", n) }
	a.regions = func(tok string) []map[string]any {
		return []map[string]any{
			{"clusterName": "ac", "clusterId": "0", "token": "platform-" + tok},
			{"clusterName": "华东一区【昆山】", "clusterId": "11250", "token": tok},
		}
	}
	a.mux.HandleFunc("POST /api/user/v3/tokens", a.loginAKSK)
	a.mux.HandleFunc("POST /ac/openapi/v2/tokens", a.loginLegacy)
	a.mux.HandleFunc("POST /ac/openapi/v2/tokens/next", func(w http.ResponseWriter, r *http.Request) {
		a.renewals.Add(1)
		nt := ""
		if a.renew != nil {
			nt = a.renew(r.Header.Get("token"))
		}
		if nt == "" {
			w.WriteHeader(500)
			return
		}
		writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": nt})
	})
	a.srv = httptest.NewServer(a.mux)
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authServer) respondLogin(w http.ResponseWriter) {
	if a.loginGate != nil {
		<-a.loginGate
	}
	n := int(a.logins.Add(1))
	a.mu.Lock()
	tok := a.issue(n)
	regions := a.regions(tok)
	a.mu.Unlock()
	writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": regions})
}

func (a *authServer) loginAKSK(w http.ResponseWriter, r *http.Request) {
	h := r.Header
	ts := h.Get("timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > time.Minute {
		a.t.Errorf("timestamp %q is not the current time in seconds", ts)
	}
	// The signature, computed here independently of Sign.
	m := hmac.New(sha256.New, []byte(testSK))
	fmt.Fprintf(m, `{"accessKey":"%s","timestamp":"%s","user":"%s"}`, testAK, ts, testUser)
	if want := hex.EncodeToString(m.Sum(nil)); h.Get("signature") != want || h.Get("user") != testUser || h.Get("accessKey") != testAK {
		writeJSON(w, 200, map[string]any{"code": "10008", "msg": "签名错误"})
		return
	}
	a.respondLogin(w)
}

func (a *authServer) loginLegacy(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	if len(b) != 0 {
		a.t.Errorf("legacy login body %q, want empty", b)
	}
	h := r.Header
	if h.Get("user") != testUser || h.Get("password") != testPasswd || h.Get("orgId") != testOrg {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"code":"10008","msg":"用户名或密码错误"}`)
		return
	}
	a.respondLogin(w)
}

func (a *authServer) akskConfig() CredentialsConfig {
	return CredentialsConfig{User: testUser, AccessKey: testAK, SecretKey: testSK, AuthBase: a.srv.URL, ACBase: a.srv.URL + "/"}
}

func (a *authServer) legacyConfig() CredentialsConfig {
	return CredentialsConfig{User: testUser, Password: testPasswd, OrgID: testOrg, AuthBase: a.srv.URL, ACBase: a.srv.URL}
}

func newCreds(t *testing.T, cfg CredentialsConfig) *Credentials {
	t.Helper()
	c, err := NewCredentials(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestSignMatchesIndependentHMAC(t *testing.T) {
	m := hmac.New(sha256.New, []byte("sk"))
	io.WriteString(m, `{"accessKey":"ak","timestamp":"1700000000","user":"bob"}`)
	if got, want := Sign("bob", "ak", "1700000000", "sk"), hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestCredentialsLogin(t *testing.T) {
	for _, mode := range []string{"aksk", "legacy"} {
		t.Run(mode, func(t *testing.T) {
			a := newAuthServer(t)
			cfg := a.akskConfig()
			if mode == "legacy" {
				cfg = a.legacyConfig()
			}
			var outcomes []string
			cfg.Observer = func(e, o string, _ time.Duration) { outcomes = append(outcomes, e+":"+o) }
			c := newCreds(t, cfg)
			for range 3 {
				tok, err := c.Token(context.Background())
				if err != nil || tok != "tok-1" {
					t.Fatalf("Token = %q, %v; want tok-1 (the region's, not the platform's)", tok, err)
				}
			}
			if a.logins.Load() != 1 {
				t.Errorf("logins = %d, want 1 (opaque token cached)", a.logins.Load())
			}
			if r := c.Region(); r.ID != "11250" || r.Name != "华东一区【昆山】" {
				t.Errorf("Region = %+v", r)
			}
			if strings.Join(outcomes, ",") != "login:0" {
				t.Errorf("observed %v", outcomes)
			}
		})
	}
}

func TestNewCredentialsValidates(t *testing.T) {
	bad := []CredentialsConfig{
		{},
		{User: "u", AccessKey: "ak"},
		{User: "u", Password: "p"},
		{AccessKey: "ak", SecretKey: "sk"},
	}
	for _, cfg := range bad {
		if _, err := NewCredentials(cfg); err == nil {
			t.Errorf("NewCredentials(%+v) succeeded", cfg)
		}
	}
}

func TestClusterSelection(t *testing.T) {
	str := func(s string) *string { return &s }
	regions := []loginRegion{
		{ClusterName: "ac", ClusterID: []byte(`"0"`), Token: str("platform")},
		{ClusterName: "Kunshan", ClusterID: []byte(`"11250"`), Token: str("tok-ks")},
		{ClusterName: "Wuzhen", ClusterID: []byte(`11276`), Token: str("tok-wz")},
		{ClusterName: "Frozen", ClusterID: []byte(`"3"`), Token: nil},
	}
	tests := []struct {
		name    string
		list    []loginRegion
		want    string
		wantTok secret.Secret
		wantErr string
	}{
		{name: "by name", list: regions, want: "Kunshan", wantTok: "tok-ks"},
		{name: "by name any case", list: regions, want: "wuzhen", wantTok: "tok-wz"},
		{name: "by numeric id", list: regions, want: "11276", wantTok: "tok-wz"},
		{name: "by string id", list: regions, want: "11250", wantTok: "tok-ks"},
		{name: "only region", list: regions[:2], wantTok: "tok-ks"},
		{name: "ambiguous", list: regions, wantErr: "several regions"},
		{name: "unknown", list: regions, want: "Mars", wantErr: "not among"},
		{name: "platform by name", list: regions, want: "ac", wantErr: "platform"},
		{name: "platform by id", list: regions, want: "0", wantErr: "platform"},
		{name: "suspended", list: regions, want: "Frozen", wantErr: "suspended"},
		{name: "only platform", list: regions[:1], wantErr: "no region"},
	}
	for _, tt := range tests {
		tok, _, err := pickRegion(tt.list, tt.want, nil)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err = %v, want %q", tt.name, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "platform") && strings.Contains(err.Error(), "tok-") {
				t.Errorf("%s: error shows a token: %v", tt.name, err)
			}
			continue
		}
		if err != nil || tok != tt.wantTok {
			t.Errorf("%s: token %q, err %v; want %q", tt.name, tok.Reveal(), err, tt.wantTok.Reveal())
		}
	}
}

func TestCredentialsSuspendedAccount(t *testing.T) {
	a := newAuthServer(t)
	a.regions = func(string) []map[string]any {
		return []map[string]any{{"clusterName": "Kunshan", "clusterId": "11250", "token": nil}}
	}
	_, err := newCreds(t, a.akskConfig()).Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "suspended") {
		t.Errorf("err = %v, want a suspended-account error", err)
	}
}

func TestCredentialsRenewal(t *testing.T) {
	tests := []struct {
		name         string
		expiresIn    time.Duration
		renewOK      bool
		wantRenewals int32
		wantLogins   int32
		wantToken    string
	}{
		{name: "far from expiry: cached", expiresIn: time.Hour, wantLogins: 1, wantToken: "first"},
		{name: "near expiry: renewed", expiresIn: 5 * time.Minute, renewOK: true, wantRenewals: 1, wantLogins: 1, wantToken: "renewed"},
		{name: "expired: renewed", expiresIn: -time.Hour, renewOK: true, wantRenewals: 1, wantLogins: 1, wantToken: "renewed"},
		{name: "expired too long: login", expiresIn: -25 * time.Hour, wantRenewals: 0, wantLogins: 2, wantToken: "second"},
		{name: "renewal fails: login", expiresIn: 5 * time.Minute, renewOK: false, wantRenewals: 1, wantLogins: 2, wantToken: "second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAuthServer(t)
			first := jwt(map[string]any{"expireTime": time.Now().Add(tt.expiresIn).UnixMilli(), "n": "first"})
			second := jwt(map[string]any{"expireTime": time.Now().Add(12 * time.Hour).UnixMilli(), "n": "second"})
			renewed := jwt(map[string]any{"expireTime": time.Now().Add(12 * time.Hour).UnixMilli(), "n": "renewed"})
			names := map[string]string{first: "first", second: "second", renewed: "renewed"}
			a.issue = func(n int) string {
				if n == 1 {
					return first
				}
				return second
			}
			a.renew = func(old string) string {
				if old != first {
					t.Errorf("renewal sent token %q, want the current one", names[old])
				}
				if tt.renewOK {
					return renewed
				}
				return ""
			}
			c := newCreds(t, a.akskConfig())
			ctx := context.Background()
			if tok, err := c.Token(ctx); err != nil || tok != first {
				t.Fatalf("first Token = %q, %v", names[tok], err)
			}
			tok, err := c.Token(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if names[tok] != tt.wantToken {
				t.Errorf("second Token = %s, want %s", names[tok], tt.wantToken)
			}
			if a.renewals.Load() != tt.wantRenewals || a.logins.Load() != tt.wantLogins {
				t.Errorf("renewals %d logins %d, want %d and %d", a.renewals.Load(), a.logins.Load(), tt.wantRenewals, tt.wantLogins)
			}
			if exp, ok := c.ExpiresAt(); !ok || exp.Before(time.Now()) {
				t.Errorf("ExpiresAt = %v, %v after refresh", exp, ok)
			}
		})
	}
}

func TestCredentialsConcurrentTokenLogsInOnce(t *testing.T) {
	a := newAuthServer(t)
	a.loginGate = make(chan struct{})
	c := newCreds(t, a.akskConfig())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if tok, err := c.Token(context.Background()); err != nil || tok != "tok-1" {
				t.Errorf("Token = %q, %v", tok, err)
			}
		})
	}
	time.Sleep(20 * time.Millisecond) // let the callers pile up behind the login
	close(a.loginGate)
	wg.Wait()
	if a.logins.Load() != 1 {
		t.Errorf("logins = %d, want 1", a.logins.Load())
	}
}

func TestCredentialsInvalidate(t *testing.T) {
	a := newAuthServer(t)
	c := newCreds(t, a.akskConfig())
	ctx := context.Background()
	tok, _ := c.Token(ctx)
	c.Invalidate("some-other-token")
	if again, _ := c.Token(ctx); again != tok || a.logins.Load() != 1 {
		t.Errorf("invalidating another token must not drop the current one")
	}
	if !c.Invalidate(tok) {
		t.Error("Invalidate reports that logging in again cannot help")
	}
	if again, _ := c.Token(ctx); again != "tok-2" || a.logins.Load() != 2 {
		t.Errorf("after Invalidate: token %q, logins %d; want tok-2 and 2", again, a.logins.Load())
	}
}

func TestCredentialsLoginFailure(t *testing.T) {
	a := newAuthServer(t)
	cfg := a.legacyConfig()
	cfg.Password = "wrong"
	_, err := newCreds(t, cfg).Token(context.Background())
	if !IsAuthError(err) {
		t.Errorf("err = %v, want an auth error", err)
	}
	cfg = a.akskConfig()
	cfg.SecretKey = "wrong"
	_, err = newCreds(t, cfg).Token(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodePermissionDenied {
		t.Errorf("err = %v, want code 10008", err)
	}
}

// TestReloginOnceOnAuthError: SCNet rejects the first token with 10008; the
// client invalidates it, the source logs in again, and the retry succeeds.
// If the new token is rejected too, the client stops after that one retry.
func TestReloginOnceOnAuthError(t *testing.T) {
	for _, alwaysReject := range []bool{false, true} {
		t.Run(fmt.Sprintf("alwaysReject=%v", alwaysReject), func(t *testing.T) {
			a := newAuthServer(t)
			var listCalls atomic.Int32
			a.mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
				listCalls.Add(1)
				if alwaysReject || r.Header.Get("token") == "tok-1" {
					writeJSON(w, 200, map[string]any{"code": "10008", "msg": "权限不足"})
					return
				}
				writeJSON(w, 200, ok(nil))
			})
			creds := newCreds(t, a.akskConfig())
			c, err := New(a.srv.URL, WithTokenSource(creds), WithRetry(3, time.Millisecond))
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListInstances(context.Background(), ListOptions{})
			if alwaysReject != (err != nil) || (err != nil && !IsAuthError(err)) {
				t.Errorf("err = %v", err)
			}
			if listCalls.Load() != 2 || a.logins.Load() != 2 {
				t.Errorf("list calls %d logins %d, want 2 and 2", listCalls.Load(), a.logins.Load())
			}
		})
	}
}

// TestClientLoginFailureRetries: a login that fails because the region
// does not exist is not retried; one that fails on the network is.
func TestClientLoginFailureRetries(t *testing.T) {
	a := newAuthServer(t)
	cfg := a.akskConfig()
	cfg.Cluster = "Mars"
	creds := newCreds(t, cfg)
	c, err := New(a.srv.URL, WithTokenSource(creds), WithRetry(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListInstances(context.Background(), ListOptions{})
	var te *TokenError
	if !errors.As(err, &te) || a.logins.Load() != 1 {
		t.Errorf("err = %v after %d logins, want a TokenError after 1", err, a.logins.Load())
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	cfg = a.akskConfig()
	cfg.AuthBase = deadURL
	var attempts atomic.Int32
	cfg.Observer = func(e, o string, _ time.Duration) {
		if e == "login" && o == "network" {
			attempts.Add(1)
		}
	}
	c, err = New(a.srv.URL, WithTokenSource(newCreds(t, cfg)), WithRetry(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListInstances(context.Background(), ListOptions{})
	if !errors.As(err, &te) || attempts.Load() != 3 {
		t.Errorf("err = %v after %d network login attempts, want a TokenError after 3", err, attempts.Load())
	}
}
