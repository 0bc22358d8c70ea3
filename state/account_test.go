package state_test

import (
	"context"
	"path/filepath"
	"testing"

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
