package scnettest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"scnetbot/scnet"
)

func regionListURL(rs *RegionServer) string {
	return rs.AIBaseURL() + "/openapi/v2/instance-service/task?limit=100"
}

// loginEntry is one element of a login answer's data.
type loginEntry struct {
	ClusterName string  `json:"clusterName"`
	ClusterID   string  `json:"clusterId"`
	Token       *string `json:"token"`
}

func loginEntries(t *testing.T, a answer) []loginEntry {
	t.Helper()
	var es []loginEntry
	if err := json.Unmarshal(a.Data, &es); err != nil || a.Code != CodeOK {
		t.Fatalf("code %q data %s: %v", a.Code, a.Data, err)
	}
	return es
}

// tokenCluster reads the clusterId a token's payload names.
func tokenCluster(t *testing.T, tok string) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q is not a JWT", tok)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		ClusterID string `json:"clusterId"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p.ClusterID
}

func TestRegionsLoginListsEveryRegion(t *testing.T) {
	c := newClock()
	s := newServer(t, WithRegions(), WithClock(c.Now), WithInstances(3, 1))
	logins := map[string]func() answer{
		"AK/SK": func() answer {
			return do(t, http.MethodPost, s.AuthBaseURL()+"/api/user/v3/tokens", "", akskHeaders(DefaultCredentials(), c.Now()), nil)
		},
		"legacy": func() answer {
			h := map[string]string{"user": DefaultUser, "password": DefaultPassword, "orgId": DefaultOrgID}
			return do(t, http.MethodPost, s.ACBaseURL()+"/ac/openapi/v2/tokens", "", h, nil)
		},
	}
	want := []struct {
		id, name  string
		withToken bool
	}{
		{PlatformClusterID, "ac", true},
		{KunshanClusterID, "华东一区【昆山】", true},
		{XianClusterID, "西北一区【西安】", true},
		{HuabeiClusterID, "华北一区", false},
	}
	for name, login := range logins {
		t.Run(name, func(t *testing.T) {
			a := login()
			es := loginEntries(t, a)
			if len(es) != len(want) {
				t.Fatalf("got %d entries, want %d: %s", len(es), len(want), a.Data)
			}
			for i, w := range want {
				e := es[i]
				if e.ClusterID != w.id || e.ClusterName != w.name || (e.Token != nil) != w.withToken {
					t.Errorf("entry %d = %s %s token %v, want %s %s token %v", i, e.ClusterID, e.ClusterName, e.Token != nil, w.id, w.name, w.withToken)
					continue
				}
				if e.Token != nil {
					if got := tokenCluster(t, *e.Token); got != w.id {
						t.Errorf("token of %s names cluster %s", w.id, got)
					}
				}
			}
			if !strings.Contains(string(a.Raw), `"clusterId":"12001","token":null`) {
				t.Errorf("no literal null token for the suspended region in %s", a.Raw)
			}
			// Each region's token from the login lists that region.
			for _, e := range es[1:3] {
				rs := s.Region(e.ClusterID)
				if got := do(t, http.MethodGet, regionListURL(rs), *e.Token, nil, nil); got.Code != CodeOK {
					t.Errorf("%s token on its own region: code %q", e.ClusterID, got.Code)
				}
			}
		})
	}
}

func TestRegionsSuspendedAccountNullsEveryRegion(t *testing.T) {
	c := newClock()
	s := newServer(t, WithRegions(), WithClock(c.Now), WithSuspendedAccount())
	es := loginEntries(t, do(t, http.MethodPost, s.AuthBaseURL()+"/api/user/v3/tokens", "", akskHeaders(DefaultCredentials(), c.Now()), nil))
	for _, e := range es {
		if (e.Token == nil) != (e.ClusterID != PlatformClusterID) {
			t.Errorf("cluster %s: token %v", e.ClusterID, e.Token)
		}
	}
}

func TestRegionsCenterAnswersPerToken(t *testing.T) {
	for _, suffix := range []bool{false, true} {
		opts := []Option{WithRegions()}
		if suffix {
			opts = append(opts, WithCenterAISuffix())
		}
		s := newServer(t, opts...)
		seen := map[string]bool{}
		for _, rs := range s.Regions() {
			if rs.Suspended() {
				continue
			}
			a := do(t, http.MethodGet, s.ACBaseURL()+"/ac/openapi/v2/center", rs.Token(), nil, nil)
			var d struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				AIURLs []struct {
					Enable, URL string
				} `json:"aiUrls"`
			}
			if err := json.Unmarshal(a.Data, &d); err != nil || a.Code != CodeOK {
				t.Fatalf("code %q data %s: %v", a.Code, a.Data, err)
			}
			want := rs.URL()
			if suffix {
				want = rs.AIBaseURL()
			}
			var enabled []string
			for _, u := range d.AIURLs {
				if u.Enable == "true" {
					enabled = append(enabled, u.URL)
				}
			}
			if d.ID != rs.ID() || d.Name != rs.Name() || len(enabled) != 1 || enabled[0] != want {
				t.Errorf("suffix %v: center for %s = %s %s %v, want %s %s [%s]", suffix, rs.ID(), d.ID, d.Name, enabled, rs.ID(), rs.Name(), want)
			}
			if seen[want] {
				t.Errorf("two regions share the AI base %s", want)
			}
			seen[want] = true
		}
		if len(seen) != 2 {
			t.Errorf("center answered %d distinct AI bases, want 2", len(seen))
		}
	}
}

