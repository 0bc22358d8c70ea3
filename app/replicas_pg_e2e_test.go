package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/internal/pgtest"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// startReplicas starts two bots with cfg on the PostgreSQL database at
// url, a one-second lease, and returns them once one of them leads.
func startReplicas(t *testing.T, sim *scnettest.Server, emu *slackemu.Server, cfg *config.Config, url string) (leader, follower *e2e) {
	t.Helper()
	cfg.StateURL = config.DatabaseURL(url)
	cfg.StatePath = ""
	cfg.StateLeaseTimeout.D = time.Second
	cfg2 := *cfg
	a := startBot(t, sim, emu, cfg)
	b := startBot(t, sim, emu, &cfg2)
	if err := emu.WaitConnected(timeout(t, 20*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "one replica to lead", func() bool {
		la, lb := a.app.lease.Leading(), b.app.lease.Leading()
		switch {
		case la && !lb:
			leader, follower = a, b
		case lb && !la:
			leader, follower = b, a
		default:
			return false
		}
		return true
	})
	return leader, follower
}

// TestE2ETwoReplicasOnPostgres: two bots on one database. One leads and
// polls, the alert is posted once, a button works on whichever replica
// Slack hands it to, the follower is ready without polling, and once the
// leader stops the other takes over and alerts the next failure, once.
func TestE2ETwoReplicasOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	const channel = "C0ALERTS"
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(300, 7))
	cfg := e2eConfig(t, sim, emu)
	cfg.WatchChannel = channel
	cfg.WatchInterval.D = 150 * time.Millisecond
	leader, follower := startReplicas(t, sim, emu, cfg, url)
	wait.Until(t, "the leader's baseline poll", func() bool {
		h, err := leader.app.group.Health(context.Background())
		return err == nil && !h.LastSuccess.IsZero()
	})
	if last, _, err := follower.app.watchReadiness(timeout(t, 5*time.Second)); err != nil || last.IsZero() {
		t.Fatalf("follower readiness = %v, %v; want ready without polling", last, err)
	}

	var running []string
	for _, r := range sim.Records() {
		if r.Status == scnet.StatusRunning {
			running = append(running, r.ID)
		}
	}
	if len(running) < 2 {
		t.Fatal("simulator has too few running instances")
	}
	if err := sim.SetStatus(running[0], scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the alert", func() bool { return len(alertsAbout(emu, channel, running[0])) == 1 })
	alert := alertsAbout(emu, channel, running[0])[0]
	// Two clicks: the emulator hands envelopes round the sockets, so at
	// least one lands on each replica... or both on one; either way each
	// must be answered from the store.
	for range 2 {
		in, err := emu.Click(timeout(t, 10*time.Second), alert, "Acknowledge", "U0ONCALL")
		if err != nil {
			t.Fatal(err)
		}
		leader.awaitAck(in)
	}
	wait.Until(t, "acknowledged alert", func() bool {
		for _, m := range alertsAbout(emu, channel, running[0]) {
			if strings.Contains(everything(m), "Acknowledged by") {
				return true
			}
		}
		return false
	})

	leader.shutdown()
	wait.Until(t, "the other replica to take over", follower.app.lease.Leading)
	if err := sim.SetStatus(running[1], scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the new leader's alert", func() bool { return len(alertsAbout(emu, channel, running[1])) == 1 })
	if n := len(alertsAbout(emu, channel, running[0])); n != 1 {
		t.Fatalf("the first failure is in the channel %d times, want once", n)
	}
	if n := len(alertsAbout(emu, channel, running[1])); n != 1 {
		t.Fatalf("the second failure is in the channel %d times, want once", n)
	}
}
