package state_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

func open(t testing.TB, path string) *state.Bolt {
	t.Helper()
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestBoltRoundTripAndReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st := open(t, path)
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	err := st.Update(ctx, func(tx state.Tx) error {
		if err := tx.PutInstance(state.Instance{ID: "i1", Name: "n1", Status: scnet.StatusRunning, Changed: now}); err != nil {
			return err
		}
		if err := tx.PutAlert(state.Alert{ID: "a1", InstanceID: "i1", Channel: "C1", Created: now}); err != nil {
			return err
		}
		if err := tx.PutSnooze(state.Snooze{InstanceID: "i1", Until: now.Add(time.Hour), By: "U1"}); err != nil {
			return err
		}
		for _, id := range []string{"m1", "m2", "m3"} {
			if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id, Channel: "C1"}); err != nil {
				return err
			}
		}
		return tx.PutMeta(state.Meta{Baseline: now, NextID: 7})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	st = open(t, path)
	defer st.Close()
	err = st.View(ctx, func(tx state.Tx) error {
		in, ok, err := tx.Instance("i1")
		if err != nil || !ok || in.Name != "n1" || in.Status != scnet.StatusRunning || !in.Changed.Equal(now) {
			t.Errorf("instance after reopen = %+v, %v, %v", in, ok, err)
		}
		if _, ok, _ := tx.Instance("nope"); ok {
			t.Error("unknown instance found")
		}
		a, ok, err := tx.Alert("a1")
		if err != nil || !ok || a.InstanceID != "i1" {
			t.Errorf("alert after reopen = %+v, %v, %v", a, ok, err)
		}
		s, ok, err := tx.Snooze("i1")
		if err != nil || !ok || s.By != "U1" {
			t.Errorf("snooze after reopen = %+v, %v, %v", s, ok, err)
		}
		var ids []string
		if err := tx.Outbox(func(m state.Message) error { ids = append(ids, m.ID); return nil }); err != nil {
			return err
		}
		if len(ids) != 3 || ids[0] != "m1" || ids[2] != "m3" {
			t.Errorf("outbox order = %v, want m1 m2 m3", ids)
		}
		m, err := tx.Meta()
		if err != nil || m.NextID != 7 || !m.Baseline.Equal(now) {
			t.Errorf("meta = %+v, %v", m, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestBoltSecondOpenFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st := open(t, path)
	defer st.Close()
	if _, err := state.Open(path); err == nil {
		t.Fatal("second Open of a locked file succeeded")
	}
}
