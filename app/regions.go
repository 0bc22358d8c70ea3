package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"scnetbot/config"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/watcher"
)

// defaultRegionID is the region of a configuration that names its one
// region by URL (SCNET_TOKEN with SCNET_BASE_URL): scnetbot then asks
// SCNet nothing to know it. It keys that region's watcher state, as it
// did in the one-region version.
const defaultRegionID = "default"

// regionSource is how the configuration finds its regions: the set, and
// which region the one-region version of scnetbot watched (its state is
// adopted by that region's watcher).
type regionSource struct {
	set *regions.Set
	// legacy is the region whose state the one-region version kept when
	// the configuration alone says it; "" means it is found among the
	// regions (legacyRegion).
	legacy string
	// ac asks SCNet's account API (center, user), told to the metrics.
	ac *scnet.AC
	// relogin, for a login, logs in again so that set.Rediscover sees the
	// regions SCNet lists now; nil when the regions cannot change (static
	// tokens). every is how often that happens.
	relogin func(context.Context) error
	every   time.Duration
	// rejected is why SCNET_TOKEN entries were left out of the regions
	// (SCNet refused them), nil when none was; for /readyz.
	rejected atomic.Pointer[error]
}

// rediscoverEvery is how often a login asks SCNet again for the account's
// regions, so that a region the account was suspended in at start (or
// gains later) is watched without a restart. Suspensions are lifted by
// people, in hours; one login an hour is nothing next to the polls.
const rediscoverEvery = time.Hour

