package state_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"scnetbot/state"
)

// TestActionsSurviveReopen: an action written to the file is read back
// by nonce after the store is closed and opened again. The round trip
// within one store (list, rewrite, delete) is the contract suite's
// testActions, which runs on bbolt too.
func TestActionsSurviveReopen(t *testing.T) {
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
	err := st.View(ctx, func(tx state.Tx) error {
		got, ok, err := tx.Action("n1")
		if err != nil || !ok || got != a {
			t.Errorf("Action(n1) after reopen = %+v, %v, %v; want %+v", got, ok, err, a)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
