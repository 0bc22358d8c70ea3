package alerts

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/watcher"
)

// Action ids of alert buttons. All start with actionPrefix so the runtime
// can route them to Buttons.
const (
	actionPrefix   = "alert."
	actionAck      = "alert.ack"
	actionResolve  = "alert.resolve"
	actionSnooze   = "alert.snooze." // + "1h", "4h", "24h"
	actionDetails  = "alert.details"
	blockActions   = "alert.actions"
	maxFieldChars  = 200  // one field value; well inside MaxFieldText
	maxListChars   = 2800 // one thread list section; inside MaxSectionText
	maxNameChars   = 100  // an instance name inside a line
	maxHeaderChars = blockkit.MaxHeaderText
	// maxActionElements is Block Kit's limit on one actions block.
	maxActionElements = 25
)

// snoozeChoices are the snooze buttons of an alert.
func snoozeChoices() []time.Duration {
	return []time.Duration{time.Hour, 4 * time.Hour, 24 * time.Hour}
}

// snoozeLabel writes a snooze choice as its button shows it and its action
// id ends: "1h", "24h".
func snoozeLabel(d time.Duration) string { return blockkit.ShortDuration(d) }

// snoozeChoice reads the end of a snooze button's action id back: only the
// lengths offered are accepted, so a forged "alert.snooze.2000000h" is not
// a snooze until the year 2255.
func snoozeChoice(label string) (time.Duration, bool) {
	for _, d := range snoozeChoices() {
		if snoozeLabel(d) == label {
			return d, true
		}
	}
	return 0, false
}

// snoozeOffer lists the snooze choices for a sentence: "1h, 4h or 24h".
func snoozeOffer(p *i18n.Printer) string {
	var ls []string
	for _, d := range snoozeChoices() {
		ls = append(ls, snoozeLabel(d))
	}
	return orList(p, ls)
}

// orList joins choices as p's language offers them: "a, b or c".
func orList(p *i18n.Printer, items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return p.Join(items[:len(items)-1]) + p.T("AlertOr") + items[len(items)-1]
}

// mrkdwn and plain are blockkit's builders; a plain text here is always a
// button label.
func mrkdwn(s string) *slack.TextBlockObject { return blockkit.Mrkdwn(s) }
func plain(s string) *slack.TextBlockObject  { return blockkit.Plain(s, blockkit.MaxButtonText) }

func encodeBlocks(blocks ...slack.Block) json.RawMessage {
	b, err := json.Marshal(blocks)
	if err != nil {
		// Block types from slack-go always marshal; a failure here is a
		// programming error, and the fallback text still goes out.
		return nil
	}
	return b
}

// orDash stands blockkit.None in for a blank value about to be escaped.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return blockkit.None
	}
	return s
}

// statusWord is a status as p's language names it, in plain text: one
// SCNet never documented is shown as sent, so escape it for mrkdwn.
func statusWord(p *i18n.Printer, s scnet.Status) string {
	if s != "" && !slices.Contains(scnet.Statuses(), s) {
		return blockkit.PlainText(string(s), 30)
	}
	// StatusText escapes only a status it does not know.
	return blockkit.StatusText(p, s)
}

// transitionText is a move between statuses in plain text: "Running →
// Failed", "new → Failed".
func transitionText(p *i18n.Printer, from, to scnet.Status) string {
	if from == "" {
		return p.T("AlertNew") + " → " + statusWord(p, to)
	}
	return statusWord(p, from) + " → " + statusWord(p, to)
}

// Renderer renders the watcher's messages; it implements watcher.Renderer.
// Build it with NewRenderer. Every message is written with cfg.Printer,
// BOT_LANGUAGE: a channel has many readers, each with a language of their
// own, and one message for all of them.
type Renderer struct {
	cfg Config
	p   *i18n.Printer
}

var _ watcher.Renderer = (*Renderer)(nil)

// NewRenderer builds the renderer of alert messages.
func NewRenderer(cfg Config) *Renderer {
	cfg = cfg.withDefaults()
	return &Renderer{cfg: cfg, p: cfg.Printer}
}