// newRegionSource builds the discovery the configuration asks for:
//   - SCNET_TOKEN with SCNET_BASE_URL: one region, known without SCNet;
//   - SCNET_TOKEN (one or a comma list): each token's region and base URL
//     from SCNet's center endpoint;
//   - a login (AK/SK or legacy): every region the login lists, filtered by
//     SCNET_CLUSTER; each region finds its base URL on first use.
func newRegionSource(cfg *config.Config, version string, observe scnet.Observer, logger *slog.Logger) (*regionSource, error) {
	hc := &http.Client{Timeout: 15 * time.Second}
	ac := &scnet.AC{Base: cfg.SCNetACURL, HTTPClient: hc, Observer: observe}
	newClient := func(r scnet.Region, base string, ts scnet.TokenSource, discover func(context.Context) (string, error)) (*scnet.Client, error) {
		opts := []scnet.Option{
			scnet.WithTokenSource(ts),
			scnet.WithUserAgent("scnetbot/" + version),
			scnet.WithObserver(observe),
			scnet.WithLogger(logger.With("component", "scnet", "region", r.Name)),
		}
		if discover != nil {
			opts = append(opts, scnet.WithDiscovery(discover))
		}
		c, err := scnet.New(base, opts...)
		if err != nil {
			return nil, fmt.Errorf("scnet client for region %s: %w", r.Name, err)
		}
		return c, nil
	}

	if !cfg.UsesCredentials() {
		tokens := cfg.SCNetTokens()
		if cfg.SCNetBaseURL != "" && len(tokens) == 1 {
			ts := scnet.StaticToken(tokens[0].Reveal())
			r := scnet.Region{ID: defaultRegionID, Name: hostOf(cfg.SCNetBaseURL)}
			c, err := newClient(r, cfg.SCNetBaseURL, ts, nil)
			if err != nil {
				return nil, err
			}
			return &regionSource{
				set:    regions.Fixed(&regions.Region{ID: r.ID, Name: r.Name, Client: c, Operator: c, Tokens: ts}),
				legacy: defaultRegionID,
				ac:     ac,
			}, nil
		}
		src := &regionSource{ac: ac}
		discover := func(ctx context.Context) ([]*regions.Region, []regions.Suspended, error) {
			var rs []*regions.Region
			var rejected []error
			seen := map[string]bool{}
			for i, tok := range tokens {
				ts := scnet.StaticToken(tok.Reveal())
				r, base, err := ac.DescribeRegion(ctx, ts)
				if err != nil && scnet.IsAuthError(err) {
					// One expired or revoked token must not stop every
					// region's commands and alerts: the others go on,
					// and the log and /readyz say which to replace.
					err = fmt.Errorf("SCNET_TOKEN entry %d: SCNet refused the token, so its region is left out until it is replaced: %w", i+1, err)
					logger.Error("a SCNET_TOKEN entry is refused: its region is not used", "err", err)
					rejected = append(rejected, err)
					continue
				}
				if err != nil {
					return nil, nil, fmt.Errorf("SCNET_TOKEN entry %d: %w", i+1, err)
				}
				if r.ID == "" {
					return nil, nil, fmt.Errorf("SCNET_TOKEN entry %d: SCNet's center entry for it has no region id", i+1)
				}
				if seen[r.ID] {
					return nil, nil, fmt.Errorf("SCNET_TOKEN entries name region %s twice: give one token per region", r.Name)
				}
				seen[r.ID] = true
				c, err := newClient(r, base, ts, nil)
				if err != nil {
					return nil, nil, err
				}
				rs = append(rs, &regions.Region{ID: r.ID, Name: r.Name, Client: c, Operator: c, Tokens: ts})
			}
			if len(rs) == 0 {
				return nil, nil, errors.Join(rejected...)
			}
			if len(rejected) > 0 {
				err := errors.Join(rejected...)
				src.rejected.Store(&err)
			}
			return rs, nil, nil
		}
		src.set = regions.New(discover)
		return src, nil
	}

	creds, err := scnet.NewCredentials(scnet.CredentialsConfig{
		User:      cfg.SCNetUser,
		AccessKey: cfg.SCNetAccessKey.Reveal(),
		SecretKey: cfg.SCNetSecretKey,
		Password:  cfg.SCNetPassword,
		OrgID:     cfg.SCNetOrgID,
		Cluster:   cfg.SCNetCluster,
		AuthBase:  cfg.SCNetAuthURL,
		ACBase:    cfg.SCNetACURL,
		Observer:  observe,
	})
	if err != nil {
		return nil, fmt.Errorf("scnet credentials: %w", err)
	}
	discover := func(ctx context.Context) ([]*regions.Region, []regions.Suspended, error) {
		usable, suspended, err := creds.Regions(ctx)
		if err != nil {
			return nil, nil, err
		}
		if cfg.SCNetBaseURL != "" && len(usable) > 1 {
			return nil, nil, errors.New("SCNET_BASE_URL names one region's URL, but the login gives several regions: set SCNET_CLUSTER to that region, or leave SCNET_BASE_URL empty")
		}
		var rs []*regions.Region
		for _, r := range usable {
			var find func(context.Context) (string, error)
			if cfg.SCNetBaseURL == "" {
				ts := r.Tokens
				find = func(ctx context.Context) (string, error) {
					base, err := ac.DiscoverAIBase(ctx, ts)
					if err != nil {
						return "", fmt.Errorf("region %s: asking SCNet's center for its AI base URL failed: %w", r.Name, err)
					}
					return base, nil
				}
			}
			c, err := newClient(r.Region, cfg.SCNetBaseURL, r.Tokens, find)
			if err != nil {
				return nil, nil, err
			}
			rs = append(rs, &regions.Region{ID: r.ID, Name: r.Name, Client: c, Operator: c, Tokens: r.Tokens})
		}
		var sus []regions.Suspended
		for _, r := range suspended {
			sus = append(sus, regions.Suspended{ID: r.ID, Name: r.Name})
		}
		return rs, sus, nil
	}
	return &regionSource{set: regions.New(discover), ac: ac, relogin: creds.Relogin, every: rediscoverEvery}, nil
}

// legacyProbes bounds how many of the one-region state's instances are
// looked up to find the region they belong to.
const legacyProbes = 3

