package scnettest

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"scnetbot/scnet"
)

func restartURL(s *RegionServer, id string) string {
	return s.AIBaseURL() + "/openapi/v2/instance-service/task/actions/restart?instanceServiceId=" + url.QueryEscape(id)
}

func idsQuery(ids ...string) string {
	q := url.Values{}
	for _, id := range ids {
		q.Add("ids", id)
	}
	return q.Encode()
}

func stopURL(s *RegionServer, ids ...string) string {
	return s.AIBaseURL() + "/openapi/v2/instance-service/task/actions/stop?" + idsQuery(ids...)
}

func deleteURL(s *RegionServer, ids ...string) string {
	return s.AIBaseURL() + "/openapi/v2/instance-service/task?" + idsQuery(ids...)
}

func accessURL(s *RegionServer, id string) string {
	return s.AIBaseURL() + "/openapi/v2/instance-service/" + id + "/url"
}

// status is the record's status, failing the test when it is gone.
func status(t *testing.T, s *RegionServer, id string) scnet.Status {
	t.Helper()
	rec, ok := s.Get(id)
	if !ok {
		t.Fatalf("instance %s is gone", id)
	}
	return rec.Status
}

func TestRestartDeploysThenRuns(t *testing.T) {
	for _, from := range []scnet.Status{scnet.StatusFailed, scnet.StatusTerminated, scnet.StatusCompleted} {
		t.Run(string(from), func(t *testing.T) {
			c := newClock()
			srv := newServer(t, WithClock(c.Now))
			s := srv.primary
			rec := s.Add(Record{Name: "job", Status: from, StartTime: testNow.Add(-time.Hour), EndTime: testNow.Add(-time.Minute)})
			a := do(t, http.MethodPost, restartURL(s, rec.ID), srv.Token(), nil, nil)
			if a.Code != CodeOK || string(a.Data) != `"`+rec.ID+`"` {
				t.Fatalf("code %q data %s, want success with the id", a.Code, a.Data)
			}
			got, _ := s.Get(rec.ID)
			if got.Status != scnet.StatusDeploying || !got.StartTime.IsZero() || !got.EndTime.IsZero() {
				t.Fatalf("after restart: %s start %v end %v, want Deploying without times", got.Status, got.StartTime, got.EndTime)
			}
			// Nothing else is live, so Step would move it if the restart
			// did not keep it to its delay.
			s.Step()
			c.Advance(DefaultRestartDelay - time.Second)
			if st := status(t, s, rec.ID); st != scnet.StatusDeploying {
				t.Fatalf("before the delay: %s, want Deploying", st)
			}
			c.Advance(time.Second)
			got, _ = s.Get(rec.ID)
			if got.Status != scnet.StatusRunning || !got.StartTime.Equal(c.Now()) {
				t.Fatalf("after the delay: %s start %v, want Running since %v", got.Status, got.StartTime, c.Now())
			}
		})
	}
}

// TestRestartSettlesOnRequest: the move to Running shows on the API, not
// only through the Go methods.
func TestRestartSettlesOnRequest(t *testing.T) {
	c := newClock()
	srv := newServer(t, WithClock(c.Now), WithRestartDelay(5*time.Second))
	s := srv.primary
	rec := s.Add(Record{Status: scnet.StatusFailed})
	do(t, http.MethodPost, restartURL(s, rec.ID), srv.Token(), nil, nil)
	c.Advance(5 * time.Second)
	a := do(t, http.MethodGet, detailURL(srv, rec.ID), srv.Token(), nil, nil)
	if !strings.Contains(string(a.Data), `"status":"Running"`) {
		t.Errorf("detail after the delay: %s, want Running", a.Data)
	}
}

// TestRestartThenStopCancelsTheRestart: a stop during the delay wins, and
// the pending restart does not bring the instance back.
func TestRestartThenStopCancelsTheRestart(t *testing.T) {
	c := newClock()
	srv := newServer(t, WithClock(c.Now))
	s := srv.primary
	rec := s.Add(Record{Status: scnet.StatusCompleted})
	do(t, http.MethodPost, restartURL(s, rec.ID), srv.Token(), nil, nil)
	if a := do(t, http.MethodPost, stopURL(s, rec.ID), srv.Token(), nil, nil); a.Code != CodeOK {
		t.Fatalf("stop: code %q", a.Code)
	}
	c.Advance(time.Hour)
	if st := status(t, s, rec.ID); st != scnet.StatusTerminated {
		t.Errorf("status %s, want Terminated", st)
	}
}

