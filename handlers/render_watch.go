package handlers

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/state"
	"scnetbot/tracked"
)

// Bounds of the snooze list of the watch reply, chosen so that the whole
// list fits one section (a cut could leave a mention or bold markup open).
const (
	maxSnoozesShown = 10
	snoozeListName  = 120
)

// watchDisabledMessage answers watch, snooze and unsnooze when no watcher runs.
func watchDisabledMessage() *slack.WebhookMessage {
	const s = ":zzz: The watcher is disabled (WATCH_CHANNEL is empty), so there are no alerts to check or snooze. Ask the bot's operator to set WATCH_CHANNEL to turn alerts on."
	return message(s, section(s))
}

// watchStartingMessage answers a snooze or unsnooze of a name the watcher
// does not know yet because none of its polls has succeeded since it
// started: the instance may well exist, so "not tracked" would be wrong.
func watchStartingMessage(target string) *slack.WebhookMessage {
	s := ":hourglass_flowing_sand: The watcher is still starting: it has not finished its first poll of SCNet, so it does not know “" +
		text(target, 100) + "” yet. Try again in a minute; `/instances watch` shows how its polls are going."
	return message(s, section(s))
}

// at formats a wall-clock time in the display zone, with how long ago it
// was.
func (r renderer) at(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.In(r.loc).Format("2006-01-02 15:04:05") + " (" + humanDuration(r.now.Sub(t)) + " ago)"
}

// channelMention writes a channel id as a link, or the escaped name.
func channelMention(c string) string {
	if c == "" {
		return none
	}
	if len(c) <= 20 && (c[0] == 'C' || c[0] == 'G') && strings.IndexFunc(c, func(r rune) bool {
		return !('A' <= r && r <= 'Z' || '0' <= r && r <= '9')
	}) < 0 {
		return "<#" + c + ">"
	}
	return text(c, 80)
}

// watch renders the watcher's health.
func (r renderer) watch(h tracked.Health) *slack.WebhookMessage {
	state := ":large_green_circle: healthy"
	switch {
	case !h.Enabled:
		state = ":zzz: disabled"
	case h.Outage:
		state = ":red_circle: SCNet unreachable (an outage notice is open)"
		if out := outageRegions(h.Regions); out != "" {
			state = ":red_circle: SCNet unreachable in " + out + " (an outage notice is open)"
		}
	case h.LastError != "":
		state = ":warning: the last poll failed"
		if failed := regionNames(h.Regions, func(rh tracked.RegionHealth) bool { return rh.LastCause != nil }); failed != "" {
			state = ":warning: the last poll failed in " + failed
		}
	case h.LastSuccess.IsZero():
		state = ":hourglass_flowing_sand: no successful poll yet"
	}
	// Routed apart (WATCH_ROUTES), each region's line names its channel
	// and the field says so rather than naming one region's as the bot's.
	routed := routedApart(h.Regions)
	channel := channelMention(h.Channel)
	if routed {
		channel = "per region, below"
	}
	fields := []*slack.TextBlockObject{
		field("State", state),
		field("Channel", channel),
		field("Poll interval", humanDuration(h.Interval)),
		field("Last poll", r.at(h.LastPoll)),
		field("Last success", r.at(h.LastSuccess)),
		field("Tracked instances", strconv.Itoa(h.Tracked)),
		field("Alerts waiting for Slack", strconv.Itoa(h.PendingAlerts)),
	}
	if !h.TokenExpiresAt.IsZero() {
		left := "expired"
		if d := h.TokenExpiresAt.Sub(r.now); d > 0 {
			left = "in " + humanDuration(d)
		}
		fields = append(fields, field("SCNet token expires", h.TokenExpiresAt.In(r.loc).Format("2006-01-02 15:04")+" ("+left+")"))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Alert watcher", blockkit.MaxHeaderText)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	if len(h.Regions) > 1 {
		// The fields above are the whole group's (the stalest success,
		// any outage): which region is the trouble is said here, each
		// with its reason in words, in place of one region's last error.
		blocks = append(blocks, section("*Regions*\n"+bullets(h.Regions, maxRegionsShown, func(rh tracked.RegionHealth) string {
			if routed {
				return r.regionPoll(rh) + " · alerts in " + channelMention(rh.Channel)
			}
			return r.regionPoll(rh)
		})))
	} else if h.LastError != "" {
		// In words: the error's own text is for the log.
		last := "the details are in scnetbot's log"
		if h.LastCause != nil {
			last = blockkit.ErrorSummary(english(), h.LastCause)
		}
		blocks = append(blocks, section("*Last error*\n"+capitalize(last)+"."))
	}
	blocks = append(blocks, section("*Snoozed*\n"+r.snoozeLines(h.Snoozes)))
	blocks = append(blocks, contextLine(r.zoneNote()))
	return message("Alert watcher: "+stripEmoji(state)+", "+strconv.Itoa(len(h.Snoozes))+" snoozed", blocks...)
}

