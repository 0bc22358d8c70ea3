package watcher_test

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/watcher"
)

// accountEnv is an account check over the simulator's user endpoint, next
// to one region's watcher, on the regions env's store, outbox and Slack.
type accountEnv struct {
	*regionsEnv
	sim   *scnettest.Server
	below float64
	check *watcher.AccountCheck
}

func newAccountEnv(t *testing.T) *accountEnv {
	e := &accountEnv{regionsEnv: newRegionsEnv(t, []string{"西北一区=C0123"}, func(c *watcher.Config) {
		c.OutageAfter = -1
		c.AccountChannel = channel
	}), below: 100}
	e.sim = e.regions[0].sim
	e.build()
	return e
}

// build makes the check afresh, as a restarted process does.
func (e *accountEnv) build() {
	ts := scnet.StaticToken(e.sim.Token())
	describe := func(ctx context.Context) (*scnet.Account, error) {
		return scnet.DescribeAccount(ctx, nil, e.sim.ACBaseURL(), ts)
	}
	e.check = watcher.NewAccountCheck(describe, e.st, watcher.AccountConfig{Channel: channel, BalanceBelow: &e.below,
		Render: e.render, Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(e.log, nil)), Notify: e.d.Kick})
}

func (e *accountEnv) restart() {
	e.regionsEnv.restart()
	e.build()
}

// checks runs n checks ten minutes apart and delivers what they queued.
func (e *accountEnv) checks(n int) {
	e.t.Helper()
	for range n {
		e.clock.Advance(10 * time.Minute)
		if err := e.check.Check(e.ctx); err != nil {
			e.t.Fatalf("check: %v", err)
		}
	}
	e.drain()
}

// want checks the alert channel holds top top-level messages and replies
// replies.
func (e *accountEnv) want(what string, top, replies int) {
	e.t.Helper()
	if got := e.top(channel); len(got) != top {
		e.t.Fatalf("%s: %d top-level messages, want %d: %v", what, len(got), top, texts(got))
	}
	if got := e.replies(channel); len(got) != replies {
		e.t.Fatalf("%s: %d replies, want %d: %v", what, len(got), replies, texts(got))
	}
}

// TestAccountWarnedOncePerEpisode: a balance below WATCH_BALANCE_BELOW
// posts one warning, before any instance fails; arrears, a failing
// endpoint, a restart and a frozen account in the same episode post
// nothing more; the account back to normal gets one reply in the
// warning's thread, and a new episode a new warning.
func TestAccountWarnedOncePerEpisode(t *testing.T) {
	e := newAccountEnv(t)
	e.checks(2)
	e.want("normal account", 0, 0)

	e.sim.SetAccount(scnettest.Account{AccountName: "ops<!here>", Status: "Normal", Balance: "42.00"})
	e.checks(3)
	e.want("balance below the threshold", 1, 0)
	warning := e.top(channel)[0]
	if b := blocksOf(warning); !strings.Contains(b, "SCNet account balance low") || !strings.Contains(b, "ops&lt;!here&gt;") ||
		!strings.Contains(b, "*42.00* left, below WATCH_BALANCE_BELOW (100.00)") || strings.Contains(b, "西北") {
		t.Errorf("warning = %s", b)
	}

	e.sim.SetAccountBalance("-5.00")
	e.checks(1)
	e.sim.FailAccountNext(3, http.StatusBadGateway)
	e.checks(3)
	e.want("arrears and a failing endpoint in the same episode", 1, 0)
	if n := strings.Count(e.log.String(), "cannot read the SCNet account"); n != 1 {
		t.Errorf("%d log lines about the failing account endpoint, want 1:\n%s", n, e.log)
	}

	e.restart()
	e.sim.SetAccountFrozen(true)
	e.checks(2)
	e.want("a restart, then frozen, in the same episode", 1, 0)

	e.sim.SetAccountFrozen(false)
	e.sim.SetAccount(scnettest.Account{AccountName: "ops", Status: "Normal", Balance: "500.00"})
	e.checks(2)
	e.want("back to normal", 1, 1)
	ok := e.replies(channel)[0]
	if ok.ThreadTS != warning.TS || !strings.Contains(ok.Text, "fine again: status Normal, balance 500.00") {
		t.Errorf("recovery = %q in thread %q, want in the warning's thread %q", ok.Text, ok.ThreadTS, warning.TS)
	}
	e.restart()
	e.checks(2)
	e.want("normal after a restart", 1, 1)

	e.sim.SetAccountFrozen(true)
	e.checks(2)
	e.want("a new episode", 2, 1)
	if b := blocksOf(e.top(channel)[1]); !strings.Contains(b, "SCNet account frozen") || !strings.Contains(b, "code 10007") {
		t.Errorf("frozen warning = %s", b)
	}
	if n := strings.Count(e.log.String(), "needs attention"); n != 2 {
		t.Errorf("%d log lines of warnings, want 2", n)
	}
}

// TestAccountAndRegionFrozen: a frozen account gets ONE warning, in the
// alert channel, whether the account endpoint or a region's poll saw 10007
// first: the poll raises it and lists the region, the account check joins
// it, and the region's channel gets no notice of its own. (Issue 10: one
// warning for one fact; this test asserted two messages before.) Once
// SCNet answers both again, one reply ends it in its thread.
func TestAccountAndRegionFrozen(t *testing.T) {
	e := newAccountEnv(t)
	e.stepOK()
	e.sim.SetAccountFrozen(true)
	for range 2 {
		e.sim.FailNextCode(1, scnettest.CodeUserFrozen)
		if errs := e.step(); !scnet.IsFrozen(errs[0]) {
			t.Fatalf("the region's poll = %v, want code 10007", errs[0])
		}
		e.checks(2)
	}
	e.restart()
	e.checks(1)
	acct, region := e.top(channel), e.top("C0123")
	if len(acct) != 1 || countContaining(acct, "SCNet account frozen") != 1 || countContaining(acct, "refuses the polls in 西北一区") != 1 {
		t.Errorf("alert channel = %v, want one warning naming the region", texts(acct))
	}
	if len(region) != 1 || countContaining(region, "frozen") != 0 {
		t.Errorf("region's channel = %v, want its baseline only", texts(region))
	}
	// The poll answers first: the account endpoint still says frozen, so
	// that is no recovery yet; the check saying fine is.
	e.stepOK()
	e.drain()
	e.want("poll answered, account still frozen", 1, 0)
	e.sim.SetAccountFrozen(false)
	e.checks(2)
	e.stepOK()
	e.drain()
	e.want("account fine again", 1, 1)
	if got := e.replies(channel); countContaining(got, "fine again") != 1 {
		t.Errorf("reply = %v", texts(got))
	}
}

// TestAccountUnknownBalance: with a threshold set and no balance from
// SCNet, nothing is posted and the gap is logged once.
func TestAccountUnknownBalance(t *testing.T) {
	e := newAccountEnv(t)
	e.sim.SetAccount(scnettest.Account{Status: "Trial"})
	e.checks(3)
	e.want("trial without a balance", 0, 0)
	if n := strings.Count(e.log.String(), "no account balance"); n != 1 {
		t.Errorf("%d log lines about the missing balance, want 1:\n%s", n, e.log)
	}
}
