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
	msg, err := h.action(ctx, cb, a)
	return h.finish("action", msg, err)
}

func (h *Handler) action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) (*slack.WebhookMessage, error) {
	if err := h.denied(cb.User.ID, cb.Channel.ID); err != nil {
		return nil, err
	}
	if a == nil {
		return nil, errUnknownAction
	}
	v, q, err := decodeButtonValue(a.Value)
	if err != nil {
		return nil, err
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
		return nil, errUnknownAction
	}
	msg, err := h.answer(ctx, q, o)
	if err != nil {
		h.logFailure("action", q, err)
		return nil, err
	}
	if o.shared {
		msg.ResponseType = slack.ResponseTypeInChannel
		msg.ReplaceOriginal = false
		return msg, nil
	}
	msg.ReplaceOriginal = true
	return msg, nil
}
