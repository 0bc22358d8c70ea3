package config

import (
	"strings"
	"testing"
	"time"
)

// TestStateLeaseTimeout: 10s by default, refused below a second (the lease
// pings every quarter of it) or when it is not a duration.
func TestStateLeaseTimeout(t *testing.T) {
	setEnv(t, valid())
	c, err := Load()
	if err != nil || c.StateLeaseTimeout.D != 10*time.Second {
		t.Fatalf("default STATE_LEASE_TIMEOUT = %v, %v; want 10s", c.StateLeaseTimeout, err)
	}
	setEnv(t, with(valid(), "STATE_LEASE_TIMEOUT", "3s"))
	if c, err = Load(); err != nil || c.StateLeaseTimeout.D != 3*time.Second {
		t.Fatalf("STATE_LEASE_TIMEOUT=3s read as %v, %v", c.StateLeaseTimeout, err)
	}
	for _, bad := range []string{"soon", "500ms", "0", "-1s"} {
		setEnv(t, with(valid(), "STATE_LEASE_TIMEOUT", bad))
		if _, err := Load(); err == nil || !strings.Contains(err.Error(), "STATE_LEASE_TIMEOUT") {
			t.Errorf("STATE_LEASE_TIMEOUT=%s: err = %v, want it refused by name", bad, err)
		}
	}
}
