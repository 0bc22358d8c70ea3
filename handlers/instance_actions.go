package handlers

import (
	"context"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// ActionCommands answers /instances restart|stop|delete. *actions.Service
// implements it.
type ActionCommands interface {
	// Enabled reports whether anyone may act (ACTION_USERS or
	// ACTION_USERGROUP is set).
	Enabled() bool
	// Command answers one action command within its own timeouts; it
	// never returns nil.
	Command(ctx context.Context, kind tracked.ActionKind, target string, cmd slack.SlashCommand) *slack.WebhookMessage
}

// ActionButtonsFunc draws the action buttons (restart, stop, delete) of an
// instance's details view: regionID is "" when the bot has one region, as
// in actions.Target. It returns nil when actions are off. The app builds it
// from actions.Service.Buttons, so that handlers need not know package
// actions.
type ActionButtonsFunc func(regionID, instanceID, name string, st scnet.Status) []slack.BlockElement

// actionCommand answers an action command: handed to the actions service
// when actions are on, else told how to turn them on. SCNet hears nothing
// in that case.
func (h *Handler) actionCommand(ctx context.Context, q Query, cmd slack.SlashCommand) *slack.WebhookMessage {
	if h.cfg.Actions == nil || !h.cfg.Actions.Enabled() {
		return actionsOffMessage(h.printer(ctx))
	}
	return h.cfg.Actions.Command(ctx, q.Action, q.Target, cmd)
}

// actionsOffMessage answers an action command when nobody may act.
func actionsOffMessage(p *i18n.Printer) *slack.WebhookMessage {
	s := p.T("CmdActionsOff")
	return message(s, section(s))
}
