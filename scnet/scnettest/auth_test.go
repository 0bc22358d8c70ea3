package scnettest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func detailURL(s *Server, id string) string {
	return s.AIBaseURL() + "/openapi/v2/instance-service/" + id + "/detail"
}

// tokensByCluster decodes a token answer into cluster id → token.
func tokensByCluster(t *testing.T, a answer) map[string]string {
	t.Helper()
	if a.Code != CodeOK {
		t.Fatalf("code %q msg %q, want success", a.Code, a.Msg)
	}
	var entries []struct {
		ClusterName string  `json:"clusterName"`
		ClusterID   string  `json:"clusterId"`
		Token       *string `json:"token"`
	}
	if err := json.Unmarshal(a.Data, &entries); err != nil {
		t.Fatalf("decode tokens: %v", err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if e.Token == nil {
			t.Fatalf("cluster %s has no token", e.ClusterID)
		}
		if clusterName(e.ClusterID) != e.ClusterName {
			t.Errorf("cluster %s is named %q", e.ClusterID, e.ClusterName)
		}
		out[e.ClusterID] = *e.Token
	}
	return out
}

func akskHeaders(cr Credentials, ts time.Time) map[string]string {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	return map[string]string{"user": cr.User, "accessKey": cr.AccessKey, "timestamp": stamp,
		"signature": Sign(cr.SecretKey, cr.User, cr.AccessKey, stamp)}
}

func TestAccessControl(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(5, 1), WithClock(c.Now))
	id := s.Records()[0].ID
	tests := []struct {
		name  string
		token func() string
		want  string
	}{
		{"region token", s.Token, CodeOK},
		{"other region token", func() string { return s.TokenFor(XianClusterID) }, CodeOK},
		{"missing token", func() string { return "" }, CodeNoPermission},
		{"forged token", func() string { return "eyJhbGciOiJIUzI1NiJ9.e30.c2ln" }, CodeNoPermission},
		{"platform token", func() string { return s.TokenFor(PlatformClusterID) }, CodeNoAPIAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token()
			for _, u := range []string{listURL(s), listURL(s) + "/list", detailURL(s, id)} {
				a := do(t, http.MethodGet, u+"?limit=5", tok, nil, nil)
				if a.HTTPStatus != http.StatusOK || a.Code != tt.want {
					t.Errorf("%s: HTTP %d code %q msg %q, want 200 %q", u, a.HTTPStatus, a.Code, a.Msg, tt.want)
				}
			}
		})
	}
}

func TestExpiredTokens(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(5, 1), WithClock(c.Now), WithTokenLifetime(time.Hour))
	ok := func(tok string) string {
		return do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil).Code
	}
	tok := s.Token()
	if got := ok(tok); got != CodeOK {
		t.Fatalf("fresh token: code %q", got)
	}
	s.ExpireTokens()
	if got := ok(tok); got != CodeNoPermission {
		t.Errorf("after ExpireTokens: code %q, want %q", got, CodeNoPermission)
	}
	fresh := s.Token()
	if fresh == tok || ok(fresh) != CodeOK {
		t.Errorf("Token after ExpireTokens did not give a new valid token")
	}
	c.Advance(time.Hour)
	if got := ok(fresh); got != CodeNoPermission {
		t.Errorf("after the lifetime passed: code %q, want %q", got, CodeNoPermission)
	}
}

func TestTokenState(t *testing.T) {
	c := newClock()
	s := newServer(t, WithClock(c.Now))
	u := s.ACBaseURL() + "/ac/openapi/v2/tokens/state"
	tok := s.Token()
	a := do(t, http.MethodGet, u, tok, nil, nil)
	if a.Code != CodeOK || string(a.Data) != `"token is valid"` {
		t.Errorf("valid token: code %q data %s", a.Code, a.Data)
	}
	s.ExpireTokens()
	if a := do(t, http.MethodGet, u, tok, nil, nil); a.Code != CodeNoPermission {
		t.Errorf("expired token: code %q, want %q", a.Code, CodeNoPermission)
	}
}

