package handlers

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/regions"
	"scnetbot/scnet"
)

// Bounds on user-controlled text in one list row, chosen so a row stays far
// below the section limit whatever SCNet sends.
const (
	rowName  = 200
	rowShort = 60
	rowImage = 150
)

// describe writes a list query's filter in words: "Running ssh instances
// matching “train”". Plain text: it goes into a header.
func (r renderer) describe(q Query) string {
	p := r.p
	var s string
	switch {
	case q.Status != "" && q.TaskType != "":
		s = p.T("CmdDescStatusType", "Status", r.status(q.Status), "Type", string(q.TaskType))
	case q.Status != "":
		s = p.T("CmdDescStatus", "Status", r.status(q.Status))
	case q.TaskType != "":
		s = p.T("CmdDescType", "Type", string(q.TaskType))
	default:
		s = p.T("CmdDescAll")
	}
	if len(q.Words) > 0 {
		s = p.T("CmdDescMatching", "Desc", s, "Name", q.Name())
	}
	return capitalize(s)
}

// capitalize upper-cases the first letter of an ASCII word ("ssh
// instances"); other text is left as it is.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// list renders a page of instances.
func (r renderer) list(v listView) *slack.WebhookMessage {
	q, p, t := v.query, v.page, r.p
	total, last, hasNext := pages(q, p)
	if v.byEnd && v.matches > v.ordered {
		// The cap cut the listing: say how many SCNet has, not how many
		// were ordered (the context line says that).
		total = v.matches
	}
	found := t.N("CmdFound", total)
	if total == 0 && len(p.Instances) > 0 {
		found = t.T("CmdShowing", "N", len(p.Instances))
	} else if total == 0 {
		found = t.T("CmdNoneFound")
	}
	if len(v.failures) > 0 {
		// Never "none found" for a region that was not read.
		found = t.T("CmdFoundInRegions", "Found", found, "OK", len(v.regions)-len(v.failures), "All", len(v.regions))
	}
	// Cut the filter, not the count, when the header is too long.
	desc := r.describe(q)
	if q.Region != "" && len(v.regions) == 1 {
		// Picked with region:: a "none found" is this region's only.
		desc = t.T("CmdDescIn", "Desc", desc, "Region", v.regions[0].Name)
	}
	head := blockkit.Truncate(desc, blockkit.MaxHeaderText-len(" — ")-utf8.RuneCountInString(found)) + " — " + found
	blocks := []slack.Block{slack.NewHeaderBlock(plain(head, blockkit.MaxHeaderText))}
	if v.counts != nil {
		sum := r.summaryText(v.counts)
		if v.named {
			sum += "\n" + v.regionCounts(t)
		}
		blocks = append(blocks, section(sum))
	} else if v.countsFailed {
		blocks = append(blocks, contextLine(t.T("CmdCountsUnavailable")))
	}

	pageNote := t.T("CmdPage", "N", q.PageNumber())
	if last > 0 && q.PageNumber() <= last {
		pageNote = t.T("CmdPageOf", "N", q.PageNumber(), "Last", last)
	}
	order := t.T("CmdOrderCreated")
	if v.byEnd {
		order = t.T("CmdOrderEnded")
		if v.matches > v.ordered {
			order = t.T("CmdOrderEndedAmong", "N", v.ordered)
		}
	}
	ctx := pageNote + " · " + order + " · " + r.zoneNote() + " · " + r.asOf()
	if v.shared && v.sharedBy != "" {
		ctx += " · " + t.T("CmdSharedBy", "User", userMention(v.sharedBy))
	}
	blocks = append(blocks, contextLine(ctx))
	if len(v.failures) > 0 {
		blocks = append(blocks, section(failuresText(t, v.failures)))
	}
	if v.pastEnd > 0 {
		blocks = append(blocks, section(t.N("CmdPastEnd", last, "N", v.pastEnd)))
	}

	for i := range p.Instances {
		if i >= PageSize {
			// A server that ignores limit must not push the reply past
			// Slack's block limit.
			break
		}
		in := &p.Instances[i]
		reg := v.regionOf(i)
		var acc *slack.Accessory
		if !v.shared && scnet.ValidInstanceID(in.ID) {
			back := q.String()
			bv := buttonValue{ID: in.ID, B: &back, C: v.here()}
			if v.named && reg != nil {
				bv.R = reg.ID
			}
			acc = slack.NewAccessory(button(detailsActionID(i), t.T("CmdButtonDetails"), fit(bv)))
		}
		where := ""
		if v.named && reg != nil {
			where = reg.Name
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(r.row(in, where)), nil, acc))
	}
	if len(p.Instances) == 0 {
		empty := t.T("CmdListEmpty")
		if len(v.failures) > 0 {
			empty = t.T("CmdListEmptyAnswered")
		}
		if q.PageNumber() > 1 {
			empty = t.T("CmdListPastEnd", "N", q.PageNumber())
		} else if q.Filtered() {
			empty = t.T("CmdListEmptyFiltered", "Empty", empty)
		}
		blocks = append(blocks, section(empty))
	}

	if !v.shared {
		var els []slack.BlockElement
		if q.PageNumber() > 1 {
			prev := q.PageNumber() - 1
			if last > 0 && prev > last {
				// Past the end, Prev goes to the last page with instances.
				prev = last
			}
			pv := buttonValue{Q: q.WithPage(prev).String()}
			if v.cursors && v.from.sum() > 0 {
				pv.C = cursor{offs: v.from.offs, before: true}.encode(v.regions)
			}
			els = append(els, button(actionPrev, t.T("CmdButtonPrev"), fit(pv)))
		}
		if hasNext {
			nv := buttonValue{Q: q.WithPage(q.PageNumber() + 1).String()}
			if v.cursors {
				nv.C = v.to.encode(v.regions)
			}
			els = append(els, button(actionNext, t.T("CmdButtonNext"), fit(nv)))
		}
		els = append(els,
			button(actionRefresh, t.T("CmdButtonRefresh"), fit(buttonValue{Q: q.String(), C: v.here()})),
			button(actionShare, t.T("CmdButtonShare"), fit(buttonValue{Q: q.String(), C: v.here()})),
		)
		blocks = append(blocks, slack.NewActionBlock("", els...))
	}

	return message(r.listFallback(head, pageNote, p), blocks...)
}

