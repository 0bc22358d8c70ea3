package handlers

import (
	"context"
	"errors"
	"slices"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/regions"
	"scnetbot/scnet"
)

// detailsView is everything a details reply shows.
type detailsView struct {
	inst       *scnet.Instance
	back       *string // list query of the Back button, nil for none
	backCursor string  // the Back list's cursor (merge.go), "" for none
	// region is the instance's region; named says whether to show it (a
	// bot of one region has nothing to tell apart).
	region   *regions.Region
	named    bool
	shared   bool
	sharedBy string
	// accessURL is the instance's access URL as SCNet gave it, "" for
	// none; accessFailed means fetching it failed, which the view says in
	// place of the Open button.
	accessURL    string
	accessFailed bool
	// actions are the instance's action buttons, nil for none.
	actions []slack.BlockElement
}

// details finds one instance: in the region a button names, else in every
// region at once. A region that cannot be read is named when no other has
// the instance; one that answered "no such id" is just not where it is.
func (h *Handler) details(ctx context.Context, r renderer, q Query, o answerOpts) (*slack.WebhookMessage, error) {
	_, all, err := h.targets(ctx, Query{})
	if err != nil {
		return nil, err
	}
	rs := all
	if o.region != "" {
		i := slices.IndexFunc(all, func(r *regions.Region) bool { return r.ID == o.region })
		if i < 0 {
			return nil, errStaleButton
		}
		rs = all[i : i+1]
	}
	ins, errs := eachRegion(rs, func(_ int, reg *regions.Region) (*scnet.Instance, error) {
		return h.states.get(reg).cache.Instance(ctx, q.ID, o.fresh)
	})
	for i, in := range ins {
		if errs[i] == nil && in != nil {
			v := detailsView{inst: in, back: o.back, backCursor: o.backCursor, region: rs[i], named: len(all) > 1, shared: o.shared, sharedBy: o.userID}
			if !v.shared {
				// A view shared to the channel has no buttons at all.
				v.accessURL, v.accessFailed = h.accessURL(ctx, rs[i], in, o.fresh)
				v.actions = h.actionButtons(v)
			}
			return r.details(v), nil
		}
	}
	if len(rs) == 1 {
		return nil, withID(errs[0], q.ID)
	}
	var fails []regionFailure
	for i, err := range errs {
		if !errors.Is(err, scnet.ErrNotFound) && !isUnknownID(err) {
			fails = append(fails, regionFailure{region: rs[i], err: err})
		}
	}
	if len(fails) == 0 {
		return nil, withID(scnet.ErrNotFound, q.ID)
	}
	return nil, withID(&regionsError{fails: fails, partial: len(fails) < len(rs)}, q.ID)
}

// accessURL asks SCNet for a running instance's access URL, for the Open
// button, within what is left of the command's time, through the region's
// cache like the lookup it follows. A failure costs the
// view only its button: it is shown with a short note instead. Instances
// that are not running have nothing to open, and a region without an
// Operator cannot be asked.
func (h *Handler) accessURL(ctx context.Context, reg *regions.Region, in *scnet.Instance, fresh bool) (url string, failed bool) {
	if in.Status != scnet.StatusRunning || reg.Operator == nil || !scnet.ValidInstanceID(in.ID) {
		return "", false
	}
	u, err := h.states.get(reg).cache.AccessURL(ctx, reg.Operator, in.ID, fresh)
	if err != nil {
		// The error stays in the log: an SCNet message may quote the URL
		// it could not give, token and all, so it is not shown in Slack.
		h.log.Warn("access url not fetched; details shown without Open", "region", reg.ID, "instance", in.ID, "err", err)
		return "", true
	}
	return u, false
}

// actionButtons are the instance's restart, stop and delete buttons, from
// Config.ActionButtons.
func (h *Handler) actionButtons(v detailsView) []slack.BlockElement {
	if h.cfg.ActionButtons == nil || !scnet.ValidInstanceID(v.inst.ID) {
		return nil
	}
	regionID := ""
	if v.named && v.region != nil {
		regionID = v.region.ID
	}
	return h.cfg.ActionButtons(regionID, v.inst.ID, v.inst.Name, v.inst.Status)
}

// details renders one instance: blockkit's details view, the same an
// alert's Details button shows, with the reply's buttons.
func (r renderer) details(v detailsView) *slack.WebhookMessage {
	in := v.inst
	d := blockkit.Details{Printer: r.p, Instance: in, Now: r.now, Location: r.loc, AccessURL: v.accessURL, Actions: v.actions}
	var regionID string
	if v.named && v.region != nil {
		d.Region, regionID = v.region.Name, v.region.ID
	}
	if m := userMention(v.sharedBy); v.shared && m != "" {
		d.Note = r.p.T("CmdSharedBy", "User", m)
	}
	if v.accessFailed {
		d.Note = r.p.T("CmdNoOpenLink")
	}
	blocks := d.Blocks()
	if !v.shared {
		// An actions block needs at least one element.
		var els []slack.BlockElement
		if v.back != nil {
			els = append(els, button(actionBack, r.p.T("CmdButtonBack"), fit(buttonValue{Q: *v.back, C: v.backCursor})))
		}
		if scnet.ValidInstanceID(in.ID) {
			c := v.backCursor
			if v.back == nil {
				c = ""
			}
			els = append(els,
				button(actionRefresh, r.p.T("CmdButtonRefresh"), fit(buttonValue{ID: in.ID, B: v.back, C: c, R: regionID})),
				button(actionShare, r.p.T("CmdButtonShare"), buttonValue{ID: in.ID, R: regionID}),
			)
		}
		if len(els) > 0 {
			blocks = append(blocks, slack.NewActionBlock("", els...))
		}
	}
	return message(d.Fallback(), blocks...)
}

// bullets writes one "• " line per item in r's language; see
// blockkit.Bullets.
func bullets[T any](r renderer, items []T, max int, line func(T) string) string {
	return blockkit.Bullets(r.p, items, max, line)
}
