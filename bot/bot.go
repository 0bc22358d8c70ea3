// Package bot is scnetbot's Socket Mode runtime: it keeps the connection to
// Slack alive, acks every envelope at once (a submitted modal after a check
// without I/O, whose errors go in the ack), runs the work behind it with
// bounded concurrency, in the language of the person who asked, and answers
// through response_url; it shows the Home tab when a user opens it. Alerts
// are sent by package outbox.
package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"scnetbot/i18n"
	"scnetbot/metrics"
	"scnetbot/retry"
)

// Commands answers slash commands and the buttons of command replies.
// *handlers.Handler implements it.
type Commands interface {
	Command(ctx context.Context, cmd slack.SlashCommand) *slack.WebhookMessage
	OwnsAction(actionID string) bool
	Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage
	// Denied returns the reply for a user or channel the bot must not serve,
	// in the language of ctx's printer, nil when allowed.
	Denied(ctx context.Context, userID, channelID string) *slack.WebhookMessage
}

// Actions answers the buttons of messages the bot posted on its own (alerts).
// *alerts.Buttons implements it.
type Actions interface {
	OwnsAction(actionID string) bool
	Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage
}

// Triage answers the action buttons (restart, stop, delete) and the delete
// modal. *actions.Service implements it.
type Triage interface {
	OwnsAction(actionID string) bool
	Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage
	// OwnsView reports whether a view_submission's callback_id is one of
	// its modals'.
	OwnsView(callbackID string) bool
	// ValidateView checks a submitted modal without I/O, before the ack:
	// the errors (block id → message) keep the modal open. They are in
	// the language of ctx's printer (i18n.NewContext).
	ValidateView(ctx context.Context, cb slack.InteractionCallback) map[string]string
	// SubmitView carries out a valid submission after the ack and returns
	// its reply and the response_url the reply goes to.
	SubmitView(ctx context.Context, cb slack.InteractionCallback) (responseURL string, msg *slack.WebhookMessage)
}

// Home shows a user the bot's Home tab. *home.Service implements it.
type Home interface {
	// Opened is called after the ack when a user opens the Home tab;
	// ctx carries the user's printer (i18n.FromContext).
	Opened(ctx context.Context, userID string)
}

// Events are the Events API events the bot handles, which the app's
// manifest subscribes to (settings.event_subscriptions.bot_events).
func Events() []string { return []string{"app_home_opened"} }

// Config is what the runtime needs besides the Slack client.
type Config struct {
	Commands Commands
	// Alerts handles alert buttons; nil when the watcher is off.
	Alerts Actions
	// Triage handles the action buttons and the delete modal; nil when
	// there are none.
	Triage Triage
	// Home shows the Home tab when a user opens it; nil ignores
	// app_home_opened.
	Home Home
	// Catalog holds the messages in every language; nil loads the embedded
	// catalogs (i18n.MustLoad).
	Catalog *i18n.Catalog
	// Language is the language of a user whose Slack locale scnetbot does
	// not speak or cannot read (BOT_LANGUAGE); empty is English.
	Language i18n.Lang
	// LocaleTimeout bounds one users.info lookup of a user's language
	// (default 1.5s); past it the default language answers.
	LocaleTimeout time.Duration
	// Workers bounds how many commands run at once (default 64). Most of a
	// command's time is spent waiting for SCNet, whose own limit (3 requests
	// in flight) is the real bound; workers only cap goroutines and memory.
	Workers int
	// QueueSize bounds how many acked commands may wait for a worker before
	// new ones are turned away with a "busy" reply (default 256).
	QueueSize int
	// ShutdownTimeout is how long work in flight may finish after the
	// context ends (default 10s).
	ShutdownTimeout time.Duration
	// ResponseTimeout bounds one response_url post (default 10s).
	ResponseTimeout time.Duration
	// PingInterval is how long the socket may go without a ping from Slack
	// before it is taken as dead (default slack-go's 30s).
	PingInterval time.Duration
	// ReconnectBackoff is the first wait before reconnecting after the
	// Socket Mode client gave up (default 1s, doubling to 30s).
	ReconnectBackoff time.Duration
	HTTPClient       *http.Client
	Logger           *slog.Logger // nil discards
	Metrics          *metrics.Metrics

	// now is the clock a remembered language expires by (time.Now when
	// nil); tests move it.
	now func() time.Time
}

// Bot runs the Socket Mode connection and dispatches what arrives.
type Bot struct {
	api       *slack.Client
	cfg       Config
	log       *slog.Logger
	langs     *languages
	connected atomic.Bool
	jobs      chan job
	// envelopes is touched only by the read loop.
	envelopes *seenEnvelopes
}

