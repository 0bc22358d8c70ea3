// Package app assembles scnetbot from its configuration: the SCNet client,
// the Socket Mode bot with its command handlers, the watcher and its outbox,
// and the health server. New builds every part, Run runs them.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/actions"
	"scnetbot/alerts"
	"scnetbot/bot"
	"scnetbot/config"
	"scnetbot/digest"
	"scnetbot/handlers"
	"scnetbot/health"
	"scnetbot/home"
	"scnetbot/i18n"
	"scnetbot/lease"
	"scnetbot/metrics"
	"scnetbot/outbox"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
	"scnetbot/watcher"
)

// App is scnetbot built from its configuration: New opens what can fail
// at start (the SCNet client, the state file, the health listener), so a bad
// setting stops the bot before it connects anywhere, and Run runs it. The
// demo and end-to-end tests hold it to watch the parts.
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	api     *slack.Client
	bot     *bot.Bot
	regions *regionSource
	group   *watcher.Group    // every region's watcher; nil when the watcher is off
	deliv   *outbox.Deliverer // nil when the watcher is off
	store   state.Store       // the watcher's store, nil when the watcher is off
	// pollStore is what the leader's work (polls, delivery, the account
	// check) writes through: with STATE_URL the store fenced by the
	// lease's epoch, so a replica that lost the lead writes nothing;
	// else the store itself.
	pollStore state.Store
	// lease elects the one replica that polls and delivers; nil without
	// STATE_URL, where this process always leads.
	lease *lease.Lease
	// regionsFound closes once watchRegions has found the regions and
	// added their watchers, so the account check can start.
	regionsFound chan struct{}
	// now is the clock of the leader's heartbeat (time.Now; tests move it).
	now func() time.Time
	ui  *alerts.Renderer // the alerts' renderer, nil when the watcher is off
	// channelPrinter writes channel messages, in BOT_LANGUAGE.
	channelPrinter *i18n.Printer
	// home keeps the Home tabs of the people who opened one up to date.
	home *home.Service
	// digest posts the daily digest (DIGEST_AT); nil when there is none.
	digest *digest.Digester
	// regionErr is why the regions are not known yet (nil once they are),
	// for /readyz.
	regionErr atomic.Pointer[error]
	metrics   *metrics.Metrics
	health    *http.Server // nil when HTTP_ADDR is empty
	ln        net.Listener // the health server's, nil when off
	state     io.Closer    // the watcher's state file, nil when there is none
	httpAddr  string       // the health server's real address, "" when off
}

// New builds scnetbot from cfg; version goes into the User-Agent sent to
// SCNet. Whatever New opened is released by Run, or by New itself when it
// fails.
func New(cfg *config.Config, logger *slog.Logger, version string) (*App, error) {
	return build(cfg, logger, version, nil)
}

