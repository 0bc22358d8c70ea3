package scnet

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// threeRegions makes the auth server answer each login like an account
// with two usable regions, the platform entry and a suspended region. The
// n-th login's tokens are "ks-tok-n" and "xb-tok-n".
func threeRegions(a *authServer) {
	a.regions = func(tok string) []map[string]any {
		return []map[string]any{
			{"clusterName": "ac", "clusterId": "0", "token": "platform-" + tok},
			{"clusterName": "华东一区【昆山】", "clusterId": "11250", "token": "ks-" + tok},
			{"clusterName": "西北一区", "clusterId": 11276, "token": "xb-" + tok},
			{"clusterName": "Frozen", "clusterId": "3", "token": nil},
		}
	}
}

func names(rs []RegionToken) string {
	var s []string
	for _, r := range rs {
		s = append(s, r.ID+" "+r.Name)
	}
	return strings.Join(s, "|")
}

func TestRegionsEveryRegion(t *testing.T) {
	for _, cluster := range []string{"", "all", " ALL "} {
		for _, mode := range []string{"aksk", "legacy"} {
			t.Run(mode+" "+cluster, func(t *testing.T) {
				a := newAuthServer(t)
				threeRegions(a)
				cfg := a.akskConfig()
				if mode == "legacy" {
					cfg = a.legacyConfig()
				}
				cfg.Cluster = cluster
				c := newCreds(t, cfg)
				ctx := context.Background()
				usable, suspended, err := c.Regions(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := names(usable), "11250 华东一区【昆山】|11276 西北一区"; got != want {
					t.Errorf("usable = %s, want %s (platform left out)", got, want)
				}
				if len(suspended) != 1 || suspended[0] != (Region{ID: "3", Name: "Frozen"}) {
					t.Errorf("suspended = %+v, want the null-token region", suspended)
				}
				for i, want := range []string{"ks-tok-1", "xb-tok-1"} {
					if tok, err := usable[i].Tokens.Token(ctx); err != nil || tok != want {
						t.Errorf("%s: Token = %q, %v; want %s", usable[i].Name, tok, err, want)
					}
					if usable[i].Tokens.Region() != usable[i].Region {
						t.Errorf("source region %+v, want %+v", usable[i].Tokens.Region(), usable[i].Region)
					}
				}
				again, _, err := c.Regions(ctx)
				if err != nil || again[0].Tokens != usable[0].Tokens || again[1].Tokens != usable[1].Tokens {
					t.Errorf("a second Regions call gave other sources (%v)", err)
				}
				if a.logins.Load() != 1 {
					t.Errorf("logins = %d, want 1 for every region", a.logins.Load())
				}
				// Several regions: the one-region Token refuses to guess.
				if _, err := c.Token(ctx); err == nil || !strings.Contains(err.Error(), "several regions") {
					t.Errorf("Token = %v, want a several-regions error", err)
				}
			})
		}
	}
}

func TestRegionsFilter(t *testing.T) {
	tests := []struct {
		cluster       string
		wantUsable    string
		wantSuspended string
		wantErr       string
	}{
		{cluster: "11250", wantUsable: "11250 华东一区【昆山】"},
		{cluster: "11276", wantUsable: "11276 西北一区"},
		{cluster: "西北一区", wantUsable: "11276 西北一区"},
		{cluster: "西北一区, 11250", wantUsable: "11276 西北一区|11250 华东一区【昆山】"},
		{cluster: "11250,华东一区【昆山】,,", wantUsable: "11250 华东一区【昆山】"},
		{cluster: "frozen,11250", wantUsable: "11250 华东一区【昆山】", wantSuspended: "3 Frozen"},
		{cluster: "FROZEN", wantSuspended: "3 Frozen"},
		{cluster: "11250,Mars", wantErr: `cluster "Mars" not among the account's regions: 华东一区【昆山】 (id 11250), 西北一区 (id 11276), Frozen (id 3)`},
		{cluster: "西北", wantErr: "not among"},
		{cluster: "ac", wantErr: "platform"},
		{cluster: "0", wantErr: "platform"},
	}
	for _, tt := range tests {
		t.Run(tt.cluster, func(t *testing.T) {
			a := newAuthServer(t)
			threeRegions(a)
			cfg := a.akskConfig()
			cfg.Cluster = tt.cluster
			usable, suspended, err := newCreds(t, cfg).Regions(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				assertNoSecret(t, "filter", err, "tok-1")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sus []string
			for _, r := range suspended {
				sus = append(sus, r.ID+" "+r.Name)
			}
			if names(usable) != tt.wantUsable || strings.Join(sus, "|") != tt.wantSuspended {
				t.Errorf("usable %q suspended %q, want %q and %q", names(usable), sus, tt.wantUsable, tt.wantSuspended)
			}
		})
	}
}

// TestRegionsOneSelectedKeepsToken: with the cluster naming one region,
// the one-region Token and Region work as before and share that region's
// source.
func TestRegionsOneSelectedKeepsToken(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	cfg := a.akskConfig()
	cfg.Cluster = "西北一区"
	c := newCreds(t, cfg)
	ctx := context.Background()
	if tok, err := c.Token(ctx); err != nil || tok != "xb-tok-1" {
		t.Fatalf("Token = %q, %v", tok, err)
	}
	if r := c.Region(); r.ID != "11276" || r.Name != "西北一区" {
		t.Errorf("Region = %+v", r)
	}
	usable, _, err := c.Regions(ctx)
	if err != nil || len(usable) != 1 {
		t.Fatalf("Regions = %v, %v", usable, err)
	}
	c.Invalidate("xb-tok-1")
	if tok, _ := usable[0].Tokens.Token(ctx); tok != "xb-tok-2" || a.logins.Load() != 2 {
		t.Errorf("after Invalidate through Credentials: region token %q, logins %d; want xb-tok-2 and 2", tok, a.logins.Load())
	}
}

// TestRegionsRenewEachRegion: a region whose token nears expiry renews its
// own token; the other keeps its own, and nobody logs in.
func TestRegionsRenewEachRegion(t *testing.T) {
	a := newAuthServer(t)
	soon := jwt(map[string]any{"expireTime": time.Now().Add(5 * time.Minute).UnixMilli(), "r": "ks"})
	later := jwt(map[string]any{"expireTime": time.Now().Add(12 * time.Hour).UnixMilli(), "r": "xb"})
	renewed := jwt(map[string]any{"expireTime": time.Now().Add(12 * time.Hour).UnixMilli(), "r": "ks2"})
	a.regions = func(string) []map[string]any {
		return []map[string]any{
			{"clusterName": "ac", "clusterId": "0", "token": "platform"},
			{"clusterName": "Kunshan", "clusterId": "1", "token": soon},
			{"clusterName": "Xibei", "clusterId": "2", "token": later},
		}
	}
	var renewedWith []string
	var mu sync.Mutex
	a.renew = func(old string) string {
		mu.Lock()
		defer mu.Unlock()
		renewedWith = append(renewedWith, old)
		if old == soon {
			return renewed
		}
		return ""
	}
	usable, _, err := newCreds(t, a.akskConfig()).Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ks, xb := usable[0].Tokens, usable[1].Tokens
	for range 3 {
		if tok, err := ks.Token(context.Background()); err != nil || tok != renewed {
			t.Fatalf("Kunshan Token = %q, %v; want the renewed token", tok, err)
		}
		if tok, err := xb.Token(context.Background()); err != nil || tok != later {
			t.Fatalf("Xibei Token = %q, %v; want its own", tok, err)
		}
	}
	if len(renewedWith) != 1 || renewedWith[0] != soon || a.logins.Load() != 1 {
		t.Errorf("renewals with %d tokens (own: %v), logins %d; want one renewal with Kunshan's token and 1 login",
			len(renewedWith), len(renewedWith) == 1 && renewedWith[0] == soon, a.logins.Load())
	}
	if exp, ok := ks.ExpiresAt(); !ok || exp.Before(time.Now().Add(time.Hour)) {
		t.Errorf("Kunshan ExpiresAt = %v, %v; want the renewed expiry", exp, ok)
	}
	if exp, ok := xb.ExpiresAt(); !ok || exp.Before(time.Now().Add(time.Hour)) {
		t.Errorf("Xibei ExpiresAt = %v, %v", exp, ok)
	}
}

// TestRegionsReloginShared: when SCNet rejects both regions' tokens at
// once, one login brings both new ones.
func TestRegionsReloginShared(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	var listCalls atomic.Int32
	a.mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		listCalls.Add(1)
		if strings.HasSuffix(r.Header.Get("token"), "-tok-1") {
			writeJSON(w, 200, map[string]any{"code": "10008", "msg": "权限不足"})
			return
		}
		writeJSON(w, 200, ok(nil))
	})
	usable, _, err := newCreds(t, a.akskConfig()).Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Hold the re-login until both regions have asked for it.
	a.mu.Lock()
	a.loginGate = make(chan struct{})
	a.mu.Unlock()
	var wg sync.WaitGroup
	for _, r := range usable {
		c, err := New(a.srv.URL, WithTokenSource(r.Tokens), WithRetry(2, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			if _, err := c.ListInstances(context.Background(), ListOptions{}); err != nil {
				t.Errorf("%s: %v", r.Name, err)
			}
		})
	}
	for listCalls.Load() < 2 {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // let both reach the login
	close(a.loginGate)
	wg.Wait()
	if a.logins.Load() != 2 || listCalls.Load() != 4 {
		t.Errorf("logins %d list calls %d, want 2 (one re-login for both regions) and 4", a.logins.Load(), listCalls.Load())
	}
	for i, want := range []string{"ks-tok-2", "xb-tok-2"} {
		if tok, _ := usable[i].Tokens.Token(context.Background()); tok != want {
			t.Errorf("%s token %q, want %s", usable[i].Name, tok, want)
		}
	}
}

// TestRegionsSuspendedOnRelogin: a region whose token a later login sends
// as null says so, and the others keep working.
func TestRegionsSuspendedOnRelogin(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	first := a.regions
	a.regions = func(tok string) []map[string]any {
		list := first(tok)
		if tok != "tok-1" {
			list[2]["token"] = nil
		}
		return list
	}
	usable, _, err := newCreds(t, a.akskConfig()).Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ks, xb := usable[0].Tokens, usable[1].Tokens
	xb.Invalidate("xb-tok-1")
	_, err = xb.Token(context.Background())
	if err == nil || !strings.Contains(err.Error(), "suspended") || !strings.Contains(err.Error(), "西北一区") {
		t.Errorf("err = %v, want the region named as suspended", err)
	}
	assertNoSecret(t, "suspended region", err, "tok-1", "tok-2")
	if tok, err := ks.Token(context.Background()); err != nil || tok != "ks-tok-2" {
		t.Errorf("other region: Token = %q, %v; want the re-login's token", tok, err)
	}
}

// TestRegionsLoginFails: no login, no regions; the next call tries again.
func TestRegionsLoginFails(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	cfg := a.legacyConfig()
	cfg.Password = "wrong"
	c := newCreds(t, cfg)
	if _, _, err := c.Regions(context.Background()); !IsAuthError(err) {
		t.Errorf("err = %v, want an auth error", err)
	}
	if _, _, err := c.Regions(context.Background()); err == nil || a.logins.Load() != 0 {
		t.Errorf("second call: err %v, logins %d", err, a.logins.Load())
	}
}

func TestRegionSourcePrintsNoToken(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	usable, _, err := newCreds(t, a.akskConfig()).Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s := fmt.Sprintf("%v %+v %#v %s", usable, usable[0], usable[0].Tokens, usable[1].Tokens); strings.Contains(s, "tok-1") {
		t.Errorf("printing the regions shows a token: %s", s)
	}
}

// TestRegionsConcurrentFirstUseLogsInOnce: callers of Regions and of the
// regions' sources that arrive together share the first login.
func TestRegionsConcurrentFirstUseLogsInOnce(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	a.loginGate = make(chan struct{})
	c := newCreds(t, a.akskConfig())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() {
			usable, _, err := c.Regions(context.Background())
			if err != nil || len(usable) != 2 {
				t.Errorf("Regions = %v, %v", usable, err)
				return
			}
			for _, r := range usable {
				if tok, err := r.Tokens.Token(context.Background()); err != nil || !strings.HasSuffix(tok, "-tok-1") {
					t.Errorf("%s: Token = %q, %v", r.Name, tok, err)
				}
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

// TestRegionsSuspendedDoesNotLoginEveryCall: a region a login sent as
// null answers at once that it is suspended, for a while, instead of
// logging in again at every call: a watcher polling it and people asking
// would otherwise log the account in at every poll and command.
func TestRegionsSuspendedDoesNotLoginEveryCall(t *testing.T) {
	a := newAuthServer(t)
	threeRegions(a)
	first := a.regions
	a.regions = func(tok string) []map[string]any {
		list := first(tok)
		if tok != "tok-1" {
			list[2]["token"] = nil
		}
		return list
	}
	usable, _, err := newCreds(t, a.akskConfig()).Regions(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	xb := usable[1].Tokens
	xb.Invalidate("xb-tok-1") // SCNet rejected it: the account is suspended there now
	for i := range 5 {
		if _, err := xb.Token(context.Background()); err == nil || !strings.Contains(err.Error(), "suspended") {
			t.Fatalf("call %d: err = %v, want the region named as suspended", i, err)
		}
	}
	if n := a.logins.Load(); n != 2 {
		t.Errorf("%d logins, want 2 (the first, and one after the rejection)", n)
	}
}
