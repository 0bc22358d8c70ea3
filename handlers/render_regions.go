package handlers

import (
	"context"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/regions"
	"scnetbot/tracked"
)

// maxRegionsShown bounds the regions listed, one section each, so the reply
// stays far inside Slack's 50 blocks.
const maxRegionsShown = 20

// expirer is a token source that knows when its token expires
// (*scnet.Static and *scnet.Credentials do).
type expirer interface {
	ExpiresAt() (time.Time, bool)
}

// regionsView answers /instances regions: every region with whether it
// answered last, when its token expires and, with the watcher on, its last
// poll; then the regions the account is suspended in. It asks SCNet
// nothing beyond finding the regions: "reachable" is what the last command
// or poll saw.
func (h *Handler) regionsView(ctx context.Context, r renderer) (*slack.WebhookMessage, error) {
	rs, sus, err := h.cfg.Regions.Regions(ctx)
	if err != nil && len(sus) == 0 {
		return nil, err
	}
	var polls map[string]tracked.RegionHealth
	if h.cfg.Watch != nil {
		// Health is local to the watcher; without it the view still
		// says what the commands saw.
		if health, herr := h.cfg.Watch.Health(ctx); herr == nil {
			polls = make(map[string]tracked.RegionHealth, len(health.Regions))
			for _, rh := range health.Regions {
				polls[rh.ID] = rh
			}
		}
	}
	p := r.p
	head := p.T("CmdRegionsHead", "N", len(rs))
	if len(sus) > 0 {
		head = p.T("CmdRegionsHeadSuspended", "N", len(rs), "Suspended", len(sus))
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain(head, blockkit.MaxHeaderText))}
	for i, reg := range rs {
		if i == maxRegionsShown {
			blocks = append(blocks, section(p.T("KitMore", "N", len(rs)-maxRegionsShown)))
			break
		}
		poll, polled := polls[reg.ID]
		blocks = append(blocks, section(r.regionText(reg, h.states.peek(reg.ID), poll, polled, h.cfg.Watch != nil)))
	}
	if len(sus) > 0 {
		blocks = append(blocks, section(p.T("CmdRegionsSuspended", "Lines",
			bullets(r, sus, maxRegionsShown, func(s regions.Suspended) string {
				return ":no_entry: *" + text(s.Name, rowShort) + "* (`" + text(s.ID, rowShort) + "`)"
			}))))
	}
	blocks = append(blocks, contextLine(p.T("CmdRegionsPick", "Example", text(firstName(rs), rowShort))+" "+r.zoneNote()+" · "+r.asOf()))
	return message(head, blocks...), nil
}

func firstName(rs []*regions.Region) string {
	if len(rs) == 0 {
		return "西北"
	}
	return rs[0].Name
}

// regionText is one region's section: reachable, token, last poll.
func (r renderer) regionText(reg *regions.Region, st *regionState, poll tracked.RegionHealth, polled, watching bool) string {
	s := "*" + text(reg.Name, rowShort) + "* (`" + text(reg.ID, rowShort) + "`)\n"
	// The newest of what the commands and the watcher saw.
	at, rerr, asked := time.Time{}, error(nil), false
	if st != nil {
		at, rerr, asked = st.reach()
	}
	if polled && poll.LastPoll.After(at) {
		at, rerr, asked = poll.LastPoll, poll.LastCause, true
	}
	p := r.p
	switch {
	case !asked:
		s += p.T("CmdRegionNotAsked")
	case rerr == nil:
		s += p.T("CmdRegionReachable", "At", r.at(at))
	default:
		s += p.T("CmdRegionUnreachable", "Error", blockkit.ErrorSummary(p, rerr), "At", r.at(at))
	}
	exp := poll.TokenExpiry
	if e, ok := reg.Tokens.(expirer); ok && exp.IsZero() {
		if t, ok := e.ExpiresAt(); ok {
			exp = t
		}
	}
	if exp.IsZero() {
		s += "\n" + p.T("CmdRegionTokenUnknown")
	} else if d := exp.Sub(r.now); d <= 0 {
		s += "\n" + p.T("CmdRegionTokenExpired", "At", r.at(exp))
	} else {
		s += "\n" + p.T("CmdRegionTokenExpires", "When", r.when(exp), "In", r.duration(d))
	}
	switch {
	case !watching:
		s += "\n" + p.T("CmdRegionNotWatched")
	case !polled || poll.LastPoll.IsZero():
		s += "\n" + p.T("CmdRegionNoPoll")
	case poll.LastCause != nil:
		s += "\n" + p.T("CmdRegionPollFailed", "At", r.at(poll.LastPoll), "Error", blockkit.ErrorSummary(p, poll.LastCause))
	default:
		s += "\n" + p.N("CmdRegionPolled", poll.Tracked, "At", r.at(poll.LastPoll))
	}
	if poll.Outage {
		s += " · " + p.T("CmdRegionOutage")
	}
	return s
}