// job is one acked envelope waiting for a worker.
type job struct {
	kind      string // "command", "action", "alert_action", "triage_action", "view_submission" or "home"
	requestID string
	// userID is who asked: the job runs, and is answered, in their
	// language.
	userID      string
	responseURL string
	run         func(ctx context.Context) *slack.WebhookMessage
	// submit, when set, runs instead of run and names the response_url
	// of its reply itself: a modal's submission carries none of its own.
	submit func(ctx context.Context) (responseURL string, msg *slack.WebhookMessage)
}

// New builds a bot on a Slack client made with the bot token and the
// app-level token (slack.OptionAppLevelToken).
func New(api *slack.Client, cfg Config) *Bot {
	if cfg.Workers <= 0 {
		cfg.Workers = 64
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 256
	}
	if cfg.ShutdownTimeout <= 0 {
		cfg.ShutdownTimeout = 10 * time.Second
	}
	if cfg.ResponseTimeout <= 0 {
		cfg.ResponseTimeout = 10 * time.Second
	}
	if cfg.ReconnectBackoff <= 0 {
		cfg.ReconnectBackoff = time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: cfg.ResponseTimeout}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	if cfg.Catalog == nil {
		cfg.Catalog = i18n.MustLoad()
	}
	if l, err := i18n.ParseLang(string(cfg.Language)); err == nil {
		cfg.Language = l
	} else {
		cfg.Language = i18n.English
	}
	if cfg.LocaleTimeout <= 0 {
		cfg.LocaleTimeout = defaultLocaleTimeout
	}
	return &Bot{api: api, cfg: cfg, log: cfg.Logger, jobs: make(chan job, cfg.QueueSize),
		langs:     newLanguages(api, cfg.Catalog, cfg.Language, cfg.LocaleTimeout, cfg.Logger, cfg.Metrics, cfg.now),
		envelopes: newSeenEnvelopes(envelopeMemory, envelopeMemorySize)}
}

// Connected reports whether the Socket Mode connection is up; /readyz uses it.
func (b *Bot) Connected() bool { return b.connected.Load() }

// Run connects and serves until ctx ends, then stops taking work and lets
// work in flight finish within ShutdownTimeout. It returns an error only when
// Slack refuses the tokens, which no retry can fix, and only once every
// goroutine it started has ended. Call it once.
func (b *Bot) Run(ctx context.Context) error {
	opts := []socketmode.Option{socketmode.OptionLog(slogPrinter{b.log})}
	if b.cfg.PingInterval > 0 {
		opts = append(opts, socketmode.OptionPingInterval(b.cfg.PingInterval))
	}
	sm := socketmode.New(b.api, opts...)

	// Work outlives the signal by up to ShutdownTimeout, so it gets its own
	// context that is cancelled only when that deadline passes.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	w := &work{ctx: workCtx}
	for range b.cfg.Workers {
		w.wg.Go(func() {
			for j := range b.jobs {
				b.runJob(workCtx, j)
			}
		})
	}

	// Every goroutine Run starts has ended when it returns: the socket's
	// ends with ctx, the work's by the shutdown deadline.
	socketErr := make(chan error, 1)
	var socket sync.WaitGroup
	socket.Go(func() { socketErr <- b.keepConnected(ctx, sm) })
	defer socket.Wait()

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-socketErr:
			runErr = err
			break loop
		case evt := <-sm.Events:
			b.dispatch(ctx, sm, evt, w)
		}
	}
	b.connected.Store(false)

	// Stop taking work; what was acked still runs.
	close(b.jobs)
	done := make(chan struct{})
	go func() { w.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(b.cfg.ShutdownTimeout):
		b.log.Warn("shutdown deadline passed with work in flight; cancelling it", "timeout", b.cfg.ShutdownTimeout)
		cancelWork()
		<-done
	}
	return runErr
}

// work is what Run shares with dispatch: the context acked work runs
// under, and the group that Run waits for on shutdown, which holds the
// workers and every "busy" reply.
type work struct {
	ctx context.Context
	wg  sync.WaitGroup
}

