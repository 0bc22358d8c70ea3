package pgtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"scnetbot/internal/pgtest"
)

// TestClusterStopsAndStarts: the cluster accepts connections once
// started, refuses them while stopped, and accepts them again after Start
// and after Restart.
func TestClusterStopsAndStarts(t *testing.T) {
	c := pgtest.StartCluster(t)
	ping := func() error {
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		return conn.Ping(ctx)
	}
	if err := ping(); err != nil {
		t.Fatalf("started cluster: %v", err)
	}
	c.Stop(t)
	if err := ping(); err == nil {
		t.Error("stopped cluster accepted a connection")
	}
	c.Start(t)
	if err := ping(); err != nil {
		t.Fatalf("cluster started again: %v", err)
	}
	c.Restart(t)
	if err := ping(); err != nil {
		t.Errorf("restarted cluster: %v", err)
	}
}
