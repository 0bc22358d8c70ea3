package watcher

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// AccountReason is why the account needs attention.
type AccountReason string

// The reasons, most urgent first: when several hold, the first is named.
const (
	// AccountFrozen: the account endpoint answered code 10007 (user frozen).
	AccountFrozen AccountReason = "frozen"
	// AccountStatus: SCNet reports an accountStatus other than Normal or
	// Trial (scnet.Account.StatusOK).
	AccountStatus AccountReason = "status"
	// AccountArrears: the balance is below zero.
	AccountArrears AccountReason = "arrears"
	// AccountLowBalance: the balance is below WATCH_BALANCE_BELOW.
	AccountLowBalance AccountReason = "low_balance"
)

// AccountProblem is what the account check found wrong.
type AccountProblem struct {
	Reason AccountReason
	// Account is what SCNet said; zero for AccountFrozen, which SCNet
	// answers with an error instead of the account.
	Account scnet.Account
	// Below is the configured threshold, for AccountLowBalance.
	Below float64
}

// AccountRenderer writes the account check's two messages. Package alerts
// implements it. The messages name no region: the account is one for all.
type AccountRenderer interface {
	// AccountWarning is the one warning of an episode.
	AccountWarning(p AccountProblem) (string, json.RawMessage)
	// AccountOK is the reply in the warning's thread once SCNet reports
	// the account fine again.
	AccountOK(a scnet.Account) (string, json.RawMessage)
}

// AccountConfig is what the account check needs besides SCNet and the
// store.
type AccountConfig struct {
	// Channel is where the warning goes (WATCH_CHANNEL).
	Channel string
	// BalanceBelow, when set, warns of a balance below it, in the
	// account's currency (WATCH_BALANCE_BELOW). Nil: no threshold.
	BalanceBelow *float64
	// Interval between checks (default 10m).
	Interval time.Duration
	// Render writes the messages. Required.
	Render AccountRenderer
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger may be nil, which discards.
	Logger *slog.Logger
	// Notify is called after a message was queued (outbox.Deliverer.Kick).
	Notify func()
}

// AccountCheck asks SCNet about the account now and then and posts one
// warning per episode of trouble (frozen, in arrears, balance below the
// threshold), before instances start failing for lack of funds, and one
// reply in its thread once the account is fine again. The account is the
// user's, not a region's, so one check serves every region. Whether a
// warning is open is kept in the store's root meta, so a restart does not
// post it again.
type AccountCheck struct {
	describe func(context.Context) (*scnet.Account, error)
	st       state.Store
	cfg      AccountConfig

	// failing is set while the account endpoint fails, so the failure is
	// logged once per run of failures; noBalance likewise for a balance
	// SCNet does not give while a threshold is set. Only Run's goroutine
	// (or a test calling Check) touches them.
	failing, noBalance bool
}