// build is New with tuneActions, which may change the actions' settings
// that have no variable (their SCNet timeout, the user group's TTL, their
// clock) before they are built: the end-to-end tests cannot wait out the
// defaults. nil changes nothing.
func build(cfg *config.Config, logger *slog.Logger, version string, tuneActions func(*actions.Config)) (_ *App, err error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	for _, w := range cfg.Warnings() {
		logger.Warn(w)
	}
	// The catalogs are built into the binary and parsed once per process,
	// shared with every part's English fallback.
	catalog := i18n.MustLoad()
	m := metrics.New()
	a := &App{cfg: cfg, log: logger, metrics: m, regionsFound: make(chan struct{}), now: time.Now}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	observe := func(endpoint, outcome string, d time.Duration) {
		m.SCNetRequests.WithLabelValues(endpoint, outcome).Inc()
		m.SCNetLatency.WithLabelValues(endpoint).Observe(d.Seconds())
	}

	src, err := newRegionSource(cfg, version, observe, logger)
	if err != nil {
		return nil, err
	}
	a.regions = src

	a.api = slack.New(cfg.SlackBotToken.Reveal(),
		slack.OptionAppLevelToken(cfg.SlackAppToken.Reveal()),
		slack.OptionAPIURL(cfg.SlackAPIURL),
	)

	// Channel messages (alerts, notices, shared replies, the digest) are
	// in BOT_LANGUAGE; what a person asks for is answered in theirs.
	channelPrinter := catalog.Printer(cfg.Language)
	a.channelPrinter = channelPrinter
	hcfg := handlers.Config{
		Printer:         channelPrinter,
		AllowedChannels: cfg.AllowedChannels,
		AllowedUsers:    cfg.AllowedUsers,
		CacheTTL:        orNone(cfg.CacheTTL.D),
		QueryTimeout:    cfg.QueryTimeout.D,
		Location:        cfg.Location,
		Metrics:         m,
		Logger:          logger.With("component", "handlers"),
	}
	botCfg := bot.Config{Logger: logger.With("component", "bot"), Metrics: m, Catalog: catalog, Language: cfg.Language}
	checks := health.Checks{}
	// The state (the file, or PostgreSQL with STATE_URL) holds the watcher's memory and the actions'
	// confirmations: either one needs it.
	switch {
	case !cfg.WatchEnabled() && !cfg.ActionsEnabled():
	case cfg.StateURL != "":
		// PostgreSQL, shared by every replica, instead of the file. A
		// database that cannot be reached at start stops the bot: the
		// orchestrator restarts it, and nothing runs on a wrong store.
		pg, err := state.OpenPostgres(context.Background(), cfg.StateURL.Reveal())
		if err != nil {
			// state.OpenPostgres names the database, password redacted.
			return nil, fmt.Errorf("STATE_URL: %w", err)
		}
		a.store = pg
		a.state = pg
		// One replica polls and delivers, by a lease on the same
		// database; every replica answers Slack.
		a.lease = lease.New(cfg.StateURL.Reveal(), lease.Config{
			Timeout: cfg.StateLeaseTimeout.D,
			Logger:  logger.With("component", "lease"),
			Metrics: m,
		})
		a.pollStore = pg.Fenced(a.lease.Epoch)
	default:
		bolt, err := state.Open(cfg.StatePath)
		switch {
		case errors.Is(err, state.ErrUnusable):
			// A corrupt file stops the watcher, not the commands: it
			// says so in /readyz and /instances watch.
			logger.Error("watcher state unusable: commands work, alerts do not until the file is repaired or replaced", "err", err)
			a.store = state.Unusable(err)
		case err != nil:
			// state.Open names the file.
			return nil, fmt.Errorf("STATE_PATH: %w", err)
		default:
			a.store = bolt
			a.state = bolt
		}
	}
	if a.pollStore == nil {
		a.pollStore = a.store
	}
	if cfg.WatchEnabled() {
		// The regions' watchers join the group once the regions are
		// known (Run); until then the group has none, and says so.
		a.group = watcher.NewGroup()
	}
	var triage *actions.Service
	if cfg.ActionsEnabled() {
		acfg := actions.Config{
			Users:     cfg.ActionUsers,
			UserGroup: cfg.ActionUserGroup,
			Groups:    a.api,
			Views:     a.api,
			Regions:   src.set,
			Store:     a.store,
			Location:  cfg.Location,
			Printer:   channelPrinter,
			Logger:    logger.With("component", "actions"),
			Metrics:   m,
		}
		if a.group != nil {
			// The watcher writes each action in its alert's thread.
			acfg.Recorder = a.group
		}
		if tuneActions != nil {
			tuneActions(&acfg)
		}
		triage = actions.New(acfg)
		hcfg.Actions = triage
		hcfg.ActionButtons = func(p *i18n.Printer, regionID, id, name string, st scnet.Status) []slack.BlockElement {
			return triage.ButtonsIn(p, actions.Target{Region: regionID, InstanceID: id, Name: name}, st)
		}
		botCfg.Triage = triage
	} else {
		// Buttons posted while actions were on stay in Slack: a click on
		// one is told that actions are off and how to turn them on,
		// rather than left unanswered. This service acts for nobody.
		botCfg.Triage = actions.New(actions.Config{Logger: logger.With("component", "actions"), Metrics: m, Printer: channelPrinter})
	}
	if cfg.WatchEnabled() {
		ocfg := outbox.Config{Logger: logger.With("component", "deliver"), Metrics: m}
		if a.lease != nil {
			// Slack cannot be fenced: ask the lease at the last moment.
			ocfg.MayPost = a.lease.Leading
			// A follower's buttons queue messages the leader's deliverer
			// is not kicked for: it finds them by its rescan, so often.
			ocfg.Rescan = 2 * time.Second
		}
		a.deliv = outbox.New(a.api, a.pollStore, ocfg)
		rcfg := alerts.Config{
			Mention: cfg.WatchMention,
			// Alerts and notices are channel messages: BOT_LANGUAGE.
			Printer:  channelPrinter,
			Location: cfg.Location,
			Logger:   logger.With("component", "alerts"),
		}
		if triage != nil {
			rcfg.ActionButtons = alertActionButtons(triage)
			// The details an alert's button answers are the clicker's:
			// their buttons in the clicker's language.
			rcfg.DetailsButtons = func(p *i18n.Printer, al state.Alert, in scnet.Instance) []slack.BlockElement {
				st := cmp.Or(in.Status, al.To)
				return triage.ButtonsIn(p, actions.Target{Region: al.Region, InstanceID: in.ID, Name: in.Name, AlertID: al.ID}, st)
			}
		}
		a.ui = alerts.NewRenderer(rcfg)
		if cfg.DigestEnabled() {
			a.digest = digest.New(digest.Config{
				// The leader's fenced store: a deposed leader queues none.
				Store:      a.pollStore,
				Regions:    src.set,
				Channel:    cfg.DigestTarget(),
				At:         cfg.Digest,
				Location:   cfg.Location,
				Printer:    channelPrinter,
				ExpiryWarn: cfg.WatchExpiryWarn.D,
				Kick:       a.deliv.Kick,
				Logger:     logger.With("component", "digest"),
			})
		}
		hcfg.Watch = a.group
		botCfg.Alerts = alerts.NewButtons(a.group, a.ui)
		checks.Watch = a.watchReadiness
	}
	var watchHealth func(context.Context) (tracked.Health, error)
	if a.group != nil {
		watchHealth = a.group.Health
	}
	// Every replica keeps the tabs opened through its own connection;
	// each reads the shared store, so it sees the leader's polls.
	homeEvery := time.Duration(0) // the default
	if a.lease != nil {
		// A follower's watcher does not poll, so nothing tells its tabs
		// that the leader's polls changed the store: it finds out by
		// looking, so often, as its outbox does.
		homeEvery = 2 * time.Second
	}
	a.home = home.New(home.Config{
		Every:     homeEvery,
		Source:    home.StoreSource{Store: a.store, Health: watchHealth},
		Publisher: a.api,
		Printer:   channelPrinter,
		Location:  cfg.Location,
		Logger:    logger.With("component", "home"),
		// ALLOWED_USERS holds for the tab as for the command; a tab has
		// no channel, so ALLOWED_CHANNELS does not apply.
		Allowed: func(user string) bool {
			return len(cfg.AllowedUsers) == 0 || slices.Contains(cfg.AllowedUsers, user)
		},
	})
	botCfg.Home = a.home
	botCfg.Commands = handlers.New(src.set, hcfg)
	a.bot = bot.New(a.api, botCfg)
	checks.Connected = a.bot.Connected

	if cfg.HTTPAddr != "" {
		a.ln, err = net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return nil, fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
		a.httpAddr = a.ln.Addr().String()
		a.health = health.Server(cfg.HTTPAddr, health.Handler(m.Registry, checks))
	}
	return a, nil
}

