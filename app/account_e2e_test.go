package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/wait"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
)

// TestE2EAccountWarnedOnceAcrossRestarts: the real bot warns once in
// WATCH_CHANNEL about a balance below WATCH_BALANCE_BELOW, found over the
// simulator's user endpoint at start, and not again after a restart.
func TestE2EAccountWarnedOnceAcrossRestarts(t *testing.T) {
	const channel = "C0ALERTS"
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7))
	sim.SetAccount(scnettest.Account{AccountName: "ops", Status: "Normal", Balance: "42.00"})
	cfg := e2eConfig(t, sim, emu)
	cfg.WatchChannel = channel
	cfg.WatchInterval.D = 150 * time.Millisecond
	if err := cfg.WatchBalanceBelow.Decode("100"); err != nil {
		t.Fatal(err)
	}
	warnings := func() int {
		n := 0
		for _, m := range emu.ChannelMessages(channel) {
			if strings.Contains(m.Text, "SCNet account balance low") {
				n++
			}
		}
		return n
	}
	asked := func(n int) func() bool {
		return func() bool { return sim.RequestCount("/ac/openapi/v2/user") >= n }
	}

	// pending says whether an account message waits in e's outbox (one
	// sent just before a shutdown is confirmed by the next run).
	pending := func(e *e2e) (queued, warned bool) {
		err := e.app.store.View(timeout(t, 5*time.Second), func(tx state.Tx) error {
			m, err := tx.Meta()
			warned = m.AccountWarned
			if err != nil {
				return err
			}
			return tx.Outbox(func(msg state.Message) error {
				queued = queued || strings.Contains(msg.Text, "SCNet account")
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		return queued, warned
	}

	e := startBot(t, sim, emu, cfg)
	wait.Until(t, "account warning", func() bool { return warnings() == 1 })
	e.shutdown()
	e = startBot(t, sim, emu, cfg)
	wait.Until(t, "account asked again after the restart, nothing left to send", func() bool {
		queued, _ := pending(e)
		return asked(2)() && !queued
	})
	if _, warned := pending(e); !warned {
		t.Error("the store does not record the open account warning")
	}
	e.shutdown()
	if n := warnings(); n != 1 {
		t.Errorf("%d account warnings after a restart, want 1: %v", n, emu.ChannelMessages(channel))
	}
}

// TestDescribeAccountTriesEachRegion: a region whose token SCNet refuses
// does not stop the account check; the next region's token asks.
func TestDescribeAccountTriesEachRegion(t *testing.T) {
	sim := scnettest.New(scnettest.WithRegions(scnettest.DefaultRegions()...))
	t.Cleanup(sim.Close)
	ctx := timeout(t, 10*time.Second)
	rs := []*regions.Region{
		{ID: "bad", Name: "bad", Tokens: scnet.StaticToken("not-a-token")},
		{ID: scnettest.XianClusterID, Name: "西北一区", Tokens: scnet.StaticToken(sim.TokenFor(scnettest.XianClusterID))},
	}
	a, err := describeAccount(&scnet.AC{Base: sim.ACBaseURL()}, regions.Fixed(rs...))(ctx)
	if err != nil || a.Status != "Normal" {
		t.Fatalf("account = %+v, %v; want the second region's answer", a, err)
	}
	if _, err := describeAccount(&scnet.AC{Base: sim.ACBaseURL()}, regions.Fixed(rs[:1]...))(ctx); err == nil {
		t.Fatal("a refused token alone: no error")
	}
	sim.SetAccountFrozen(true)
	if _, err := describeAccount(&scnet.AC{Base: sim.ACBaseURL()}, regions.Fixed(rs[1:]...))(ctx); !scnet.IsFrozen(err) {
		t.Fatalf("frozen: err = %v", err)
	}
	if _, err := describeAccount(&scnet.AC{Base: sim.ACBaseURL()}, regions.Fixed())(ctx); err == nil {
		t.Fatal("no region: no error")
	}
}

// TestDescribeAccountAsksRegionsFoundLater: the account check asks with
// the regions known at each check, so an account suspended in every
// region at start is checked once a region is found again.
func TestDescribeAccountAsksRegionsFoundLater(t *testing.T) {
	sim := scnettest.New(scnettest.WithRegions(scnettest.DefaultRegions()...))
	t.Cleanup(sim.Close)
	ctx := timeout(t, 10*time.Second)
	var rs []*regions.Region
	set := regions.New(func(context.Context) ([]*regions.Region, []regions.Suspended, error) { return rs, nil, nil })
	_, _, _ = set.Regions(ctx)
	describe := describeAccount(&scnet.AC{Base: sim.ACBaseURL()}, set)
	if _, err := describe(ctx); err == nil {
		t.Fatal("no region yet: no error")
	}
	rs = []*regions.Region{{ID: scnettest.XianClusterID, Name: "西北一区", Tokens: scnet.StaticToken(sim.TokenFor(scnettest.XianClusterID))}}
	if _, _, err := set.Rediscover(ctx); err != nil {
		t.Fatal(err)
	}
	if a, err := describe(ctx); err != nil || a.Status != "Normal" {
		t.Fatalf("account = %+v, %v; want the region found later to ask", a, err)
	}
}
