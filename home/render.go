package home

import (
	"cmp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
)

// Bounds of the tab. A Home tab takes 100 blocks; this one stays within
// a message's 50 (blockkit.Validate's limit) whatever the data: 15
// incidents of one block each, the rest in a few sections.
const (
	maxIncidents = 15
	maxSnoozes   = 10
	maxRegions   = 15
	// nameMax bounds an instance name, in characters: a 60-character
	// Chinese name still leaves its line room for status, region and
	// acknowledgement.
	nameMax   = 60
	regionMax = 40
	idMax     = 64
	// tokenSoon is when a token's expiry turns into a warning, as the
	// watcher's own warning (a day ahead).
	tokenSoon = 24 * time.Hour
)

// sep joins the parts of a line, in both languages.
const sep = " · "

// Render is the Home tab showing o to a reader of p's language at now,
// times in loc. It is a pure function: the same arguments give the same
// view.
func Render(p *i18n.Printer, o Overview, now time.Time, loc *time.Location) slack.HomeTabViewRequest {
	r := renderer{p: p, now: now, loc: loc}
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain(p.T("HomeTitle"), blockkit.MaxHeaderText)),
		blockkit.Context(r.asOf()),
	}
	if !o.Watching {
		blocks = append(blocks, blockkit.Section(p.T("HomeWatcherOff")), slack.NewDividerBlock(), blockkit.Context(p.T("HomeHint")))
		return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
	}
	blocks = append(blocks, blockkit.Section(r.health(o.Health)))
	if o.StoreTrouble {
		blocks = append(blocks, blockkit.Section(p.T("HomeStoreTrouble")))
	}
	blocks = append(blocks, slack.NewDividerBlock(), blockkit.Section(r.counts(o.Regions)), slack.NewDividerBlock())
	blocks = append(blocks, r.incidents(o.Incidents, len(o.Regions) > 1)...)
	blocks = append(blocks, slack.NewDividerBlock(), blockkit.Section(r.snoozes(o.Snoozes, len(o.Regions) > 1)),
		slack.NewDividerBlock(), blockkit.Context(p.T("HomeHint")))
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

type renderer struct {
	p   *i18n.Printer
	now time.Time
	loc *time.Location
}

// clock writes t in the display zone; the zone is named once, in the
// context line.
func (r renderer) clock(t time.Time) string { return t.In(r.loc).Format("2006-01-02 15:04") }

// asOf is the context line: when the tab was drawn and the zone its
// times are in.
func (r renderer) asOf() string {
	return r.p.T("HomeAsOf", "Time", r.clock(r.now), "Zone", blockkit.ZoneNote(r.p, r.now, r.loc))
}

// ago is a past time with how long ago it was, or "never".
func (r renderer) ago(t time.Time) string {
	if t.IsZero() {
		return r.p.T("HomeNever")
	}
	return r.p.T("HomeAgo", "Time", r.clock(t), "Ago", r.p.Duration(r.now.Sub(t)))
}

// health is the watcher's section: its state in words, then its polls
// and the token's expiry.
func (r renderer) health(h Health) string {
	p := r.p
	var state string
	switch {
	case h.Unknown:
		state = p.T("HomeStateUnknown")
	case h.StateTrouble:
		state = p.T("HomeStateDatabase")
	case h.Outage && len(h.OutageRegions) > 0:
		state = p.T("HomeStateOutageIn", "Regions", r.regionList(h.OutageRegions))
	case h.Outage:
		state = p.T("HomeStateOutage")
	case h.Failing && len(h.FailingRegions) > 0:
		state = p.T("HomeStateFailingIn", "Regions", r.regionList(h.FailingRegions))
	case h.Failing:
		state = p.T("HomeStateFailing")
	case h.LastSuccess.IsZero():
		state = p.T("HomeStateStarting")
	default:
		state = p.T("HomeStateHealthy")
	}
	lines := []string{p.T("HomeWatcherHeading"), state}
	if !h.Unknown {
		lines = append(lines, p.T("HomeLastPoll", "When", r.ago(h.LastPoll)), p.T("HomeLastSuccess", "When", r.ago(h.LastSuccess)))
	}
	if t := h.TokenExpiresAt; !t.IsZero() {
		switch left := t.Sub(r.now); {
		case left <= 0:
			lines = append(lines, p.T("HomeTokenExpired", "Time", r.clock(t)))
		case left <= tokenSoon:
			lines = append(lines, p.T("HomeTokenExpiresSoon", "Time", r.clock(t), "Left", p.Duration(left)))
		default:
			lines = append(lines, p.T("HomeTokenExpires", "Time", r.clock(t), "Left", p.Duration(left)))
		}
	}
	if h.PendingAlerts > 0 {
		lines = append(lines, p.N("HomePending", h.PendingAlerts))
	}
	return strings.Join(lines, "\n")
}

// regionList names at most three regions, escaped.
func (r renderer) regionList(names []string) string {
	shown := make([]string, 0, 4)
	for _, n := range names[:min(3, len(names))] {
		shown = append(shown, blockkit.EscapeTruncate(n, regionMax))
	}
	if len(names) > 3 {
		shown = append(shown, "…")
	}
	return r.p.Join(shown)
}

// status is a status in the reader's language; SCNet's own word for one
// scnetbot does not know.
func (r renderer) status(s scnet.Status) string { return blockkit.StatusText(r.p, s) }

// countLine is the counts of one region: "Failed 3 · Running 12".
func (r renderer) countLine(cs []StatusCount) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = r.p.T("HomeCount", "Status", r.status(c.Status), "N", c.N)
	}
	return strings.Join(parts, sep)
}

