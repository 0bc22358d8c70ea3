package watcher

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"scnetbot/tracked"
)

// TestMergeHealth: the group's health says of the group only what holds for
// it; what one region says carries that region's name.
func TestMergeHealth(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	region := func(id, name, channel string) tracked.Health {
		return tracked.Health{Enabled: true, Channel: channel, Interval: time.Minute,
			LastPoll: t0, LastSuccess: t0, Tracked: 1,
			Regions: []tracked.RegionHealth{{ID: id, Name: name, Channel: channel, LastPoll: t0, LastSuccess: t0, Tracked: 1}}}
	}
	failed := func(h tracked.Health, err error, outage bool) tracked.Health {
		h.LastError, h.LastCause, h.Outage, h.LastSuccess = err.Error(), err, outage, t0.Add(-time.Hour)
		return h
	}
	timeout := context.DeadlineExceeded
	tests := []struct {
		name        string
		hs          []tracked.Health
		channel     string
		lastError   string
		causes      []string // the regions LastCause names, in order
		outage      bool
		lastSuccess time.Time
	}{
		{"one channel, all well", []tracked.Health{region("11", "西北一区", "C0A"), region("12", "华东一区", "C0A")},
			"C0A", "", nil, false, t0},
		{"routed apart", []tracked.Health{region("11", "西北一区", "C0A"), region("12", "华东一区", "C0B")},
			"", "", nil, false, t0},
		{"routed, the second of three apart", []tracked.Health{region("11", "西北一区", "C0A"), region("12", "华东一区", "C0B"), region("13", "华北一区", "C0A")},
			"", "", nil, false, t0},
		{"the second region fails", []tracked.Health{region("11", "西北一区", "C0A"), failed(region("12", "华东一区", "C0A"), timeout, false)},
			"C0A", "华东一区: " + timeout.Error(), []string{"华东一区"}, false, t0.Add(-time.Hour)},
		{"the second is down, the first fails", []tracked.Health{failed(region("11", "西北一区", "C0A"), errors.New("502"), false),
			failed(region("12", "华东一区", "C0B"), timeout, true)},
			"", "西北一区: 502; 华东一区: " + timeout.Error(), []string{"西北一区", "华东一区"}, true, t0.Add(-time.Hour)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var names []string
			for _, h := range tt.hs {
				names = append(names, h.Regions[0].Name)
			}
			h := mergeHealth(names, tt.hs)
			if h.Channel != tt.channel || h.LastError != tt.lastError || h.Outage != tt.outage ||
				!h.LastSuccess.Equal(tt.lastSuccess) || h.Tracked != len(tt.hs) || len(h.Regions) != len(tt.hs) {
				t.Fatalf("mergeHealth = %+v", h)
			}
			for i, rh := range h.Regions {
				if rh.Channel != tt.hs[i].Channel {
					t.Errorf("region %s's channel %q, want %q", rh.Name, rh.Channel, tt.hs[i].Channel)
				}
			}
			if len(tt.causes) == 0 {
				if h.LastCause != nil {
					t.Errorf("LastCause = %v, want nil", h.LastCause)
				}
				return
			}
			if h.LastCause == nil {
				t.Fatal("LastCause = nil")
			}
			msg := h.LastCause.Error()
			for _, name := range tt.causes {
				if !strings.Contains(msg, name+": ") {
					t.Errorf("LastCause %q does not name %s", msg, name)
				}
			}
			for _, r := range tt.hs {
				if r.LastCause != nil && !errors.Is(h.LastCause, r.LastCause) {
					t.Errorf("LastCause %q does not wrap %v", msg, r.LastCause)
				}
			}
		})
	}
}