// outageRegions names the regions whose outage notice is open, "" when
// the health does not say or has one region, which is SCNet as a whole.
func outageRegions(rs []tracked.RegionHealth) string {
	return regionNames(rs, func(rh tracked.RegionHealth) bool { return rh.Outage })
}

// regionNames names the regions is holds for (at most three), ""
// when none does or there is one region, which is SCNet as a whole.
func regionNames(rs []tracked.RegionHealth, is func(tracked.RegionHealth) bool) string {
	if len(rs) < 2 {
		return ""
	}
	var names []string
	for _, rh := range rs {
		if is(rh) {
			names = append(names, text(cmp.Or(rh.Name, rh.ID), rowShort))
		}
	}
	if len(names) > 3 {
		names = append(names[:3], "…")
	}
	return strings.Join(names, ", ")
}

// routedApart reports whether the regions' alerts go to more than one
// channel, so that no one channel is the watcher's.
func routedApart(rs []tracked.RegionHealth) bool {
	for _, rh := range rs[min(1, len(rs)):] {
		if rh.Channel != rs[0].Channel {
			return true
		}
	}
	return false
}

// regionPoll is one region's line of the watch reply: how its polls go.
func (r renderer) regionPoll(rh tracked.RegionHealth) string {
	name := "*" + text(rh.Name, rowShort) + "*"
	if rh.Name == "" {
		name = "*" + text(rh.ID, rowShort) + "*"
	}
	switch {
	case rh.Outage:
		name = ":red_circle: " + name + ": unreachable, outage notice open"
	case rh.LastCause != nil:
		name = ":warning: " + name + ": the last poll failed"
	case rh.LastSuccess.IsZero():
		return ":hourglass_flowing_sand: " + name + ": no successful poll yet"
	default:
		return ":large_green_circle: " + name + ": last success " + r.at(rh.LastSuccess) + ", " + strconv.Itoa(rh.Tracked) + " tracked"
	}
	if rh.LastCause != nil {
		name += " — " + blockkit.ErrorSummary(english(), rh.LastCause)
	}
	return name + "; last success " + r.at(rh.LastSuccess)
}

// snoozeLines lists active snoozes.
func (r renderer) snoozeLines(ss []state.Snooze) string {
	if len(ss) == 0 {
		return "nothing"
	}
	return bullets(ss, maxSnoozesShown, func(s state.Snooze) string {
		line := r.snoozeSubject(s, snoozeListName) + " until " + s.Until.In(r.loc).Format("2006-01-02 15:04")
		if m := userMention(s.By); m != "" {
			line += " by " + m
		}
		return line
	})
}

// snoozeSubject names a snoozed instance: its name (at most nameMax
// characters), and its id when known.
func (r renderer) snoozeSubject(s state.Snooze, nameMax int) string {
	subject := "*" + text(s.InstanceName, nameMax) + "*"
	if s.InstanceName == "" {
		subject = "*" + text(s.InstanceID, 64) + "*"
	} else if s.InstanceID != "" {
		subject += " (" + text(s.InstanceID, 64) + ")"
	}
	return subject
}

// snoozed confirms a snooze.
func (r renderer) snoozed(s state.Snooze, d time.Duration) *slack.WebhookMessage {
	t := ":zzz: Alerts for " + r.snoozeSubject(s, rowName) + " are snoozed for " + formatSnoozeDuration(d) +
		", until " + r.stamp(s.Until) + ". `/instances unsnooze` turns them back on."
	return message(t, section(t))
}

// unsnoozed confirms a lifted snooze.
func (r renderer) unsnoozed(s state.Snooze) *slack.WebhookMessage {
	t := ":bell: Alerts for " + r.snoozeSubject(s, rowName) + " are on again."
	return message(t, section(t))
}

// stripEmoji drops a leading ":emoji: " from scnetbot's own status words.
func stripEmoji(s string) string {
	if strings.HasPrefix(s, ":") {
		if i := strings.Index(s[1:], ": "); i >= 0 {
			return s[i+3:]
		}
	}
	return s
}
