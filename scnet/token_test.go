package scnet

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestJWTExpiry(t *testing.T) {
	ms := time.Date(2026, 11, 27, 22, 0, 0, 0, time.UTC)
	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		token  string
		want   time.Time
		wantOK bool
	}{
		{"expireTime millis", jwt(map[string]any{"expireTime": ms.UnixMilli(), "user": "u"}), ms, true},
		{"expireTime string", jwt(map[string]any{"expireTime": fmt.Sprint(ms.UnixMilli())}), ms, true},
		{"expireTime seconds", jwt(map[string]any{"expireTime": ms.Unix()}), ms, true},
		{"exp seconds", jwt(map[string]any{"exp": ms.Unix()}), ms, true},
		{"expireTime wins over exp", jwt(map[string]any{"expireTime": ms.UnixMilli(), "exp": 1}), ms, true},
		{"padded payload", "h." + base64.URLEncoding.EncodeToString([]byte(`{"expireTime":`+fmt.Sprint(ms.UnixMilli())+`}`)) + ".s", ms, true},
		{"std alphabet payload", "h." + base64.RawStdEncoding.EncodeToString([]byte(`{"exp":`+fmt.Sprint(ms.Unix())+`,"x":"??>>"}`)) + ".s", ms, true},
		{"no expiry claim", jwt(map[string]any{"user": "u"}), time.Time{}, false},
		{"null claim", jwt(map[string]any{"expireTime": nil}), time.Time{}, false},
		{"negative", jwt(map[string]any{"expireTime": -5}), time.Time{}, false},
		{"garbage claim", jwt(map[string]any{"expireTime": "soon"}), time.Time{}, false},
		{"not a jwt", "opaque-token", time.Time{}, false},
		{"two parts", "a." + b64(`{"exp":1}`), time.Time{}, false},
		{"bad base64", "a.!!!.c", time.Time{}, false},
		{"payload not json", "a." + b64("hello") + ".c", time.Time{}, false},
		{"empty", "", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := jwtExpiry(tt.token)
		if ok != tt.wantOK || !got.Equal(tt.want) {
			t.Errorf("%s: jwtExpiry = %v, %v; want %v, %v", tt.name, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzJWTExpiry: the expiry parser must never panic and never claim a
// time before 1970 or absurdly far ahead.
func FuzzJWTExpiry(f *testing.F) {
	f.Add(jwt(map[string]any{"expireTime": 1764237600000}))
	f.Add(jwt(map[string]any{"exp": "1764237600"}))
	f.Add("a.b.c")
	f.Add("..")
	f.Add("eyJ.eyJleHAiOjF9.x")
	f.Fuzz(func(t *testing.T, token string) {
		got, ok := jwtExpiry(token)
		if !ok {
			if !got.IsZero() {
				t.Fatal("not ok but a time")
			}
			return
		}
		if got.Unix() <= 0 || got.Year() > 40000 {
			t.Fatalf("implausible expiry %v", got)
		}
	})
}

func TestStaticToken(t *testing.T) {
	exp := time.Now().Add(3 * time.Hour).Truncate(time.Millisecond)
	tok := jwt(map[string]any{"expireTime": exp.UnixMilli()})
	s := StaticToken(tok)
	got, err := s.Token(context.Background())
	if err != nil || got != tok {
		t.Fatalf("Token = %q, %v", got, err)
	}
	if s.Invalidate(tok) {
		t.Error("Invalidate of a static token reports it renewable")
	}
	if again, _ := s.Token(context.Background()); again != tok {
		t.Error("a static token must survive Invalidate: there is nothing to replace it with")
	}
	if at, ok := s.ExpiresAt(); !ok || !at.Equal(exp) {
		t.Errorf("ExpiresAt = %v, %v; want %v", at, ok, exp)
	}
	if _, ok := StaticToken("opaque").ExpiresAt(); ok {
		t.Error("opaque token must have no known expiry")
	}
	if _, err := StaticToken("").Token(context.Background()); err == nil {
		t.Error("empty static token must be an error")
	}
	if s := fmt.Sprintf("%v %+v %#v", s, s, s); strings.Contains(s, tok) {
		t.Errorf("printing the source shows the token: %s", s)
	}
}

// TestRejectedStaticTokenSentOnce: a static token cannot be renewed, so
// once SCNet rejects it the client stops with the rejection instead of
// sending the same token again.
func TestRejectedStaticTokenSentOnce(t *testing.T) {
	rejections := map[string]func(w http.ResponseWriter){
		"code 10008": func(w http.ResponseWriter) { writeJSON(w, 200, map[string]any{"code": "10008", "msg": "权限不足"}) },
		"http 401":   func(w http.ResponseWriter) { writeJSON(w, 401, map[string]any{"msg": "unauthorized"}) },
		"http 403":   func(w http.ResponseWriter) { w.WriteHeader(403) },
	}
	for name, reject := range rejections {
		t.Run(name, func(t *testing.T) {
			var requests atomic.Int32
			handler := func(w http.ResponseWriter, r *http.Request) {
				requests.Add(1)
				reject(w)
			}
			mux, c := setup(t, WithRetry(4, time.Millisecond))
			mux.HandleFunc(listPath, handler)
			mux.HandleFunc("/ac/openapi/v2/center", handler)

			_, err := c.ListInstances(context.Background(), ListOptions{})
			if !IsAuthError(err) {
				t.Errorf("list: err = %v, want an auth error", err)
			}
			if n := requests.Swap(0); n != 1 {
				t.Errorf("list: %d requests, want 1", n)
			}

			_, err = DiscoverAIBase(context.Background(), nil, strings.TrimSuffix(c.AIBase(), "/ai"), StaticToken(testToken))
			if !IsAuthError(err) {
				t.Errorf("center: err = %v, want an auth error", err)
			}
			if n := requests.Load(); n != 1 {
				t.Errorf("center: %d requests, want 1", n)
			}
		})
	}
}
