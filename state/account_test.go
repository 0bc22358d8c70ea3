package state_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"scnetbot/state"
)

// TestAdoptLegacyKeepsAccountWarning: moving the one-region records under
// a region leaves the root's open account warning in the root meta, so it
// is not posted again.
func TestAdoptLegacyKeepsAccountWarning(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	if err := st.Update(ctx, func(tx state.Tx) error {
		return tx.PutMeta(state.Meta{NextID: 7, AccountAlertID: "acct-1", AccountWarned: true})
	}); err != nil {
		t.Fatal(err)
	}
	if err := state.AdoptLegacy(ctx, st, "r1"); err != nil {
		t.Fatal(err)
	}
	var m state.Meta
	if err := st.View(ctx, func(tx state.Tx) (err error) { m, err = tx.Meta(); return err }); err != nil {
		t.Fatal(err)
	}
	if m.AdoptedBy != "r1" || m.AccountAlertID != "acct-1" || !m.AccountWarned || m.NextID != 0 {
		t.Errorf("root meta after adoption = %+v", m)
	}
}

// TestAdoptLegacyKeepsRootOnlyFields: the adoption, which runs once on a
// fresh file too, keeps every field only the root meta has: a digest
// queued before the regions were found (DigestDay) is not queued again
// once they are, nor is a leader's beat or the account check's state lost.
func TestAdoptLegacyKeepsRootOnlyFields(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	beat := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	if err := st.Update(ctx, func(tx state.Tx) error {
		return tx.PutMeta(state.Meta{DigestDay: "2026-12-02", LeaderBeat: beat, AccountSeen: true,
			AccountRefused: map[string]string{"r2": "frozen"}})
	}); err != nil {
		t.Fatal(err)
	}
	if err := state.AdoptLegacy(ctx, st, "r1"); err != nil {
		t.Fatal(err)
	}
	var m state.Meta
	if err := st.View(ctx, func(tx state.Tx) (err error) { m, err = tx.Meta(); return err }); err != nil {
		t.Fatal(err)
	}
	if m.AdoptedBy != "r1" || m.DigestDay != "2026-12-02" || !m.LeaderBeat.Equal(beat) || !m.AccountSeen || m.AccountRefused["r2"] != "frozen" {
		t.Errorf("root meta after adoption = %+v", m)
	}
}
