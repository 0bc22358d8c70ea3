package scnettest

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestFailNext(t *testing.T) {
	for _, status := range []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusTooManyRequests} {
		s := newServer(t, WithInstances(3, 1))
		tok := s.Token()
		s.FailNext(2, status)
		for i := range 2 {
			a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil)
			if a.HTTPStatus != status || !strings.Contains(string(a.Raw), "<html>") {
				t.Errorf("request %d: HTTP %d body %q, want %d with an HTML page", i, a.HTTPStatus, a.Raw, status)
			}
		}
		if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.HTTPStatus != http.StatusOK || a.Code != CodeOK {
			t.Errorf("third request: HTTP %d code %q, want success", a.HTTPStatus, a.Code)
		}
	}
}

func TestFailNextCode(t *testing.T) {
	for _, code := range []string{CodeInternal, CodeUserFrozen, CodeDisconnected, CodeNoPermission} {
		s := newServer(t, WithInstances(3, 1))
		tok := s.Token()
		s.FailNextCode(1, code)
		a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil)
		if a.HTTPStatus != http.StatusOK || a.Code != code || a.Msg != Message(code) || string(a.Data) != "null" {
			t.Errorf("HTTP %d code %q msg %q data %s, want 200 %q %q null", a.HTTPStatus, a.Code, a.Msg, a.Data, code, Message(code))
		}
		if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.Code != CodeOK {
			t.Errorf("after the fault: code %q", a.Code)
		}
	}
}

func TestGarbageNext(t *testing.T) {
	s := newServer(t, WithInstances(3, 1))
	tok := s.Token()
	s.GarbageNext(1)
	a, err := tryDo(context.Background(), http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil)
	if a.HTTPStatus != http.StatusOK || err == nil || json.Valid(a.Raw) {
		t.Errorf("HTTP %d err %v body %q, want 200 with invalid JSON", a.HTTPStatus, err, a.Raw)
	}
	if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.Code != CodeOK {
		t.Errorf("after the fault: code %q", a.Code)
	}
}

func TestSetDown(t *testing.T) {
	s := newServer(t, WithInstances(3, 1))
	tok := s.Token()
	s.SetDown(true)
	if a, err := tryDo(context.Background(), http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); err == nil {
		t.Errorf("while down: HTTP %d, want a network error", a.HTTPStatus)
	}
	s.SetDown(false)
	if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.Code != CodeOK {
		t.Errorf("after coming back: code %q", a.Code)
	}
}

func TestFaultsApplyInOrder(t *testing.T) {
	s := newServer(t, WithInstances(3, 1))
	tok := s.Token()
	s.GarbageNext(1)
	s.FailNextCode(1, CodeInternal)
	s.FailNext(1, http.StatusBadGateway)
	if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.HTTPStatus != http.StatusBadGateway {
		t.Errorf("first: HTTP %d, want 502", a.HTTPStatus)
	}
	if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.Code != CodeInternal {
		t.Errorf("second: code %q, want %q", a.Code, CodeInternal)
	}
	if _, err := tryDo(context.Background(), http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); err == nil {
		t.Error("third: want garbage")
	}
}

func TestLatency(t *testing.T) {
	s := newServer(t, WithInstances(3, 1), WithLatency(time.Hour))
	tok := s.Token()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := tryDo(ctx, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); err == nil {
		t.Error("an hour of latency answered within the client's deadline")
	}
	s.SetLatency(0)
	if a := do(t, http.MethodGet, listURL(s)+"?limit=1", tok, nil, nil); a.Code != CodeOK {
		t.Errorf("without latency: code %q", a.Code)
	}
}
