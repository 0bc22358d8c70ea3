package handlers

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/state"
	"scnetbot/tracked"
)

// Bounds of the snooze list of the watch reply, chosen so that the whole
// list fits one section (a cut could leave a mention or bold markup open).
const (
	maxSnoozesShown = 10
	snoozeListName  = 120
)

// watchDisabled answers watch, snooze and unsnooze when no watcher runs.
func (r renderer) watchDisabled() *slack.WebhookMessage {
	s := r.p.T("CmdWatchOff")
	return message(s, section(s))
}

// watchStarting answers a snooze or unsnooze of a name the watcher
// does not know yet because none of its polls has succeeded since it
// started: the instance may well exist, so "not tracked" would be wrong.
func (r renderer) watchStarting(target string) *slack.WebhookMessage {
	s := r.p.T("CmdWatchStarting", "Name", text(target, 100))
	return message(s, section(s))
}

// at formats a wall-clock time in the display zone, with how long ago it
// was.
func (r renderer) at(t time.Time) string {
	if t.IsZero() {
		return r.p.T("CmdNever")
	}
	return r.p.T("CmdAtAgo", "Time", t.In(r.loc).Format("2006-01-02 15:04:05"), "Ago", r.duration(r.now.Sub(t)))
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
	p := r.p
	state := p.T("CmdWatchHealthy")
	switch {
	case !h.Enabled:
		state = p.T("CmdWatchDisabled")
	case h.Outage:
		state = p.T("CmdWatchOutage")
		if out := outageRegions(p, h.Regions); out != "" {
			state = p.T("CmdWatchOutageIn", "Regions", out)
		}
	case h.LastError != "":
		state = p.T("CmdWatchPollFailed")
		if failed := regionNames(p, h.Regions, func(rh tracked.RegionHealth) bool { return rh.LastCause != nil }); failed != "" {
			state = p.T("CmdWatchPollFailedIn", "Regions", failed)
		}
	case h.LastSuccess.IsZero():
		state = p.T("CmdWatchNoPoll")
	}
	// Routed apart (WATCH_ROUTES), each region's line names its channel
	// and the field says so rather than naming one region's as the bot's.
	routed := routedApart(h.Regions)
	channel := channelMention(h.Channel)
	if routed {
		channel = p.T("CmdWatchPerRegion")
	}
	fields := []*slack.TextBlockObject{
		field(p.T("CmdWatchFieldState"), state),
		field(p.T("CmdWatchFieldChannel"), channel),
		field(p.T("CmdWatchFieldInterval"), r.duration(h.Interval)),
		field(p.T("CmdWatchFieldLastPoll"), r.at(h.LastPoll)),
		field(p.T("CmdWatchFieldLastSuccess"), r.at(h.LastSuccess)),
		field(p.T("CmdWatchFieldTracked"), strconv.Itoa(h.Tracked)),
		field(p.T("CmdWatchFieldPending"), strconv.Itoa(h.PendingAlerts)),
	}
	if !h.TokenExpiresAt.IsZero() {
		left := p.T("CmdTokenExpired")
		if d := h.TokenExpiresAt.Sub(r.now); d > 0 {
			left = p.T("CmdTokenIn", "D", r.duration(d))
		}
		fields = append(fields, field(p.T("CmdWatchFieldToken"), p.T("CmdTokenAt", "Time", h.TokenExpiresAt.In(r.loc).Format("2006-01-02 15:04"), "Left", left)))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(p.T("CmdWatchTitle"), blockkit.MaxHeaderText)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	if len(h.Regions) > 1 {
		// The fields above are the whole group's (the stalest success,
		// any outage): which region is the trouble is said here, each
		// with its reason in words, in place of one region's last error.
		blocks = append(blocks, section(p.T("CmdWatchRegions", "Lines", bullets(r, h.Regions, maxRegionsShown, func(rh tracked.RegionHealth) string {
			if routed {
				return r.regionPoll(rh) + " · " + p.T("CmdWatchAlertsIn", "Channel", channelMention(rh.Channel))
			}
			return r.regionPoll(rh)
		}))))
	} else if h.LastError != "" {
		// In words: the error's own text is for the log.
		last := p.T("CmdWatchErrInLog")
		if h.LastCause != nil {
			last = blockkit.ErrorSummary(p, h.LastCause)
		}
		blocks = append(blocks, section(p.T("CmdWatchLastError", "Error", capitalize(last))))
	}
	blocks = append(blocks, section(p.T("CmdWatchSnoozed", "Lines", r.snoozeLines(h.Snoozes))))
	blocks = append(blocks, contextLine(r.zoneNote()))
	return message(p.N("CmdWatchFallback", len(h.Snoozes), "State", stripEmoji(state)), blocks...)
}

// outageRegions names the regions whose outage notice is open, "" when
// the health does not say or has one region, which is SCNet as a whole.
func outageRegions(p *i18n.Printer, rs []tracked.RegionHealth) string {
	return regionNames(p, rs, func(rh tracked.RegionHealth) bool { return rh.Outage })
}

// regionNames names the regions is holds for (at most three), ""
// when none does or there is one region, which is SCNet as a whole.
func regionNames(p *i18n.Printer, rs []tracked.RegionHealth, is func(tracked.RegionHealth) bool) string {
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
	return p.Join(names)
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
		name = r.p.T("CmdPollOutage", "Name", name)
	case rh.LastCause != nil:
		name = r.p.T("CmdPollFailed", "Name", name)
	case rh.LastSuccess.IsZero():
		return r.p.T("CmdPollNone", "Name", name)
	default:
		return r.p.T("CmdPollOK", "Name", name, "At", r.at(rh.LastSuccess), "N", rh.Tracked)
	}
	if rh.LastCause != nil {
		name += " — " + blockkit.ErrorSummary(r.p, rh.LastCause)
	}
	return r.p.T("CmdPollLastSuccess", "Line", name, "At", r.at(rh.LastSuccess))
}

// snoozeLines lists active snoozes.
func (r renderer) snoozeLines(ss []state.Snooze) string {
	if len(ss) == 0 {
		return r.p.T("CmdWatchNothing")
	}
	return bullets(r, ss, maxSnoozesShown, func(s state.Snooze) string {
		line := r.p.T("CmdSnoozeUntil", "Subject", r.snoozeSubject(s, snoozeListName), "Until", s.Until.In(r.loc).Format("2006-01-02 15:04"))
		if m := userMention(s.By); m != "" {
			line = r.p.T("CmdSnoozeBy", "Line", line, "User", m)
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
	t := r.p.T("CmdSnoozed", "Subject", r.snoozeSubject(s, rowName), "For", snoozeSpan(r.p, d), "Until", r.stamp(s.Until))
	return message(t, section(t))
}

// unsnoozed confirms a lifted snooze.
func (r renderer) unsnoozed(s state.Snooze) *slack.WebhookMessage {
	t := r.p.T("CmdUnsnoozed", "Subject", r.snoozeSubject(s, rowName))
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
