// Package handlers answers scnetbot's /instances command and the buttons on
// its replies: it parses the command, asks every SCNet region it targets at
// once (each through its own short-lived cache), merges their answers and
// renders Block Kit messages that stay inside Slack's limits.
package handlers

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/metrics"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// Lister is the part of a region's SCNet client the command needs.
type Lister interface {
	ListInstances(ctx context.Context, opts scnet.ListOptions) (*scnet.Page, error)
	Instance(ctx context.Context, id string) (*scnet.Instance, error)
}

// WatchControl is the watcher as the command sees it (nil when the watcher
// is disabled).
type WatchControl interface {
	Health(ctx context.Context) (tracked.Health, error)
	// Started reports whether the watcher has completed a poll since it
	// started; before that, a name it does not know may just be unseen.
	Started() bool
	Snooze(ctx context.Context, nameOrID string, d time.Duration, userID string) (state.Snooze, error)
	Unsnooze(ctx context.Context, nameOrID string, userID string) (state.Snooze, error)
}

// Config is how the command behaves. Zero fields take the defaults noted.
type Config struct {
	// Regions are the SCNet regions the command asks; New sets it.
	Regions                       *regions.Set
	AllowedChannels, AllowedUsers []string      // empty = everyone
	CacheTTL                      time.Duration // default 30s; negative: no cache
	// Location is the display time zone, default Asia/Shanghai (a fixed
	// +08:00 zone when the host has no tzdata).
	Location *time.Location
	// Now is the clock for "as of", run times and cache freshness, default
	// time.Now; tests fix it so golden files do not change.
	Now func() time.Time
	// QueryTimeout is how long one command waits for SCNet before answering
	// that SCNet is slow (default 8s).
	QueryTimeout time.Duration
	// Watch answers watch, snooze and unsnooze; nil when the watcher is
	// disabled.
	Watch WatchControl
	// Actions answers /instances restart, stop and delete; nil (or not
	// Enabled) answers how to turn actions on.
	Actions ActionCommands
	// ActionButtons adds restart, stop and delete to details views; nil
	// adds none.
	ActionButtons ActionButtonsFunc
	Metrics       *metrics.Metrics // cache lookups; nil records nothing
	Logger        *slog.Logger     // nil discards
	// Printer is the channel's language (BOT_LANGUAGE): a reply shared to
	// the channel is written with it, and so is a reply to a request whose
	// context carries no printer of its own (i18n.NewContext). Nil writes
	// English.
	Printer *i18n.Printer
}

// Defaults for Config's zero fields.
const (
	// DefaultCacheTTL is how long a result is reused when Config.CacheTTL
	// is zero.
	DefaultCacheTTL = 30 * time.Second
	// DefaultQueryTimeout is how long a command waits for SCNet when
	// Config.QueryTimeout is zero.
	DefaultQueryTimeout = 8 * time.Second
)

// CommandName is the slash command scnetbot answers; manifest.yaml must
// declare exactly this command.
const CommandName = "/instances"

// PageSize is how many instances one reply lists.
const PageSize = 10

// Handler answers /instances and its buttons. It is safe for concurrent use.
type Handler struct {
	cfg    Config
	states *regionStates
	log    *slog.Logger
}