func TestRestartRefused(t *testing.T) {
	srv := newServer(t)
	s := srv.primary
	for _, st := range []scnet.Status{scnet.StatusWaiting, scnet.StatusDeploying, scnet.StatusRunning} {
		rec := s.Add(Record{Status: st})
		a := do(t, http.MethodPost, restartURL(s, rec.ID), srv.Token(), nil, nil)
		if a.Code != CodeInvalidParams || !strings.Contains(a.Msg, string(st)) || string(a.Data) != "null" {
			t.Errorf("restart of %s: code %q msg %q data %s, want 10004 naming the status", st, a.Code, a.Msg, a.Data)
		}
		if got := status(t, s, rec.ID); got != st {
			t.Errorf("restart of %s changed it to %s", st, got)
		}
	}
	tests := []struct {
		name, method, url, want string
	}{
		{"unknown id", http.MethodPost, restartURL(s, "ffffffffffffffffffffffffffffffff"), CodeInvalidParams},
		{"no id", http.MethodPost, s.AIBaseURL() + "/openapi/v2/instance-service/task/actions/restart", CodeMissingParams},
	}
	for _, tt := range tests {
		if a := do(t, tt.method, tt.url, srv.Token(), nil, nil); a.Code != tt.want {
			t.Errorf("%s: code %q, want %q", tt.name, a.Code, tt.want)
		}
	}
	if a := do(t, http.MethodGet, restartURL(s, "x"), srv.Token(), nil, nil); a.HTTPStatus != http.StatusMethodNotAllowed {
		t.Errorf("GET restart: HTTP %d, want 405", a.HTTPStatus)
	}
}

func TestStop(t *testing.T) {
	c := newClock()
	srv := newServer(t, WithClock(c.Now))
	s := srv.primary
	a1 := s.Add(Record{Status: scnet.StatusRunning, StartTime: testNow.Add(-time.Hour)})
	a2 := s.Add(Record{Status: scnet.StatusWaiting})
	done := s.Add(Record{Status: scnet.StatusCompleted})
	c.Advance(time.Minute)

	// One stopped instance among the ids refuses them all.
	a := do(t, http.MethodPost, stopURL(s, a1.ID, done.ID), srv.Token(), nil, nil)
	if a.Code != CodeInvalidParams || status(t, s, a1.ID) != scnet.StatusRunning {
		t.Errorf("stop with a stopped one: code %q, %s; want 10004 and nothing stopped", a.Code, status(t, s, a1.ID))
	}
	if a := do(t, http.MethodPost, stopURL(s, a1.ID, "ffffffffffffffffffffffffffffffff"), srv.Token(), nil, nil); a.Code != CodeInvalidParams {
		t.Errorf("stop with an unknown id: code %q, want 10004", a.Code)
	}
	if a := do(t, http.MethodPost, stopURL(s), srv.Token(), nil, nil); a.Code != CodeMissingParams {
		t.Errorf("stop without ids: code %q, want 10003", a.Code)
	}

	a = do(t, http.MethodPost, stopURL(s, a1.ID, a2.ID), srv.Token(), nil, nil)
	if a.Code != CodeOK || string(a.Data) != "null" {
		t.Fatalf("stop: code %q data %s", a.Code, a.Data)
	}
	for _, id := range []string{a1.ID, a2.ID} {
		rec, _ := s.Get(id)
		if rec.Status != scnet.StatusTerminated || !rec.EndTime.Equal(c.Now()) {
			t.Errorf("%s: %s ended %v, want Terminated at %v", id, rec.Status, rec.EndTime, c.Now())
		}
	}
	if a := do(t, http.MethodPost, stopURL(s, a1.ID), srv.Token(), nil, nil); a.Code != CodeInvalidParams {
		t.Errorf("second stop: code %q, want 10004", a.Code)
	}
}

func TestDelete(t *testing.T) {
	srv := newServer(t)
	s := srv.primary
	gone1 := s.Add(Record{Status: scnet.StatusFailed})
	gone2 := s.Add(Record{Status: scnet.StatusTerminated})
	live := s.Add(Record{Status: scnet.StatusRunning})
	tests := []struct {
		name string
		ids  []string
		want string
	}{
		{"live", []string{gone1.ID, live.ID}, CodeDeleteFailed},
		{"unknown", []string{gone1.ID, "ffffffffffffffffffffffffffffffff"}, CodeDatabaseQuery},
		{"none", nil, CodeMissingParams},
	}
	for _, tt := range tests {
		a := do(t, http.MethodDelete, deleteURL(s, tt.ids...), srv.Token(), nil, nil)
		if a.Code != tt.want || a.Msg != Message(tt.want) {
			t.Errorf("%s: code %q msg %q, want %q", tt.name, a.Code, a.Msg, tt.want)
		}
	}
	if s.Count() != 3 {
		t.Fatalf("refused deletes removed something: %d left", s.Count())
	}
	a := do(t, http.MethodDelete, deleteURL(s, gone1.ID, gone2.ID, gone1.ID), srv.Token(), nil, nil)
	if a.Code != CodeOK || string(a.Data) != "null" {
		t.Fatalf("delete: code %q data %s", a.Code, a.Data)
	}
	if _, ok := s.Get(gone1.ID); ok || s.Count() != 1 {
		t.Errorf("after delete %d left, want only the live one", s.Count())
	}
	// A GET on the same path still lists.
	if got := items(t, do(t, http.MethodGet, listURL(srv)+"?limit=10", srv.Token(), nil, nil)); len(got) != 1 || got[0].ID != live.ID {
		t.Errorf("listing after delete: %v", ids(got))
	}
}

