// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server named by SCNETBOT_TEST_POSTGRES, so the PostgreSQL store is
// tested against a real server, never a fake.
package pgtest

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

// EnvVar names the server: a URL such as
// postgres://postgres@127.0.0.1:54321/postgres?sslmode=disable whose user
// may create databases.
const EnvVar = "SCNETBOT_TEST_POSTGRES"

// Command is the one command that runs the tests with a server.
const Command = "bash .ci/with-postgres go test ./..."

// URL creates a database scnetbot_test_<random> on the server named by
// SCNETBOT_TEST_POSTGRES and returns its URL; it is dropped when the test
// ends. Without the variable the test is skipped, unless CI=true: CI must
// run these tests, so there it fails instead.
func URL(t testing.TB) string {
	t.Helper()
	server := os.Getenv(EnvVar)
	if server == "" {
		msg := "needs PostgreSQL: set " + EnvVar + " or run `" + Command + "`"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (CI=true: these tests must run)")
		}
		t.Skip(msg)
	}
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("%s: not a URL: %v", EnvVar, err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "scnetbot_test_" + hex.EncodeToString(b)

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, server)
	if err != nil {
		t.Fatalf("connect to %s (%s): %v", EnvVar, u.Redacted(), err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		c, err := pgx.Connect(ctx, server)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(ctx)
		// WITH (FORCE) ends sessions a failed test left open.
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