// NewAccountCheck returns a check that asks describe about the account
// (scnet.DescribeAccount with any usable region's token) and records what
// it posted in st, the store's root (not a region's Namespace).
func NewAccountCheck(describe func(context.Context) (*scnet.Account, error), st state.Store, cfg AccountConfig) *AccountCheck {
	if cfg.Interval <= 0 {
		cfg.Interval = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Notify == nil {
		cfg.Notify = func() {}
	}
	return &AccountCheck{describe: describe, st: st, cfg: cfg}
}

// Run checks at once and then every Interval until ctx ends.
func (c *AccountCheck) Run(ctx context.Context) {
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		if err := c.Check(ctx); err != nil && ctx.Err() == nil {
			c.cfg.Logger.Error("account check: recording its outcome failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Check asks SCNet once and posts what that calls for. An account endpoint
// that fails (network, 5xx, a malformed answer) changes nothing: the last
// known state stands and the failure is logged once until it answers
// again. The error is the store's.
func (c *AccountCheck) Check(ctx context.Context) error {
	a, err := c.describe(ctx)
	p, known := judgeAccount(a, err, c.cfg.BalanceBelow)
	if !known {
		if !c.failing && ctx.Err() == nil {
			c.cfg.Logger.Warn("cannot read the SCNet account's status and balance: keeping what was known; no account warning until it answers", "err", err)
		}
		c.failing = true
		return nil
	}
	if c.failing {
		c.cfg.Logger.Info("the SCNet account endpoint answers again")
		c.failing = false
	}
	if a != nil && !a.BalanceKnown && c.cfg.BalanceBelow != nil && !c.noBalance {
		c.cfg.Logger.Warn("SCNet gave no account balance: WATCH_BALANCE_BELOW cannot be checked until it does", "status", a.Status)
	}
	c.noBalance = a != nil && !a.BalanceKnown
	if p != nil {
		return c.warn(ctx, *p)
	}
	return c.clear(ctx, *a)
}

// judgeAccount decides what SCNet's answer means: a problem, nil when the
// account is fine, and known false when the answer says nothing about the
// account (the endpoint failed). Code 10007 is an answer: the account is
// frozen.
func judgeAccount(a *scnet.Account, err error, below *float64) (p *AccountProblem, known bool) {
	switch {
	case scnet.IsFrozen(err):
		return &AccountProblem{Reason: AccountFrozen}, true
	case err != nil || a == nil:
		return nil, false
	case !a.StatusOK():
		return &AccountProblem{Reason: AccountStatus, Account: *a}, true
	case a.InArrears():
		return &AccountProblem{Reason: AccountArrears, Account: *a}, true
	case below != nil && a.BalanceKnown && a.Balance < *below:
		return &AccountProblem{Reason: AccountLowBalance, Account: *a, Below: *below}, true
	}
	return nil, true
}

// warn posts the episode's one warning, unless it is already open.
func (c *AccountCheck) warn(ctx context.Context, p AccountProblem) error {
	queued := false
	err := c.st.Update(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		if err != nil || m.AccountWarned {
			return err
		}
		now := c.cfg.Now()
		// The previous episode's record only served its recovery reply.
		if m.AccountAlertID != "" {
			if err := tx.DeleteAlert(m.AccountAlertID); err != nil {
				return err
			}
		}
		id := "acct-" + strconv.FormatInt(now.UnixNano(), 36)
		if err := tx.PutAlert(state.Alert{ID: id, Channel: c.cfg.Channel, Created: now}); err != nil {
			return err
		}
		text, blocks := c.cfg.Render.AccountWarning(p)
		if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id, AlertID: id, Channel: c.cfg.Channel,
			Text: text, Blocks: blocks, Created: now}); err != nil {
			return err
		}
		m.AccountAlertID, m.AccountWarned = id, true
		queued = true
		return tx.PutMeta(m)
	})
	if err != nil {
		return fmt.Errorf("account warning: %w", err)
	}
	if queued {
		c.cfg.Logger.Warn("the SCNet account needs attention: instances may stop for lack of funds",
			"reason", string(p.Reason), "status", p.Account.Status, "balance", p.Account.Balance, "balance_known", p.Account.BalanceKnown)
		c.cfg.Notify()
	}
	return nil
}

// clear answers the open warning, if any, in its thread.
func (c *AccountCheck) clear(ctx context.Context, a scnet.Account) error {
	queued := false
	err := c.st.Update(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		if err != nil || !m.AccountWarned {
			return err
		}
		now := c.cfg.Now()
		m.AccountWarned = false
		if al, ok, err := tx.Alert(m.AccountAlertID); err != nil {
			return err
		} else if ok {
			al.Closed = now
			if err := tx.PutAlert(al); err != nil {
				return err
			}
			text, blocks := c.cfg.Render.AccountOK(a)
			if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: m.AccountAlertID + "-ok", Channel: al.Channel,
				ThreadOf: m.AccountAlertID, Text: text, Blocks: blocks, Created: now}); err != nil {
				return err
			}
			queued = true
		}
		return tx.PutMeta(m)
	})
	if err != nil {
		return fmt.Errorf("account recovery: %w", err)
	}
	if queued {
		c.cfg.Logger.Info("the SCNet account is fine again", "status", a.Status)
		c.cfg.Notify()
	}
	return nil
}