// Printer implements watcher.Renderer: the channel's printer, for the
// words the watcher puts in thread lines and status lines.
func (r *Renderer) Printer() *i18n.Printer { return r.p }

// Status implements watcher.Renderer.
func (r *Renderer) Status(s scnet.Status) string { return statusWord(r.p, s) }

// Alert implements watcher.Renderer.
func (r *Renderer) Alert(a state.Alert, in scnet.Instance, sn *state.Snooze, region string) (string, json.RawMessage) {
	return r.renderRegionAlert(a, in, sn, region)
}

// Storm implements watcher.Renderer.
func (r *Renderer) Storm(a state.Alert, changes []watcher.Change, region string) (string, json.RawMessage) {
	return r.renderRegionStorm(a, changes, region)
}

// StormLine implements watcher.Renderer.
func (r *Renderer) StormLine(c watcher.Change) string { return stormLine(r.p, c) }

// NewsLine implements watcher.Renderer.
func (r *Renderer) NewsLine(name, id, what, at string) string {
	return newsLine(r.p, name, id, blockkit.Escape(what), at)
}

// Chunks implements watcher.Renderer: each chunk fits one list section.
func (r *Renderer) Chunks(lines []string) [][]string { return chunkLines(lines, maxListChars) }

// List implements watcher.Renderer.
func (r *Renderer) List(lines []string, title string, i, n int) (string, json.RawMessage) {
	return renderList(r.p, lines, title, i, n)
}

// Baseline implements watcher.Renderer.
func (r *Renderer) Baseline(region string, live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage) {
	return renderRegionBaseline(r.p, region, live, statuses, counts)
}

// Outage implements watcher.Renderer.
func (r *Renderer) Outage(a state.Alert, region string) (string, json.RawMessage) {
	return renderRegionOutage(r.p, a, region)
}

// OutageLine implements watcher.Renderer.
func (r *Renderer) OutageLine(since time.Time, cause error) string {
	return outageLine(r.p, since, cause, r.cfg.Location)
}

// RecoveredLine implements watcher.Renderer.
func (r *Renderer) RecoveredLine(since, now time.Time) string {
	return r.p.T("AlertRecoveredLine", "At", r.Stamp(now), "After", r.p.Duration(now.Sub(since)))
}

// Recovered implements watcher.Renderer.
func (r *Renderer) Recovered(a state.Alert, region string) (string, json.RawMessage) {
	return renderRegionRecovered(r.p, a, region)
}

// TokenWarning implements watcher.Renderer.
func (r *Renderer) TokenWarning(region string, exp, now time.Time) (string, json.RawMessage) {
	return renderRegionTokenWarning(r.p, region, exp, now, r.cfg.Location)
}

// Suspended implements watcher.Renderer.
func (r *Renderer) Suspended(region string) (string, json.RawMessage) {
	return renderSuspended(r.p, region)
}

// Stamp implements watcher.Renderer: the house stamp in the configured zone.
func (r *Renderer) Stamp(t time.Time) string { return blockkit.Stamp(t, r.cfg.Location) }

// Span implements watcher.Renderer: the house duration, "14m", "2h 3m".
func (r *Renderer) Span(d time.Duration) string { return r.p.Duration(d) }

// UserNewsLine implements watcher.Renderer.
func (r *Renderer) UserNewsLine(name, id, what, user, at string) string {
	parts := strings.Split(what, watcher.UserMark)
	for i, p := range parts {
		parts[i] = blockkit.Escape(p)
	}
	return newsLine(r.p, name, id, strings.Join(parts, userMention(user)), at)
}

// Escalation implements watcher.Renderer.
func (r *Renderer) Escalation(a state.Alert, mention string, after time.Duration) (string, json.RawMessage) {
	m, p := Mention(mention), r.p
	bodyID, textID := "AlertEscalation", "AlertEscalationText"
	if a.Storm {
		bodyID, textID = "AlertEscalationStorm", "AlertEscalationStormText"
	}
	body := m + " " + p.T(bodyID, "For", p.Duration(after))
	text := m + " " + p.T(textID, "For", p.Duration(after))
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(body), nil, nil))
}

