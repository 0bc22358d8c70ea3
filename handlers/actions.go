package handlers

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
)

// OwnsAction reports whether a block action belongs to /instances replies.
func (h *Handler) OwnsAction(actionID string) bool {
	return strings.HasPrefix(actionID, actionPrefix)
}

// Action answers a click on a button of an /instances reply. Paging,
// Refresh, Details and Back replace the message they were clicked in; Share
// posts the same view for the whole channel and leaves the original alone.
// Failures answer with a new ephemeral message so the original stays. A
// click on a details view's Open link has nothing to answer (Slack opened
// the link): nil; every other click gets a reply.
func (h *Handler) Action(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) *slack.WebhookMessage {
	if a != nil && a.ActionID == blockkit.OpenActionID {
		return nil
	}
	msg, err := h.action(ctx, cb, a)
	return h.finish(h.printer(ctx), "action", msg, err)
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
	o := answerOpts{userID: cb.User.ID, region: v.R}
	if v.C != "" {
		// The cursor is for the list query shown: Q, or B on a details
		// view (where it rides along for Back).
		lq := q
		if q.Kind == KindDetails {
			if v.B == nil {
				return nil, errStaleButton
			}
			lq, _ = parseStored(*v.B)
		}
		c, err := h.decodeCursor(ctx, v.C, lq)
		if err != nil {
			h.logFailure("action", q, err)
			return nil, err
		}
		if q.Kind == KindList {
			o.cursor = c
		}
		o.backCursor = v.C
	}
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

// decodeCursor reads a button's cursor for list query q against the regions
// q asks. One that does not fit them was not written by scnetbot (or by one
// with other regions) and is refused.
func (h *Handler) decodeCursor(ctx context.Context, s string, q Query) (*cursor, error) {
	if utf8.RuneCountInString(s) > maxCursorChars {
		return nil, errStaleButton
	}
	// Finding the regions is SCNet I/O until it has once succeeded (a
	// click after a restart): bounded like the answer that follows.
	tctx, cancel := context.WithTimeout(ctx, h.cfg.QueryTimeout)
	defer cancel()
	targets, _, err := h.targets(tctx, q)
	if err != nil {
		return nil, h.slow(ctx, err)
	}
	c, ok := decodeCursor(s, targets, q.PageNumber())
	if !ok || len(targets) < 2 {
		return nil, errStaleButton
	}
	return &c, nil
}
