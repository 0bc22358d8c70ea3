package digest

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
)

// Bounds of what one digest lists, so that it stays one readable message
// (and far within Slack's 50 blocks and 3,000 characters a section).
const (
	maxGroups   = 15
	maxExpiring = 10
	maxSnoozes  = 10
	// How many characters of a name a line keeps: a Chinese name counts
	// by characters, like any other.
	maxName   = 60
	maxUser   = 40
	maxRegion = 30
	maxGroup  = 40
)

// userID matches a Slack user id, which a line may mention as <@U…>;
// anything else a record says is escaped like any other text.
var userID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// Render writes the digest of r in p's language with times in loc: the
// notification text and the Block Kit blocks.
func Render(p *i18n.Printer, r Report, loc *time.Location) (string, json.RawMessage) {
	w := writer{p: p, loc: loc, to: r.To}
	blocks := []slack.Block{
		slack.NewHeaderBlock(blockkit.Plain(p.T("DigestHeader", "Day", r.Day), blockkit.MaxHeaderText)),
		blockkit.Context(p.T("DigestWindow", "From", w.stamp(r.From), "To", w.stamp(r.To))),
		blockkit.Section(w.incidents(r.Incidents)),
	}
	if r.NoRegions {
		blocks = append(blocks, blockkit.Section(p.T("DigestNoRegions")))
	} else {
		blocks = append(blocks,
			blockkit.Section(w.gpus(r.GPUs)),
			blockkit.Section(w.users(r.TopUsers)),
			blockkit.Section(w.expiring(r)),
			blockkit.Section(w.snoozes(r.Snoozes)),
		)
	}
	var notes []string
	if len(r.Missing) > 0 {
		notes = append(notes, p.T("DigestMissing", "Regions", w.regions(r.Missing)))
	}
	if len(r.Partial) > 0 {
		notes = append(notes, p.T("DigestPartial", "Regions", w.regions(r.Partial)))
	}
	if len(r.Suspended) > 0 {
		notes = append(notes, p.T("DigestSuspended", "Regions", w.regions(r.Suspended)))
	}
	if len(notes) > 0 {
		blocks = append(blocks, blockkit.Context(strings.Join(notes, "\n")))
	}
	raw, err := json.Marshal(blocks)
	if err != nil {
		raw = nil // the text alone still says it
	}
	gpus := 0
	for _, g := range r.GPUs {
		gpus += g.GPUs
	}
	text := p.T("DigestText", "Day", r.Day, "Opened", r.Incidents.Opened, "Resolved", r.Incidents.Resolved,
		"Open", r.Incidents.StillOpen, "GPUs", gpus)
	return blockkit.Truncate(text, blockkit.MaxMessageText), raw
}

// writer writes the parts of one digest.
type writer struct {
	p   *i18n.Printer
	loc *time.Location
	to  time.Time
}

func (w writer) stamp(t time.Time) string { return blockkit.Stamp(t, w.loc) }

func (w writer) name(s string) string { return blockkit.Value(s, maxName) }

func (w writer) regions(names []string) string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = blockkit.Value(n, maxRegion)
	}
	return w.p.Join(out)
}

// user is a Slack user as a mention, or the text a record holds escaped.
func (w writer) user(id string) string {
	if userID.MatchString(id) {
		return "<@" + id + ">"
	}
	if strings.TrimSpace(id) == "" {
		return w.p.T("DigestUnknownUser")
	}
	return blockkit.Value(id, maxUser)
}

// section is a title and its lines, cut before the section's limit with a
// line saying how many were left out.
func (w writer) section(title string, lines []string, total int) string {
	var b strings.Builder
	b.WriteString(title)
	// Room for the "and N more" line.
	room := blockkit.MaxSectionText - 100
	n := 0
	for _, l := range lines {
		if utf8.RuneCountInString(b.String())+1+utf8.RuneCountInString(l) > room {
			break
		}
		b.WriteString("\n")
		b.WriteString(l)
		n++
	}
	if n < total {
		b.WriteString("\n")
		b.WriteString(w.p.N("DigestMore", total-n))
	}
	return b.String()
}