// ExpiryWarning implements watcher.Renderer.
func (r *Renderer) ExpiryWarning(in scnet.Instance, left time.Duration, region string) (string, json.RawMessage) {
	p := r.p
	name := blockkit.EscapeTruncate(orDash(in.Name), maxNameChars)
	id := blockkit.EscapeTruncate(in.ID, maxNameChars)
	limit := blockkit.SCNetDuration(p, in.TimeoutLimit, maxFieldChars)
	if d, ok := in.TimeLimit(); ok {
		limit = p.Duration(d)
	}
	body := p.T("AlertExpiry", "Name", name, "ID", id, "In", inRegion(p, region), "Left", p.Duration(left), "Limit", limit)
	text := blockkit.Truncate(p.T("AlertExpiryText", "Name", name, "ID", id, "In", inRegion(p, region), "Left", p.Duration(left)), blockkit.MaxMessageText)
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(body), nil, nil))
}

// userMention is the Slack mention of a user id; anything else is shown
// as text, escaped, so it cannot become markup.
func userMention(user string) string {
	if userID.MatchString(user) {
		return "<@" + user + ">"
	}
	return blockkit.EscapeTruncate(orDash(user), maxNameChars)
}

var (
	userID  = regexp.MustCompile(`^[UW][A-Z0-9]{1,20}$`)
	groupID = regexp.MustCompile(`^S[A-Z0-9]{1,20}$`)
)

// Mention writes who an escalation mentions as Slack's mention: a user id
// (U…, W…) as <@U…>, a user group id (S…) as <!subteam^S…>, "here" and
// "channel" as <!here> and <!channel>. Anything else (config refuses it)
// is shown as text.
func Mention(who string) string {
	switch {
	case who == "here" || who == "channel":
		return "<!" + who + ">"
	case groupID.MatchString(who):
		return "<!subteam^" + who + ">"
	}
	return userMention(who)
}

// ValidMention reports whether Mention writes who as a Slack mention.
func ValidMention(who string) bool {
	return who == "here" || who == "channel" || groupID.MatchString(who) || userID.MatchString(who)
}

// renderAlert renders an alert's top-level message from its record, the
// instance as it was when the alert was raised, and the instance's snooze.
func (r *Renderer) renderAlert(a state.Alert, in scnet.Instance, sn *state.Snooze) (string, json.RawMessage) {
	return r.renderRegionAlert(a, in, sn, "")
}

