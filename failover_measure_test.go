package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"scnetbot/internal/slackemu"
)

// envFailoverRuns sets how many failovers TestFailoverTime measures
// (default 3, so CI stays fast; BENCHMARKS.md's figures are from 20).
const envFailoverRuns = "SCNETBOT_FAILOVER_RUNS"

// envAckCommands sets how many commands TestFailoverAckLatency sends
// (default 40; BENCHMARKS.md's figures are from 200).
const envAckCommands = "SCNETBOT_ACK_COMMANDS"

func envInt(t *testing.T, name string, def int) int {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q: want a positive whole number", name, v)
	}
	return n
}

// quantile is the q-quantile of sorted ds, by the nearest rank.
func quantile(ds []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(ds))+0.5) - 1
	return ds[min(max(i, 0), len(ds)-1)]
}

// TestFailoverTime measures failover: from the leader's SIGKILL to the
// first poll of SCNet by the replica that takes over, as the simulator
// logged it. Each run kills the leader of two replicas and starts a new
// standby for the next run. The time is logged, not asserted beyond the
// tests' bound: it depends on the machine.
func TestFailoverTime(t *testing.T) {
	runs := envInt(t, envFailoverRuns, 3)
	f := newFleet(t, fleetOptions{replicas: 2})
	var took, led []time.Duration
	for i := range runs {
		old := f.leader()
		// The standbys campaign every STATE_LEASE_TIMEOUT/4, in step with
		// the last takeover; a kill at a fixed delay after it would always
		// land at the same point of that cycle.
		time.Sleep(rand.N(fleetLease))
		killed := time.Now()
		old.kill(t)
		dead := time.Now()
		var first time.Time
		f.waitFor(fmt.Sprintf("run %d: a poll after %s was killed", i+1, old.name), func() bool {
			if ps := f.polls(dead); len(ps) > 0 {
				first = ps[0]
				return true
			}
			return false
		})
		took = append(took, first.Sub(killed))
		next := f.leaderOtherThan(old)
		led = append(led, time.Since(killed))
		t.Logf("run %d: %s killed, %s polled after %s", i+1, old.name, next.name, first.Sub(killed))
		f.start(fmt.Sprintf("%c%d", old.name[0], i+1))
	}
	slices.Sort(took)
	t.Logf("failover, SIGKILL to the new leader's first poll, %d runs (WATCH_INTERVAL %s, STATE_LEASE_TIMEOUT %s): median %s, max %s",
		runs, fleetInterval, fleetLease, quantile(took, 0.5).Round(time.Millisecond), took[len(took)-1].Round(time.Millisecond))
	slices.Sort(led)
	t.Logf("SIGKILL to the new leader's /metrics saying so (polled every %s): median %s, max %s",
		pollEvery, quantile(led, 0.5).Round(time.Millisecond), led[len(led)-1].Round(time.Millisecond))
}

// TestFailoverAckLatency measures how fast two replicas ack slash
// commands, which the emulator gives them in turn: Slack shows the user
// an error when an ack takes more than 3 s.
func TestFailoverAckLatency(t *testing.T) {
	n := envInt(t, envAckCommands, 40)
	f := newFleet(t, fleetOptions{replicas: 2, instances: 400})
	var lat []time.Duration
	per := map[int]int{}
	for i := range n {
		// Alternate a listing (SCNet, then the cache) with help (no SCNet).
		text := "running"
		if i%2 == 1 {
			text = "help"
		}
		in, err := f.emu.SendSlashCommand(f.ctx(), slackemu.SlashCommand{
			Command: "/instances", Text: text, UserID: oncall, ChannelID: "C0ONCALL",
		})
		if err != nil {
			t.Fatal(err)
		}
		ack, _ := f.answer(in)
		lat = append(lat, ack.Latency)
		per[ack.Conn]++
	}
	for _, r := range f.live() {
		if per[r.conn] == 0 {
			t.Errorf("replica %s acked none of %d commands: %v", r.name, n, per)
		}
	}
	slices.Sort(lat)
	t.Logf("ack latency, %d slash commands over two replicas (acks per connection %v): median %s, p99 %s, max %s",
		n, per, quantile(lat, 0.5).Round(10*time.Microsecond), quantile(lat, 0.99).Round(10*time.Microsecond),
		lat[len(lat)-1].Round(10*time.Microsecond))
}
