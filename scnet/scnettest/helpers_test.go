package scnettest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// testNow is the fixed start of every test clock: 2026-11-27 18:00 in
// Beijing.
var testNow = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: testNow} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := New(opts...)
	t.Cleanup(s.Close)
	return s
}

// answer is an SCNet envelope plus what the transport said.
type answer struct {
	HTTPStatus int
	Raw        []byte
	Msg        string          `json:"msg"`
	Code       string          `json:"code"`
	Total      *int            `json:"total"`
	Data       json.RawMessage `json:"data"`
}

// do sends a request and decodes the envelope; it fails the test on a
// transport error.
func do(t testing.TB, method, u, token string, header map[string]string, body []byte) answer {
	t.Helper()
	a, err := tryDo(context.Background(), method, u, token, header, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	return a
}

func tryDo(ctx context.Context, method, u, token string, header map[string]string, body []byte) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return answer{}, err
	}
	if token != "" {
		req.Header.Set("token", token)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	a := answer{HTTPStatus: resp.StatusCode, Raw: raw}
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, &a); err != nil {
			return a, err
		}
	}
	return a, nil
}

func listURL(s *Server) string { return s.AIBaseURL() + "/openapi/v2/instance-service/task" }

// listBody lists with the filters as a JSON body, the documented way.
func listBody(t testing.TB, s *Server, token string, params map[string]any) answer {
	t.Helper()
	b, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	return do(t, http.MethodGet, listURL(s), token, nil, b)
}

// listQuery lists with the filters as query parameters at the alternate
// path.
func listQueryParams(t testing.TB, s *Server, token string, q url.Values) answer {
	t.Helper()
	return do(t, http.MethodGet, listURL(s)+"/list?"+q.Encode(), token, nil, nil)
}

// item is the part of a listed record tests look at.
type item struct {
	ID         string  `json:"id"`
	Name       string  `json:"instanceServiceName"`
	Status     string  `json:"status"`
	TaskType   string  `json:"taskType"`
	CreateTime string  `json:"createTime"`
	StartTime  *string `json:"startTime"`
	EndTime    *string `json:"endTime"`
}

func items(t testing.TB, a answer) []item {
	t.Helper()
	if a.Code != CodeOK {
		t.Fatalf("code %q msg %q, want success; body %s", a.Code, a.Msg, a.Raw)
	}
	var out []item
	if err := json.Unmarshal(a.Data, &out); err != nil {
		t.Fatalf("decode data: %v; body %s", err, a.Raw)
	}
	return out
}

func ids(its []item) []string {
	out := make([]string, len(its))
	for i, it := range its {
		out[i] = it.ID
	}
	return out
}
