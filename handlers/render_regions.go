package handlers

import (
	"context"
	"strconv"
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
	head := "SCNet regions — " + strconv.Itoa(len(rs)) + " in use"
	if len(sus) > 0 {
		head += ", " + strconv.Itoa(len(sus)) + " suspended"
	}
	blocks := []slack.Block{slack.NewHeaderBlock(plain(head, blockkit.MaxHeaderText))}
	for i, reg := range rs {
		if i == maxRegionsShown {
			blocks = append(blocks, section("… and "+strconv.Itoa(len(rs)-maxRegionsShown)+" more regions"))
			break
		}
		poll, polled := polls[reg.ID]
		blocks = append(blocks, section(r.regionText(reg, h.states.peek(reg.ID), poll, polled, h.cfg.Watch != nil)))
	}
	if len(sus) > 0 {
		blocks = append(blocks, section("*Suspended* — SCNet sent no token for these regions: the account is suspended there (usually unpaid or frozen). Ask the account's owner to settle it on SCNet; scnetbot leaves them out until then.\n"+
			bullets(sus, maxRegionsShown, func(s regions.Suspended) string {
				return ":no_entry: *" + text(s.Name, rowShort) + "* (`" + text(s.ID, rowShort) + "`)"
			})))
	}
	blocks = append(blocks, contextLine("Pick one with `region:&lt;name&gt;`, e.g. `/instances failed region:"+text(firstName(rs), rowShort)+"`; a unique start of the name is enough. "+r.zoneNote()+" · as of "+r.now.In(r.loc).Format("15:04:05")))
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
	switch {
	case !asked:
		s += ":white_circle: Not asked yet"
	case rerr == nil:
		s += ":large_green_circle: Reachable: answered " + r.at(at)
	default:
		s += ":red_circle: Not reachable: " + blockkit.ErrorSummary(english(), rerr) + " — asked " + r.at(at)
	}
	exp := poll.TokenExpiry
	if e, ok := reg.Tokens.(expirer); ok && exp.IsZero() {
		if t, ok := e.ExpiresAt(); ok {
			exp = t
		}
	}
	if exp.IsZero() {
		s += "\nToken expiry unknown"
	} else if d := exp.Sub(r.now); d <= 0 {
		s += "\n:key: Token expired " + r.at(exp)
	} else {
		s += "\n:key: Token expires " + r.when(exp) + " (in " + humanDuration(d) + ")"
	}
	switch {
	case !watching:
		s += "\nNot watched (the watcher is off)"
	case !polled || poll.LastPoll.IsZero():
		s += "\nNo poll yet"
	case poll.LastCause != nil:
		s += "\nLast poll " + r.at(poll.LastPoll) + " failed: " + blockkit.ErrorSummary(english(), poll.LastCause)
	default:
		s += "\nLast poll " + r.at(poll.LastPoll) + ", " + strconv.Itoa(poll.Tracked) + " instances tracked"
	}
	if poll.Outage {
		s += " · :rotating_light: outage notice open"
	}
	return s
}
