package state_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"scnetbot/state"
	"scnetbot/state/statetest"
)

// corruptStore returns a store whose instances bucket has a corrupt page.
func corruptStore(t *testing.T) *state.Bolt {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.db")
	st := open(t, path)
	if err := st.Update(context.Background(), func(tx state.Tx) error {
		for i := range 200 {
			if err := tx.PutInstance(state.Instance{ID: fmt.Sprintf("inst-%04d", i), Name: strings.Repeat("n", 40)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	statetest.CorruptPage(t, path, "inst-0100")
	st = open(t, path)
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// TestCorruptPageIsAnErrorNotAPanic: bbolt panics on a corrupt page; the
// store turns that into an error wrapping ErrUnusable, for reads and
// writes alike, keeps refusing afterwards (the next transaction must not
// run into the same page), and still closes.
func TestCorruptPageIsAnErrorNotAPanic(t *testing.T) {
	ctx := context.Background()
	for _, op := range []struct {
		name string
		run  func(*state.Bolt) error
	}{
		{"view", func(st *state.Bolt) error {
			return st.View(ctx, func(tx state.Tx) error {
				return tx.Instances(func(state.Instance) error { return nil })
			})
		}},
		{"update", func(st *state.Bolt) error {
			return st.Update(ctx, func(tx state.Tx) error {
				return tx.PutInstance(state.Instance{ID: "inst-0100", Name: "x"})
			})
		}},
	} {
		t.Run(op.name, func(t *testing.T) {
			st := corruptStore(t)
			err := op.run(st)
			if !errors.Is(err, state.ErrUnusable) || !strings.Contains(err.Error(), "corrupt") {
				t.Fatalf("err = %v, want ErrUnusable naming the corruption", err)
			}
			// Even a transaction that would not touch the page is refused.
			ran := false
			err2 := st.View(ctx, func(tx state.Tx) error { ran = true; return nil })
			if !errors.Is(err2, state.ErrUnusable) || ran {
				t.Errorf("after the panic: err = %v, fn ran %v; want ErrUnusable without running", err2, ran)
			}
			if err2.Error() != err.Error() {
				t.Errorf("later error %q differs from the first %q", err2, err)
			}
			if err := st.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
	}
}
