package scnet

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
)

// benchPage is a realistic 100-instance list response.
func benchPage(b *testing.B) []byte {
	b.Helper()
	items := make([]map[string]any, 100)
	for i := range items {
		it := item(fmt.Sprintf("%032x", i))
		it["instanceServiceName"] = fmt.Sprintf("train-llm-%04d", i)
		if i%3 == 0 {
			it["status"], it["endTime"], it["duration"] = "Failed", "2026-11-27 10:00:00", "3小时12分"
		}
		items[i] = it
	}
	body, err := json.Marshal(map[string]any{"msg": "success", "code": "0", "total": 12345, "data": items})
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodeInstance decodes a 100-instance page and reports the cost
// per decoded instance.
func BenchmarkDecodeInstance(b *testing.B) {
	body := benchPage(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	var n int
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for b.Loop() {
		p, err := decodeList(body, DefaultPageSize)
		if err != nil {
			b.Fatal(err)
		}
		n += len(p.Instances)
	}
	if n == 0 {
		b.Fatal("nothing decoded")
	}
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/instance")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(n), "allocs/instance")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(n), "B/instance")
}

// BenchmarkDecodeLenientPage decodes a 100-instance page in which every
// instance has a field of the wrong type, the worst case of the lenient
// path, and reports the cost per decoded instance.
func BenchmarkDecodeLenientPage(b *testing.B) {
	var page map[string]any
	if err := json.Unmarshal(benchPage(b), &page); err != nil {
		b.Fatal(err)
	}
	for _, it := range page["data"].([]any) {
		it.(map[string]any)["userName"] = 12345
	}
	body, err := json.Marshal(page)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var n int
	for b.Loop() {
		p, err := decodeList(body, DefaultPageSize)
		if err != nil {
			b.Fatal(err)
		}
		n += len(p.Instances)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/instance")
}
