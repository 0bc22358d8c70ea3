package state_test

import (
	"context"
	"path/filepath"
	"testing"

	"scnetbot/internal/pgtest"
	"scnetbot/state"
	"scnetbot/state/storetest"
)

// openPostgres opens a store on a fresh database of its own.
func openPostgres(t testing.TB, opts ...state.PostgresOption) *state.Postgres {
	t.Helper()
	p, err := state.OpenPostgres(context.Background(), pgtest.URL(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

func TestBoltContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) state.Store {
		st := open(t, filepath.Join(t.TempDir(), "s.db"))
		t.Cleanup(func() { _ = st.Close() })
		return st
	})
}

func TestPostgresContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) state.Store { return openPostgres(t) })
}

// TestPostgresFencedContract: a fenced store whose lease is held behaves
// as the store itself.
func TestPostgresFencedContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) state.Store {
		p := openPostgres(t)
		takeLease(t, p, 3)
		return p.Fenced(func() (uint64, bool) { return 3, true })
	})
}