func TestRegionRefusesOtherRegionsTokens(t *testing.T) {
	s := newServer(t, WithRegions(), WithInstances(3, 1))
	east, west := s.Region(KunshanClusterID), s.Region(XianClusterID)
	tests := []struct {
		name  string
		token string
		at    *RegionServer
		want  string
	}{
		{"own token", west.Token(), west, CodeOK},
		{"other region's token", east.Token(), west, CodeNoPermission},
		{"other region's token, reversed", west.Token(), east, CodeNoPermission},
		{"platform token", s.TokenFor(PlatformClusterID), west, CodeNoAPIAccess},
		{"no token", "", west, CodeNoPermission},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := do(t, http.MethodGet, regionListURL(tt.at), tt.token, nil, nil).Code; got != tt.want {
				t.Errorf("list: code %q, want %q", got, tt.want)
			}
			id := tt.at.Records()[0].ID
			u := tt.at.AIBaseURL() + "/openapi/v2/instance-service/" + id + "/detail"
			if got := do(t, http.MethodGet, u, tt.token, nil, nil).Code; got != tt.want {
				t.Errorf("detail: code %q, want %q", got, tt.want)
			}
		})
	}
	// The token and center endpoints live on the Server, not on a region.
	if a := do(t, http.MethodGet, west.URL()+"/ac/openapi/v2/center", west.Token(), nil, nil); a.HTTPStatus != http.StatusNotFound {
		t.Errorf("center on a region's listener: HTTP %d, want 404", a.HTTPStatus)
	}
	if a := do(t, http.MethodGet, s.URL()+"/ai/openapi/v2/instance-service/task?limit=1", s.Token(), nil, nil); a.HTTPStatus != http.StatusNotFound {
		t.Errorf("AI API on the Server's listener with several regions: HTTP %d, want 404", a.HTTPStatus)
	}
}