func (w writer) incidents(in Incidents) string {
	p := w.p
	var lines []string
	if in.Opened == 0 && in.Resolved == 0 {
		lines = append(lines, p.T("DigestNoIncidents"))
	} else {
		opened := p.N("DigestOpened", in.Opened)
		if in.InStorms > 0 {
			opened += p.N("DigestInStorms", in.Storms, "InStorms", in.InStorms)
		}
		resolved := p.N("DigestResolved", in.Resolved)
		if in.ByHand > 0 {
			resolved += p.N("DigestByHand", in.ByHand)
		}
		lines = append(lines, "• "+opened, "• "+resolved)
	}
	if l := in.Longest; l != nil {
		lines = append(lines, "• "+p.N("DigestStillOpen", in.StillOpen))
		line := p.T("DigestLongestOpen", "Name", w.name(l.Name), "Region", blockkit.Value(l.Region, maxRegion),
			"Status", blockkit.StatusText(p, l.To), "Age", p.Duration(w.to.Sub(l.Since)), "Since", w.stamp(l.Since))
		if l.AckedBy != "" {
			line += p.T("DigestAckedBy", "User", w.user(l.AckedBy))
		} else {
			line += p.T("DigestNotAcked")
		}
		lines = append(lines, "• "+line)
	}
	return w.section(p.T("DigestIncidentsTitle"), lines, len(lines))
}

func (w writer) gpus(gs []GroupGPUs) string {
	p := w.p
	if len(gs) == 0 {
		return w.section(p.T("DigestGPUsTitle"), []string{p.T("DigestNoGPUs")}, 1)
	}
	total, instances := 0, 0
	for _, g := range gs {
		total += g.GPUs
		instances += g.Instances
	}
	lines := []string{p.N("DigestGPUsTotal", total, "Instances", p.N("Instances", instances))}
	for _, g := range gs[:min(len(gs), maxGroups)] {
		group := blockkit.Value(g.Group, maxGroup)
		lines = append(lines, "• "+p.N("DigestGPUGroup", g.GPUs, "Region", blockkit.Value(g.Region, maxRegion),
			"Group", group, "Instances", p.N("Instances", g.Instances)))
	}
	return w.section(p.T("DigestGPUsTitle"), lines, len(gs)+1)
}

func (w writer) users(us []UserHours) string {
	p := w.p
	if len(us) == 0 {
		return w.section(p.T("DigestUsersTitle"), []string{p.T("DigestNoUsage")}, 1)
	}
	var lines []string
	for i, u := range us {
		name := p.T("DigestUnknownUser")
		if strings.TrimSpace(u.User) != "" {
			name = blockkit.Value(u.User, maxUser)
		}
		lines = append(lines, p.T("DigestUserHours", "Rank", i+1, "User", name,
			"Hours", strconv.FormatFloat(u.Hours, 'f', 1, 64)))
	}
	return w.section(p.T("DigestUsersTitle"), lines, len(lines))
}

func (w writer) expiring(r Report) string {
	p := w.p
	warn := p.Duration(r.ExpiryWarn)
	title := p.T("DigestExpiringTitle", "Warn", warn)
	if r.ExpiryDefault {
		title = p.T("DigestExpiringTitleDefault", "Warn", warn)
	}
	if len(r.Expiring) == 0 {
		return w.section(title, []string{p.T("DigestNoExpiring", "Warn", warn)}, 1)
	}
	var lines []string
	for _, e := range r.Expiring[:min(len(r.Expiring), maxExpiring)] {
		user := p.T("DigestUnknownUser")
		if strings.TrimSpace(e.User) != "" {
			user = blockkit.Value(e.User, maxUser)
		}
		lines = append(lines, "• "+p.T("DigestExpiringLine", "Name", w.name(e.Name),
			"Region", blockkit.Value(e.Region, maxRegion), "User", user, "Left", p.Duration(e.Left)))
	}
	return w.section(title, lines, len(r.Expiring))
}

func (w writer) snoozes(ss []LongSnooze) string {
	p := w.p
	if len(ss) == 0 {
		return w.section(p.T("DigestSnoozesTitle"), []string{p.T("DigestNoSnoozes")}, 1)
	}
	var lines []string
	for _, s := range ss[:min(len(ss), maxSnoozes)] {
		args := []any{"Name", w.name(s.Name), "Region", blockkit.Value(s.Region, maxRegion),
			"By", w.user(s.By), "Until", w.stamp(s.Until)}
		if s.Since.IsZero() {
			lines = append(lines, "• "+p.T("DigestSnoozeUntil", args...))
			continue
		}
		args = append(args, "Since", w.stamp(s.Since), "Age", p.Duration(w.to.Sub(s.Since)))
		lines = append(lines, "• "+p.T("DigestSnoozeLine", args...))
	}
	return w.section(p.T("DigestSnoozesTitle"), lines, len(ss))
}
