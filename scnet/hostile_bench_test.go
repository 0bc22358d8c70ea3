package scnet

import (
	"context"
	"encoding/json"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// hostileLister answers every list request with pageLen fresh instances
// starting at the requested offset, whatever limit it was sent, until total
// instances have been served: the server of issue 8 that ignored limit and
// sent 1,000,000 instances.
type hostileLister struct {
	pageLen, total int
	tmpl           string // one realistic instance with the id as @ID@
}

func newHostileLister(pageLen, total int) *hostileLister {
	b, _ := json.Marshal(item("@ID@"))
	return &hostileLister{pageLen: pageLen, total: total, tmpl: string(b)}
}

func (h *hostileLister) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start, _ := strconv.Atoi(r.URL.Query().Get("start"))
	var b strings.Builder
	b.WriteString(`{"code":"0","msg":"success","total":` + strconv.Itoa(h.total) + `,"data":[`)
	for i := start; i < start+h.pageLen && i < h.total; i++ {
		if i > start {
			b.WriteByte(',')
		}
		b.WriteString(strings.ReplaceAll(h.tmpl, "@ID@", "h"+strconv.Itoa(i)))
	}
	b.WriteString(`]}`)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(b.String()))
}

// BenchmarkHostileListing lists through All, keeping every instance as the
// watcher does, against servers that would make the listing unbounded:
// one that ignores limit (pages of 1,000 for a page size of 100, 1,000,000
// instances in all) and one that obeys limit but never ends. It reports
// the instances kept, the heap they hold once garbage is collected, the
// requests made and the bytes allocated (client and server together) per
// listing.
func BenchmarkHostileListing(b *testing.B) {
	for _, bc := range []struct {
		name           string
		pageLen, total int
	}{
		{"ignores-limit", 1000, 1_000_000},
		{"never-ends", 100, 1 << 40},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newHostileLister(bc.pageLen, bc.total)
			var requests int
			mux, c := setup(b, WithRetry(1, 0))
			mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
				requests++
				h.ServeHTTP(w, r)
			})
			var kept []Instance
			var lastErr error
			var before, mid, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			listings := 0
			for b.Loop() {
				kept = kept[:0:0]
				for in, err := range c.All(context.Background(), ListOptions{}) {
					if err != nil {
						lastErr = err
						break
					}
					kept = append(kept, in)
				}
				listings++
			}
			runtime.ReadMemStats(&after)
			runtime.GC()
			runtime.ReadMemStats(&mid)
			b.ReportMetric(float64(len(kept)), "instances-kept")
			b.ReportMetric(float64(int64(mid.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-kept-MiB")
			b.ReportMetric(float64(requests)/float64(listings), "requests/listing")
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(listings)/(1<<20), "alloc-MiB/listing")
			runtime.KeepAlive(kept)
			b.Logf("listing ended with: %v", lastErr)
		})
	}
}
