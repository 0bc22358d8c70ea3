package state_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

func open(t *testing.T, path string) *state.Bolt {
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

func TestBoltUpdateReplacesQueuedUpdate(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	var first uint64
	err := st.Update(ctx, func(tx state.Tx) error {
		var err error
		if _, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "p", AlertID: "a1"}); err != nil {
			return err
		}
		if first, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "u1", AlertID: "a1"}); err != nil {
			return err
		}
		if _, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "other", AlertID: "a2"}); err != nil {
			return err
		}
		_, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "u2", AlertID: "a1"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	_ = st.View(ctx, func(tx state.Tx) error {
		return tx.Outbox(func(m state.Message) error { ids = append(ids, m.ID); return nil })
	})
	want := []string{"p", "other", "u2"}
	if len(ids) != len(want) {
		t.Fatalf("outbox = %v, want %v", ids, want)
	}
	for i := range want {
		if ids[i] != want[i] {
			t.Fatalf("outbox = %v, want %v", ids, want)
		}
	}
	err = st.Update(ctx, func(tx state.Tx) error {
		return tx.PutMessage(state.Message{Seq: first, ID: "u1"})
	})
	if !errors.Is(err, state.ErrNotQueued) {
		t.Errorf("PutMessage of a replaced update: err = %v, want ErrNotQueued", err)
	}
}

func TestBoltStopAndRollback(t *testing.T) {
	ctx := context.Background()
	st := open(t, filepath.Join(t.TempDir(), "s.db"))
	defer st.Close()
	boom := errors.New("boom")
	err := st.Update(ctx, func(tx state.Tx) error {
		if err := tx.PutInstance(state.Instance{ID: "x"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v", err)
	}
	_ = st.Update(ctx, func(tx state.Tx) error {
		for _, id := range []string{"a", "b", "c"} {
			if err := tx.PutInstance(state.Instance{ID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	n := 0
	err = st.View(ctx, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("x"); ok {
			t.Error("rolled-back instance was stored")
		}
		return tx.Instances(func(state.Instance) error {
			n++
			if n == 2 {
				return state.ErrStop
			}
			return nil
		})
	})
	if err != nil || n != 2 {
		t.Errorf("ErrStop: n = %d, err = %v; want 2, nil", n, err)
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