// keepConnected runs slack-go's client, which reconnects by itself on
// disconnect frames and dead sockets, and starts it again whenever it gives
// up for a reason a retry can fix.
func (b *Bot) keepConnected(ctx context.Context, sm *socketmode.Client) error {
	p := retry.Policy{
		Base: b.cfg.ReconnectBackoff,
		Cap:  max(30*time.Second, b.cfg.ReconnectBackoff),
		// Reconnecting is what the bot is for: every failure but refused
		// tokens is worth another try, for as long as ctx lasts.
		Classify: func(err error) retry.Verdict {
			return retry.Verdict{Retry: !fatalAuth(err), Reason: "client_restart"}
		},
		OnRetry: func(_ int, delay time.Duration, v retry.Verdict, err error) {
			b.log.Warn("socket mode stopped; reconnecting", "err", err, "backoff", delay)
			b.cfg.Metrics.Reconnects.WithLabelValues(v.Reason).Inc()
		},
	}
	err := p.Do(ctx, func(ctx context.Context) error {
		if err := sm.RunContext(ctx); err != nil {
			return err
		}
		// Returning without an error while ctx lasts is a stop like any other.
		return errors.New("socket mode client returned")
	})
	if ctx.Err() == nil && fatalAuth(err) {
		return fmt.Errorf("slack refused the tokens (%v): check SLACK_APP_TOKEN and SLACK_BOT_TOKEN", err)
	}
	// Otherwise ctx ended, or is about to: its deadline comes before the
	// next reconnect.
	<-ctx.Done()
	return nil
}

// fatalAuth reports errors for which reconnecting cannot help.
func fatalAuth(err error) bool {
	if err == nil {
		return false
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) && sc.Code == http.StatusNotFound {
		return true
	}
	switch err.Error() {
	case "invalid_auth", "account_inactive", "not_authed", "token_revoked", "not_allowed_token_type":
		return true
	}
	return false
}

// acker acknowledges envelopes; *socketmode.Client is the real one.
type acker interface {
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// dispatch handles one event from the socket. It runs on the only goroutine
// that reads sm.Events, so it must never block on slow work: acks happen
// here, everything else goes to the workers.
func (b *Bot) dispatch(ctx context.Context, sm acker, evt socketmode.Event, w *work) {
	received := time.Now()
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		if ce, ok := evt.Data.(*socketmode.ConnectedEvent); ok && ce.ConnectionCount > 0 {
			b.cfg.Metrics.Reconnects.WithLabelValues("reconnect").Inc()
			b.log.Info("socket mode reconnected", "connection", ce.ConnectionCount)
		} else {
			b.log.Info("socket mode connected")
		}
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		b.log.Warn("socket mode connection failed; slack-go retries", "err", connErr(evt.Data))
	case socketmode.EventTypeInvalidAuth:
		b.log.Error("slack refused the app-level token: check SLACK_APP_TOKEN")
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorBadMessage, socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("socket mode error", "type", evt.Type, "err", connErr(evt.Data))
	case socketmode.EventTypeSlashCommand:
		cmd, ok := evt.Data.(slack.SlashCommand)
		if !b.ack(ctx, sm, evt, received) || !ok || b.redelivered(evt.Request, received) {
			return
		}
		b.submit(w, job{
			kind:        "command",
			requestID:   evt.Request.EnvelopeID,
			userID:      cmd.UserID,
			responseURL: cmd.ResponseURL,
			// The command checks ALLOWED_* itself and counts its result.
			run: func(ctx context.Context) *slack.WebhookMessage { return b.cfg.Commands.Command(ctx, cmd) },
		})
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if ok && cb.Type == slack.InteractionTypeViewSubmission && b.cfg.Triage != nil && b.cfg.Triage.OwnsView(cb.View.CallbackID) {
			b.dispatchViewSubmission(ctx, sm, evt, cb, received, w)
			return
		}
		if !b.ack(ctx, sm, evt, received) || !ok || b.redelivered(evt.Request, received) {
			return
		}
		b.dispatchInteraction(w, cb, evt.Request.EnvelopeID)
	case socketmode.EventTypeEventsAPI:
		// Every envelope is acked, whatever its event, or Slack sends it
		// again.
		if !b.ack(ctx, sm, evt, received) {
			return
		}
		b.dispatchEvent(w, evt, received)
	}
}

