package handlers

import (
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
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
func describe(q Query) string {
	var b strings.Builder
	if q.Status != "" {
		b.WriteString(string(q.Status))
		b.WriteByte(' ')
	}
	if q.TaskType != "" {
		b.WriteString(string(q.TaskType))
		b.WriteByte(' ')
	}
	if b.Len() == 0 {
		b.WriteString("All ")
	}
	b.WriteString("instances")
	if len(q.Words) > 0 {
		b.WriteString(" matching “" + q.Name() + "”")
	}
	s := b.String()
	return capitalize(s)
}

// list renders a page of instances.
func (r renderer) list(v listView) *slack.WebhookMessage {
	q, p := v.query, v.page
	total, last, hasNext := pages(q, p)
	if v.byEnd && v.matches > v.ordered {
		// The cap cut the listing: say how many SCNet has, not how many
		// were ordered (the context line says that).
		total = v.matches
	}
	found := strconv.Itoa(total) + " found"
	if total == 0 && len(p.Instances) > 0 {
		found = "showing " + strconv.Itoa(len(p.Instances))
	} else if total == 0 {
		found = "none found"
	}
	if len(v.failures) > 0 {
		// Never "none found" for a region that was not read.
		found += " in " + strconv.Itoa(len(v.regions)-len(v.failures)) + " of " + strconv.Itoa(len(v.regions)) + " regions"
	}
	// Cut the filter, not the count, when the header is too long.
	desc := describe(q)
	if q.Region != "" && len(v.regions) == 1 {
		// Picked with region:: a "none found" is this region's only.
		desc += " in " + v.regions[0].Name
	}
	head := blockkit.Truncate(desc, blockkit.MaxHeaderText-len(" — ")-utf8.RuneCountInString(found)) + " — " + found
	blocks := []slack.Block{slack.NewHeaderBlock(plain(head, blockkit.MaxHeaderText))}
	if v.counts != nil {
		sum := summaryText(v.counts)
		if v.named {
			sum += "\n" + v.regionCounts()
		}
		blocks = append(blocks, section(sum))
	} else if v.countsFailed {
		blocks = append(blocks, contextLine(":warning: Status counts are unavailable right now."))
	}

	pageNote := "Page " + strconv.Itoa(q.PageNumber())
	if last > 0 && q.PageNumber() <= last {
		pageNote += " of " + strconv.Itoa(last)
	}
	order := "newest created first"
	if v.byEnd {
		order = "newest end first"
		if v.matches > v.ordered {
			order += " among the " + strconv.Itoa(v.ordered) + " newest created"
		}
	}
	ctx := pageNote + " · " + order + " · " + r.zoneNote() + " · as of " + r.now.In(r.loc).Format("15:04:05")
	if v.shared && v.sharedBy != "" {
		ctx += " · shared by " + userMention(v.sharedBy)
	}
	blocks = append(blocks, contextLine(ctx))
	if len(v.failures) > 0 {
		blocks = append(blocks, section(failuresText(v.failures)))
	}
	if v.pastEnd > 0 {
		only := "there are only " + strconv.Itoa(last) + " pages"
		if last == 1 {
			only = "there is only 1 page"
		}
		blocks = append(blocks, section(":information_source: There is no page "+strconv.Itoa(v.pastEnd)+": "+only+", so this is the last one."))
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
			acc = slack.NewAccessory(button(detailsActionID(i), "Details", fit(bv)))
		}
		where := ""
		if v.named && reg != nil {
			where = reg.Name
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(r.row(in, where)), nil, acc))
	}
	if len(p.Instances) == 0 {
		empty := "No instances match."
		if len(v.failures) > 0 {
			empty = "No instances match in the regions that answered."
		}
		if q.PageNumber() > 1 {
			empty = "Page " + strconv.Itoa(q.PageNumber()) + " is past the end of this listing."
		} else if q.Filtered() {
			empty += " Try fewer words, or `/instances help` for what the command understands."
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
			els = append(els, button(actionPrev, "◀ Prev", fit(pv)))
		}
		if hasNext {
			nv := buttonValue{Q: q.WithPage(q.PageNumber() + 1).String()}
			if v.cursors {
				nv.C = v.to.encode(v.regions)
			}
			els = append(els, button(actionNext, "Next ▶", fit(nv)))
		}
		els = append(els,
			button(actionRefresh, ":arrows_counterclockwise: Refresh", fit(buttonValue{Q: q.String(), C: v.here()})),
			button(actionShare, "Share to channel", fit(buttonValue{Q: q.String(), C: v.here()})),
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
	b.WriteString(resourcesWith(in, accel))
	b.WriteString(" · group " + text(in.ResourceGroup, rowShort) + "\n")
	b.WriteString("image " + text(in.Version, rowImage) + " · user " + text(in.UserName, rowShort))
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
	st := statusText(in.Status)
	switch {
	case in.Status.Terminal() && in.EndTime.IsZero():
		return st + ", end time unknown"
	case in.Status.Terminal():
		return st + " " + r.when(in.EndTime.Time) + " (" + humanDuration(r.now.Sub(in.EndTime.Time)) + " ago)"
	case in.Status == scnet.StatusRunning && !in.StartTime.IsZero():
		return st + " for " + humanDuration(r.now.Sub(in.StartTime.Time))
	}
	return st
}

// rowTimes is the rest of a row's times: when it started (and, once it has
// ended, how long it ran), or when it was created if it never started.
func (r renderer) rowTimes(in *scnet.Instance) string {
	switch {
	case !in.StartTime.IsZero() && in.Status.Terminal():
		return "started " + r.when(in.StartTime.Time) + ", ran " + r.runTime(in)
	case !in.StartTime.IsZero():
		return "started " + r.when(in.StartTime.Time)
	case !in.CreateTime.IsZero():
		return "created " + r.when(in.CreateTime.Time)
	}
	return ""
}

// summaryText is the status summary: each status with its count.
func summaryText(counts map[scnet.Status]int) string {
	parts := make([]string, 0, len(scnet.Statuses()))
	for _, st := range scnet.Statuses() {
		parts = append(parts, statusEmoji(st)+" "+string(st)+" *"+strconv.Itoa(counts[st])+"*")
	}
	return strings.Join(parts, "   ")
}

// listFallback is the notification text of a list: the header and the
// instance names, escaped, within the message text limit.
func (r renderer) listFallback(head, pageNote string, p *scnet.Page) string {
	var b strings.Builder
	b.WriteString(blockkit.Escape(head) + " (" + pageNote + ")")
	for i := range p.Instances {
		if i >= PageSize {
			break
		}
		in := &p.Instances[i]
		line := "\n• " + text(in.Name, rowName) + " (" + statusText(in.Status) + ")"
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
func (v listView) regionCounts() string {
	parts := make([]string, len(v.regions))
	for i, r := range v.regions {
		n := "*" + strconv.Itoa(v.byRegion[i]) + "*"
		if slices.ContainsFunc(v.failures, func(f regionFailure) bool { return f.region == r }) {
			// Not 0: it was not read.
			n = "_not read_"
		}
		parts[i] = ":round_pushpin: " + text(r.Name, rowShort) + " " + n
	}
	return strings.Join(parts, "   ")
}

// failuresText names each region that did not answer, with why in words.
func failuresText(fs []regionFailure) string {
	return ":warning: Not shown — no answer from:\n" + bullets(fs, 20, func(f regionFailure) string {
		return "*" + text(f.region.Name, rowShort) + "*: " + blockkit.ErrorSummary(english(), f.err)
	})
}
