package watcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
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
	// Refused names the regions whose polls SCNet refuses with code 10007
	// (user frozen), sorted; the warning lists them.
	Refused []string `json:",omitempty"`
}

// AccountRenderer writes the account check's two messages. Package alerts
// implements it. The messages name no region: the account is one for all.
type AccountRenderer interface {
	// AccountWarning is the one warning of an episode.
	AccountWarning(p AccountProblem) (string, json.RawMessage)
	// AccountOK is the reply in the warning's thread once SCNet reports
	// the account fine again.
	AccountOK(a scnet.Account) (string, json.RawMessage)
	// AccountPollsOK is that reply when the polls refused with code 10007
	// are answered again in every region, and the account endpoint has
	// no complaint.
	AccountPollsOK() (string, json.RawMessage)
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
// post it again; a region's poll refused with code 10007 raises or joins
// the same warning there (Config.AccountStore), so a frozen account is
// one message however many regions see it.
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
		switch err := c.Check(ctx); {
		case err == nil || ctx.Err() != nil:
		case errors.Is(err, state.ErrFenced):
			// Another replica leads and checks the account.
			c.cfg.Logger.Info("account check not saved: another replica leads", "err", err)
		default:
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
	ep := accountEpisode{st: c.st, channel: c.cfg.Channel, render: c.cfg.Render, now: c.cfg.Now}
	queued, err := ep.update(ctx, func(tx state.Tx, m *state.Meta) (bool, error) {
		m.AccountSeen = true
		if m.AccountWarned {
			return false, nil
		}
		return true, ep.open(tx, m, p)
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

// clear answers the open warning, if any, in its thread. The account
// endpoint is the word on the account: what polls were refused is
// forgotten, and a poll refused again raises a new episode.
func (c *AccountCheck) clear(ctx context.Context, a scnet.Account) error {
	ep := accountEpisode{st: c.st, channel: c.cfg.Channel, render: c.cfg.Render, now: c.cfg.Now}
	queued, err := ep.update(ctx, func(tx state.Tx, m *state.Meta) (bool, error) {
		m.AccountSeen, m.AccountRefused = false, nil
		if !m.AccountWarned {
			return false, nil
		}
		text, blocks := c.cfg.Render.AccountOK(a)
		return ep.close(tx, m, text, blocks)
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

// accountEpisode writes the one account warning of all regions and its
// recovery reply, in the root meta of st, for the account check and for
// every region's watcher, so whichever sees trouble first posts the
// warning and nobody posts it twice, across regions and restarts.
type accountEpisode struct {
	st      state.Store // the root, not a region's Namespace
	channel string
	render  AccountRenderer
	now     func() time.Time
}

// update runs fn on the root meta in one transaction and saves it; fn
// says whether it queued a message.
func (ep accountEpisode) update(ctx context.Context, fn func(state.Tx, *state.Meta) (bool, error)) (bool, error) {
	queued := false
	err := ep.st.Update(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		if err != nil {
			return err
		}
		if queued, err = fn(tx, &m); err != nil {
			return err
		}
		return tx.PutMeta(m)
	})
	return queued && err == nil, err
}

// open posts the warning of a new episode, listing the regions refused.
func (ep accountEpisode) open(tx state.Tx, m *state.Meta, p AccountProblem) error {
	now := ep.now()
	// The previous episode's record only served its recovery reply.
	if m.AccountAlertID != "" {
		if err := tx.DeleteAlert(m.AccountAlertID); err != nil {
			return err
		}
	}
	p.Refused = refusedNames(m.AccountRefused)
	snap, err := json.Marshal(p)
	if err != nil {
		return err
	}
	id := "acct-" + strconv.FormatInt(now.UnixNano(), 36)
	if err := tx.PutAlert(state.Alert{ID: id, Channel: ep.channel, Created: now, Snapshot: snap}); err != nil {
		return err
	}
	text, blocks := ep.render.AccountWarning(p)
	if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id, AlertID: id, Channel: ep.channel,
		Text: text, Blocks: blocks, Created: now}); err != nil {
		return err
	}
	m.AccountAlertID, m.AccountWarned = id, true
	return nil
}

// relist rewrites the open warning's message with the regions refused now.
// A warning recorded before it kept its problem is left as it is.
func (ep accountEpisode) relist(tx state.Tx, m *state.Meta) (bool, error) {
	a, ok, err := tx.Alert(m.AccountAlertID)
	if err != nil || !ok || len(a.Snapshot) == 0 {
		return false, err
	}
	var p AccountProblem
	if err := json.Unmarshal(a.Snapshot, &p); err != nil {
		return false, nil // an unreadable record keeps its message
	}
	p.Refused = refusedNames(m.AccountRefused)
	if a.Snapshot, err = json.Marshal(p); err != nil {
		return false, err
	}
	if err := tx.PutAlert(a); err != nil {
		return false, err
	}
	now := ep.now()
	text, blocks := ep.render.AccountWarning(p)
	_, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: a.ID + "-u" + strconv.FormatInt(now.UnixNano(), 36),
		Channel: a.Channel, AlertID: a.ID, Text: text, Blocks: blocks, Created: now})
	return err == nil, err
}

// close ends the open warning with the reply text in its thread.
func (ep accountEpisode) close(tx state.Tx, m *state.Meta, text string, blocks json.RawMessage) (bool, error) {
	m.AccountWarned = false
	al, ok, err := tx.Alert(m.AccountAlertID)
	if err != nil || !ok {
		return false, err
	}
	now := ep.now()
	al.Closed = now
	if err := tx.PutAlert(al); err != nil {
		return false, err
	}
	_, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: m.AccountAlertID + "-ok", Channel: al.Channel,
		ThreadOf: m.AccountAlertID, Text: text, Blocks: blocks, Created: now})
	return err == nil, err
}