// row is one instance's compact section text. Its first line says where
// the instance stands (rowState); the last says when it was created or
// started, and how long an ended one ran.
// region, when not "", is the name of the instance's region, shown last
// on the first line.
func (r renderer) row(in *scnet.Instance, region string) string {
	var b strings.Builder
	b.WriteString(statusEmoji(in.Status) + " *" + text(in.Name, rowName) + "*  ·  " + r.rowState(in) + "  ·  " + text(string(in.TaskType), rowShort))
	if region != "" {
		b.WriteString("  ·  :round_pushpin: " + text(region, rowShort))
	}
	b.WriteString("\n")
	accel := ""
	if strings.TrimSpace(in.AcceleratorType) != "" {
		accel = text(in.AcceleratorType, rowShort)
	}
	b.WriteString(r.resources(in, accel))
	b.WriteString(" · " + r.p.T("CmdRowGroup", "Group", text(in.ResourceGroup, rowShort)) + "\n")
	b.WriteString(r.p.T("CmdRowImage", "Image", text(in.Version, rowImage)) + " · " + r.p.T("CmdRowUser", "User", text(in.UserName, rowShort)))
	if t := r.rowTimes(in); t != "" {
		b.WriteString(" · " + t)
	}
	return blockkit.Truncate(b.String(), blockkit.MaxSectionText)
}

// rowState is the status with the one time that matters for it: when an
// ended instance ended ("Failed 18:24 (3m ago)"), how long a running one
// has run ("Running for 1d 0h"). The two used to share one "(1d 0h)" that
// meant run time for one and age for the other.
func (r renderer) rowState(in *scnet.Instance) string {
	st := r.status(in.Status)
	switch {
	case in.Status.Terminal() && in.EndTime.IsZero():
		return r.p.T("CmdStateEndUnknown", "Status", st)
	case in.Status.Terminal():
		return r.p.T("CmdStateEnded", "Status", st, "When", r.when(in.EndTime.Time), "Ago", r.duration(r.now.Sub(in.EndTime.Time)))
	case in.Status == scnet.StatusRunning && !in.StartTime.IsZero():
		return r.p.T("CmdStateRunningFor", "Status", st, "For", r.duration(r.now.Sub(in.StartTime.Time)))
	}
	return st
}

