package state

import (
	"testing"

	"scnetbot/lease"
)

// TestMigrationLockIsNotTheLeases: a leader holds the lease's advisory
// lock while it leads; the migrations of a replica starting then must not
// wait for it.
func TestMigrationLockIsNotTheLeases(t *testing.T) {
	if migrationLock == lease.DefaultKey {
		t.Fatalf("the migration lock %#x is the lease's key: a second replica would never start", migrationLock)
	}
}