// refused records that SCNet refused region id's poll with code 10007:
// it opens the account warning, or, when one is open, lists the region
// in it. It reports whether the region was newly refused.
func (ep accountEpisode) refused(ctx context.Context, id, name string) (newly, queued bool, err error) {
	queued, err = ep.update(ctx, func(tx state.Tx, m *state.Meta) (bool, error) {
		if _, ok := m.AccountRefused[id]; ok && m.AccountWarned {
			return false, nil
		}
		newly = true
		if m.AccountRefused == nil {
			m.AccountRefused = map[string]string{}
		}
		m.AccountRefused[id] = name
		if !m.AccountWarned {
			return true, ep.open(tx, m, AccountProblem{Reason: AccountFrozen})
		}
		return ep.relist(tx, m)
	})
	return newly, queued, err
}

// answered records that region id's poll succeeded. It ends the episode
// once no region's poll is refused and the account endpoint has no
// complaint (AccountSeen): a poll answered in one region while another
// is refused is no recovery. A region not refused costs one read.
func (ep accountEpisode) answered(ctx context.Context, id string) (queued bool, err error) {
	var listed bool
	if err := ep.st.View(ctx, func(tx state.Tx) error {
		m, err := tx.Meta()
		_, listed = m.AccountRefused[id]
		return err
	}); err != nil || !listed {
		return false, err
	}
	return ep.update(ctx, func(tx state.Tx, m *state.Meta) (bool, error) {
		if _, ok := m.AccountRefused[id]; !ok {
			return false, nil
		}
		delete(m.AccountRefused, id)
		switch {
		case !m.AccountWarned:
			return false, nil
		case len(m.AccountRefused) > 0 || m.AccountSeen:
			return ep.relist(tx, m)
		}
		text, blocks := ep.render.AccountPollsOK()
		return ep.close(tx, m, text, blocks)
	})
}

// refusedNames is the names of the refused regions, sorted.
func refusedNames(refused map[string]string) []string {
	names := make([]string, 0, len(refused))
	for _, n := range refused {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