// Run runs scnetbot until ctx ends or a part fails for good, then releases
// what New opened. Call it once.
func (a *App) Run(ctx context.Context) error {
	defer a.close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	// botDone closes when the bot has finished its work in flight; the
	// health server answers until then, so probes see a draining bot as
	// alive rather than dead.
	botDone := make(chan struct{})
	fail := func(err error) {
		if err != nil && !errors.Is(err, context.Canceled) {
			cancel(err)
		}
	}

	if a.health != nil {
		srv := a.health
		wg.Go(func() {
			if err := srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				fail(fmt.Errorf("health server: %w", err))
			}
		})
		wg.Go(func() {
			<-botDone
			shutdownCtx, done := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer done()
			_ = srv.Shutdown(shutdownCtx)
		})
	}

	if a.group != nil {
		wg.Go(func() { a.watchRegions(ctx) })
		if a.lease == nil {
			// One process on its own file: it always leads.
			wg.Go(func() { a.lead(ctx, fail) })
		} else {
			wg.Go(func() {
				fail(a.lease.Run(ctx, func(lctx context.Context, epoch uint64) {
					a.log.Info("leading: this replica polls SCNet and delivers alerts", "epoch", epoch)
					a.lead(lctx, fail)
					a.log.Info("following: another replica polls and delivers", "epoch", epoch)
				}))
			})
		}
	}
	if a.regions.relogin != nil {
		wg.Go(func() { a.rediscoverRegions(ctx) })
	}
	wg.Go(func() { fail(a.home.Run(ctx)) })
	checkBotToken(ctx, a.api, a.cfg.SlackAPIURL, a.log)
	err := a.bot.Run(ctx)
	close(botDone)
	cancel(err)
	wg.Wait()
	if err != nil {
		return err
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return cause
	}
	return nil
}