// rowTimes is the rest of a row's times: when it started (and, once it has
// ended, how long it ran), or when it was created if it never started.
func (r renderer) rowTimes(in *scnet.Instance) string {
	switch {
	case !in.StartTime.IsZero() && in.Status.Terminal():
		return r.p.T("CmdRowStartedRan", "When", r.when(in.StartTime.Time), "Ran", r.runTime(in))
	case !in.StartTime.IsZero():
		return r.p.T("CmdRowStarted", "When", r.when(in.StartTime.Time))
	case !in.CreateTime.IsZero():
		return r.p.T("CmdRowCreated", "When", r.when(in.CreateTime.Time))
	}
	return ""
}

// summaryText is the status summary: each status with its count.
func (r renderer) summaryText(counts map[scnet.Status]int) string {
	parts := make([]string, 0, len(scnet.Statuses()))
	for _, st := range scnet.Statuses() {
		parts = append(parts, statusEmoji(st)+" "+r.status(st)+" *"+strconv.Itoa(counts[st])+"*")
	}
	return strings.Join(parts, "   ")
}

// listFallback is the notification text of a list: the header and the
// instance names, escaped, within the message text limit.
func (r renderer) listFallback(head, pageNote string, p *scnet.Page) string {
	var b strings.Builder
	b.WriteString(r.p.T("CmdListFallback", "Head", blockkit.Escape(head), "Page", pageNote))
	for i := range p.Instances {
		if i >= PageSize {
			break
		}
		in := &p.Instances[i]
		line := "\n• " + text(in.Name, rowName) + " (" + r.status(in.Status) + ")"
		if utf8.RuneCountInString(b.String())+utf8.RuneCountInString(line) > blockkit.MaxMessageText {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

// userMention writes a Slack user id as a mention, or nothing when it is
// not shaped like one (it comes from Slack, but a mention is markup).
func userMention(id string) string {
	if id == "" || len(id) > 30 {
		return ""
	}
	for _, c := range id {
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return ""
		}
	}
	return "<@" + id + ">"
}

// regionOf is the region of row i, nil when the view does not say.
func (v listView) regionOf(i int) *regions.Region {
	if i < len(v.rowRegion) && v.rowRegion[i] < len(v.regions) {
		return v.regions[v.rowRegion[i]]
	}
	return nil
}

// here is the cursor where a merged page begins, for the buttons that show
// it again (Refresh, Share, Back from Details); "" when the page number
// says it as well (one region, or page 1).
func (v listView) here() string {
	if !v.cursors || v.from.sum() == 0 {
		return ""
	}
	return v.from.encode(v.regions)
}

// maxCursorChars bounds a cursor in a button value, well inside Slack's
// 2,000 characters for the whole value with its query.
const maxCursorChars = 1500

// fit drops a cursor that would not fit a button value; the button then
// reads the page from the top instead (see merge.go), slower but right.
func fit(v buttonValue) buttonValue {
	if utf8.RuneCountInString(v.C) > maxCursorChars || utf8.RuneCountInString(v.encode()) > blockkit.MaxButtonValue {
		v.C = ""
	}
	return v
}

// regionCounts is the summary's second line: each region with its count.
func (v listView) regionCounts(p *i18n.Printer) string {
	parts := make([]string, len(v.regions))
	for i, r := range v.regions {
		n := "*" + strconv.Itoa(v.byRegion[i]) + "*"
		if slices.ContainsFunc(v.failures, func(f regionFailure) bool { return f.region == r }) {
			// Not 0: it was not read.
			n = p.T("CmdNotRead")
		}
		parts[i] = ":round_pushpin: " + text(r.Name, rowShort) + " " + n
	}
	return strings.Join(parts, "   ")
}

// failuresText names each region that did not answer, with why in words.
func failuresText(p *i18n.Printer, fs []regionFailure) string {
	return p.T("CmdFailures", "Lines", blockkit.Bullets(p, fs, 20, func(f regionFailure) string {
		return p.T("CmdRegionWhy", "Region", text(f.region.Name, rowShort), "Why", blockkit.ErrorSummary(p, f.err))
	}))
}
