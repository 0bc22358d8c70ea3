package config

import (
	"strings"
	"testing"
	"time"
)

// TestWatchLifecycleDefaults: escalation and the expiry warning are off,
// flapping reopens within 30m.
func TestWatchLifecycleDefaults(t *testing.T) {
	setEnv(t, valid())
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.WatchEscalateAfter.D != 0 || c.EscalateMention != "" || c.WatchExpiryWarn.D != 0 || c.WatchFlapWindow.D != 30*time.Minute {
		t.Errorf("defaults: escalate %v %q, expiry %v, flap %v", c.WatchEscalateAfter.D, c.EscalateMention, c.WatchExpiryWarn.D, c.WatchFlapWindow.D)
	}
	setEnv(t, with(valid(), "WATCH_FLAP_WINDOW", "0", "WATCH_EXPIRY_WARN", "2h"))
	if c, err = Load(); err != nil || c.WatchFlapWindow.D != 0 || c.WatchExpiryWarn.D != 2*time.Hour {
		t.Errorf("WATCH_FLAP_WINDOW=0, WATCH_EXPIRY_WARN=2h read as %v, %v, %v", c.WatchFlapWindow.D, c.WatchExpiryWarn.D, err)
	}
}

func TestWatchEscalateMention(t *testing.T) {
	for in, want := range map[string]string{
		"S0ONCALL": "S0ONCALL", "<!subteam^S0ONCALL>": "S0ONCALL", "<!subteam^S0ONCALL|@oncall>": "S0ONCALL",
		"U0123": "U0123", "<@W0123>": "W0123", "here": "here", "@channel": "channel", "<!here>": "here",
	} {
		setEnv(t, with(valid(), "WATCH_ESCALATE_AFTER", "15m", "WATCH_ESCALATE_MENTION", in))
		c, err := Load()
		if err != nil || c.EscalateMention != want || c.WatchEscalateAfter.D != 15*time.Minute {
			t.Errorf("WATCH_ESCALATE_MENTION=%s read as %q, %v; want %q", in, c.EscalateMention, err, want)
		}
	}
	for _, bad := range []string{"oncall", "@oncall", "<!everyone>", "s0123", "C0123"} {
		assertRefused(t, with(valid(), "WATCH_ESCALATE_AFTER", "15m", "WATCH_ESCALATE_MENTION", bad), "WATCH_ESCALATE_MENTION", "user group id")
	}
}

func TestWatchLifecycleRefused(t *testing.T) {
	assertRefused(t, with(valid(), "WATCH_ESCALATE_AFTER", "15m"), "WATCH_ESCALATE_AFTER is set but WATCH_ESCALATE_MENTION is empty")
	for _, name := range []string{"WATCH_ESCALATE_AFTER", "WATCH_FLAP_WINDOW", "WATCH_EXPIRY_WARN"} {
		assertRefused(t, with(valid(), name, "soon", "WATCH_ESCALATE_MENTION", "here"), name+" is not a duration")
		assertRefused(t, with(valid(), name, "-5m", "WATCH_ESCALATE_MENTION", "here"), name+" must not be negative")
	}
}

func TestWatchLifecycleWarnings(t *testing.T) {
	for _, tt := range []struct {
		env  map[string]string
		want string
	}{
		{with(valid(), "WATCH_ESCALATE_MENTION", "here"), "no alert is escalated"},
		{with(valid(), "WATCH_ESCALATE_AFTER", "30s", "WATCH_ESCALATE_MENTION", "here"), "WATCH_ESCALATE_AFTER (30s) is shorter than WATCH_INTERVAL"},
		{with(valid(), "WATCH_EXPIRY_WARN", "30s"), "WATCH_EXPIRY_WARN (30s) is shorter than WATCH_INTERVAL"},
		{with(valid(), "WATCH_ESCALATE_AFTER", "15m", "WATCH_ESCALATE_MENTION", "here", "WATCH_EXPIRY_WARN", "1h"), ""},
	} {
		setEnv(t, tt.env)
		c, err := Load()
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(c.Warnings(), "\n")
		if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
			t.Errorf("%v: warnings %q, want %q", tt.env, got, tt.want)
		}
	}
}