// renderRegionAlert is renderAlert naming the instance's region.
func (r *Renderer) renderRegionAlert(a state.Alert, in scnet.Instance, sn *state.Snooze, region string) (string, json.RawMessage) {
	loc, p := r.cfg.Location, r.p
	name := orDash(in.Name)
	escName, escID := blockkit.EscapeTruncate(name, maxNameChars), blockkit.EscapeTruncate(in.ID, maxNameChars)
	tr := blockkit.Escape(transitionText(p, a.From, a.To))
	mention := ""
	if r.cfg.Mention != "" {
		mention = r.cfg.Mention + " "
	}
	leadID := "AlertLead"
	if a.From == "" {
		leadID = "AlertLeadNew"
	}
	lead := mention + p.T(leadID, "Name", escName, "ID", escID, "In", inRegion(p, region), "Transition", tr)
	gpus := "—"
	if in.GPUNumber > 0 || in.AcceleratorType != "" {
		gpus = fmt.Sprintf("%d × %s", in.GPUNumber, orDash(in.AcceleratorType))
	}
	image := in.Version
	if in.ImagePath != "" {
		image = in.ImagePath
	}
	// In the house format, as the details view writes them: SCNet's spec
	// and duration texts read, not shown raw.
	dur := blockkit.SCNetDuration(p, in.Duration, maxFieldChars)
	if !in.StartTime.IsZero() && !in.EndTime.IsZero() {
		dur = p.Duration(in.EndTime.Sub(in.StartTime.Time))
	}
	field := blockkit.Field
	val := func(s string) string { return blockkit.Value(s, maxFieldChars) }
	fields := []*slack.TextBlockObject{
		field(p.T("KitFieldTaskType"), val(string(in.TaskType))),
		field(p.T("KitFieldUser"), val(in.UserName)),
		field(p.T("KitFieldResourceGroup"), val(in.ResourceGroup)),
		field(p.T("KitFieldSpec"), blockkit.Spec(p, in.ResourceSpec, maxFieldChars)),
		field(p.T("AlertFieldGPUs"), val(gpus)),
		field(p.T("KitFieldImage"), val(image)),
		field(p.T("KitFieldStarted"), blockkit.Stamp(in.StartTime.Time, loc)),
		field(p.T("KitFieldEnded"), blockkit.Stamp(in.EndTime.Time, loc)),
		field(p.T("AlertFieldDuration"), dur),
	}
	status := r.statusLine(a)
	if a.ResolvedBy != "" && !a.Closed.IsZero() {
		status = p.T("AlertStatusResolvedBy", "User", userMention(a.ResolvedBy),
			"After", p.Duration(a.Closed.Sub(a.Created)), "At", blockkit.Stamp(a.Closed, loc))
	}
	ctx := []slack.MixedElement{mrkdwn(status)}
	switch {
	case a.AckedBy != "":
		ctx = append(ctx, mrkdwn(r.ackedBy(a)))
	case a.Closed.IsZero():
		ctx = append(ctx, mrkdwn(p.T("AlertNotAcked")))
	}
	if a.Failures > 1 {
		ctx = append(ctx, mrkdwn(p.N("AlertFlapping", a.Failures, "Since", blockkit.Stamp(a.Created, loc))))
	}
	if sn != nil {
		ctx = append(ctx, mrkdwn(p.T("AlertSnoozed", "Until", blockkit.Stamp(sn.Until, loc), "User", "<@"+blockkit.Escape(sn.By)+">")))
	}
	var buttons []slack.BlockElement
	// A closed incident needs neither: only the instance's own buttons stay.
	if a.AckedBy == "" && a.Closed.IsZero() {
		buttons = append(buttons, r.ackButton(a.ID))
	}
	// Buttons about the instance only for an id that can come back in a
	// click: Action refuses any other, as the command's buttons do.
	if scnet.ValidInstanceID(in.ID) {
		if a.Closed.IsZero() {
			buttons = append(buttons, slack.NewButtonBlockElement(actionResolve, buttonValue(a.ID, in.ID), plain(p.T("AlertResolveButton"))))
		}
		for _, d := range snoozeChoices() {
			label := snoozeLabel(d)
			// The action id keeps Go's "4h", which snoozeChoice reads back;
			// the label is in the channel's words ("4 小时").
			span := p.N("AlertSnoozeHours", int(d/time.Hour))
			buttons = append(buttons, slack.NewButtonBlockElement(actionSnooze+label, buttonValue(a.ID, in.ID), plain(p.T("AlertSnoozeButton", "For", span))))
		}
		buttons = append(buttons, slack.NewButtonBlockElement(actionDetails, buttonValue(a.ID, in.ID), plain(p.T("AlertDetailsButton"))))
	}
	if r.cfg.ActionButtons != nil {
		// Block Kit allows 25 elements in an actions block; what the hook
		// adds beyond that is left out rather than making Slack refuse
		// the whole alert.
		extra := r.cfg.ActionButtons(a, in)
		buttons = append(buttons, extra[:min(len(extra), max(maxActionElements-len(buttons), 0))]...)
	}

	head := p.T("AlertHeader", "Status", statusWord(p, a.To), "Name", name)
	if !a.Closed.IsZero() {
		// The channel reads as a list of what is still open.
		head = p.T("AlertHeaderResolved", "Name", name, "Status", statusWord(p, a.To))
	}
	header := blockkit.PlainText(head, maxHeaderChars) // plain_text: no markup
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, header, false, false)),
		slack.NewSectionBlock(mrkdwn(lead), nil, nil),
		slack.NewSectionBlock(nil, fields, nil),
		slack.NewContextBlock("alert.status", ctx...),
	}
	if len(buttons) > 0 {
		// An actions block needs at least one element.
		blocks = append(blocks, slack.NewActionBlock(blockActions, buttons...))
	}
	text := blockkit.Truncate(mention+p.T("AlertText", "Name", escName, "ID", escID, "In", inRegion(p, region), "Transition", tr), blockkit.MaxMessageText)
	return text, encodeBlocks(blocks...)
}

