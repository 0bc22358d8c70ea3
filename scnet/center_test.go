package scnet

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
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

func TestDescribeRegion(t *testing.T) {
	tests := []struct {
		name, body     string
		wantID, wantNm string
		wantBase       string
	}{
		{
			name:   "object data, string id",
			body:   `{"code":"0","msg":"success","data":{"id":"11250","name":"华东一区【昆山】","aiUrls":[{"enable":"true","url":"https://ks.example.com:65011"}]}}`,
			wantID: "11250", wantNm: "华东一区【昆山】", wantBase: "https://ks.example.com:65011/ai",
		},
		{
			name:   "array data, numeric id, the entry with an enabled url",
			body:   `{"code":"0","data":[{"id":1,"name":"old","aiUrls":[{"enable":"false","url":"https://old"}]},{"id":11276,"name":"西北一区","aiUrls":[{"enable":"true","url":"https://xb.example.com/ai"}]}]}`,
			wantID: "11276", wantNm: "西北一区", wantBase: "https://xb.example.com/ai",
		},
		{
			name:   "no id",
			body:   `{"code":"0","data":{"name":"x","aiUrls":[{"enable":"true","url":"https://x"}]}}`,
			wantID: "", wantNm: "x", wantBase: "https://x/ai",
		},
		{
			name:   "token and control characters in the name",
			body:   `{"code":"0","data":{"id":"7","name":"a\u0007` + testToken + `","aiUrls":[{"enable":"true","url":"https://x"}]}}`,
			wantID: "7", wantNm: "a" + redacted, wantBase: "https://x/ai",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/ac/openapi/v2/center" || r.Header.Get("token") != testToken {
					w.WriteHeader(400)
					return
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			r, base, err := DescribeRegion(context.Background(), nil, srv.URL, StaticToken(testToken))
			if err != nil || r.ID != tt.wantID || r.Name != tt.wantNm || base != tt.wantBase {
				t.Errorf("DescribeRegion = %+v, %q, %v; want {%s %s}, %q", r, base, err, tt.wantID, tt.wantNm, tt.wantBase)
			}
		})
	}
}

// TestDescribeRegionPerToken: a SCNET_TOKEN list finds each token's region
// from one center endpoint that answers per token.
func TestDescribeRegionPerToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Header.Get("token") {
		case "tok-a":
			_, _ = io.WriteString(w, `{"code":"0","data":{"id":"1","name":"华东一区","aiUrls":[{"enable":"true","url":"https://a.example.com"}]}}`)
		case "tok-b":
			_, _ = io.WriteString(w, `{"code":"0","data":{"id":"2","name":"西北一区","aiUrls":[{"enable":"true","url":"https://b.example.com"}]}}`)
		default:
			_, _ = io.WriteString(w, `{"code":"10008","msg":"权限不足"}`)
		}
	}))
	defer srv.Close()
	var got []string
	for _, tok := range []string{"tok-a", "tok-b"} {
		r, base, err := DescribeRegion(context.Background(), nil, srv.URL, StaticToken(tok))
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.ID+" "+r.Name+" "+base)
	}
	if want := "1 华东一区 https://a.example.com/ai|2 西北一区 https://b.example.com/ai"; strings.Join(got, "|") != want {
		t.Errorf("got %q, want %q", strings.Join(got, "|"), want)
	}
	_, _, err := DescribeRegion(context.Background(), nil, srv.URL, StaticToken(testToken))
	if !IsAuthError(err) {
		t.Errorf("unknown token: err %v, want an auth error", err)
	}
	assertNoSecret(t, "describe", err, testToken)
}

// TestACObserves: the center and user requests are told to the observer,
// as the client's are, so they show in scnetbot's SCNet metrics.
func TestACObserves(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ac/openapi/v2/center":
			_, _ = io.WriteString(w, `{"code":"0","data":{"id":"11250","name":"昆山","aiUrls":[{"enable":"true","url":"https://ai.example.com"}]}}`)
		case "/ac/openapi/v2/user":
			_, _ = io.WriteString(w, documentedUser)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	var mu sync.Mutex
	var seen []string
	ac := &AC{Base: srv.URL, Observer: func(endpoint, outcome string, _ time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, endpoint+" "+outcome)
	}}
	ctx := context.Background()
	if _, err := ac.DiscoverAIBase(ctx, StaticToken(testToken)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ac.DescribeRegion(ctx, StaticToken(testToken)); err != nil {
		t.Fatal(err)
	}
	if _, err := ac.DescribeAccount(ctx, StaticToken(testToken)); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if got, want := strings.Join(seen, ","), "center 0,center 0,user 0"; got != want {
		t.Errorf("observed %q, want %q", got, want)
	}
}
