package alerts

import (
	"log/slog"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
)

// Config is what the alert UI needs. Zero values take the defaults
// documented on each field.
type Config struct {
	// Mention is prepended to top-level alerts, e.g. "<!here>"; it is
	// trusted configuration and not escaped.
	Mention string
	// Printer writes the channel messages, in BOT_LANGUAGE (default
	// English). The private answers to a button are written in the
	// clicker's language, the printer the bot puts in the click's
	// context (i18n.NewContext), and in this one when it put none.
	Printer *i18n.Printer
	// Location is the zone times are shown in (default UTC).
	Location *time.Location
	// Now is the clock of the details view (default time.Now).
	Now func() time.Time
	// ActionButtons, when set, returns the action buttons (restart, stop,
	// delete, open) of an alert's instance, appended to the alert's
	// actions block; the app wires the actions package's. It is called
	// whenever the alert is rendered, open or closed (a.Closed), with the
	// instance as it was when the alert was raised; a.To is the status
	// that opened (or, flapping, reopened) the incident, not necessarily
	// the current one. Elements past Block Kit's 25 per actions block are
	// left out. Nil: none.
	ActionButtons func(a state.Alert, in scnet.Instance) []slack.BlockElement
	// DetailsButtons, when set, returns the action buttons of the private
	// details view the alert's Details button answers, labelled in p, the
	// clicker's language: the alert is the channel's, in BOT_LANGUAGE, but
	// the details are one reader's. Nil: ActionButtons.
	DetailsButtons func(p *i18n.Printer, a state.Alert, in scnet.Instance) []slack.BlockElement
	// Logger gets what the alert UI logs; nil discards it, as everywhere
	// in scnetbot: the app passes its own.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Printer == nil {
		c.Printer = i18n.EnglishPrinter()
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
