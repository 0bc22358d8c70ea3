package scnet

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

func TestDiscoverAIBase(t *testing.T) {
	tests := []struct {
		name, body, want, wantErr string
	}{
		{
			name: "object data, first enabled, /ai added",
			body: `{"code":"0","msg":"success","data":{"id":"11250","name":"昆山","hpcUrls":[],"aiUrls":[{"enable":"false","url":"https://old.example.com"},{"enable":"true","version":"2","url":"https://ai.example.com:65011/"}]}}`,
			want: "https://ai.example.com:65011/ai",
		},
		{
			name: "array data, url already ends in /ai",
			body: `{"code":"0","data":[{"name":"x","aiUrls":[{"enable":"true","url":"https://ai.example.com/ai"}]}]}`,
			want: "https://ai.example.com/ai",
		},
		{
			name: "boolean enable",
			body: `{"code":"0","data":{"aiUrls":[{"enable":false,"url":"https://a"},{"enable":true,"url":"https://b"}]}}`,
			want: "https://b/ai",
		},
		{name: "none enabled", body: `{"code":"0","data":{"aiUrls":[{"enable":"false","url":"https://a"}]}}`, wantErr: "no enabled"},
		{name: "no aiUrls", body: `{"code":"0","data":{"hpcUrls":[]}}`, wantErr: "no enabled"},
		{name: "failure code", body: `{"code":"10009","msg":"没有权限访问接口"}`, wantErr: "10009"},
		{name: "bad url", body: `{"code":"0","data":{"aiUrls":[{"enable":"true","url":"not a url"}]}}`, wantErr: "base url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != "/ac/openapi/v2/center" || r.Header.Get("token") != testToken {
					w.WriteHeader(400)
					return
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			got, err := DiscoverAIBase(context.Background(), nil, srv.URL+"/", StaticToken(testToken))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("DiscoverAIBase = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDiscoverAIBaseReloginOnce(t *testing.T) {
	a := newAuthServer(t)
	var calls atomic.Int32
	a.mux.HandleFunc("GET /ac/openapi/v2/center", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("token") == "tok-1" {
			_, _ = io.WriteString(w, `{"code":"10008","msg":"权限不足"}`)
			return
		}
		_, _ = io.WriteString(w, `{"code":"0","data":{"aiUrls":[{"enable":"true","url":"https://ai.example.com"}]}}`)
	})
	creds := newCreds(t, a.akskConfig())
	got, err := DiscoverAIBase(context.Background(), nil, a.srv.URL, creds)
	if err != nil || got != "https://ai.example.com/ai" {
		t.Fatalf("DiscoverAIBase = %q, %v", got, err)
	}
	if calls.Load() != 2 || a.logins.Load() != 2 {
		t.Errorf("center calls %d logins %d, want 2 and 2", calls.Load(), a.logins.Load())
	}
}
