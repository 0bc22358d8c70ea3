package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"scnetbot/internal/pgtest"
)

// TestURLIsAFreshDatabase: two calls give two empty databases one can
// write to, and each is dropped when its test ends.
func TestURLIsAFreshDatabase(t *testing.T) {
	ctx := context.Background()
	var names []string
	t.Run("use", func(t *testing.T) {
		for range 2 {
			c, err := pgx.Connect(ctx, pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(ctx)
			var name string
			if err := c.QueryRow(ctx, "SELECT current_database()").Scan(&name); err != nil {
				t.Fatal(err)
			}
			var tables int
			if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").Scan(&tables); err != nil {
				t.Fatal(err)
			}
			if tables != 0 {
				t.Errorf("database %s has %d tables, want a fresh one", name, tables)
			}
			if _, err := c.Exec(ctx, "CREATE TABLE t (x int)"); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
		if names[0] == names[1] {
			t.Errorf("both calls gave database %s", names[0])
		}
	})
	if t.Skipped() || len(names) != 2 {
		return
	}
	// The subtest's cleanups ran: the databases are gone.
	admin := pgtest.URL(t)
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var left int
	if err := c.QueryRow(ctx, "SELECT count(*) FROM pg_database WHERE datname = ANY($1)", names).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d of %v left after the test", left, names)
	}
}