// legacyRegion is the region whose state the one-region version kept. That
// version watched one region: SCNET_CLUSTER's, or its one token's. An
// upgrade that now watches every region ("all", more tokens) no longer
// says which, and adopting the state under the wrong region would report
// its instances deleted and alert the right region's all over again. So,
// with several regions, it is the region whose SCNet knows the instances
// the old state tracks (a few lookups, once per state file). It is the
// first region when there is one, when the state has nothing to move, or
// when no region can tell.
func (a *App) legacyRegion(ctx context.Context, rs []*regions.Region) string {
	if len(rs) == 0 {
		return ""
	}
	if len(rs) == 1 {
		return rs[0].ID
	}
	var ids []string
	err := a.store.View(ctx, func(tx state.Tx) error {
		if m, err := tx.Meta(); err != nil || m.AdoptedBy != "" {
			return err // adopted already: nothing to move
		}
		var live, other []string
		if err := tx.Instances(func(in state.Instance) error {
			if in.Status.Live() || in.AlertID != "" {
				live = append(live, in.ID)
			} else {
				other = append(other, in.ID)
			}
			if len(live) >= legacyProbes {
				return state.ErrStop
			}
			return nil
		}); err != nil {
			return err
		}
		ids = append(live, other...)
		return nil
	})
	if err != nil || len(ids) == 0 {
		return rs[0].ID
	}
	var why []error
	for _, id := range ids[:min(len(ids), legacyProbes)] {
		for _, r := range rs {
			_, err := r.Client.Instance(ctx, id)
			switch {
			case err == nil:
				a.log.Info("the one-region state belongs to this region", "region", r.Name, "instance", id)
				return r.ID
			case !errors.Is(err, scnet.ErrNotFound):
				why = append(why, fmt.Errorf("%s: %w", r.Name, err))
			}
		}
	}
	a.log.Warn("no region knows the instances of the one-region state: it goes to the first region", "region", rs[0].Name, "err", errors.Join(why...))
	return rs[0].ID
}

// hostOf is a URL's host, or the URL when it does not parse.
func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// tokenExpiry tells a region's watcher when a static token runs out, so it
// can warn a day ahead. Tokens from a login renew themselves and need no
// warning.
func tokenExpiry(ts scnet.TokenSource) func() (time.Time, bool) {
	if st, ok := ts.(*scnet.Static); ok {
		return st.ExpiresAt
	}
	return nil
}

