package state_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// TestNamespacesKeepRegionsApart: two regions with the same instance id
// and their own meta see only their own records, and share the outbox.
func TestNamespacesKeepRegionsApart(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	a, b := state.Namespace(st, "r1"), state.Namespace(st, "r2")
	for i, ns := range []state.Store{a, b} {
		err := ns.Update(ctx, func(tx state.Tx) error {
			if err := tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusRunning, Name: []string{"x", "y"}[i]}); err != nil {
				return err
			}
			if err := tx.PutAlert(state.Alert{ID: []string{"a-r1", "a-r2"}[i], InstanceID: "i1"}); err != nil {
				return err
			}
			if err := tx.PutMeta(state.Meta{NextID: uint64(i + 10)}); err != nil {
				return err
			}
			_, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: []string{"m1", "m2"}[i], Channel: "C"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	err := a.View(ctx, func(tx state.Tx) error {
		in, _, _ := tx.Instance("i1")
		m, _ := tx.Meta()
		if in.Name != "x" || in.ID != "i1" || m.NextID != 10 {
			t.Errorf("r1 sees %+v, meta %+v", in, m)
		}
		n := 0
		_ = tx.Instances(func(state.Instance) error { n++; return nil })
		if n != 1 {
			t.Errorf("r1 iterates %d instances, want 1", n)
		}
		if _, ok, _ := tx.Alert("a-r2"); ok {
			t.Error("r1 sees r2's alert")
		}
		var ids []string
		_ = tx.Alerts(func(al state.Alert) error { ids = append(ids, al.ID); return nil })
		if len(ids) != 1 || ids[0] != "a-r1" {
			t.Errorf("r1 alerts %v", ids)
		}
		q := 0
		_ = tx.Outbox(func(state.Message) error { q++; return nil })
		if q != 2 {
			t.Errorf("outbox seen from r1 holds %d, want the shared 2", q)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The root (the deliverer's view) finds every alert by id.
	_ = st.View(ctx, func(tx state.Tx) error {
		if al, ok, _ := tx.Alert("a-r2"); !ok || al.Region != "r2" {
			t.Errorf("root reads a-r2 as %+v, %v", al, ok)
		}
		return nil
	})
}

// TestAdoptLegacy moves the one-region records under a region once.
func TestAdoptLegacy(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	err := st.Update(ctx, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusFailed, AlertID: "a1"})
		_ = tx.PutAlert(state.Alert{ID: "a1", InstanceID: "i1"})
		_ = tx.PutSnooze(state.Snooze{InstanceID: "i2", Until: now})
		return tx.PutMeta(state.Meta{Baseline: now, NextID: 7})
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := state.AdoptLegacy(ctx, st, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := state.AdoptLegacy(ctx, st, "r2"); err != nil {
		t.Fatal(err)
	}
	_ = state.Namespace(st, "r1").View(ctx, func(tx state.Tx) error {
		in, ok, _ := tx.Instance("i1")
		al, aok, _ := tx.Alert("a1")
		_, sok, _ := tx.Snooze("i2")
		m, _ := tx.Meta()
		if !ok || in.AlertID != "a1" || !aok || al.Region != "r1" || !sok || m.NextID != 7 || !m.Baseline.Equal(now) {
			t.Errorf("after adoption r1 holds %+v %v, %+v %v, snooze %v, meta %+v", in, ok, al, aok, sok, m)
		}
		return nil
	})
	_ = st.View(ctx, func(tx state.Tx) error {
		n := 0
		_ = tx.Instances(func(state.Instance) error { n++; return nil })
		m, _ := tx.Meta()
		if n != 0 || m.AdoptedBy != "r1" || m.NextID != 0 {
			t.Errorf("root keeps %d instances, meta %+v", n, m)
		}
		return nil
	})
	_ = state.Namespace(st, "r2").View(ctx, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("i1"); ok {
			t.Error("a second adoption moved the records again")
		}
		return nil
	})
}

// An adoption that happens after the region's watcher already ran (an
// earlier adoption failed, the watcher started without it) keeps what the
// region wrote since: its records are newer than the one-region file's.
func TestAdoptLegacyKeepsNewerRegionRecords(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	if err := st.Update(ctx, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusFailed, Name: "old"})
		_ = tx.PutInstance(state.Instance{ID: "i2", Status: scnet.StatusRunning, Name: "only-old"})
		return tx.PutSnooze(state.Snooze{InstanceID: "i1", Until: now})
	}); err != nil {
		t.Fatal(err)
	}
	r1 := state.Namespace(st, "r1")
	if err := r1.Update(ctx, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusRunning, Name: "new"})
		return tx.PutSnooze(state.Snooze{InstanceID: "i1", Until: now.Add(time.Hour)})
	}); err != nil {
		t.Fatal(err)
	}
	if err := state.AdoptLegacy(ctx, st, "r1"); err != nil {
		t.Fatal(err)
	}
	_ = r1.View(ctx, func(tx state.Tx) error {
		if in, _, _ := tx.Instance("i1"); in.Name != "new" || in.Status != scnet.StatusRunning {
			t.Errorf("i1 = %+v, want the region's newer record", in)
		}
		if in, ok, _ := tx.Instance("i2"); !ok || in.Name != "only-old" {
			t.Errorf("i2 = %+v %v, want the legacy record adopted", in, ok)
		}
		if sn, _, _ := tx.Snooze("i1"); !sn.Until.Equal(now.Add(time.Hour)) {
			t.Errorf("snooze = %+v, want the region's newer one", sn)
		}
		return nil
	})
	_ = st.View(ctx, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("i1"); ok {
			t.Error("the bare legacy record was left behind")
		}
		return nil
	})
}