func TestRegionsHoldTheirOwnInstances(t *testing.T) {
	s := newServer(t, WithRegions(
		RegionSpec{ID: "11250", Name: "西北一区"},
		RegionSpec{ID: "12001", Name: "华东一区"},
		RegionSpec{ID: "13000", Name: "华南一区", Instances: 5},
		RegionSpec{ID: "14000", Name: "西南一区", Instances: -1},
	), WithInstances(20, 3))
	one := newServer(t, WithInstances(20, 3))
	first, second := s.Region("西北一区"), s.Region("12001")
	if first == nil || second == nil || s.Region("nowhere") != nil {
		t.Fatalf("Region by name or id: %v %v %v", first, second, s.Region("nowhere"))
	}
	if got, want := ids(recordsAsItems(first.Records())), ids(recordsAsItems(one.Records())); !slices.Equal(got, want) {
		t.Error("the first region does not hold what a one-region simulator with the same seed holds")
	}
	for _, r := range second.Records() {
		if _, dup := first.Get(r.ID); dup {
			t.Fatalf("id %s is seeded in both regions", r.ID)
		}
	}
	if n := [4]int{first.Count(), second.Count(), s.Region("13000").Count(), s.Region("14000").Count()}; n != [4]int{20, 20, 5, 0} {
		t.Errorf("counts %v, want [20 20 5 0]", n)
	}

	// Changes stay in their region, and the list of each region shows only
	// its own.
	id := second.Records()[0].ID
	if err := second.SetStatus(id, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	if err := first.SetStatus(id, scnet.StatusFailed); err == nil {
		t.Error("SetStatus in the first region found the second region's instance")
	}
	added := first.Add(Record{Name: "only-in-the-first"})
	if _, ok := second.FindByName("only-in-the-first"); ok {
		t.Error("a record added to the first region shows in the second")
	}
	if !slices.Contains(ids(items(t, do(t, http.MethodGet, regionListURL(first), first.Token(), nil, nil))), added.ID) {
		t.Error("the first region's list lacks its new record")
	}
	got := items(t, do(t, http.MethodGet, regionListURL(second)+"&status=Failed", second.Token(), nil, nil))
	if !slices.Contains(ids(got), id) {
		t.Error("the second region's list lacks its failed record")
	}

	// The Server's own instance methods and token are the first region's.
	if s.AIBaseURL() != first.AIBaseURL() || s.Token() != first.Token() {
		t.Error("Server.AIBaseURL or Token is not the first region's")
	}
	if _, ok := s.Get(added.ID); !ok || s.Count() != first.Count() {
		t.Error("Server's instance methods do not act on the first region")
	}
}

func recordsAsItems(rs []Record) []item {
	out := make([]item, len(rs))
	for i, r := range rs {
		out[i] = item{ID: r.ID}
	}
	return out
}

func TestServerStepAdvancesEveryRegion(t *testing.T) {
	s := newServer(t, WithRegions(), WithInstances(0, 1))
	var waiting []Record
	for _, rs := range s.Regions() {
		waiting = append(waiting, rs.Add(Record{Status: scnet.StatusWaiting}))
	}
	s.Step()
	for i, rs := range s.Regions() {
		if r, _ := rs.Get(waiting[i].ID); r.Status != scnet.StatusDeploying {
			t.Errorf("%s: status %s after Step, want Deploying", rs.Name(), r.Status)
		}
	}
}

// TestRegionFaultsStayInTheirRegion makes one region misbehave and checks
// that the other and the login endpoints still answer, and answer fast.
func TestRegionFaultsStayInTheirRegion(t *testing.T) {
	tests := []struct {
		name  string
		fault func(*RegionServer)
		check func(t *testing.T, a answer, err error, took time.Duration)
	}{
		{"down", func(rs *RegionServer) { rs.SetDown(true) }, func(t *testing.T, _ answer, err error, _ time.Duration) {
			if err == nil {
				t.Error("a down region answered")
			}
		}},
		{"HTTP 502", func(rs *RegionServer) { rs.FailNext(1, http.StatusBadGateway) }, func(t *testing.T, a answer, _ error, _ time.Duration) {
			if a.HTTPStatus != http.StatusBadGateway {
				t.Errorf("HTTP %d, want 502", a.HTTPStatus)
			}
		}},
		{"code", func(rs *RegionServer) { rs.FailNextCode(1, CodeInternal) }, func(t *testing.T, a answer, _ error, _ time.Duration) {
			if a.Code != CodeInternal {
				t.Errorf("code %q, want %q", a.Code, CodeInternal)
			}
		}},
		{"garbage", func(rs *RegionServer) { rs.GarbageNext(1) }, func(t *testing.T, _ answer, err error, _ time.Duration) {
			if err == nil {
				t.Error("garbage decoded")
			}
		}},
		{"slow", func(rs *RegionServer) { rs.SetLatency(300 * time.Millisecond) }, func(t *testing.T, _ answer, _ error, took time.Duration) {
			if took < 300*time.Millisecond {
				t.Errorf("answered in %v, want at least 300ms", took)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClock()
			s := newServer(t, WithRegions(), WithInstances(5, 1), WithClock(c.Now))
			east, west := s.Region(KunshanClusterID), s.Region(XianClusterID)
			eastTok, westTok := east.Token(), west.Token()
			tt.fault(west)

			start := time.Now()
			a, err := tryDo(context.Background(), http.MethodGet, regionListURL(west), westTok, nil, nil)
			tt.check(t, a, err, time.Since(start))

			start = time.Now()
			if got := do(t, http.MethodGet, regionListURL(east), eastTok, nil, nil); got.Code != CodeOK {
				t.Errorf("the healthy region: code %q", got.Code)
			}
			if took := time.Since(start); took > 200*time.Millisecond {
				t.Errorf("the healthy region took %v", took)
			}
			login := do(t, http.MethodPost, s.AuthBaseURL()+"/api/user/v3/tokens", "", akskHeaders(DefaultCredentials(), c.Now()), nil)
			if login.Code != CodeOK {
				t.Errorf("login while a region misbehaves: code %q", login.Code)
			}
			if n := west.RequestCount(""); n != 1 {
				t.Errorf("the faulty region logged %d requests, want 1", n)
			}
			if n := east.RequestCount("/ai/"); n != 1 {
				t.Errorf("the healthy region logged %d AI requests, want 1", n)
			}
			if n := s.RequestCount(""); n != 1 {
				t.Errorf("the Server logged %d requests, want 1 (the login)", n)
			}
		})
	}
}

func TestServerFaultsCoverOnlyTheLoginWithSeveralRegions(t *testing.T) {
	s := newServer(t, WithRegions(), WithInstances(3, 1))
	east := s.Region(KunshanClusterID)
	tok := east.Token()
	s.SetDown(true)
	if _, err := tryDo(context.Background(), http.MethodGet, s.ACBaseURL()+"/ac/openapi/v2/center", tok, nil, nil); err == nil {
		t.Error("the center answered while the Server is down")
	}
	if got := do(t, http.MethodGet, regionListURL(east), tok, nil, nil).Code; got != CodeOK {
		t.Errorf("a region while only the Server is down: code %q", got)
	}
	s.SetDown(false)
	east.ResetRequests()
	if n := east.RequestCount(""); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
}

func TestOneRegionSharesTheServersListenerAndKnobs(t *testing.T) {
	s := newServer(t, WithInstances(3, 1))
	rs := s.Regions()
	if len(rs) != 1 || s.Region(KunshanClusterID) != rs[0] {
		t.Fatalf("Regions() = %v", rs)
	}
	only := rs[0]
	if only.URL() != s.URL() || only.AIBaseURL() != s.AIBaseURL() || only.Token() != s.Token() || only.Name() != "华东一区【昆山】" {
		t.Errorf("the one region is not the Server's: %s %s", only.URL(), only.Name())
	}
	only.FailNextCode(1, CodeInternal)
	if got := do(t, http.MethodGet, s.ACBaseURL()+"/ac/openapi/v2/center", s.Token(), nil, nil).Code; got != CodeInternal {
		t.Errorf("the region's knob did not reach the Server's listener: code %q", got)
	}
	if s.RequestCount("") != only.RequestCount("") {
		t.Error("the region and the Server keep different logs")
	}
}

func TestSuspendedRegion(t *testing.T) {
	s := newServer(t, WithRegions(
		RegionSpec{ID: "a", Name: "西北一区", Suspended: true},
		RegionSpec{ID: "b", Name: "华东一区"},
	), WithInstances(3, 1))
	north := s.Region("西北一区")
	if !north.Suspended() || north.Token() != "" || s.Region("b").Suspended() {
		t.Errorf("suspended %v token %q", north.Suspended(), north.Token())
	}
	if got := do(t, http.MethodGet, regionListURL(north), s.Region("b").Token(), nil, nil).Code; got != CodeNoPermission {
		t.Errorf("the suspended region with another region's token: code %q", got)
	}
}

func TestRegionTokenFollowsRenewal(t *testing.T) {
	s := newServer(t, WithRegions(), WithInstances(1, 1))
	west := s.Region(XianClusterID)
	old := west.Token()
	if west.Token() != old {
		t.Error("a valid region token was not kept")
	}
	a := do(t, http.MethodPost, s.ACBaseURL()+"/ac/openapi/v2/tokens/next", old, nil, nil)
	var renewed string
	if err := json.Unmarshal(a.Data, &renewed); err != nil || a.Code != CodeOK {
		t.Fatalf("renew: code %q: %v", a.Code, err)
	}
	if got := west.Token(); got != renewed {
		t.Error("Token did not follow the renewal")
	}
	if got := do(t, http.MethodGet, regionListURL(west), renewed, nil, nil).Code; got != CodeOK {
		t.Errorf("renewed token: code %q", got)
	}
}

// TestRegionsLifecycleUnderLoad runs the lifecycle ticker over several
// regions while each is listed; under -race it proves every region's
// locking, and Close must stop every listener and the ticker.
func TestRegionsLifecycleUnderLoad(t *testing.T) {
	s := New(WithRegions(), WithInstances(200, 2), WithLifecycle(time.Millisecond))
	var toks []string
	var rss []*RegionServer
	for _, rs := range s.Regions() {
		if !rs.Suspended() {
			rss, toks = append(rss, rs), append(toks, rs.Token())
		}
	}
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		for i, rs := range rss {
			if got := do(t, http.MethodGet, regionListURL(rs)+"&status=Running", toks[i], nil, nil); got.Code != CodeOK {
				t.Fatalf("%s: code %q", rs.Name(), got.Code)
			}
		}
	}
	s.Close()
	for _, rs := range rss {
		if _, err := tryDo(context.Background(), http.MethodGet, regionListURL(rs), toks[0], nil, nil); err == nil {
			t.Errorf("%s still answers after Close", rs.Name())
		}
	}
}

func TestKeepLive(t *testing.T) {
	s := New(WithRegions(), WithInstances(200, 3))
	t.Cleanup(s.Close)
	r := s.Regions()[0]
	live := func() int {
		n := 0
		for _, rec := range r.Records() {
			if rec.Status.Live() {
				n++
			}
		}
		return n
	}
	total := r.Count()
	for _, want := range []int{5, 0, 40} {
		r.KeepLive(want)
		if got := live(); got != want {
			t.Errorf("KeepLive(%d) left %d live", want, got)
		}
	}
	if r.Count() < total {
		t.Errorf("KeepLive removed history: %d instances, had %d", r.Count(), total)
	}
}