func TestTokenNext(t *testing.T) {
	tests := []struct {
		name    string
		age     time.Duration // how long after ExpireTokens the renewal comes; <0: not expired
		want    string
		renewed bool
	}{
		{"valid token", -1, CodeOK, true},
		{"just expired", 0, CodeOK, true},
		{"expired 23h ago", 23 * time.Hour, CodeOK, true},
		{"expired 25h ago", 25 * time.Hour, CodeNoPermission, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := newServer(t, WithInstances(3, 1), WithClock(c.Now))
			old := s.Token()
			if tt.age >= 0 {
				s.ExpireTokens()
				c.Advance(tt.age)
			}
			a := do(t, http.MethodPost, s.ACBaseURL()+"/ac/openapi/v2/tokens/next", old, nil, nil)
			if a.Code != tt.want {
				t.Fatalf("code %q msg %q, want %q", a.Code, a.Msg, tt.want)
			}
			if !tt.renewed {
				return
			}
			var next string
			if err := json.Unmarshal(a.Data, &next); err != nil || next == "" || next == old {
				t.Fatalf("data %s is not a new token", a.Data)
			}
			if got := do(t, http.MethodGet, listURL(s)+"?limit=1", next, nil, nil).Code; got != CodeOK {
				t.Errorf("renewed token: code %q", got)
			}
			if got := do(t, http.MethodGet, listURL(s)+"?limit=1", old, nil, nil).Code; got != CodeNoPermission {
				t.Errorf("old token after renewal: code %q, want %q", got, CodeNoPermission)
			}
			if s.Token() != next {
				t.Error("Token does not return the renewed token")
			}
			again := do(t, http.MethodPost, s.ACBaseURL()+"/ac/openapi/v2/tokens/next", old, nil, nil)
			if again.Code != CodeNoPermission {
				t.Errorf("renewing a replaced token: code %q, want %q", again.Code, CodeNoPermission)
			}
		})
	}
}

func TestAKSKTokens(t *testing.T) {
	cr := DefaultCredentials()
	tests := []struct {
		name   string
		header func(now time.Time) map[string]string
		want   string
	}{
		{"signed now", func(now time.Time) map[string]string { return akskHeaders(cr, now) }, CodeOK},
		{"4 minutes old", func(now time.Time) map[string]string { return akskHeaders(cr, now.Add(-4*time.Minute)) }, CodeOK},
		{"6 minutes old", func(now time.Time) map[string]string { return akskHeaders(cr, now.Add(-6*time.Minute)) }, CodeInvalidParams},
		{"6 minutes ahead", func(now time.Time) map[string]string { return akskHeaders(cr, now.Add(6*time.Minute)) }, CodeInvalidParams},
		{"wrong secret", func(now time.Time) map[string]string {
			bad := cr
			bad.SecretKey = "not-the-secret"
			return akskHeaders(bad, now)
		}, CodeInvalidParams},
		{"wrong access key", func(now time.Time) map[string]string {
			bad := cr
			bad.AccessKey = "ak-other"
			return akskHeaders(bad, now)
		}, CodeInvalidParams},
		{"signature over other user", func(now time.Time) map[string]string {
			h := akskHeaders(cr, now)
			h["signature"] = Sign(cr.SecretKey, "someone", cr.AccessKey, h["timestamp"])
			return h
		}, CodeInvalidParams},
		{"no signature", func(now time.Time) map[string]string {
			h := akskHeaders(cr, now)
			delete(h, "signature")
			return h
		}, CodeMissingParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := newServer(t, WithInstances(3, 1), WithClock(c.Now))
			a := do(t, http.MethodPost, s.AuthBaseURL()+"/api/user/v3/tokens", "", tt.header(c.Now()), nil)
			if a.Code != tt.want {
				t.Fatalf("code %q msg %q, want %q", a.Code, a.Msg, tt.want)
			}
			if tt.want != CodeOK {
				return
			}
			toks := tokensByCluster(t, a)
			if len(toks) != 3 {
				t.Fatalf("got %d tokens, want 3", len(toks))
			}
			if got := do(t, http.MethodGet, listURL(s)+"?limit=1", toks[KunshanClusterID], nil, nil).Code; got != CodeOK {
				t.Errorf("region token from AK/SK: code %q", got)
			}
		})
	}
}