// statusLine is an alert's stored status line for its context. The line
// was written in BOT_LANGUAGE as it was when the watcher wrote it; a
// change of BOT_LANGUAGE shows in lines written after it.
func (r *Renderer) statusLine(a state.Alert) string {
	return r.p.T("AlertStatus", "Line", blockkit.EscapeTruncate(orDash(a.StatusLine), 500))
}

// ackedBy says who acknowledged an alert, and when.
func (r *Renderer) ackedBy(a state.Alert) string {
	return r.p.T("AlertAckedBy", "User", "<@"+blockkit.Escape(a.AckedBy)+">", "At", blockkit.Stamp(a.AckedAt, r.cfg.Location))
}

// ackButton is the Acknowledge button of alert id.
func (r *Renderer) ackButton(id string) *slack.ButtonBlockElement {
	ack := slack.NewButtonBlockElement(actionAck, id, plain(r.p.T("AlertAckButton")))
	ack.Style = slack.StylePrimary
	return ack
}

// buttonValue carries the alert and the instance a button is about; SCNet
// ids contain no "|".
func buttonValue(alertID, instanceID string) string {
	return blockkit.Truncate(alertID+"|"+instanceID, blockkit.MaxButtonValue)
}

// newsLine is one line of thread news about an instance; what is mrkdwn,
// already escaped.
func newsLine(p *i18n.Printer, name, id, what, at string) string {
	return p.T("AlertNewsLine", "Name", blockkit.EscapeTruncate(orDash(name), maxNameChars),
		"ID", blockkit.EscapeTruncate(id, maxNameChars), "What", what, "At", at)
}

// stormLine lists one instance of a storm.
func stormLine(p *i18n.Printer, c watcher.Change) string {
	return p.T("AlertStormLine", "Name", blockkit.EscapeTruncate(orDash(c.Instance.Name), maxNameChars),
		"ID", blockkit.EscapeTruncate(c.Instance.ID, maxNameChars), "Transition", blockkit.Escape(transitionText(p, c.From, c.To)),
		"Group", blockkit.EscapeTruncate(orDash(c.Instance.ResourceGroup), 60), "User", blockkit.EscapeTruncate(orDash(c.Instance.UserName), 60))
}