// dispatchEvent runs an acked Events API event: a user opening the Home
// tab has it shown, in their language, on a worker. Other events, and
// the Messages tab, are not scnetbot's to answer.
func (b *Bot) dispatchEvent(w *work, evt socketmode.Event, received time.Time) {
	ev, ok := evt.Data.(slackevents.EventsAPIEvent)
	if !ok {
		return
	}
	var home *slackevents.AppHomeOpenedEvent
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.AppHomeOpenedEvent:
		home = e
	case slackevents.AppHomeOpenedEvent:
		home = &e
	}
	if home == nil || home.Tab != "home" || home.User == "" || b.cfg.Home == nil {
		b.log.Debug("ignoring event", "type", ev.InnerEvent.Type, "request_id", evt.Request.EnvelopeID)
		return
	}
	if b.redelivered(evt.Request, received) {
		return
	}
	user := home.User
	j := job{kind: "home", requestID: evt.Request.EnvelopeID, userID: user}
	j.run = func(ctx context.Context) *slack.WebhookMessage {
		b.cfg.Home.Opened(ctx, user)
		b.cfg.Metrics.Commands.WithLabelValues(j.kind, "ok").Inc()
		return nil
	}
	b.submit(w, j)
}

// redelivered reports whether an acked envelope was handled already: Slack
// sends an envelope again, same id, when it did not get the ack in time, and
// running it twice would answer twice (or share to the channel twice).
// Only an envelope that was acked is remembered, so one whose ack failed
// runs when Slack sends it again.
func (b *Bot) redelivered(r *socketmode.Request, now time.Time) bool {
	if !b.envelopes.seen(r.EnvelopeID, now) {
		return false
	}
	b.log.Info("envelope delivered again; acked, not run again",
		"request_id", r.EnvelopeID, "retry_attempt", r.RetryAttempt, "retry_reason", r.RetryReason)
	return true
}

// dispatchInteraction routes each button of a block_actions payload to its
// owner: alert buttons to the alert UI, the rest to the command handlers.
func (b *Bot) dispatchInteraction(w *work, cb slack.InteractionCallback, envelopeID string) {
	if cb.Type != slack.InteractionTypeBlockActions {
		b.log.Debug("ignoring interaction", "type", cb.Type, "request_id", envelopeID)
		return
	}
	for _, a := range cb.ActionCallback.BlockActions {
		j := job{kind: "action", requestID: envelopeID, userID: cb.User.ID, responseURL: cb.ResponseURL}
		switch {
		case b.cfg.Alerts != nil && b.cfg.Alerts.OwnsAction(a.ActionID):
			// Alert buttons answer to the same ALLOWED_* as commands; the
			// alert UI does not know them, so the check and the count are here.
			// The alert UI answers every outcome with a reply and no error, so
			// a click that returns is ok; one that panics is counted by runJob.
			j.kind = "alert_action"
			j.run = b.guarded(j.kind, cb, a, b.cfg.Alerts)
		case b.cfg.Triage != nil && b.cfg.Triage.OwnsAction(a.ActionID):
			// Acting is a use of scnetbot like any other: ALLOWED_* first,
			// then the action service's own check of who may act.
			j.kind = "triage_action"
			j.run = b.guarded(j.kind, cb, a, b.cfg.Triage)
		case b.cfg.Commands.OwnsAction(a.ActionID):
			j.run = func(ctx context.Context) *slack.WebhookMessage { return b.cfg.Commands.Action(ctx, cb, a) }
		default:
			b.log.Warn("button with no owner", "action_id", a.ActionID, "request_id", envelopeID)
			continue
		}
		b.submit(w, j)
	}
}

// dispatchViewSubmission answers a submitted modal of Triage's. Slack
// reads the ack's payload: errors keep the modal open with a message under
// each field, so they must be known before the ack, and ValidateView is
// quick and does no I/O. An empty ack closes the modal; the submission then
// runs on a worker, once even if Slack sends the envelope again, and its
// reply goes to the response_url SubmitView names.
func (b *Bot) dispatchViewSubmission(ctx context.Context, sm acker, evt socketmode.Event, cb slack.InteractionCallback, received time.Time, w *work) {
	errs, ok := b.validateView(ctx, cb, evt.Request)
	var payload any
	if len(errs) > 0 {
		payload = slack.NewErrorsViewSubmissionResponse(errs)
	}
	if !b.ackWith(ctx, sm, evt, received, payload) || !ok {
		return
	}
	if len(errs) > 0 {
		b.cfg.Metrics.Commands.WithLabelValues("view_submission", "bad_input").Inc()
		return
	}
	if b.redelivered(evt.Request, received) {
		return
	}
	j := job{kind: "view_submission", requestID: evt.Request.EnvelopeID, userID: cb.User.ID}
	j.submit = func(ctx context.Context) (string, *slack.WebhookMessage) {
		url, msg := b.cfg.Triage.SubmitView(ctx, cb)
		b.cfg.Metrics.Commands.WithLabelValues(j.kind, "ok").Inc()
		return url, msg
	}
	b.submit(w, j)
}

