package state_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"scnetbot/state"
)

// TestActionsRoundTrip: an action is written, read back by nonce, listed,
// rewritten in place and deleted; a missing one is not an error.
func TestActionsRoundTrip(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st := open(t, path)
	t0 := time.Date(2026, 12, 1, 3, 0, 0, 0, time.UTC)
	a := state.Action{ID: "n1", Kind: "restart", InstanceID: "i1", InstanceName: "train", Region: "r1", RegionName: "西北一区",
		User: "U1", Channel: "C1", AlertID: "al1", ResponseURL: "https://hooks.slack.test/x", Created: t0, Expires: t0.Add(10 * time.Minute),
		Phase: state.ActionPending}
	if err := st.Update(ctx, func(tx state.Tx) error { return tx.PutAction(a) }); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, path)
	defer st.Close()
	err := st.Update(ctx, func(tx state.Tx) error {
		got, ok, err := tx.Action("n1")
		if err != nil || !ok || got != a {
			t.Errorf("Action(n1) = %+v, %v, %v; want %+v", got, ok, err, a)
		}
		if _, ok, err := tx.Action("missing"); ok || err != nil {
			t.Errorf("Action(missing) = %v, %v", ok, err)
		}
		got.Phase, got.Finished = state.ActionDone, t0.Add(time.Minute)
		if err := tx.PutAction(got); err != nil {
			return err
		}
		var ids []string
		if err := tx.Actions(func(x state.Action) error {
			ids = append(ids, x.ID+":"+string(x.Phase))
			return nil
		}); err != nil {
			return err
		}
		if !slices.Equal(ids, []string{"n1:done"}) {
			t.Errorf("Actions lists %v", ids)
		}
		if err := tx.DeleteAction("n1"); err != nil {
			return err
		}
		if err := tx.DeleteAction("missing"); err != nil {
			return err
		}
		if _, ok, _ := tx.Action("n1"); ok {
			t.Error("n1 still there after DeleteAction")
		}
		return tx.PutAction(state.Action{})
	})
	if err == nil {
		t.Error("PutAction with an empty nonce was accepted")
	}
}

// TestActionsPruned: writing a new action drops those finished, or expired
// unconfirmed, more than ActionRetention before it; newer ones, and those
// still in flight, stay. Rewriting an existing action prunes nothing.
func TestActionsPruned(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	day := state.ActionRetention
	old := []state.Action{
		{ID: "finished-old", Created: now.Add(-3 * day), Expires: now.Add(-3 * day), Finished: now.Add(-day - time.Second), Phase: state.ActionDone},
		{ID: "expired-old", Created: now.Add(-2 * day), Expires: now.Add(-day - time.Minute), Phase: state.ActionPending},
		{ID: "finished-recent", Created: now.Add(-2 * day), Expires: now.Add(-2 * day), Finished: now.Add(-day + time.Minute), Phase: state.ActionFailed},
		{ID: "expired-recent", Created: now.Add(-time.Hour), Expires: now.Add(-50 * time.Minute), Phase: state.ActionPending},
		{ID: "sending-long", Created: now.Add(-2 * day), Expires: now.Add(-day + time.Second), Phase: state.ActionSending},
	}
	err := st.Update(ctx, func(tx state.Tx) error {
		for _, a := range old {
			if err := tx.PutAction(a); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	list := func() []string {
		var ids []string
		_ = st.View(ctx, func(tx state.Tx) error {
			return tx.Actions(func(a state.Action) error { ids = append(ids, a.ID); return nil })
		})
		slices.Sort(ids)
		return ids
	}
	if got := list(); len(got) != 5 {
		t.Fatalf("before a new action the store keeps %v, want all 5", got)
	}
	// An existing action rewritten with a late time prunes nothing.
	err = st.Update(ctx, func(tx state.Tx) error {
		a := old[3]
		a.Created = now.Add(5 * day)
		return tx.PutAction(a)
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := list(); len(got) != 5 {
		t.Fatalf("a rewrite pruned: %v", got)
	}
	err = st.Update(ctx, func(tx state.Tx) error {
		return tx.PutAction(state.Action{ID: "new", Created: now, Expires: now.Add(10 * time.Minute), Phase: state.ActionPending})
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"expired-recent", "finished-recent", "new", "sending-long"}
	if got := list(); !slices.Equal(got, want) {
		t.Errorf("after a new action the store keeps %v, want %v", got, want)
	}
}

// TestActionsRootOnly: a region's namespace refuses the actions, so a
// confirmation cannot be written where the actions would never read it.
func TestActionsRootOnly(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	ns := state.Namespace(st, "r1")
	calls := map[string]func(state.Tx) error{
		"Action":       func(tx state.Tx) error { _, _, err := tx.Action("n1"); return err },
		"PutAction":    func(tx state.Tx) error { return tx.PutAction(state.Action{ID: "n1"}) },
		"DeleteAction": func(tx state.Tx) error { return tx.DeleteAction("n1") },
		"Actions":      func(tx state.Tx) error { return tx.Actions(func(state.Action) error { return nil }) },
	}
	for name, call := range calls {
		if err := ns.Update(ctx, call); !errors.Is(err, state.ErrRootOnly) {
			t.Errorf("%s in a namespace: %v, want ErrRootOnly", name, err)
		}
	}
	_ = st.View(ctx, func(tx state.Tx) error {
		if _, ok, _ := tx.Action("n1"); ok {
			t.Error("the namespace's PutAction reached the root")
		}
		return nil
	})
}

// TestActionsUnusable: a store that cannot be used refuses actions like
// everything else.
func TestActionsUnusable(t *testing.T) {
	st := state.Unusable(state.ErrUnusable)
	err := st.Update(context.Background(), func(tx state.Tx) error { return tx.PutAction(state.Action{ID: "n1"}) })
	if !errors.Is(err, state.ErrUnusable) {
		t.Errorf("Unusable store: %v", err)
	}
}

// TestOldFileGainsActions: a file written before actions existed opens
// with the bucket added and takes actions.
func TestOldFileGainsActions(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range []string{"instances", "alerts", "outbox", "snoozes", "meta"} {
			if _, err := tx.CreateBucket([]byte(b)); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("version"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st := open(t, path)
	defer st.Close()
	ctx := context.Background()
	if err := st.Update(ctx, func(tx state.Tx) error { return tx.PutAction(state.Action{ID: "n1", Phase: state.ActionPending}) }); err != nil {
		t.Fatalf("old file refuses an action: %v", err)
	}
}