// counts is the instances section: the total, then each region's counts
// and, over several regions, every region's together.
func (r renderer) counts(rs []RegionCounts) string {
	p := r.p
	total := 0
	all := map[scnet.Status]int{}
	for _, rc := range rs {
		for _, c := range rc.Counts {
			all[c.Status] += c.N
			total += c.N
		}
	}
	lines := []string{p.N("HomeInstancesHeading", total)}
	switch {
	case total == 0:
		lines = append(lines, p.T("HomeNoInstances"))
	case len(rs) == 1:
		lines = append(lines, p.T("HomeCountsLine", "Counts", r.countLine(rs[0].Counts)))
	default:
		var rows []string
		for _, rc := range rs {
			if rc.Total() > 0 {
				name := blockkit.EscapeTruncate(cmp.Or(rc.Name, rc.ID), regionMax)
				rows = append(rows, "• "+p.T("HomeRegionLine", "Region", name, "Total", rc.Total(), "Counts", r.countLine(rc.Counts)))
			}
		}
		return r.fit(lines, rows, maxRegions)
	}
	return strings.Join(lines, "\n")
}

// subject names an instance: its name and id, or its id alone.
func subject(name, id string) string {
	if name == "" {
		return "*" + blockkit.EscapeTruncate(id, idMax) + "*"
	}
	return "*" + blockkit.EscapeTruncate(name, nameMax) + "* (" + blockkit.EscapeTruncate(id, idMax) + ")"
}

// mention is a Slack user id as a mention, "" for none; anything that is
// not a user id is shown escaped, never as markup.
func mention(user string) string {
	if user == "" {
		return ""
	}
	if len(user) <= 20 && (user[0] == 'U' || user[0] == 'W') && strings.IndexFunc(user, func(c rune) bool {
		return !('A' <= c && c <= 'Z' || '0' <= c && c <= '9')
	}) < 0 {
		return "<@" + user + ">"
	}
	return blockkit.EscapeTruncate(user, 40)
}

// incidents is the incidents heading and one section per incident shown.
func (r renderer) incidents(incs []Incident, regions bool) []slack.Block {
	p := r.p
	if len(incs) == 0 {
		return []slack.Block{blockkit.Section(p.T("HomeNoIncidents"))}
	}
	blocks := []slack.Block{blockkit.Section(p.N("HomeIncidentsHeading", len(incs)))}
	for _, inc := range incs[:min(maxIncidents, len(incs))] {
		parts := []string{blockkit.StatusEmoji(inc.Status) + " " + subject(inc.Name, inc.InstanceID), r.status(inc.Status)}
		if regions && inc.Region != "" {
			parts = append(parts, blockkit.EscapeTruncate(inc.Region, regionMax))
		}
		parts = append(parts, p.T("HomeIncidentFor", "Age", p.Duration(r.now.Sub(inc.Opened))))
		if m := mention(inc.AckedBy); m != "" {
			parts = append(parts, p.T("HomeAckedBy", "User", m))
		} else {
			parts = append(parts, p.T("HomeNotAcked"))
		}
		blocks = append(blocks, blockkit.Section(strings.Join(parts, sep)))
	}
	if len(incs) > maxIncidents {
		blocks = append(blocks, blockkit.Context(p.N("HomeMore", len(incs)-maxIncidents)))
	}
	return blocks
}

// snoozes is the snoozes section.
func (r renderer) snoozes(ss []Snooze, regions bool) string {
	p := r.p
	lines := []string{p.T("HomeSnoozesHeading")}
	if len(ss) == 0 {
		lines = append(lines, p.T("HomeNoSnoozes"))
	}
	rows := make([]string, 0, min(maxSnoozes, len(ss)))
	for _, s := range ss[:min(maxSnoozes, len(ss))] {
		parts := []string{"• " + subject(s.Name, s.InstanceID)}
		if regions && s.Region != "" {
			parts = append(parts, blockkit.EscapeTruncate(s.Region, regionMax))
		}
		parts = append(parts, p.T("HomeSnoozeUntil", "Time", r.clock(s.Until)))
		if m := mention(s.By); m != "" {
			parts = append(parts, p.T("HomeSnoozeBy", "User", m))
		}
		rows = append(rows, strings.Join(parts, sep))
	}
	return r.fitMore(lines, rows, len(ss)-len(rows))
}

// fit is head followed by at most max of rows, as many as fit one
// section with the "and N more" line for the rest: a section cut by
// blockkit.Section's last guard could end inside a mention or bold.
func (r renderer) fit(head, rows []string, max int) string {
	if len(rows) > max {
		return r.fitMore(head, rows[:max], len(rows)-max)
	}
	return r.fitMore(head, rows, 0)
}

// fitMore is fit for rows already capped, more being how many were left
// out before.
func (r renderer) fitMore(head, rows []string, more int) string {
	// Room for the "and N more" line, in characters.
	const reserve = 40
	n := 0
	for _, l := range head {
		n += utf8.RuneCountInString(l) + 1
	}
	lines := head
	for i, row := range rows {
		if n+utf8.RuneCountInString(row)+1 > blockkit.MaxSectionText-reserve {
			more += len(rows) - i
			break
		}
		n += utf8.RuneCountInString(row) + 1
		lines = append(lines, row)
	}
	if more > 0 {
		lines = append(lines, r.p.N("HomeMore", more))
	}
	return strings.Join(lines, "\n")
}