// lead does the leader's work until ctx ends: every region's polls, the
// outbox's delivery and the account check (once the regions are known).
// Without STATE_URL it runs for the life of the process; with it, while
// this replica holds the lease, and again each time it takes it back.
func (a *App) lead(ctx context.Context, fail func(error)) {
	var wg sync.WaitGroup
	if a.lease != nil {
		// Before the first poll, so a notice of a gap comes before the
		// alerts of what changed in it.
		a.resume(ctx)
		wg.Go(func() { a.heartbeat(ctx) })
	}
	wg.Go(func() { fail(a.deliv.Run(ctx)) })
	wg.Go(func() { fail(a.group.Run(ctx)) })
	if a.digest != nil {
		wg.Go(func() { fail(a.digest.Run(ctx)) })
	}
	wg.Go(func() {
		select {
		case <-ctx.Done():
			return
		case <-a.regionsFound:
		}
		a.watchAccount(ctx)
	})
	wg.Wait()
}

// PostDigest queues a digest of the last 24 hours now, besides the daily
// one, which it does not replace (the demo's digest command). It fails
// when DIGEST_AT is not set, and on a replica that does not lead.
func (a *App) PostDigest(ctx context.Context) error {
	if a.digest == nil {
		return errors.New("no digest: DIGEST_AT is not set")
	}
	// Asked before SCNet is: a follower's write would be fenced anyway,
	// after a minute of reading every region for nothing.
	if a.lease != nil && !a.lease.Leading() {
		return errors.New("no digest: this replica does not lead; ask the one that does")
	}
	return a.digest.PostNow(ctx)
}

// HTTPAddr is the health server's real address (a port of 0 in HTTP_ADDR
// picked), or "" when HTTP_ADDR is empty.
func (a *App) HTTPAddr() string { return a.httpAddr }

// close releases the state file and the health listener. Serve closes the
// listener itself; closing it again here is harmless and covers a Run that
// never started the server.
func (a *App) close() {
	if a.ln != nil {
		_ = a.ln.Close()
	}
	if a.state != nil {
		_ = a.state.Close()
	}
}

// alertActionButtons are the restart, stop and delete buttons of an open
// alert's instance, for the status that opened the incident; a resolved
// alert has none (its Details view still offers them).
func alertActionButtons(svc *actions.Service) func(state.Alert, scnet.Instance) []slack.BlockElement {
	return func(al state.Alert, in scnet.Instance) []slack.BlockElement {
		if !al.Closed.IsZero() {
			return nil
		}
		st := in.Status
		if st == "" {
			st = al.To
		}
		return svc.Buttons(actions.Target{Region: al.Region, InstanceID: in.ID, Name: in.Name, AlertID: al.ID}, st)
	}
}

// orNone passes on an operator's 0 ("no cache", "at once"). handlers and
// watcher read a zero setting as "use the default", as Go configuration
// structs do, and a negative one as "none", as net.Dialer.KeepAlive does.
func orNone(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// checkBotToken asks Slack who the bot is, once, so a wrong SLACK_BOT_TOKEN
// shows in the log at start rather than at the first alert. Slack being
// unreachable is not fatal: the socket keeps retrying, so that is a
// warning, and it is not blamed on the token.
func checkBotToken(ctx context.Context, api *slack.Client, apiURL string, logger *slog.Logger) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := api.AuthTestContext(ctx)
	var (
		rejected slack.SlackErrorResponse
		status   slack.StatusCodeError
		limited  *slack.RateLimitedError
	)
	switch {
	case err == nil:
		logger.Info("slack bot token ok", "team", resp.Team, "bot_user", resp.UserID)
	case errors.As(err, &rejected):
		// auth.test fails with an error code only when the token is bad
		// (invalid_auth, token_revoked, account_inactive, …).
		logger.Error("SLACK_BOT_TOKEN rejected by Slack ("+rejected.Err+"): replies and alerts will fail until it is replaced", "slack_error", rejected.Err)
	case errors.As(err, &status):
		logger.Warn(fmt.Sprintf("Slack answered auth.test with HTTP %d: the bot token could not be checked at start", status.Code))
	case errors.As(err, &limited):
		logger.Warn("Slack rate-limited auth.test: the bot token could not be checked at start", "retry_after", limited.RetryAfter)
	default:
		host := apiURL
		if u, perr := url.Parse(apiURL); perr == nil {
			host = u.Host
		}
		logger.Warn("cannot reach Slack at "+host+": the bot keeps trying to connect", "err", err)
	}
}
