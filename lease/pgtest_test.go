package lease

// A minimal private copy of what internal/pgtest (the state store's test
// helper, not on this branch yet) does: find the test server, give each test
// a database of its own. Replace it with internal/pgtest once that lands.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// envPostgres names the test server, e.g.
// postgres://postgres@127.0.0.1:54322/postgres?sslmode=disable.
const envPostgres = "SCNETBOT_TEST_POSTGRES"

// leaseTable is the state store's migration for the lease row, repeated
// here because the store's migrations are not on this branch.
const leaseTable = `CREATE TABLE IF NOT EXISTS scnetbot_lease (
	id int PRIMARY KEY CHECK (id = 1),
	epoch bigint NOT NULL,
	holder text NOT NULL,
	taken_at timestamptz NOT NULL)`

// serverURL returns the test server's URL, skipping the test when none is
// configured, or failing it in CI, where a skip would hide that nothing ran.
func serverURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(envPostgres)
	if u == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set; CI must run the PostgreSQL tests", envPostgres)
		}
		t.Skipf("%s is not set: no PostgreSQL to test the lease against (see README)", envPostgres)
	}
	return u
}

// freshDB creates a database of its own for t on the server at server (a
// postgres:// URL), with the lease table, drops it when t ends, and returns
// its URL. Advisory locks are per database, so tests cannot see each
// other's leases.
func freshDB(t testing.TB, server string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer admin.Close(context.Background())
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "lease_test_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		admin, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("connect to drop database %s: %v", name, err)
			return
		}
		defer admin.Close(context.Background())
		if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	pu, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s must be a postgres:// URL: %v", envPostgres, err)
	}
	pu.Path = "/" + name
	dbURL := pu.String()
	db := connect(t, dbURL)
	if _, err := db.Exec(ctx, leaseTable); err != nil {
		t.Fatalf("create lease table: %v", err)
	}
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