func TestAKSKMessageIsTheDocumentedString(t *testing.T) {
	got := AKSKMessage("u", "ak", "1700000000")
	if want := `{"accessKey":"ak","timestamp":"1700000000","user":"u"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestLegacyTokens(t *testing.T) {
	cr := Credentials{User: "alice", AccessKey: "ak", SecretKey: "sk", Password: "pw", OrgID: "org1"}
	tests := []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"right", map[string]string{"user": "alice", "password": "pw", "orgId": "org1"}, CodeOK},
		{"wrong password", map[string]string{"user": "alice", "password": "nope", "orgId": "org1"}, CodeInvalidParams},
		{"wrong org", map[string]string{"user": "alice", "password": "pw", "orgId": "org2"}, CodeInvalidParams},
		{"no org", map[string]string{"user": "alice", "password": "pw"}, CodeMissingParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, WithCredentials(cr))
			a := do(t, http.MethodPost, s.ACBaseURL()+"/ac/openapi/v2/tokens", "", tt.header, nil)
			if a.Code != tt.want {
				t.Fatalf("code %q msg %q, want %q", a.Code, a.Msg, tt.want)
			}
			if tt.want == CodeOK {
				if got := do(t, http.MethodGet, listURL(s)+"?limit=1", tokensByCluster(t, a)[XianClusterID], nil, nil).Code; got != CodeOK {
					t.Errorf("legacy region token: code %q", got)
				}
			}
		})
	}
}

func TestTokenIsJWTWithExpireTime(t *testing.T) {
	c := newClock()
	s := newServer(t, WithClock(c.Now), WithTokenLifetime(3*time.Hour))
	parts := strings.Split(s.Token(), ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatalf("payload is not base64url: %v", err)
	}
	var p struct {
		ExpireTime int64  `json:"expireTime"`
		User       string `json:"user"`
		ClusterID  string `json:"clusterId"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatalf("payload %s: %v", raw, err)
	}
	if want := testNow.Add(3 * time.Hour).UnixMilli(); p.ExpireTime != want || p.User != DefaultUser || p.ClusterID != KunshanClusterID {
		t.Errorf("payload %s, want expireTime %d user %s cluster %s", raw, want, DefaultUser, KunshanClusterID)
	}
}

func TestCenter(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want func(s *Server) string
	}{
		{"default: no /ai", nil, (*Server).URL},
		{"with /ai", []Option{WithCenterAISuffix()}, (*Server).AIBaseURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, tt.opts...)
			a := do(t, http.MethodGet, s.ACBaseURL()+"/ac/openapi/v2/center", s.Token(), nil, nil)
			var d struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				AIURLs []struct {
					Enable, Version, URL string
				} `json:"aiUrls"`
				HPCURLs   []json.RawMessage `json:"hpcUrls"`
				EFileURLs []json.RawMessage `json:"efileUrls"`
			}
			if err := json.Unmarshal(a.Data, &d); err != nil || a.Code != CodeOK {
				t.Fatalf("code %q data %s: %v", a.Code, a.Data, err)
			}
			if d.ID != KunshanClusterID || d.Name != "华东一区【昆山】" || len(d.HPCURLs) == 0 || len(d.EFileURLs) == 0 {
				t.Errorf("center %+v", d)
			}
			var enabled []string
			for _, u := range d.AIURLs {
				if u.Enable == "true" {
					enabled = append(enabled, u.URL)
				}
			}
			if len(enabled) != 1 || enabled[0] != tt.want(s) {
				t.Errorf("enabled aiUrls %v, want [%s]", enabled, tt.want(s))
			}
			if len(d.AIURLs) < 2 {
				t.Error("no disabled aiUrls entry to skip")
			}
		})
	}
	s := newServer(t)
	if a := do(t, http.MethodGet, s.ACBaseURL()+"/ac/openapi/v2/center", "", nil, nil); a.Code != CodeNoPermission {
		t.Errorf("center without token: code %q, want %q", a.Code, CodeNoPermission)
	}
}

func TestSuspendedAccount(t *testing.T) {
	c := newClock()
	s := newServer(t, WithClock(c.Now), WithSuspendedAccount())
	a := do(t, http.MethodPost, s.AuthBaseURL()+"/api/user/v3/tokens", "", akskHeaders(DefaultCredentials(), c.Now()), nil)
	var entries []struct {
		ClusterID string  `json:"clusterId"`
		Token     *string `json:"token"`
	}
	if err := json.Unmarshal(a.Data, &entries); err != nil || a.Code != CodeOK || len(entries) != 3 {
		t.Fatalf("code %q data %s: %v", a.Code, a.Data, err)
	}
	for _, e := range entries {
		if (e.Token == nil) != (e.ClusterID != PlatformClusterID) {
			t.Errorf("cluster %s: token %v", e.ClusterID, e.Token)
		}
	}
	if !strings.Contains(string(a.Raw), `"token":null`) {
		t.Errorf("no literal null token in %s", a.Raw)
	}
}
