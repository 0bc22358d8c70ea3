package watcher_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"scnetbot/alerts"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/watcher"
)

// benchSim seeds history instances and exactly live of them live.
func benchSim(b *testing.B, history, live int) *scnettest.Server {
	b.Helper()
	sim := scnettest.New(scnettest.WithInstances(history, 11))
	b.Cleanup(sim.Close)
	n := 0
	for _, r := range sim.Records() {
		if !r.Status.Live() {
			continue
		}
		if n < live {
			n++
			continue
		}
		if err := sim.SetStatus(r.ID, scnet.StatusCompleted); err != nil {
			b.Fatal(err)
		}
	}
	for ; n < live; n++ {
		sim.Add(scnettest.Record{Name: fmt.Sprintf("live-%d", n), Status: scnet.StatusRunning})
	}
	return sim
}

func benchClient(b *testing.B, sim *scnettest.Server) *scnet.Client {
	b.Helper()
	// The full re-read lists more instances than the default cap allows.
	c, err := scnet.New(sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(sim.Token())), scnet.WithMaxInstances(200_000))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

const instancePath = "/ai/openapi/v2/instance-service"

// BenchmarkPoll measures one steady-state poll (nothing changed) against
// 100,000 instances, of which 300 or 3,000 are live. CPU counts the
// simulator too: it runs in this process.
func BenchmarkPoll(b *testing.B) {
	for _, bc := range []struct {
		live      int
		lifecycle bool // escalation, flapping and the expiry warning on
	}{{300, false}, {3000, false}, {3000, true}} {
		name := fmt.Sprintf("history=100000/live=%d", bc.live)
		if bc.lifecycle {
			name += "/lifecycle"
		}
		b.Run(name, func(b *testing.B) {
			sim := benchSim(b, 100000, bc.live)
			st, err := state.Open(filepath.Join(b.TempDir(), "s.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			cfg := watcher.Config{Channel: "C1", Render: alerts.NewRenderer(alerts.Config{})}
			if bc.lifecycle {
				cfg.EscalateAfter, cfg.EscalateMention = 15*time.Minute, "S0ONCALL"
				cfg.FlapWindow, cfg.ExpiryWarn = 30*time.Minute, time.Hour
			}
			w := watcher.New(benchClient(b, sim), st, cfg)
			ctx := context.Background()
			if err := w.Poll(ctx); err != nil { // baseline
				b.Fatal(err)
			}
			sim.ResetRequests()
			cpu := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if err := w.Poll(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(sim.RequestCount(instancePath))/float64(b.N), "requests/poll")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/poll")
		})
	}
}

// BenchmarkFullRescan is what the watcher avoids: reading every instance
// each poll.
func BenchmarkFullRescan(b *testing.B) {
	for _, live := range []int{300, 3000} {
		b.Run(fmt.Sprintf("history=100000/live=%d", live), func(b *testing.B) {
			sim := benchSim(b, 100000, live)
			c := benchClient(b, sim)
			ctx := context.Background()
			sim.ResetRequests()
			cpu := cpuTime()
			for b.Loop() {
				n := 0
				for _, err := range c.All(ctx, scnet.ListOptions{}) {
					if err != nil {
						b.Fatal(err)
					}
					n++
				}
				if n < 100000 {
					b.Fatalf("read %d instances", n)
				}
			}
			b.ReportMetric(float64(sim.RequestCount(instancePath))/float64(b.N), "requests/poll")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/poll")
		})
	}
}

func rssKB() int {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// BenchmarkMemoryTracked loads a store holding 100,000 tracked instances
// into a watcher and reports the heap it keeps and the process RSS.
func BenchmarkMemoryTracked(b *testing.B) {
	const n = 100000
	st, err := state.Open(filepath.Join(b.TempDir(), "s.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	now := time.Now()
	err = st.Update(ctx, func(tx state.Tx) error {
		for i := range n {
			if err := tx.PutInstance(state.Instance{ID: fmt.Sprintf("%032x", i), Name: fmt.Sprintf("train-job-%06d", i),
				Status: scnet.StatusRunning, ResourceGroup: "kshdtest", CreateTime: now, Changed: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var keep *watcher.Watcher
	for b.Loop() {
		keep = nil
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		w := watcher.New(nil, st, watcher.Config{Channel: "C1", Render: alerts.NewRenderer(alerts.Config{})})
		// Snoozing an unknown name loads the state and changes nothing.
		if _, err := w.Snooze(ctx, "no-such-name", time.Hour, "U1"); err == nil {
			b.Fatal("snooze of an unknown name succeeded")
		}
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		if h, err := w.Health(context.Background()); err != nil || h.Tracked != n {
			b.Fatalf("tracked %d (%v)", h.Tracked, err)
		}
		keep = w
		b.ReportMetric(float64(after.HeapInuse-before.HeapInuse)/(1<<20), "heap-MiB")
		b.ReportMetric(float64(rssKB())/1024, "rss-MiB")
	}
	runtime.KeepAlive(keep)
}

// BenchmarkAlertLatency measures the time from a status change in the
// simulator to the alert in the emulated channel, with a 200ms interval.
func BenchmarkAlertLatency(b *testing.B) {
	e := newBenchEnv(b)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { _ = e.d.Run(ctx) }()
	go func() { _ = e.w.Run(ctx) }()
	if _, err := e.emu.WaitChannelMessages(ctx, channel, 1); err != nil { // baseline summary
		b.Fatal(err)
	}
	live := e.liveRecords()
	have := 1
	var total time.Duration
	i := 0
	for b.Loop() {
		if i >= len(live) {
			b.Fatal("out of live instances")
		}
		start := time.Now()
		e.setStatus(live[i].ID, scnet.StatusFailed)
		i++
		have++
		if _, err := e.emu.WaitChannelMessages(ctx, channel, have); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(total.Milliseconds())/float64(b.N), "ms/alert")
}

func newBenchEnv(b *testing.B) *env {
	b.Helper()
	return newEnvTB(b, 2000, func(e *env) { e.cfg.Interval = 200 * time.Millisecond })
}

// BenchmarkChangeToAlert measures the work between a poll starting after a
// status change and the alert being in the channel: one poll of 2,000
// instances plus one delivery, without the wait for the next tick.
func BenchmarkChangeToAlert(b *testing.B) {
	e := newEnvTB(b, 2000)
	if err := e.w.Poll(e.ctx); err != nil {
		b.Fatal(err)
	}
	if err := e.d.Drain(e.ctx); err != nil {
		b.Fatal(err)
	}
	live := e.liveRecords()
	i := 0
	for b.Loop() {
		if i >= len(live) {
			b.Fatal("out of live instances")
		}
		e.setStatus(live[i].ID, scnet.StatusFailed)
		i++
		if err := e.w.Poll(e.ctx); err != nil {
			b.Fatal(err)
		}
		if err := e.d.Drain(e.ctx); err != nil {
			b.Fatal(err)
		}
	}
	if n := len(e.alerts()); n != i {
		b.Fatalf("%d alerts for %d changes", n, i)
	}
}
