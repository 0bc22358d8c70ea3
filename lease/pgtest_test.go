package lease

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"scnetbot/internal/pgtest"
	"scnetbot/state"
)

// freshDB gives t a database of its own on the test server (internal/pgtest,
// which skips or, in CI, fails without one) with the state store's
// migrations applied: the lease's table is the store's scnetbot_lease, the
// one its fenced writes read. Advisory locks are per database, so tests
// cannot see each other's leases.
func freshDB(t testing.TB) string {
	t.Helper()
	dbURL := pgtest.URL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := state.OpenPostgres(ctx, dbURL)
	if err != nil {
		t.Fatalf("migrate the test database: %v", err)
	}
	_ = st.Close()
	return dbURL
}

// connect opens a connection for the test's own queries, closed when t ends.
func connect(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}
