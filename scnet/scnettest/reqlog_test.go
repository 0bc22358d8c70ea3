package scnettest

import (
	"net/http"
	"testing"
)

func TestRequestLog(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(3, 1), WithClock(c.Now))
	tok := s.Token()
	s.FailNext(1, http.StatusBadGateway)
	do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, []byte(`{"limit":1}`))
	do(t, http.MethodGet, listURL(s)+"/list?limit=2&status=Running", tok, nil, nil)
	do(t, http.MethodGet, s.ACBaseURL()+"/ac/openapi/v2/center", tok, nil, nil)

	reqs := s.Requests()
	if len(reqs) != 3 {
		t.Fatalf("logged %d requests, want 3", len(reqs))
	}
	first := reqs[0]
	if first.Method != http.MethodGet || first.Path != "/ai/openapi/v2/instance-service/task" || first.RawQuery != "limit=1" ||
		string(first.Body) != `{"limit":1}` || first.Token != tok || !first.At.Equal(testNow) {
		t.Errorf("first request logged as %+v", first)
	}
	if reqs[1].RawQuery != "limit=2&status=Running" {
		t.Errorf("second query %q", reqs[1].RawQuery)
	}
	counts := map[string]int{"": 3, "/ai/": 2, "/ai/openapi/v2/instance-service/task/list": 1, "/ac/": 1, "/api/": 0}
	for prefix, want := range counts {
		if got := s.RequestCount(prefix); got != want {
			t.Errorf("RequestCount(%q) = %d, want %d", prefix, got, want)
		}
	}
	reqs[0].Body[0] = 'X'
	if s.Requests()[0].Body[0] != '{' {
		t.Error("Requests shares bodies with the log")
	}
	s.ResetRequests()
	if n := s.RequestCount(""); n != 0 || len(s.Requests()) != 0 {
		t.Errorf("after reset: %d requests", n)
	}
}
