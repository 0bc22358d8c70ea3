package config

import (
	"strings"
	"testing"
	"time"
)

// TestWatchClockSkew: the skew allowance is a setting, 10m by default,
// refused when it is not a duration or too small to cover SCNet's
// one-second time stamps and a poll's own duration.
func TestWatchClockSkew(t *testing.T) {
	setEnv(t, valid())
	c, err := Load()
	if err != nil || c.WatchClockSkew.D != 10*time.Minute {
		t.Fatalf("default WATCH_CLOCK_SKEW = %v, %v; want 10m", c.WatchClockSkew, err)
	}
	setEnv(t, with(valid(), "WATCH_CLOCK_SKEW", "30m"))
	if c, err = Load(); err != nil || c.WatchClockSkew.D != 30*time.Minute {
		t.Fatalf("WATCH_CLOCK_SKEW=30m read as %v, %v", c.WatchClockSkew, err)
	}
	for _, bad := range []string{"later", "10s", "-5m"} {
		setEnv(t, with(valid(), "WATCH_CLOCK_SKEW", bad))
		if _, err := Load(); err == nil || !strings.Contains(err.Error(), "WATCH_CLOCK_SKEW") {
			t.Errorf("WATCH_CLOCK_SKEW=%s: err = %v, want it refused by name", bad, err)
		}
	}
}