// validateView runs Triage.ValidateView on the read loop, where a panic
// would stop the bot: one is contained, logged and counted, and the
// submission is closed without running (ok false). The errors are worded
// in the language the bot knows for the user without asking Slack: the
// ack cannot wait for users.info.
func (b *Bot) validateView(ctx context.Context, cb slack.InteractionCallback, r *socketmode.Request) (errs map[string]string, ok bool) {
	defer func() {
		if p := recover(); p != nil {
			b.cfg.Metrics.Commands.WithLabelValues("view_submission", "panic").Inc()
			id := ""
			if r != nil {
				id = r.EnvelopeID
			}
			b.log.Error("modal validation panicked; submission dropped", "request_id", id, "panic", fmt.Sprint(p))
			errs, ok = nil, false
		}
	}()
	return b.cfg.Triage.ValidateView(i18n.NewContext(ctx, b.langs.CachedPrinter(cb.User.ID)), cb), true
}

// guarded runs a button of a UI that does not know ALLOWED_* (alerts,
// actions): the check and the count are done here. Such a UI answers every
// outcome with a reply and no error, so a click that returns is ok; one
// that panics is counted by runJob.
func (b *Bot) guarded(kind string, cb slack.InteractionCallback, a *slack.BlockAction, ui Actions) func(context.Context) *slack.WebhookMessage {
	return func(ctx context.Context) *slack.WebhookMessage {
		if deny := b.cfg.Commands.Denied(ctx, cb.User.ID, cb.Channel.ID); deny != nil {
			b.cfg.Metrics.Commands.WithLabelValues(kind, "denied").Inc()
			return deny
		}
		msg := ui.Action(ctx, cb, a)
		b.cfg.Metrics.Commands.WithLabelValues(kind, "ok").Inc()
		return msg
	}
}

// ack acknowledges an envelope at once, before any work, so Slack's 3 s
// deadline holds whatever SCNet does.
func (b *Bot) ack(ctx context.Context, sm acker, evt socketmode.Event, received time.Time) bool {
	return b.ackWith(ctx, sm, evt, received, nil)
}

// ackWith acknowledges an envelope with a payload (nil for none).
func (b *Bot) ackWith(ctx context.Context, sm acker, evt socketmode.Event, received time.Time, payload any) bool {
	if evt.Request == nil {
		return false
	}
	if err := sm.AckCtx(ctx, evt.Request.EnvelopeID, payload); err != nil {
		b.log.Warn("ack failed", "request_id", evt.Request.EnvelopeID, "err", err)
		return false
	}
	b.cfg.Metrics.AckLatency.Observe(time.Since(received).Seconds())
	return true
}

// submit queues an acked job, or turns it away with a reply when the queue
// is full: the user hears "busy", in their language, rather than nothing.
// The reply is work of its own, off the read loop, that shutdown waits for
// like any other. A job with nowhere to answer (a Home tab, a modal's
// submission) is only counted and logged.
func (b *Bot) submit(w *work, j job) {
	select {
	case b.jobs <- j:
	default:
		b.cfg.Metrics.Commands.WithLabelValues(j.kind, "busy").Inc()
		b.log.Warn("work queue full; turning a request away", "request_id", j.requestID, "kind", j.kind)
		if j.responseURL == "" {
			return
		}
		w.wg.Go(func() {
			p := b.langs.Printer(w.ctx, j.userID)
			_ = b.respond(w.ctx, j, &slack.WebhookMessage{
				Text:         p.T("BotBusy"),
				ResponseType: slack.ResponseTypeEphemeral,
			})
		})
	}
}

// runJob runs one job on a worker and posts its reply. A panic in one job is
// contained here: the user gets an apology and the other jobs go on. The
// job counts its own result; only a panic is counted here.
//
// The job runs in the language of the user who asked: it is looked up here,
// after the ack, and its printer put in the job's context.
func (b *Bot) runJob(ctx context.Context, j job) {
	log := b.log.With("request_id", j.requestID, "kind", j.kind)
	p := b.langs.Default()
	defer func() {
		if r := recover(); r != nil {
			b.cfg.Metrics.Commands.WithLabelValues(j.kind, "panic").Inc()
			log.Error("handler panicked", "panic", fmt.Sprint(r))
			if j.responseURL == "" {
				return
			}
			_ = b.respond(ctx, j, &slack.WebhookMessage{
				Text:         p.T("BotPanic"),
				ResponseType: slack.ResponseTypeEphemeral,
			})
		}
	}()
	start := time.Now()
	p = b.langs.Printer(ctx, j.userID)
	ctx = i18n.NewContext(ctx, p)
	var msg *slack.WebhookMessage
	if j.submit != nil {
		// Once set, the URL is where the deferred apology above goes too; a
		// panic inside submit leaves none, so it is only logged and counted.
		j.responseURL, msg = j.submit(ctx)
		if msg != nil && j.responseURL == "" {
			log.Warn("reply has no response_url to go to; dropped")
			return
		}
	} else {
		msg = j.run(ctx)
	}
	if msg != nil {
		_ = b.respond(ctx, j, msg)
	}
	log.Debug("answered", "took", time.Since(start))
}

