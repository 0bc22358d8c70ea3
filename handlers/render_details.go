package handlers

import (
	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
)

// detailsView is everything a details reply shows.
type detailsView struct {
	inst     *scnet.Instance
	back     *string // list query of the Back button, nil for none
	shared   bool
	sharedBy string
}

// details renders one instance: blockkit's details view, the same an
// alert's Details button shows, with the reply's buttons.
func (r renderer) details(v detailsView) *slack.WebhookMessage {
	in := v.inst
	d := blockkit.Details{Instance: in, Now: r.now, Location: r.loc}
	if m := userMention(v.sharedBy); v.shared && m != "" {
		d.Note = "shared by " + m
	}
	blocks := d.Blocks()
	if !v.shared {
		// An actions block needs at least one element.
		var els []slack.BlockElement
		if v.back != nil {
			els = append(els, button(actionBack, "◀ Back to list", buttonValue{Q: *v.back}))
		}
		if scnet.ValidInstanceID(in.ID) {
			els = append(els,
				button(actionRefresh, ":arrows_counterclockwise: Refresh", buttonValue{ID: in.ID, B: v.back}),
				button(actionShare, "Share to channel", buttonValue{ID: in.ID}),
			)
		}
		if len(els) > 0 {
			blocks = append(blocks, slack.NewActionBlock("", els...))
		}
	}
	return message(d.Fallback(), blocks...)
}

// bullets writes one "• " line per item; see blockkit.Bullets.
func bullets[T any](items []T, max int, line func(T) string) string {
	return blockkit.Bullets(items, max, line)
}
