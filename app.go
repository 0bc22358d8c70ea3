package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/alerts"
	"scnetbot/bot"
	"scnetbot/config"
	"scnetbot/handlers"
	"scnetbot/health"
	"scnetbot/metrics"
	"scnetbot/outbox"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/watcher"
)

// app is the running bot, handed to the demo and to end-to-end tests so they
// can watch it; run owns its lifecycle.
type app struct {
	bot      *bot.Bot
	watcher  *watcher.Watcher // nil when the watcher is off
	metrics  *metrics.Metrics
	httpAddr string // the health server's real address, "" when off
}

// run builds scnetbot from cfg and runs it until ctx ends or a part fails
// for good. started, when not nil, is called once everything is built.
func run(ctx context.Context, cfg *config.Config, logger *slog.Logger, started func(*app)) error {
	m := metrics.New()
	observe := func(endpoint, outcome string, d time.Duration) {
		m.SCNetRequests.WithLabelValues(endpoint, outcome).Inc()
		m.SCNetLatency.WithLabelValues(endpoint).Observe(d.Seconds())
	}

	tokens, err := tokenSource(cfg, observe)
	if err != nil {
		return err
	}
	opts := []scnet.Option{
		scnet.WithTokenSource(tokens),
		scnet.WithUserAgent("scnetbot/" + version),
		scnet.WithObserver(observe),
		scnet.WithLogger(logger.With("component", "scnet")),
	}
	if cfg.SCNetBaseURL == "" {
		// Found on first use and retried while SCNet is down, so the bot
		// still connects to Slack and says what is wrong.
		opts = append(opts, scnet.WithDiscovery(discoverBaseURL(cfg, tokens)))
	}
	client, err := scnet.New(cfg.SCNetBaseURL, opts...)
	if err != nil {
		return fmt.Errorf("scnet client: %w", err)
	}

	api := slack.New(cfg.SlackBotToken.Reveal(),
		slack.OptionAppLevelToken(cfg.SlackAppToken.Reveal()),
		slack.OptionAPIURL(cfg.SlackAPIURL),
	)
	a := &app{metrics: m}

	var (
		w       *watcher.Watcher
		buttons *alerts.Buttons
		deliv   *outbox.Deliverer
		store   state.Store
	)
	if cfg.WatchEnabled() {
		bolt, err := state.Open(cfg.StatePath)
		switch {
		case errors.Is(err, state.ErrUnusable):
			// A corrupt file stops the watcher, not the commands: it
			// says so in /readyz and /instances watch.
			logger.Error("watcher state unusable: commands work, alerts do not until the file is repaired or replaced", "err", err)
			store = state.Unusable(err)
		case err != nil:
			// state.Open names the file.
			return fmt.Errorf("STATE_PATH: %w", err)
		default:
			store = bolt
			defer bolt.Close()
		}
		deliv = outbox.New(api, store, outbox.Config{Logger: logger.With("component", "deliver"), Metrics: m})
		ui := alerts.NewRenderer(alerts.Config{
			Mention:  cfg.WatchMention,
			Location: cfg.Location,
			Logger:   logger.With("component", "alerts"),
		})
		w = watcher.New(client, store, watcher.Config{
			Channel:        cfg.WatchChannel,
			Interval:       cfg.WatchInterval.D,
			Statuses:       cfg.Statuses,
			Render:         ui,
			OutageAfter:    orNone(cfg.WatchOutageAfter.D),
			StormThreshold: cfg.WatchStormThreshold.N,
			Skew:           cfg.WatchClockSkew.D,
			TokenExpiry:    tokenExpiry(tokens),
			Logger:         logger.With("component", "watcher"),
			Metrics:        m,
			Notify:         deliv.Kick,
		})
		buttons = alerts.NewButtons(w, ui)
		a.watcher = w
	}

	h := handlers.New(client, handlers.Config{
		AllowedChannels: cfg.AllowedChannels,
		AllowedUsers:    cfg.AllowedUsers,
		CacheTTL:        orNone(cfg.CacheTTL.D),
		QueryTimeout:    cfg.QueryTimeout.D,
		Location:        cfg.Location,
		Watch:           watchControl(w),
		Metrics:         m,
		Logger:          logger.With("component", "handlers"),
	})
	botCfg := bot.Config{Commands: h, Logger: logger.With("component", "bot"), Metrics: m}
	if buttons != nil {
		botCfg.Alerts = buttons
	}
	a.bot = bot.New(api, botCfg)

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

	if cfg.HTTPAddr != "" {
		checks := health.Checks{Connected: a.bot.Connected}
		if w != nil {
			checks.Watch = w.Readiness
		}
		ln, err := net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on HTTP_ADDR %s: %w", cfg.HTTPAddr, err)
		}
		a.httpAddr = ln.Addr().String()
		srv := health.Server(cfg.HTTPAddr, health.Handler(m.Registry, checks))
		wg.Go(func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
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

	if w != nil {
		wg.Go(func() { fail(deliv.Run(ctx)) })
		wg.Go(func() { fail(w.Run(ctx)) })
	}
	checkBotToken(ctx, api, cfg.SlackAPIURL, logger)
	if started != nil {
		started(a)
	}
	err = a.bot.Run(ctx)
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

// tokenSource builds the SCNet token source the configuration asks for.
func tokenSource(cfg *config.Config, observe scnet.Observer) (scnet.TokenSource, error) {
	if !cfg.UsesCredentials() {
		return scnet.StaticToken(cfg.SCNetToken.Reveal()), nil
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
	return creds, nil
}

// discoverBaseURL asks SCNet's center endpoint where the region's AI API
// lives, for deployments that set no SCNET_BASE_URL.
func discoverBaseURL(cfg *config.Config, ts scnet.TokenSource) func(context.Context) (string, error) {
	hc := &http.Client{Timeout: 15 * time.Second}
	return func(ctx context.Context) (string, error) {
		base, err := scnet.DiscoverAIBase(ctx, hc, cfg.SCNetACURL, ts)
		if err != nil {
			return "", fmt.Errorf("SCNET_BASE_URL is not set and asking SCNet's center for it failed: %w", err)
		}
		return base, nil
	}
}

// tokenExpiry tells the watcher when a static token runs out, so it can
// warn a day ahead. Credentials renew themselves and need no warning.
func tokenExpiry(ts scnet.TokenSource) func() (time.Time, bool) {
	if st, ok := ts.(*scnet.Static); ok {
		return st.ExpiresAt
	}
	return nil
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

// watchControl keeps a nil *watcher.Watcher from becoming a non-nil
// interface, which handlers would take for a running watcher.
func watchControl(w *watcher.Watcher) handlers.WatchControl {
	if w == nil {
		return nil
	}
	return w
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