// Bounds on answering through response_url.
const (
	// replyAttempts is how many times one reply is posted at most.
	replyAttempts = 3
	// replyMaxRetryAfter is the longest Retry-After waited for. A reply
	// later than that has lost its reader, and sending it sooner than
	// Slack asked would only be refused again.
	replyMaxRetryAfter = 30 * time.Second
)

// respond posts a reply to the interaction's response_url, retrying what can
// succeed on retry (network errors, 429 and 5xx) a few times.
func (b *Bot) respond(ctx context.Context, j job, msg *slack.WebhookMessage) error {
	if j.responseURL == "" {
		return errors.New("no response_url")
	}
	p := retry.Policy{
		Attempts:      replyAttempts,
		Base:          200 * time.Millisecond,
		MaxRetryAfter: replyMaxRetryAfter,
		Classify:      replyRetry,
		OnRetry: func(_ int, _ time.Duration, v retry.Verdict, _ error) {
			b.cfg.Metrics.SlackRetries.WithLabelValues("response_url", v.Reason).Inc()
		},
	}
	err := p.Do(ctx, func(ctx context.Context) error {
		postCtx, cancel := context.WithTimeout(ctx, b.cfg.ResponseTimeout)
		defer cancel()
		return slack.PostWebhookCustomHTTPContext(postCtx, j.responseURL, b.cfg.HTTPClient, msg)
	})
	if err == nil {
		b.cfg.Metrics.Replies.WithLabelValues("sent").Inc()
		return nil
	}
	// The response_url carries a one-time secret, so the URL itself stays out
	// of the log; the error text of a failed request would include it.
	b.cfg.Metrics.Replies.WithLabelValues("failed").Inc()
	b.log.Warn("reply not delivered", "request_id", j.requestID, "err", redactURL(err.Error(), j.responseURL))
	return err
}

// replyRetry is the response_url classifier: it allows network errors, 5xx
// and 429 (waiting its Retry-After), and names the failure for the retries
// metric. Other 4xx will not change on retry, and a Retry-After beyond
// replyMaxRetryAfter is not waited for.
func replyRetry(err error) retry.Verdict {
	var rl *slack.RateLimitedError
	var sc slack.StatusCodeError
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.As(err, &rl):
		return retry.Verdict{Retry: rl.RetryAfter <= replyMaxRetryAfter, After: rl.RetryAfter, Reason: "rate_limited"}
	case errors.As(err, &sc) && sc.Code == http.StatusTooManyRequests:
		return retry.Verdict{Retry: true, Reason: "rate_limited"} // no Retry-After given
	case errors.As(err, &sc) && sc.Code < 500:
		return retry.Verdict{Reason: "http_" + strconv.Itoa(sc.Code)}
	case errors.As(err, &sc):
		return retry.Verdict{Retry: true, Reason: "server_error"}
	case errors.As(err, &ue):
		// A malformed URL is a *url.Error (and so a net.Error) too.
		return retry.Verdict{Retry: ue.Op != "parse", Reason: "network"}
	case errors.As(err, &ne):
		return retry.Verdict{Retry: true, Reason: "network"}
	}
	return retry.Verdict{Reason: "final"}
}

func redactURL(s, u string) string {
	if u == "" {
		return s
	}
	return strings.ReplaceAll(s, u, "<response_url>")
}

func connErr(data any) any {
	switch d := data.(type) {
	case *slack.ConnectionErrorEvent:
		return d.ErrorObj
	case error:
		return d
	default:
		return d
	}
}

// slogPrinter adapts slack-go's Println/Printf logger to slog at debug level.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Output(_ int, s string) error {
	p.log.Debug(strings.TrimSpace(s), "component", "slack-go")
	return nil
}