// chunkLines packs lines into chunks of at most max characters each, so no
// line is ever dropped: a message too long is split, not truncated.
func chunkLines(lines []string, max int) [][]string {
	var out [][]string
	var cur []string
	n := 0
	for _, l := range lines {
		l = blockkit.Truncate(l, max)
		c := utf8.RuneCountInString(l) + 1
		if len(cur) > 0 && n+c > max {
			out = append(out, cur)
			cur, n = nil, 0
		}
		cur = append(cur, l)
		n += c
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// renderList renders one chunk of a thread list; title and numbering only
// when the list spans several messages.
func renderList(p *i18n.Printer, lines []string, title string, i, n int) (string, json.RawMessage) {
	body := strings.Join(lines, "\n")
	text := p.N("AlertUpdates", len(lines))
	if title != "" {
		text = fmt.Sprintf("%s (%d/%d)", title, i+1, n)
		body = "*" + text + "*\n" + body
	}
	return text, encodeBlocks(blockkit.Section(body))
}

// renderStorm renders the one summary of a storm: counts by status and by
// resource group, with every instance listed in the thread.
func (r *Renderer) renderStorm(sa state.Alert, incs []watcher.Change) (string, json.RawMessage) {
	return r.renderRegionStorm(sa, incs, "")
}

// renderRegionStorm is renderStorm naming the region.
func (r *Renderer) renderRegionStorm(sa state.Alert, incs []watcher.Change, region string) (string, json.RawMessage) {
	p := r.p
	byStatus := map[scnet.Status]int{}
	byGroup := map[string]map[scnet.Status]int{}
	for _, inc := range incs {
		byStatus[inc.To]++
		g := orDash(inc.Instance.ResourceGroup)
		if byGroup[g] == nil {
			byGroup[g] = map[scnet.Status]int{}
		}
		byGroup[g][inc.To]++
	}
	countsText := func(m map[scnet.Status]int) string {
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(m)) {
			parts = append(parts, p.T("AlertStormCount", "Status", blockkit.Escape(statusWord(p, s)), "N", m[s]))
		}
		return p.Join(parts)
	}
	mention := ""
	if r.cfg.Mention != "" {
		mention = r.cfg.Mention + " "
	}
	lead := mention + p.N("AlertStormLead", len(incs), "In", inRegion(p, region), "Counts", countsText(byStatus))
	groups := slices.Sorted(maps.Keys(byGroup))
	// Largest groups first, so a cut keeps the ones that matter most.
	slices.SortStableFunc(groups, func(a, b string) int { return total(byGroup[b]) - total(byGroup[a]) })
	var lines []string
	used := 0
	for i, g := range groups {
		l := p.T("AlertStormGroup", "Group", blockkit.EscapeTruncate(g, maxNameChars), "Counts", countsText(byGroup[g]))
		if used+utf8.RuneCountInString(l)+1 > maxListChars-60 {
			lines = append(lines, p.N("AlertStormMoreGroups", len(groups)-i))
			break
		}
		lines = append(lines, l)
		used += utf8.RuneCountInString(l) + 1
	}
	header := blockkit.Truncate(p.N("AlertStormHeader", len(incs), "In", inPlain(p, region)), maxHeaderChars)
	var elems []slack.BlockElement
	if sa.AckedBy == "" {
		elems = append(elems, r.ackButton(sa.ID))
	}
	ctx := []slack.MixedElement{mrkdwn(r.statusLine(sa))}
	if sa.AckedBy != "" {
		ctx = append(ctx, mrkdwn(r.ackedBy(sa)))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, header, false, false)),
		slack.NewSectionBlock(mrkdwn(lead), nil, nil),
		slack.NewSectionBlock(mrkdwn(p.T("AlertStormByGroup")+"\n"+strings.Join(lines, "\n")), nil, nil),
		slack.NewContextBlock("alert.status", ctx...),
	}
	if len(elems) > 0 {
		blocks = append(blocks, slack.NewActionBlock(blockActions, elems...))
	}
	text := blockkit.Truncate(mention+p.N("AlertStormText", len(incs), "In", inRegion(p, region), "Counts", countsText(byStatus)), blockkit.MaxMessageText)
	return text, encodeBlocks(blocks...)
}

func total(m map[scnet.Status]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// renderBaseline is the one message of the first poll.
func renderBaseline(p *i18n.Printer, live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage) {
	return renderRegionBaseline(p, "", live, statuses, counts)
}

// renderRegionBaseline is renderBaseline naming the region.
func renderRegionBaseline(p *i18n.Printer, region string, live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage) {
	var parts []string
	for _, s := range statuses {
		if !s.Live() {
			parts = append(parts, p.T("AlertBaselineAlready", "N", counts[s], "Status", statusWord(p, s)))
		}
	}
	// Say which instances are watched and that the ones already failed
	// stay quiet, so nobody reads the counts as alerts to come.
	quiet := ""
	if len(parts) > 0 {
		quiet = p.T("AlertBaselineQuiet", "Already", strings.Join(parts, p.T("AlertAnd")))
	}
	words := make([]string, len(statuses))
	for i, s := range statuses {
		words[i] = statusWord(p, s)
	}
	// Statuses are joined with "or" throughout: each is one an instance
	// may move into.
	joined := strings.Join(words, p.T("AlertOr"))
	text := p.N("AlertBaseline", live, "In", inPlain(p, region), "Quiet", quiet, "Statuses", joined)
	body := p.N("AlertBaseline", live, "In", inRegion(p, region), "Quiet", blockkit.Escape(quiet), "Statuses", blockkit.Escape(joined))
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(body), nil, nil))
}

