package scnet

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestEveryEndpointGoesThroughTheTransport: login, center, list and detail
// are all built by one newRequest and sent by one do, so each carries the
// User-Agent and each attempt reaches the observer.
func TestEveryEndpointGoesThroughTheTransport(t *testing.T) {
	var mu sync.Mutex
	agents := map[string]string{}
	seen := func(endpoint string, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		agents[endpoint] = r.Header.Get("User-Agent")
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/user/v3/tokens", func(w http.ResponseWriter, r *http.Request) {
		seen("login", r)
		writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": []map[string]any{{"clusterName": "r1", "clusterId": "1", "token": testToken}}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("GET /ac/openapi/v2/center", func(w http.ResponseWriter, r *http.Request) {
		seen("center", r)
		writeJSON(w, 200, map[string]any{"code": "0", "data": map[string]any{"aiUrls": []map[string]any{{"enable": "true", "url": srv.URL}}}})
	})
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		seen("list", r)
		writeJSON(w, 200, ok(nil))
	})
	mux.HandleFunc("/ai/openapi/v2/instance-service/i1/detail", func(w http.ResponseWriter, r *http.Request) {
		seen("detail", r)
		writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": item("i1")})
	})

	var observed []string
	observer := func(endpoint, outcome string, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		observed = append(observed, endpoint+":"+outcome)
	}
	creds, err := NewCredentials(CredentialsConfig{User: "u", AccessKey: "ak", SecretKey: "sk", AuthBase: srv.URL, Observer: observer})
	if err != nil {
		t.Fatal(err)
	}
	c, err := New("", WithTokenSource(creds), WithObserver(observer), WithUserAgent("scnetbot-test/9"),
		WithDiscovery(func(ctx context.Context) (string, error) { return DiscoverAIBase(ctx, nil, srv.URL, creds) }))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.ListInstances(ctx, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Instance(ctx, "i1"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"login": DefaultUserAgent, "center": DefaultUserAgent, "list": "scnetbot-test/9", "detail": "scnetbot-test/9"}
	for endpoint, ua := range want {
		if agents[endpoint] != ua {
			t.Errorf("%s sent User-Agent %q, want %q", endpoint, agents[endpoint], ua)
		}
	}
	// Discovery takes no observer; the others report each attempt.
	if got := len(observed); got != 3 || observed[0] != "login:0" || observed[1] != "list:0" || observed[2] != "detail:0" {
		t.Errorf("observed %v, want [login:0 list:0 detail:0]", observed)
	}
}
