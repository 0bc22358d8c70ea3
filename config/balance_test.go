package config

import (
	"strings"
	"testing"
)

// TestWatchBalanceBelow: the balance threshold is optional; a number,
// zero included, sets it; anything else, or a negative amount, is refused
// by name.
func TestWatchBalanceBelow(t *testing.T) {
	for _, tt := range []struct {
		raw  string
		want *float64
	}{{"", nil}, {" ", nil}, {"100", ptr(100)}, {" 12.5 ", ptr(12.5)}, {"0", ptr(0)}} {
		env := valid()
		if tt.raw != "" {
			env = with(env, "WATCH_BALANCE_BELOW", tt.raw)
		}
		setEnv(t, env)
		c, err := Load()
		if err != nil {
			t.Fatalf("WATCH_BALANCE_BELOW=%q: %v", tt.raw, err)
		}
		got := c.WatchBalanceBelow.Ptr()
		if (got == nil) != (tt.want == nil) || got != nil && *got != *tt.want {
			t.Errorf("WATCH_BALANCE_BELOW=%q read as %v, want %v", tt.raw, got, tt.want)
		}
	}
	for _, bad := range []string{"lots", "-1", "NaN", "Inf", "100元"} {
		setEnv(t, with(valid(), "WATCH_BALANCE_BELOW", bad))
		if _, err := Load(); err == nil || !strings.Contains(err.Error(), "WATCH_BALANCE_BELOW") {
			t.Errorf("WATCH_BALANCE_BELOW=%s: err = %v, want it refused by name", bad, err)
		}
	}
}

func ptr(v float64) *float64 { return &v }
