package scnettest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkListPage measures one list page of 100 from 100,000 instances
// through ServeHTTP, without a network, so it counts CPU only.
func BenchmarkListPage(b *testing.B) {
	s := New(WithInstances(100_000, 1))
	b.Cleanup(s.Close)
	tok := s.Token()
	cases := []struct{ name, body string }{
		{"no filter", `{"status":null,"instanceServiceName":null,"taskType":null,"start":0,"limit":100,"sort":"desc"}`},
		{"no filter deep offset", `{"start":50000,"limit":100,"sort":"asc"}`},
		{"status Failed", `{"status":"Failed","start":0,"limit":100,"sort":"desc"}`},
		{"status Running", `{"status":"Running","start":0,"limit":100,"sort":"desc"}`},
		{"status and taskType", `{"status":"Completed","taskType":"jupyter","start":200,"limit":100,"sort":"desc"}`},
		{"name substring (full scan)", `{"instanceServiceName":"llm","start":0,"limit":100,"sort":"desc"}`},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			// One body buffer for every answer, so the numbers are the
			// server's work rather than the recorder growing its buffer.
			var body bytes.Buffer
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, "/ai/openapi/v2/instance-service/task", strings.NewReader(c.body))
				req.Header.Set("token", tok)
				body.Reset()
				w := httptest.NewRecorder()
				w.Body = &body
				s.ServeHTTP(w, req)
				if w.Code != http.StatusOK || !bytes.Contains(body.Bytes(), []byte(`"code":"0"`)) {
					b.Fatalf("answer %d %.200s", w.Code, body.Bytes())
				}
			}
			b.StopTimer()
			s.ResetRequests()
			b.StartTimer()
		})
	}
}

// BenchmarkListPageCold measures a page whose records were never encoded,
// the worst case right after a status change.
func BenchmarkListPageCold(b *testing.B) {
	s := New(WithInstances(100_000, 1))
	b.Cleanup(s.Close)
	tok := s.Token()
	b.ReportAllocs()
	var body bytes.Buffer
	for b.Loop() {
		b.StopTimer()
		s.primary.mu.Lock()
		failed := s.primary.data.candidates("Failed", "")
		for _, e := range failed[len(failed)-100:] {
			e.enc.Store(nil)
		}
		s.primary.mu.Unlock()
		body.Reset()
		b.StartTimer()
		req := httptest.NewRequest(http.MethodGet, "/ai/openapi/v2/instance-service/task?limit=100&status=Failed", nil)
		req.Header.Set("token", tok)
		w := httptest.NewRecorder()
		w.Body = &body
		s.ServeHTTP(w, req)
	}
}

// BenchmarkStep measures one lifecycle step over 100,000 instances.
func BenchmarkStep(b *testing.B) {
	s := New(WithInstances(100_000, 1))
	b.Cleanup(s.Close)
	b.ReportAllocs()
	for b.Loop() {
		s.Step()
	}
}