func TestURL(t *testing.T) {
	srv := newServer(t, WithInstances(40, 3))
	s := srv.primary
	running := 0
	for _, rec := range s.Records() {
		a := do(t, http.MethodGet, accessURL(s, rec.ID), srv.Token(), nil, nil)
		if rec.Status != scnet.StatusRunning {
			if a.Code != CodeInvalidParams || string(a.Data) != "null" {
				t.Errorf("%s instance: code %q data %s, want 10004", rec.Status, a.Code, a.Data)
			}
			continue
		}
		running++
		var raw string
		if a.Code != CodeOK || len(a.Data) < 2 {
			t.Fatalf("running instance: code %q data %s", a.Code, a.Data)
		}
		raw = strings.Trim(string(a.Data), `"`)
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			t.Errorf("url %q is not an absolute http(s) URL", raw)
			continue
		}
		if tok := u.Query().Get("token"); tok == "" || tok != s.AccessToken(rec.ID) {
			t.Errorf("url %q carries token %q, want AccessToken", raw, tok)
		}
	}
	if running == 0 {
		t.Fatal("the seed has no Running instance to ask for a URL")
	}
	if first := s.AccessToken("a"); first == s.AccessToken("b") || first != s.AccessToken("a") {
		t.Error("AccessToken is not one stable token per instance")
	}
}

// TestActionsCheckTheToken: the actions refuse a missing, unknown or
// platform token like every container API, and do nothing then.
func TestActionsCheckTheToken(t *testing.T) {
	srv := newServer(t)
	s := srv.primary
	rec := s.Add(Record{Status: scnet.StatusRunning})
	calls := []struct {
		method, url string
	}{
		{http.MethodPost, restartURL(s, rec.ID)},
		{http.MethodPost, stopURL(s, rec.ID)},
		{http.MethodDelete, deleteURL(s, rec.ID)},
		{http.MethodGet, accessURL(s, rec.ID)},
	}
	tokens := map[string]string{"": CodeNoPermission, "not-a-token": CodeNoPermission, srv.TokenFor(PlatformClusterID): CodeNoAPIAccess}
	for tok, want := range tokens {
		for _, c := range calls {
			if a := do(t, c.method, c.url, tok, nil, nil); a.Code != want {
				t.Errorf("%s %s with token %.8q: code %q, want %q", c.method, c.url, tok, a.Code, want)
			}
		}
	}
	if st := status(t, s, rec.ID); st != scnet.StatusRunning {
		t.Errorf("refused calls changed the instance to %s", st)
	}
}

func TestFailNextAction(t *testing.T) {
	srv := newServer(t)
	s := srv.primary
	rec := s.Add(Record{Status: scnet.StatusFailed})
	s.FailNextAction(ActionRestart, 2, CodeInternal)
	// Other actions and reads are not affected.
	if a := do(t, http.MethodGet, detailURL(srv, rec.ID), srv.Token(), nil, nil); a.Code != CodeOK {
		t.Fatalf("detail: code %q", a.Code)
	}
	for i := range 2 {
		a := do(t, http.MethodPost, restartURL(s, rec.ID), srv.Token(), nil, nil)
		if a.Code != CodeInternal || a.Msg != Message(CodeInternal) {
			t.Errorf("call %d: code %q msg %q, want 10001", i, a.Code, a.Msg)
		}
		if st := status(t, s, rec.ID); st != scnet.StatusFailed {
			t.Fatalf("a failed call was applied: %s", st)
		}
	}
	if a := do(t, http.MethodPost, restartURL(s, rec.ID), srv.Token(), nil, nil); a.Code != CodeOK {
		t.Errorf("third call: code %q, want success", a.Code)
	}
	if n := s.ActionCount(ActionRestart); n != 3 {
		t.Errorf("ActionCount(restart) = %d, want 3", n)
	}
}

