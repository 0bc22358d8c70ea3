package scnet_test

import (
	"context"
	"errors"
	"net/url"
	"sync"
	"testing"
	"time"

	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// simClock is a settable clock for the simulator.
type simClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *simClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestActionsAgainstSimulator drives the four operations through the
// client against the simulator: a restart that runs again on the
// simulator's clock, a refused delete, a stop whose answer is lost (one
// request, outcome unknown, yet applied), and an access URL with its token.
func TestActionsAgainstSimulator(t *testing.T) {
	clk := &simClock{t: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)}
	sim := scnettest.New(scnettest.WithClock(clk.Now))
	defer sim.Close()
	c, err := scnet.New(sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(sim.Token())), scnet.WithRetry(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// The client is what regions.Region.Operator holds.
	var op regions.Operator = c
	ctx := context.Background()
	rec := sim.Add(scnettest.Record{Name: "train", Status: scnet.StatusFailed, TaskType: scnet.TaskJupyter})

	if err := op.Restart(ctx, rec.ID); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	in, err := c.Instance(ctx, rec.ID)
	if err != nil || in.Status != scnet.StatusDeploying {
		t.Fatalf("after restart: %v, %v; want Deploying", in, err)
	}
	var ae *scnet.APIError
	if err := op.Restart(ctx, rec.ID); !errors.As(err, &ae) || ae.Code != scnet.CodeInvalidParams {
		t.Errorf("restart of a live instance: %v, want code 10004", err)
	}
	clk.Advance(scnettest.DefaultRestartDelay)
	if in, err := c.Instance(ctx, rec.ID); err != nil || in.Status != scnet.StatusRunning {
		t.Fatalf("after the restart delay: %v, %v; want Running", in, err)
	}

	u, err := op.AccessURL(ctx, rec.ID)
	if err != nil {
		t.Fatalf("AccessURL: %v", err)
	}
	if p, err := url.Parse(u); err != nil || p.Query().Get("token") != sim.AccessToken(rec.ID) {
		t.Errorf("access URL %q, want one carrying the instance's token", u)
	}

	if err := op.Delete(ctx, rec.ID); !errors.As(err, &ae) || ae.Code != scnet.CodeDeleteFailed || errors.Is(err, scnet.ErrOutcomeUnknown) {
		t.Errorf("delete of a running instance: %v, want code 716866", err)
	}

	sim.Region(scnettest.KunshanClusterID).HoldNextAction(scnettest.ActionStop, 1, time.Hour)
	sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := op.Stop(sctx, rec.ID); !errors.Is(err, scnet.ErrOutcomeUnknown) {
		t.Errorf("stop with its answer held: %v, want ErrOutcomeUnknown", err)
	}
	if n := sim.ActionCount(scnettest.ActionStop); n != 1 {
		t.Errorf("%d stop requests, want exactly 1", n)
	}
	if in, err := c.Instance(ctx, rec.ID); err != nil || in.Status != scnet.StatusTerminated {
		t.Errorf("after the held stop: %v, %v; want Terminated", in, err)
	}

	if err := op.Delete(ctx, rec.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.Instance(ctx, rec.ID); errors.Is(err, scnet.ErrOutcomeUnknown) || err == nil {
		t.Errorf("after delete: %v, want the instance gone", err)
	}
}