// watchRegions finds the regions (asking again every WATCH_INTERVAL while
// SCNet cannot say), moves the one-region version's state under the region
// it watched, starts one watcher per region and posts, once, the notice of
// each region the account is suspended in.
func (a *App) watchRegions(ctx context.Context) {
	cfg := a.cfg
	var (
		rs  []*regions.Region
		sus []regions.Suspended
		err error
	)
	for {
		rs, sus, err = a.regions.set.Regions(ctx)
		if err == nil || errors.Is(err, regions.ErrNoRegions) {
			break
		}
		a.regionErr.Store(&err)
		a.log.Warn("cannot find the SCNet regions yet: nothing is watched until SCNet answers", "err", err)
		t := time.NewTimer(cfg.WatchInterval.D)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	a.regionErr.Store(&err)
	legacy := a.regions.legacy
	if legacy == "" {
		legacy = a.legacyRegion(ctx, rs)
	}
	if legacy != "" {
		if err := state.AdoptLegacy(ctx, a.store, legacy); err != nil {
			a.log.Error("moving the one-region state under its region failed: the watcher starts without it", "region", legacy, "err", err)
		}
	}
	all := routable(rs, sus)
	for _, rt := range cfg.WatchRoutes.Routes {
		switch _, matches, ok := regions.ByName(all, rt.Region); {
		case ok:
		case len(matches) > 1:
			a.log.Warn("WATCH_ROUTES names a region by a start several regions share: its route is unused; give more of the name, or the id", "region", rt.Region, "channel", rt.Channel, "matches", len(matches))
		default:
			a.log.Warn("WATCH_ROUTES names a region the account does not have: its route is unused", "region", rt.Region, "channel", rt.Channel)
		}
	}
	for _, r := range rs {
		a.watchRegion(ctx, r)
	}
	a.noticeSuspended(ctx, sus)
	if len(rs) == 0 {
		// The account check still runs: it asks with the tokens of the
		// regions found later (rediscoverRegions).
		a.log.Error("no SCNet region can be watched: the account is suspended in every region SCNET_CLUSTER selects", "suspended", len(sus))
	}
	// The account check is the leader's work (App.lead).
	close(a.regionsFound)
}

// watchRegion starts region r's watcher, and forgets a suspension of r
// noticed before, so that a later one is noticed again.
func (a *App) watchRegion(ctx context.Context, r *regions.Region) {
	a.group.Add(watcher.New(r.Client, state.Namespace(a.store, r.ID), a.watcherConfig(r.ID, r.Name, r.Tokens)))
	// A region usable again is noticed again should it be suspended later.
	if err := watcher.ForgetSuspended(ctx, a.store, r.ID); err != nil {
		a.log.Error("forgetting the suspension of a region usable again", "region", r.Name, "err", err)
	}
}

// noticeSuspended posts, once per region, the notice that the account is
// suspended there.
func (a *App) noticeSuspended(ctx context.Context, sus []regions.Suspended) {
	for _, s := range sus {
		if err := watcher.NoticeSuspended(ctx, a.store, a.watcherConfig(s.ID, s.Name, nil)); err != nil {
			a.log.Error("notice of a suspended region", "region", s.Name, "err", err)
		}
	}
}

// rediscoverRegions logs in again every so often until ctx ends, so that
// the commands, and the watcher when it is on, see the regions that login
// lists for the first time (a suspension lifted, a region added to the
// account); a region suspended since is noticed. A failure keeps the
// regions found so far. Until the first discovery succeeds there is
// nothing to add to: Regions is still asking.
func (a *App) rediscoverRegions(ctx context.Context) {
	t := time.NewTicker(a.regions.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		err := a.regions.relogin(ctx)
		var added []*regions.Region
		var sus []regions.Suspended
		if err == nil {
			added, sus, err = a.regions.set.Rediscover(ctx)
		}
		if err != nil {
			if ctx.Err() == nil && !errors.Is(err, regions.ErrNotDiscovered) {
				a.log.Warn("asking SCNet again for the account's regions failed: the regions found before are used", "err", err)
			}
			continue
		}
		for _, r := range added {
			a.log.Info("SCNet lists a region it did not before: it is used from now on", "region", r.Name)
			if a.group != nil {
				a.watchRegion(ctx, r)
			}
		}
		if a.group != nil {
			a.noticeSuspended(ctx, sus)
		}
	}
}

// accountEvery is the slowest the account is checked. Money runs out over
// hours (SCNet bills running instances by the hour), so ten minutes still
// warns long before a sensible WATCH_BALANCE_BELOW is used up, and it costs
// one request where polls cost one per region per WATCH_INTERVAL. A frozen
// account shows sooner anyway: every region's poll is refused with 10007.
const accountEvery = 10 * time.Minute

// watchAccount checks the account's status and balance until ctx ends: at
// once, then every accountEvery (or WATCH_INTERVAL when that is longer).
// The account is the user's, not a region's, so one check serves them all,
// over the user endpoint on SCNET_AC_URL with the first region's token
// that gets an answer, among the regions known at the time of the check.
func (a *App) watchAccount(ctx context.Context) {
	cfg := a.cfg
	describe := describeAccount(a.regions.ac, a.regions.set)
	watcher.NewAccountCheck(describe, a.pollStore, watcher.AccountConfig{
		Channel:      cfg.WatchChannel,
		BalanceBelow: cfg.WatchBalanceBelow.Ptr(),
		Interval:     max(accountEvery, cfg.WatchInterval.D),
		Render:       a.ui,
		Logger:       a.log.With("component", "account"),
		Notify:       a.notify,
	}).Run(ctx)
}

// notify is told when the watcher queued messages or changed its state:
// the deliverer sends them now, and open Home tabs are looked at again.
func (a *App) notify() {
	a.deliv.Kick()
	a.home.Changed()
}

// watcherConfig is the configuration of one region's watcher: its
// region, its routed channel, and its token's expiry.
func (a *App) watcherConfig(id, name string, ts scnet.TokenSource) watcher.Config {
	cfg := a.cfg
	wc := watcher.Config{
		Region:         id,
		RegionName:     name,
		Channel:        a.channelFor(id),
		Interval:       cfg.WatchInterval.D,
		Statuses:       cfg.Statuses,
		Render:         a.ui,
		AccountStore:   a.pollStore,
		PollStore:      a.pollStore,
		Shared:         a.lease != nil,
		AccountChannel: cfg.WatchChannel,
		OutageAfter:    orNone(cfg.WatchOutageAfter.D),
		StormThreshold: cfg.WatchStormThreshold.N,
		Skew:           cfg.WatchClockSkew.D,
		Logger:         a.log.With("component", "watcher"),
		Metrics:        a.metrics,
		Notify:         a.notify,
	}
	// The incident lifecycle; zero turns each off.
	wc.EscalateAfter, wc.EscalateMention = cfg.WatchEscalateAfter.D, cfg.EscalateMention
	wc.FlapWindow, wc.ExpiryWarn = cfg.WatchFlapWindow.D, cfg.WatchExpiryWarn.D
	if ts != nil {
		wc.TokenExpiry = tokenExpiry(ts)
	}
	return wc
}

// channelFor is where region id's alerts and notices go: the channel
// WATCH_ROUTES gives the region, else WATCH_CHANNEL. A route names its
// region the way region: does (regions.ByName: the id, the whole name, or
// a start of the name only that region has), among the regions known now,
// suspended ones included: "西北一区=C0123" routes SCNet's 西北一区【西安】,
// as the README's example promises, rather than being checked at start
// and then never matched.
func (a *App) channelFor(id string) string {
	rs, sus, _ := a.regions.set.Known()
	all := routable(rs, sus)
	for _, rt := range a.cfg.WatchRoutes.Routes {
		if r, _, ok := regions.ByName(all, rt.Region); ok && r.ID == id {
			return rt.Channel
		}
	}
	return a.cfg.WatchChannel
}

// routable is every region a route may name: the usable ones and those
// the account is suspended in.
func routable(rs []*regions.Region, sus []regions.Suspended) []*regions.Region {
	all := slices.Clone(rs)
	for _, s := range sus {
		all = append(all, &regions.Region{ID: s.ID, Name: s.Name})
	}
	return all
}

// describeAccount asks SCNet about the account with each known region's
// token in turn until one gets an answer; 10007 (frozen) is an answer.
func describeAccount(ac *scnet.AC, set *regions.Set) func(context.Context) (*scnet.Account, error) {
	return func(ctx context.Context) (*scnet.Account, error) {
		rs, _, _ := set.Known()
		err := errors.New("no region to ask about the account")
		for _, r := range rs {
			var acct *scnet.Account
			if acct, err = ac.DescribeAccount(ctx, r.Tokens); err == nil || scnet.IsFrozen(err) || ctx.Err() != nil {
				return acct, err
			}
		}
		return nil, err
	}
}

// watchReadiness is the watcher's part of /readyz: the regions' watchers
// once the regions are known, and why they are not known before that.
func (a *App) watchReadiness(ctx context.Context) (time.Time, time.Duration, error) {
	if len(a.group.Watchers()) == 0 {
		if p := a.regionErr.Load(); p != nil && *p != nil {
			return time.Time{}, a.cfg.WatchInterval.D, fmt.Errorf("SCNet regions not found yet: %w", *p)
		}
	}
	if a.lease != nil && !a.lease.Leading() {
		return a.followerReadiness(ctx)
	}
	last, every, err := a.group.Readiness(ctx)
	if p := a.regions.rejected.Load(); err == nil && p != nil {
		err = *p
	}
	return last, every, err
}

// followerReadiness is a follower's part of /readyz: another replica polls,
// so this one is judged on what it needs to answer Slack, a store that
// answers, and not on polls it does not make. The last successful poll
// shown is the leader's, from the store, while it is recent; otherwise
// (no leader has polled yet, or none does now) the store's answer itself,
// since a follower cannot fix the leader's polls by restarting.
func (a *App) followerReadiness(ctx context.Context) (time.Time, time.Duration, error) {
	every := a.cfg.WatchInterval.D
	if err := a.store.View(ctx, func(tx state.Tx) error {
		_, err := tx.Meta()
		return err
	}); err != nil {
		return time.Time{}, every, fmt.Errorf("state database does not answer: %w", err)
	}
	now := time.Now()
	last, interval, err := a.group.Readiness(ctx)
	if interval > 0 {
		every = interval
	}
	if err != nil || last.IsZero() || now.Sub(last) > 3*every {
		return now, every, nil
	}
	return last, every, nil
}
