package watcher_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// TestForgedAlertButtonsAreRefused: an action id or value scnetbot did not
// write (a snooze length it never offered, an id that is not an instance id,
// another alert's instance) is refused with a clear private reply, snoozes
// nothing and sends SCNet no request.
func TestForgedAlertButtonsAreRefused(t *testing.T) {
	e := newEnv(t, 0)
	e.alerted("forgery")
	// A tracked instance: snoozing it through another alert's button would
	// succeed if the button were not checked against its alert.
	other := e.add(scnettest.Record{Name: "bystander", Status: scnet.StatusRunning})
	e.step()
	blocks := blocksOf(e.alerts()[0])
	value := buttonValue(t, blocks, "alert.details")
	alertID, instanceID, _ := strings.Cut(value, "|")
	tests := []struct {
		name, actionID, value, want string
	}{
		{"snooze of 2000000h", "alert.snooze.2000000h", value, "snooze"},
		{"snooze of 90m", "alert.snooze.90m", value, "snooze"},
		{"snooze of 1h0m0s", "alert.snooze.1h0m0s", value, "snooze"},
		{"negative snooze", "alert.snooze.-1h", value, "snooze"},
		{"snooze without a length", "alert.snooze.", value, "snooze"},
		{"snooze of ..", "alert.snooze.1h", alertID + "|..", "button"},
		{"snooze of another instance", "alert.snooze.1h", alertID + "|" + other.ID, "button"},
		{"snooze of an unknown alert", "alert.snooze.1h", "nope|" + instanceID, "no longer known"},
		{"details of ..", "alert.details", alertID + "|..", "button"},
		{"details of a path", "alert.details", alertID + "|../../v2/detail", "button"},
		{"details of a query", "alert.details", alertID + "|" + instanceID + "?x=1", "button"},
		{"details without an alert", "alert.details", instanceID, "button"},
		{"details of another instance", "alert.details", alertID + "|" + other.ID, "button"},
		{"details of an unknown alert", "alert.details", "nope|" + instanceID, "no longer known"},
		{"details of a huge id", "alert.details", alertID + "|" + strings.Repeat("a", 5000), "button"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.sim.RequestCount("")
			reply := e.w.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
				&slack.BlockAction{ActionID: tt.actionID, Value: tt.value})
			if reply == nil || reply.ResponseType != slack.ResponseTypeEphemeral || reply.ReplaceOriginal ||
				!strings.Contains(strings.ToLower(reply.Text), tt.want) {
				t.Errorf("reply = %+v, want an ephemeral refusal mentioning %q", reply, tt.want)
			}
			if n := e.sim.RequestCount("") - before; n != 0 {
				t.Errorf("a forged button sent SCNet %d requests", n)
			}
			if h := e.w.Health(); len(h.Snoozes) != 0 {
				t.Errorf("a forged button snoozed %+v", h.Snoozes)
			}
		})
	}
	// The buttons as offered still work.
	for _, id := range []string{"alert.snooze.1h", "alert.snooze.4h", "alert.snooze.24h"} {
		if buttonValue(t, blocks, id) != value {
			t.Errorf("%s carries another value", id)
		}
	}
	before := e.sim.RequestCount("")
	if reply := e.w.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
		&slack.BlockAction{ActionID: "alert.details", Value: value}); reply == nil || !strings.Contains(reply.Text, "forgery") {
		t.Errorf("the real Details button = %+v", reply)
	}
	if e.sim.RequestCount("") == before {
		t.Error("the real Details button did not ask SCNet")
	}
	if reply := e.w.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
		&slack.BlockAction{ActionID: "alert.snooze.24h", Value: value}); reply == nil || !reply.ReplaceOriginal {
		t.Errorf("the real Snooze 24h button = %+v", reply)
	}
	if h := e.w.Health(); len(h.Snoozes) != 1 {
		t.Errorf("snoozes after the real button: %+v", h.Snoozes)
	}
}
