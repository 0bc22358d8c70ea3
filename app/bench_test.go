package app

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkAck50Concurrent sends 50 identical slash commands at once while
// SCNet takes 1 s per request, and reports the acks' latency as Slack sees
// it (envelope sent → ack read) and how many SCNet requests the 50 cost.
func BenchmarkAck50Concurrent(b *testing.B) {
	e := newE2E(b, 300, nil)
	e.sim.SetLatency(time.Second)
	var all []time.Duration
	var requests int
	b.ResetTimer()
	for i := range b.N {
		e.sim.ResetRequests()
		// A new query each round, so no round is answered from the
		// previous one's cache.
		for _, in := range e.burst(50, fmt.Sprintf("running ssh page %d", i+1)) {
			ack, err := e.emu.WaitAck(timeout(b, 10*time.Second), in.EnvelopeID)
			if err != nil {
				b.Fatal(err)
			}
			all = append(all, ack.Latency)
			if _, err := e.emu.WaitResponses(timeout(b, 30*time.Second), in.ResponseURL, 1); err != nil {
				b.Fatal(err)
			}
		}
		requests += e.sim.RequestCount("/ai/openapi/v2/instance-service/task")
	}
	b.StopTimer()
	slices.Sort(all)
	pct := func(p float64) float64 { return float64(all[int(p*float64(len(all)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "ack-p50-ms")
	b.ReportMetric(pct(0.99), "ack-p99-ms")
	b.ReportMetric(float64(all[len(all)-1].Microseconds())/1000, "ack-max-ms")
	b.ReportMetric(float64(requests)/float64(b.N), "scnet-requests/50cmds")
}

// BenchmarkReconnectAfterDisconnect measures the time from a
// refresh_requested frame to the bot answering hello on a new socket.
func BenchmarkReconnectAfterDisconnect(b *testing.B) {
	e := newE2E(b, 10, nil)
	var total time.Duration
	b.ResetTimer()
	for range b.N {
		hellos := e.emu.Hellos()
		start := time.Now()
		e.emu.Disconnect("refresh_requested")
		if err := e.emu.WaitHellos(timeout(b, 10*time.Second), hellos+1); err != nil {
			b.Fatal(err)
		}
		total += time.Since(start)
		if err := e.emu.WaitConnected(timeout(b, 10*time.Second), 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "reconnect-ms")
}
