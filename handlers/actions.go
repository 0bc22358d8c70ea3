package handlers

import (
	"context"
	"strings"

	"github.com/slack-go/slack"
)

// OwnsAction reports whether a block action belongs to /instances replies.
func (h *Handler) OwnsAction(actionID string) bool {
	return strings.HasPrefix(actionID, actionPrefix)
}

// Action answers a click on a button of an /instances reply. Paging,
// Refresh, Details and Back replace the message they were clicked in; Share
// posts the same view for the whole channel and leaves the original alone.
// Failures answer with a new ephemeral message so the original stays. It
// never returns nil.
func (h *Handler) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if m := h.Denied(cb.User.ID, cb.Channel.ID); m != nil {
		return m
	}
	if a == nil {
		return errorMessage(errUnknownAction)
	}
	v, q, err := decodeButtonValue(a.Value)
	if err != nil {
		return errorMessage(err)
	}
	o := answerOpts{userID: cb.User.ID}
	switch {
	case a.ActionID == actionPrev, a.ActionID == actionNext, a.ActionID == actionBack:
	case a.ActionID == actionRefresh:
		o.fresh = true
		o.back = v.B
	case isDetailsAction(a.ActionID):
		o.back = v.B
	case a.ActionID == actionShare:
		o.shared = true
	default:
		return errorMessage(errUnknownAction)
	}
	msg, err := h.answer(ctx, q, o)
	if err != nil {
		h.logFailure("action", q, err)
		return errorMessage(err)
	}
	if o.shared {
		msg.ResponseType = slack.ResponseTypeInChannel
		msg.ReplaceOriginal = false
		return msg
	}
	msg.ReplaceOriginal = true
	return msg
}