// New builds a Handler that asks the regions of set, each through its own
// cache, filling in Config defaults.
func New(set *regions.Set, cfg Config) *Handler {
	cfg.Regions = set
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.QueryTimeout <= 0 {
		cfg.QueryTimeout = DefaultQueryTimeout
	}
	if cfg.Location == nil {
		cfg.Location = scnet.HomeLocation()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Printer == nil {
		cfg.Printer = i18n.EnglishPrinter()
	}
	return &Handler{
		cfg:    cfg,
		states: &regionStates{ttl: cfg.CacheTTL, timeout: cfg.QueryTimeout, now: cfg.Now, metrics: cfg.Metrics},
		log:    cfg.Logger,
	}
}

// Denied reports whether a user in a channel may not use scnetbot: nil when
// allowed, otherwise the reply to send instead, in the language of ctx's
// printer (the user's).
func (h *Handler) Denied(ctx context.Context, userID, channelID string) *slack.WebhookMessage {
	if err := h.denied(userID, channelID); err != nil {
		return errorMessage(h.printer(ctx), err)
	}
	return nil
}

// printer is the language of the person a request answers: the printer the
// bot put in ctx, else the channel's.
func (h *Handler) printer(ctx context.Context) *i18n.Printer {
	return i18n.FromContext(ctx, h.cfg.Printer)
}

func (h *Handler) denied(userID, channelID string) error {
	if len(h.cfg.AllowedUsers) > 0 && !slices.Contains(h.cfg.AllowedUsers, userID) {
		return errUserNotAllowed
	}
	if len(h.cfg.AllowedChannels) > 0 && !slices.Contains(h.cfg.AllowedChannels, channelID) {
		return errChannelNotAllowed
	}
	return nil
}

// Command answers one /instances command. It never returns nil.
func (h *Handler) Command(ctx context.Context, cmd slack.SlashCommand) *slack.WebhookMessage {
	msg, err := h.command(ctx, cmd)
	return h.finish(h.printer(ctx), "command", msg, err)
}

func (h *Handler) command(ctx context.Context, cmd slack.SlashCommand) (*slack.WebhookMessage, error) {
	if err := h.denied(cmd.UserID, cmd.ChannelID); err != nil {
		return nil, err
	}
	q, err := Parse(commandText(cmd.Text))
	if err != nil {
		return nil, err
	}
	if q.Kind == KindAction {
		// The actions service bounds its own SCNet calls and answers every
		// outcome in words, errors included.
		return h.actionCommand(ctx, q, cmd), nil
	}
	msg, err := h.answer(ctx, q, answerOpts{userID: cmd.UserID})
	if err != nil {
		h.logFailure("command", q, err)
	}
	return msg, err
}

// finish counts how a command or click ended and turns an error into the
// reply the user sees.
// Errors are answered to the person who asked, never to the channel, so
// in p, their language.
func (h *Handler) finish(p *i18n.Printer, kind string, msg *slack.WebhookMessage, err error) *slack.WebhookMessage {
	if h.cfg.Metrics != nil {
		h.cfg.Metrics.Commands.WithLabelValues(kind, resultOf(err)).Inc()
	}
	if err != nil {
		return errorMessage(p, err)
	}
	return msg
}

// answerOpts are how a button changes an answer.
type answerOpts struct {
	fresh  bool    // bypass the cache (Refresh)
	back   *string // list query to return to from a details view
	shared bool    // rendering for the channel (Share): no buttons
	userID string
	// cursor is where a merged list page begins or ends (a paging
	// button's), nil for a typed page.
	cursor *cursor
	// region is the id of the region a details view's instance is in (a
	// Details button's), "" to look in every region.
	region string
	// backCursor is the cursor of the list a details view returns to,
	// already checked, "" for none.
	backCursor string
}

// answer runs a parsed query and renders its reply.
func (h *Handler) answer(ctx context.Context, q Query, o answerOpts) (*slack.WebhookMessage, error) {
	qctx, cancel := context.WithTimeout(ctx, h.cfg.QueryTimeout)
	defer cancel()
	msg, err := h.answerWithin(qctx, q, o)
	return msg, h.slow(ctx, err)
}

// slow is err from work bounded by QueryTimeout under ctx: our own
// deadline becomes "SCNet is slow"; a caller's ending context keeps its
// own error.
func (h *Handler) slow(ctx context.Context, err error) error {
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		return &slowError{after: h.cfg.QueryTimeout, err: err}
	}
	return err
}

func (h *Handler) answerWithin(ctx context.Context, q Query, o answerOpts) (*slack.WebhookMessage, error) {
	r := renderer{now: h.cfg.Now(), loc: h.cfg.Location, p: h.printer(ctx)}
	if o.shared {
		// A shared reply is a channel message: it speaks the channel's
		// language, not the clicker's.
		r.p = h.cfg.Printer
	}
	switch q.Kind {
	case KindHelp:
		return r.help(h.cfg.CacheTTL), nil
	case KindWatch:
		if h.cfg.Watch == nil {
			return r.watchDisabled(), nil
		}
		health, err := h.cfg.Watch.Health(ctx)
		if err != nil {
			return nil, err
		}
		return r.watch(health), nil
	case KindSnooze, KindUnsnooze:
		return h.snooze(ctx, r, q, o.userID)
	case KindRegions:
		return h.regionsView(ctx, r)
	case KindDetails:
		return h.details(ctx, r, q, o)
	case KindAction:
		// Only a typed command acts (Handler.command hands it over); no
		// button of these replies carries one.
		return nil, errUnknownAction
	}
	v, err := h.list(ctx, q, o)
	if err != nil {
		return nil, err
	}
	v.shared, v.sharedBy = o.shared, o.userID
	return r.list(v), nil
}

func (h *Handler) snooze(ctx context.Context, r renderer, q Query, userID string) (*slack.WebhookMessage, error) {
	if h.cfg.Watch == nil {
		return r.watchDisabled(), nil
	}
	// Asked before the call: if no poll had succeeded when the watcher
	// looked the name up, "unknown" means "not seen yet".
	started := h.cfg.Watch.Started()
	var (
		s   state.Snooze
		err error
	)
	if q.Kind == KindSnooze {
		s, err = h.cfg.Watch.Snooze(ctx, q.Target, q.Duration, userID)
	} else {
		s, err = h.cfg.Watch.Unsnooze(ctx, q.Target, userID)
	}
	switch {
	case errors.Is(err, tracked.ErrUnknownInstance) && !started:
		return r.watchStarting(q.Target), nil
	case err != nil:
		return nil, withTarget(err, q.Target)
	case q.Kind == KindSnooze:
		return r.snoozed(s, q.Duration), nil
	}
	return r.unsnoozed(s), nil
}

func (h *Handler) logFailure(kind string, q Query, err error) {
	// Only SCNet's failures are the operator's business; a typo'd id or a
	// bad word is the user's, and the reply already told them.
	if resultOf(err) != "scnet_error" {
		h.log.Debug("instances reply refused", "kind", kind, "query", q.String(), "err", err)
		return
	}
	h.log.Warn("instances reply failed", "kind", kind, "query", q.String(), "err", err)
}

// slackUnescaper undoes the escaping Slack applies to the three mrkdwn
// control characters in a slash command's text, so that a name typed as
// "a&b" is searched as "a&b" and not "a&amp;b".
var slackUnescaper = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">")

// commandText is the text a person typed, as Slack delivered it unescaped.
func commandText(s string) string { return slackUnescaper.Replace(s) }
