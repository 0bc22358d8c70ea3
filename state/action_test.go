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