// outageLine is the status line of an outage notice. The cause is put in
// scnetbot's words: its own text carries SCNet's URLs and status pages.
func outageLine(p *i18n.Printer, since time.Time, cause error, loc *time.Location) string {
	return p.T("AlertOutageLine", "Since", blockkit.Stamp(since, loc), "Error", blockkit.ErrorSummary(p, cause))
}

// renderOutage renders the "SCNet unreachable" notice (and its update once
// resolved).
func renderOutage(p *i18n.Printer, a state.Alert) (string, json.RawMessage) {
	return renderRegionOutage(p, a, "")
}

// inRegion names the region after a subject, escaped for mrkdwn: " in
// 华东一区"; "" when the region is not known, so the one-region messages
// stay as they were.
func inRegion(p *i18n.Printer, region string) string {
	if region == "" {
		return ""
	}
	return p.T("AlertInRegion", "Region", blockkit.EscapeTruncate(region, maxNameChars))
}

// inPlain is inRegion for plain text (a notification's text).
func inPlain(p *i18n.Printer, region string) string {
	if region == "" {
		return ""
	}
	return p.T("AlertInRegion", "Region", blockkit.Truncate(region, maxNameChars))
}

// renderRegionOutage is renderOutage naming the region.
func renderRegionOutage(p *i18n.Printer, a state.Alert, region string) (string, json.RawMessage) {
	title := p.T("AlertOutage", "In", inRegion(p, region))
	if !a.Closed.IsZero() {
		title = p.T("AlertOutageOver", "In", inRegion(p, region))
	}
	text := blockkit.Truncate(p.T("AlertOutageText", "In", inPlain(p, region)), blockkit.MaxMessageText)
	return text, encodeBlocks(
		slack.NewSectionBlock(mrkdwn(title), nil, nil),
		slack.NewContextBlock("alert.status", mrkdwn(blockkit.EscapeTruncate(a.StatusLine, 1000))),
	)
}

// renderRecovered is the reply in the outage notice's thread.
func renderRecovered(p *i18n.Printer, a state.Alert) (string, json.RawMessage) {
	return renderRegionRecovered(p, a, "")
}

// renderRegionRecovered is renderRecovered naming the region.
func renderRegionRecovered(p *i18n.Printer, a state.Alert, region string) (string, json.RawMessage) {
	text := p.T("AlertRecovered", "In", inPlain(p, region), "Line", a.StatusLine)
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":white_check_mark: "+blockkit.Escape(text)), nil, nil))
}

// renderSuspended says that the account is suspended in a region.
func renderSuspended(p *i18n.Printer, region string) (string, json.RawMessage) {
	text := p.T("AlertSuspendedText", "In", inPlain(p, region))
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(p.T("AlertSuspended", "In", inRegion(p, region))), nil, nil))
}

// renderRegionTokenWarning warns that a region's static SCNet token
// expires soon ("" for the one region).
func renderRegionTokenWarning(p *i18n.Printer, region string, exp, now time.Time, loc *time.Location) (string, json.RawMessage) {
	at, left := blockkit.Stamp(exp, loc), p.Duration(exp.Sub(now))
	var text string
	switch {
	case region == "" && exp.After(now):
		text = p.T("AlertTokenExpires", "Left", left, "At", at)
	case region == "":
		text = p.T("AlertTokenExpired", "At", at)
	case exp.After(now):
		text = p.T("AlertTokenExpiresIn", "Region", blockkit.Truncate(region, maxNameChars), "Left", left, "At", at)
	default:
		text = p.T("AlertTokenExpiredIn", "Region", blockkit.Truncate(region, maxNameChars), "At", at)
	}
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":hourglass: "+blockkit.Escape(text)), nil, nil))
}
