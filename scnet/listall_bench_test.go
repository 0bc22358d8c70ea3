package scnet_test

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// BenchmarkListAll100k lists 100,000 instances through All against the
// simulator over loopback HTTP and reports requests per listing and the
// client process's heap while it runs (the simulator shares the process, so
// heap numbers include its side of each page; idle-heap-inuse-MiB is the
// heap with the simulator loaded, before listing).
func BenchmarkListAll100k(b *testing.B) {
	const n = 100_000
	sim := scnettest.New(scnettest.WithInstances(n, 1))
	defer sim.Close()
	c, err := scnet.New(sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(sim.Token())), scnet.WithMaxInstances(n))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)

	// Sample the heap in use while listing.
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peak.Load() {
					peak.Store(ms.HeapInuse)
				}
			}
		}
	})
	sim.ResetRequests()
	listings := 0
	for b.Loop() {
		got := 0
		for _, err := range c.All(ctx, scnet.ListOptions{}) {
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		if got != n {
			b.Fatalf("listed %d, want %d", got, n)
		}
		listings++
	}
	close(stop)
	wg.Wait()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(sim.RequestCount(""))/float64(listings), "requests/listing")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-inuse-MiB")
	b.ReportMetric(float64(before.HeapInuse)/(1<<20), "idle-heap-inuse-MiB")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(listings)/(1<<20), "alloc-MiB/listing")
}