// TestHoldNextAction: the held call is applied before its answer, which
// a client that gives up never sees; the next call is answered at once.
func TestHoldNextAction(t *testing.T) {
	srv := newServer(t)
	s := srv.primary
	rec := s.Add(Record{Status: scnet.StatusRunning})
	s.HoldNextAction(ActionStop, 1, time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := tryDo(ctx, http.MethodPost, stopURL(s, rec.ID), srv.Token(), nil, nil); err == nil {
		t.Fatal("the held answer arrived")
	}
	if st := status(t, s, rec.ID); st != scnet.StatusTerminated {
		t.Errorf("held stop not applied: %s", st)
	}
	if a := do(t, http.MethodPost, stopURL(s, rec.ID), srv.Token(), nil, nil); a.Code != CodeInvalidParams {
		t.Errorf("second stop: code %q, want 10004 (already stopped)", a.Code)
	}
	if n := s.ActionCount(ActionStop); n != 2 {
		t.Errorf("ActionCount(stop) = %d, want 2", n)
	}
}

// TestActionCountTellsActionsApart: delete shares the list's path and url
// has the id in it; each is counted as its own action.
func TestActionCountTellsActionsApart(t *testing.T) {
	srv := newServer(t)
	s := srv.primary
	rec := s.Add(Record{Status: scnet.StatusRunning})
	do(t, http.MethodGet, listURL(srv)+"?limit=5", srv.Token(), nil, nil)
	do(t, http.MethodGet, accessURL(s, rec.ID), srv.Token(), nil, nil)
	do(t, http.MethodGet, accessURL(s, rec.ID), "", nil, nil)
	do(t, http.MethodDelete, deleteURL(s, rec.ID), srv.Token(), nil, nil)
	do(t, http.MethodGet, detailURL(srv, rec.ID), srv.Token(), nil, nil)
	want := map[Action]int{ActionURL: 2, ActionDelete: 1, ActionRestart: 0, ActionStop: 0}
	for a, n := range want {
		if got := s.ActionCount(a); got != n {
			t.Errorf("ActionCount(%s) = %d, want %d", a, got, n)
		}
	}
	s.ResetRequests()
	if s.ActionCount(ActionURL) != 0 {
		t.Error("ResetRequests left action calls counted")
	}
}

// TestActionKnobsPerRegion: each region has its own action knobs and
// counts.
func TestActionKnobsPerRegion(t *testing.T) {
	srv := newServer(t, WithRegions())
	ks, xa := srv.Region(KunshanClusterID), srv.Region(XianClusterID)
	r1 := ks.Add(Record{Status: scnet.StatusCompleted})
	r2 := xa.Add(Record{Status: scnet.StatusCompleted})
	ks.FailNextAction(ActionDelete, 1, CodeDeleteFailed)
	if a := do(t, http.MethodDelete, deleteURL(xa, r2.ID), xa.Token(), nil, nil); a.Code != CodeOK {
		t.Errorf("other region: code %q, want success", a.Code)
	}
	if a := do(t, http.MethodDelete, deleteURL(ks, r1.ID), ks.Token(), nil, nil); a.Code != CodeDeleteFailed {
		t.Errorf("faulted region: code %q, want 716866", a.Code)
	}
	if ks.ActionCount(ActionDelete) != 1 || xa.ActionCount(ActionDelete) != 1 {
		t.Errorf("counts %d and %d, want 1 each", ks.ActionCount(ActionDelete), xa.ActionCount(ActionDelete))
	}
}

// TestActionKnobsConcurrent exercises the knobs while calls arrive, for
// the race detector; every call gets one of the answers the knobs allow.
func TestActionKnobsConcurrent(t *testing.T) {
	srv := newServer(t, WithInstances(30, 2))
	s := srv.primary
	tok := srv.Token()
	recs := s.Records()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 10 {
				rec := recs[(i*10+j)%len(recs)]
				switch j % 4 {
				case 0:
					s.FailNextAction(ActionRestart, 1, CodeInternal)
				case 1:
					s.HoldNextAction(ActionURL, 1, time.Millisecond)
				}
				a, err := tryDo(context.Background(), http.MethodPost, restartURL(s, rec.ID), tok, nil, nil)
				if err != nil || (a.Code != CodeOK && a.Code != CodeInternal && a.Code != CodeInvalidParams) {
					t.Errorf("restart: code %q err %v", a.Code, err)
				}
				_, _ = tryDo(context.Background(), http.MethodGet, accessURL(s, rec.ID), tok, nil, nil)
				_ = s.ActionCount(ActionURL)
			}
		}()
	}
	wg.Wait()
	if n := s.ActionCount(ActionRestart); n != 80 {
		t.Errorf("ActionCount(restart) = %d, want 80", n)
	}
}
