package actions

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/metrics"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// UserGroups reads a Slack user group's members (usergroups.users.list).
// *slack.Client implements it.
type UserGroups interface {
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// ViewOpener opens a modal (views.open). *slack.Client implements it.
type ViewOpener interface {
	OpenViewContext(ctx context.Context, triggerID string, view slack.ModalViewRequest) (*slack.ViewResponse, error)
}

// Recorder is told about every action on an instance, so the watcher can
// expect the status change it causes, write it in the alert's thread and
// name it when the incident ends. *watcher.Group implements it.
type Recorder interface {
	// RecordAction reports whether the line went into an alert thread.
	RecordAction(ctx context.Context, rec tracked.ActionRecord) (threaded bool, err error)
}

// Config is what the actions need. Zero values take the defaults noted.
type Config struct {
	// Users may act (ACTION_USERS), and so may the members of UserGroup
	// (ACTION_USERGROUP). Neither set: actions are off.
	Users     []string
	UserGroup string
	// Groups reads UserGroup's members; required when UserGroup is set.
	Groups UserGroups
	// GroupTTL is how long a user group's members are reused (default 1m).
	GroupTTL time.Duration
	// Views opens the delete modal.
	Views ViewOpener
	// Regions are the regions whose instances can be acted on.
	Regions *regions.Set
	// Store keeps the pending confirmations and their outcomes (its root,
	// not a region's Namespace).
	Store state.Store
	// Recorder is the watcher; nil when the watcher is off.
	Recorder Recorder
	// ConfirmTTL is how long a confirmation stays valid (default 10m).
	ConfirmTTL time.Duration
	// Timeout bounds each SCNet call (default 8s).
	Timeout  time.Duration
	Location *time.Location
	// Printer writes what goes into a channel (BOT_LANGUAGE): the action
	// buttons of an alert and the details the alert's thread line shows.
	// Every answer to the person who clicked or typed is in that person's
	// language, the printer in the request's context (i18n.NewContext),
	// and in this one when the context has none. Nil is English.
	Printer *i18n.Printer
	Now     func() time.Time
	Logger  *slog.Logger // nil discards
	Metrics *metrics.Metrics
}

// Target names the instance an action button acts on.
type Target struct {
	// Region is the region's id ("" when there is one region).
	Region     string
	InstanceID string
	// Name is the instance's name as shown, for the button's confirm.
	Name string
	// AlertID is the alert the button is on, "" elsewhere.
	AlertID string
}

// Service answers the action commands, buttons and the delete modal. Build
// it with New; it is safe for concurrent use.
type Service struct {
	cfg    Config
	access *access
	log    *slog.Logger
	// en writes the details that go into the audit log and the store,
	// which the operators read: in English whoever clicked.
	en *i18n.Printer
	// sending counts, by nonce, the clicks of this process that are
	// claiming or sending a confirmation now. A confirmation the store says
	// is being sent with no count here was left so by a bot that stopped
	// before SCNet's answer was written.
	mu      sync.Mutex
	sending map[string]int
}

// New builds the actions from cfg.
func New(cfg Config) *Service {
	if cfg.GroupTTL <= 0 {
		cfg.GroupTTL = time.Minute
	}
	if cfg.ConfirmTTL <= 0 {
		cfg.ConfirmTTL = 10 * time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 8 * time.Second
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Printer == nil {
		cfg.Printer = i18n.EnglishPrinter()
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		cfg: cfg,
		log: log,
		en:  i18n.EnglishPrinter(),
		access: &access{users: cfg.Users, group: cfg.UserGroup, groups: cfg.Groups,
			ttl: cfg.GroupTTL, timeout: min(cfg.Timeout, groupReadTimeout), now: cfg.Now, log: log},
	}
}

// Enabled reports whether anyone may act (ACTION_USERS or
// ACTION_USERGROUP is set). When it is false no action button is shown.
func (s *Service) Enabled() bool { return len(s.cfg.Users) > 0 || s.cfg.UserGroup != "" }

// Buttons are the action buttons for an instance in status st: Restart for
// one that failed or stopped, Stop for a live one, Delete for any, as
// Block Kit elements for an actions block, labelled in the channel's
// language (Config.Printer), for an alert. Nil when actions are off.
func (s *Service) Buttons(t Target, st scnet.Status) []slack.BlockElement {
	return s.buttons(s.cfg.Printer, t, st)
}

// ButtonsIn are Buttons labelled in p's language, for a reply to one
// person (a details view); nil p is the channel's language.
func (s *Service) ButtonsIn(p *i18n.Printer, t Target, st scnet.Status) []slack.BlockElement {
	if p == nil {
		p = s.cfg.Printer
	}
	return s.buttons(p, t, st)
}

// Command answers /instances restart|stop|delete <name|id>: a confirmation
// prompt for restart and stop, the delete modal (opened with the command's
// trigger_id) for delete. It never returns nil.
func (s *Service) Command(ctx context.Context, kind tracked.ActionKind, target string, cmd slack.SlashCommand) *slack.WebhookMessage {
	return s.command(ctx, kind, target, cmd)
}

// OwnsAction reports whether an action id belongs to an action button.
func (s *Service) OwnsAction(actionID string) bool { return strings.HasPrefix(actionID, actionPrefix) }

// Action answers a click on an action button (the first click, a confirm
// or a cancel). It returns nil when the click opened the delete modal:
// there is nothing to post then.
func (s *Service) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a == nil {
		return nil
	}
	return s.action(ctx, cb, a)
}

// printer is the language of the person a request answers: the one the
// bot put in ctx, else the channel's.
func (s *Service) printer(ctx context.Context) *i18n.Printer {
	return i18n.FromContext(ctx, s.cfg.Printer)
}

// OwnsView reports whether a view's callback_id is the delete modal's.
func (s *Service) OwnsView(callbackID string) bool { return callbackID == DeleteViewID }

// ValidateView checks a submitted delete modal before it is acked, without
// I/O: the errors (block id → message) go back in the ack's
// response_action so the modal stays open; nil closes it. The errors are
// in the language of ctx's printer (i18n.NewContext).
func (s *Service) ValidateView(ctx context.Context, cb slack.InteractionCallback) map[string]string {
	return validateView(s.printer(ctx), cb)
}

// SubmitView carries out a submitted delete modal after the ack and returns
// the reply and the response_url it goes to (the one of the click or command
// that opened the modal).
//
// responseURL is "" only when the modal's metadata names no confirmation
// scnetbot keeps: there is then nowhere to answer, and msg says why for the
// log.
func (s *Service) SubmitView(ctx context.Context, cb slack.InteractionCallback) (responseURL string, msg *slack.WebhookMessage) {
	return s.submitView(ctx, cb)
}
