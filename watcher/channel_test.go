package watcher_test

import (
	"testing"

	"scnetbot/scnet"
)

// TestNewsFollowsTheAlertsChannel: after WATCH_CHANNEL changes, the news of
// an incident raised before still goes into its thread in the old channel;
// only new incidents go to the new one.
func TestNewsFollowsTheAlertsChannel(t *testing.T) {
	e := newEnv(t, 0)
	r := e.alerted("moved")
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("got %d alerts, want 1", n)
	}
	const newChannel = "C0NEWALERTS"
	e.cfg.Channel = newChannel
	e.restart()
	e.setStatus(r.ID, scnet.StatusRunning)
	e.step()
	e.drain()
	if ms := e.emu.ChannelMessages(newChannel); len(ms) != 0 {
		t.Errorf("%d messages about the old incident went to the new channel: %+v", len(ms), ms)
	}
	_, replies := e.messages()
	if n := countContaining(replies, "recovered"); n != 1 {
		t.Errorf("%d recovery replies in the old thread, want 1", n)
	}
	if a := e.alerts(); len(a) != 1 || countContaining(a, "Running") != 1 {
		t.Errorf("the old alert's status line was not updated: %+v", a)
	}
}
