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
func snoozeOffer() string {
	var ls []string
	for _, d := range snoozeChoices() {
		ls = append(ls, snoozeLabel(d))
	}
	return strings.Join(ls[:len(ls)-1], ", ") + " or " + ls[len(ls)-1]
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

func transitionText(from, to scnet.Status) string {
	if from == "" {
		return fmt.Sprintf("new → %s", to)
	}
	return fmt.Sprintf("%s → %s", from, to)
}

// Renderer renders the watcher's messages; it implements watcher.Renderer.
// Build it with NewRenderer.
type Renderer struct {
	cfg Config
}

var _ watcher.Renderer = (*Renderer)(nil)

// NewRenderer builds the renderer of alert messages.
func NewRenderer(cfg Config) *Renderer { return &Renderer{cfg: cfg.withDefaults()} }

// Alert implements watcher.Renderer.
func (r *Renderer) Alert(a state.Alert, in scnet.Instance, sn *state.Snooze, region string) (string, json.RawMessage) {
	return r.renderRegionAlert(a, in, sn, region)
}

// Storm implements watcher.Renderer.
func (r *Renderer) Storm(a state.Alert, changes []watcher.Change, region string) (string, json.RawMessage) {
	return r.renderRegionStorm(a, changes, region)
}

// StormLine implements watcher.Renderer.
func (r *Renderer) StormLine(c watcher.Change) string { return stormLine(c) }

// NewsLine implements watcher.Renderer.
func (r *Renderer) NewsLine(name, id, what, at string) string { return newsLine(name, id, what, at) }

// Chunks implements watcher.Renderer: each chunk fits one list section.
func (r *Renderer) Chunks(lines []string) [][]string { return chunkLines(lines, maxListChars) }

// List implements watcher.Renderer.
func (r *Renderer) List(lines []string, title string, i, n int) (string, json.RawMessage) {
	return renderList(lines, title, i, n)
}

// Baseline implements watcher.Renderer.
func (r *Renderer) Baseline(region string, live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage) {
	return renderRegionBaseline(region, live, statuses, counts)
}

// Outage implements watcher.Renderer.
func (r *Renderer) Outage(a state.Alert, region string) (string, json.RawMessage) {
	return renderRegionOutage(a, region)
}

// OutageLine implements watcher.Renderer.
func (r *Renderer) OutageLine(since time.Time, cause error) string {
	return outageLine(since, cause, r.cfg.Location)
}

// RecoveredLine implements watcher.Renderer.
func (r *Renderer) RecoveredLine(since, now time.Time) string {
	return fmt.Sprintf("Recovered at %s after %s", r.Stamp(now), blockkit.RoundDuration(now.Sub(since)))
}

// Recovered implements watcher.Renderer.
func (r *Renderer) Recovered(a state.Alert, region string) (string, json.RawMessage) {
	return renderRegionRecovered(a, region)
}

// TokenWarning implements watcher.Renderer.
func (r *Renderer) TokenWarning(region string, exp, now time.Time) (string, json.RawMessage) {
	return renderRegionTokenWarning(region, exp, now, r.cfg.Location)
}

// Suspended implements watcher.Renderer.
func (r *Renderer) Suspended(region string) (string, json.RawMessage) { return renderSuspended(region) }

// Stamp implements watcher.Renderer: the house stamp in the configured zone.
func (r *Renderer) Stamp(t time.Time) string { return blockkit.Stamp(t, r.cfg.Location) }

// Span implements watcher.Renderer: the house duration, "14m", "2h 3m".
func (r *Renderer) Span(d time.Duration) string { return english().Duration(d) }

// UserNewsLine implements watcher.Renderer.
func (r *Renderer) UserNewsLine(name, id, what, user, at string) string {
	parts := strings.Split(what, watcher.UserMark)
	for i, p := range parts {
		parts[i] = blockkit.Escape(p)
	}
	return fmt.Sprintf("• *%s* (`%s`) %s at %s", blockkit.EscapeTruncate(orDash(name), maxNameChars),
		blockkit.EscapeTruncate(id, maxNameChars), strings.Join(parts, userMention(user)), at)
}

// Escalation implements watcher.Renderer.
func (r *Renderer) Escalation(a state.Alert, mention string, after time.Duration) (string, json.RawMessage) {
	m := Mention(mention)
	what := "This alert"
	if a.Storm {
		what = "This storm of alerts"
	}
	body := fmt.Sprintf("%s :rotating_light: %s has not been acknowledged for %s: please take a look, and press *Acknowledge* on it when you do.",
		m, what, english().Duration(after))
	text := fmt.Sprintf("%s %s has not been acknowledged for %s.", m, what, english().Duration(after))
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(body), nil, nil))
}

// ExpiryWarning implements watcher.Renderer.
func (r *Renderer) ExpiryWarning(in scnet.Instance, left time.Duration, region string) (string, json.RawMessage) {
	name := orDash(in.Name)
	limit := blockkit.SCNetDuration(english(), in.TimeoutLimit, maxFieldChars)
	if d, ok := in.TimeLimit(); ok {
		limit = english().Duration(d)
	}
	body := fmt.Sprintf(":hourglass: Instance *%s* (`%s`)%s reaches its time limit in *%s* (limit %s) and will then be stopped by SCNet. Renew the limit or save its work before then.",
		blockkit.EscapeTruncate(name, maxNameChars), blockkit.EscapeTruncate(in.ID, maxNameChars), inRegion(region),
		english().Duration(left), limit)
	text := blockkit.Truncate(fmt.Sprintf("Instance %s (%s)%s reaches its time limit in %s",
		blockkit.EscapeTruncate(name, maxNameChars), blockkit.EscapeTruncate(in.ID, maxNameChars), inRegion(region), english().Duration(left)), blockkit.MaxMessageText)
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
	loc := r.cfg.Location
	name := orDash(in.Name)
	tr := blockkit.Escape(transitionText(a.From, a.To))
	mention := ""
	if r.cfg.Mention != "" {
		mention = r.cfg.Mention + " "
	}
	lead := fmt.Sprintf("%sInstance *%s* (`%s`)%s went *%s*", mention,
		blockkit.EscapeTruncate(name, maxNameChars), blockkit.EscapeTruncate(in.ID, maxNameChars), inRegion(region), tr)
	if a.From == "" {
		lead += " between two checks (it was created and failed in between)"
	}
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
	dur := blockkit.SCNetDuration(english(), in.Duration, maxFieldChars)
	if !in.StartTime.IsZero() && !in.EndTime.IsZero() {
		dur = english().Duration(in.EndTime.Sub(in.StartTime.Time))
	}
	field := blockkit.Field
	val := func(s string) string { return blockkit.Value(s, maxFieldChars) }
	fields := []*slack.TextBlockObject{
		field("Task type", val(string(in.TaskType))),
		field("User", val(in.UserName)),
		field("Resource group", val(in.ResourceGroup)),
		field("Spec", blockkit.Spec(english(), in.ResourceSpec, maxFieldChars)),
		field("GPUs", val(gpus)),
		field("Image", val(image)),
		field("Started", blockkit.Stamp(in.StartTime.Time, loc)),
		field("Ended", blockkit.Stamp(in.EndTime.Time, loc)),
		field("Duration", dur),
	}
	status := "*Status:* " + blockkit.EscapeTruncate(orDash(a.StatusLine), 500)
	if a.ResolvedBy != "" && !a.Closed.IsZero() {
		status = fmt.Sprintf("*Status:* :white_check_mark: Resolved by %s after %s at %s", userMention(a.ResolvedBy),
			english().Duration(a.Closed.Sub(a.Created)), blockkit.Stamp(a.Closed, loc))
	}
	ctx := []slack.MixedElement{mrkdwn(status)}
	switch {
	case a.AckedBy != "":
		ctx = append(ctx, mrkdwn(fmt.Sprintf(":white_check_mark: Acknowledged by <@%s> at %s", blockkit.Escape(a.AckedBy), blockkit.Stamp(a.AckedAt, loc))))
	case a.Closed.IsZero():
		ctx = append(ctx, mrkdwn("Not acknowledged"))
	}
	if a.Failures > 1 {
		ctx = append(ctx, mrkdwn(fmt.Sprintf(":repeat: Flapping: failed %d times since %s", a.Failures, blockkit.Stamp(a.Created, loc))))
	}
	if sn != nil {
		ctx = append(ctx, mrkdwn(fmt.Sprintf(":zzz: Snoozed until %s by <@%s>", blockkit.Stamp(sn.Until, loc), blockkit.Escape(sn.By))))
	}
	var buttons []slack.BlockElement
	// A closed incident needs neither: only the instance's own buttons stay.
	if a.AckedBy == "" && a.Closed.IsZero() {
		ack := slack.NewButtonBlockElement(actionAck, a.ID, plain("Acknowledge"))
		ack.Style = slack.StylePrimary
		buttons = append(buttons, ack)
	}
	// Buttons about the instance only for an id that can come back in a
	// click: Action refuses any other, as the command's buttons do.
	if scnet.ValidInstanceID(in.ID) {
		if a.Closed.IsZero() {
			buttons = append(buttons, slack.NewButtonBlockElement(actionResolve, buttonValue(a.ID, in.ID), plain("Resolve")))
		}
		for _, d := range snoozeChoices() {
			label := snoozeLabel(d)
			buttons = append(buttons, slack.NewButtonBlockElement(actionSnooze+label, buttonValue(a.ID, in.ID), plain("Snooze "+label)))
		}
		buttons = append(buttons, slack.NewButtonBlockElement(actionDetails, buttonValue(a.ID, in.ID), plain("Details")))
	}
	if r.cfg.ActionButtons != nil {
		// Block Kit allows 25 elements in an actions block; what the hook
		// adds beyond that is left out rather than making Slack refuse
		// the whole alert.
		extra := r.cfg.ActionButtons(a, in)
		buttons = append(buttons, extra[:min(len(extra), max(maxActionElements-len(buttons), 0))]...)
	}

	head := fmt.Sprintf("%s: %s", a.To, name)
	if !a.Closed.IsZero() {
		// The channel reads as a list of what is still open.
		head = fmt.Sprintf("Resolved: %s (was %s)", name, a.To)
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
	text := blockkit.Truncate(fmt.Sprintf("%sInstance %s (%s)%s went %s", mention,
		blockkit.EscapeTruncate(name, maxNameChars), blockkit.EscapeTruncate(in.ID, maxNameChars), inRegion(region), tr), blockkit.MaxMessageText)
	return text, encodeBlocks(blocks...)
}

// buttonValue carries the alert and the instance a button is about; SCNet
// ids contain no "|".
func buttonValue(alertID, instanceID string) string {
	return blockkit.Truncate(alertID+"|"+instanceID, blockkit.MaxButtonValue)
}

// newsLine is one line of thread news about an instance.
func newsLine(name, id, what, at string) string {
	return fmt.Sprintf("• *%s* (`%s`) %s at %s", blockkit.EscapeTruncate(orDash(name), maxNameChars),
		blockkit.EscapeTruncate(id, maxNameChars), blockkit.Escape(what), at)
}

// stormLine lists one instance of a storm.
func stormLine(c watcher.Change) string {
	return fmt.Sprintf("• *%s* (`%s`) %s · %s · %s", blockkit.EscapeTruncate(orDash(c.Instance.Name), maxNameChars),
		blockkit.EscapeTruncate(c.Instance.ID, maxNameChars), blockkit.Escape(transitionText(c.From, c.To)),
		blockkit.EscapeTruncate(orDash(c.Instance.ResourceGroup), 60), blockkit.EscapeTruncate(orDash(c.Instance.UserName), 60))
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
func renderList(lines []string, title string, i, n int) (string, json.RawMessage) {
	body := strings.Join(lines, "\n")
	text := fmt.Sprintf("%d update(s)", len(lines))
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
			parts = append(parts, fmt.Sprintf("%s %d", s, m[s]))
		}
		return strings.Join(parts, ", ")
	}
	mention := ""
	if r.cfg.Mention != "" {
		mention = r.cfg.Mention + " "
	}
	lead := fmt.Sprintf("%s*%d instances*%s changed status in one check: %s. Every instance is listed in the thread.",
		mention, len(incs), inRegion(region), countsText(byStatus))
	groups := slices.Sorted(maps.Keys(byGroup))
	// Largest groups first, so a cut keeps the ones that matter most.
	slices.SortStableFunc(groups, func(a, b string) int { return total(byGroup[b]) - total(byGroup[a]) })
	var lines []string
	used := 0
	for i, g := range groups {
		l := fmt.Sprintf("• *%s*: %s", blockkit.EscapeTruncate(g, maxNameChars), countsText(byGroup[g]))
		if used+utf8.RuneCountInString(l)+1 > maxListChars-60 {
			lines = append(lines, fmt.Sprintf("…and %d more resource groups (see the thread)", len(groups)-i))
			break
		}
		lines = append(lines, l)
		used += utf8.RuneCountInString(l) + 1
	}
	header := blockkit.Truncate(fmt.Sprintf("%d instances changed status%s", len(incs), inPlain(region)), maxHeaderChars)
	ack := slack.NewButtonBlockElement(actionAck, sa.ID, plain("Acknowledge"))
	ack.Style = slack.StylePrimary
	var elems []slack.BlockElement
	if sa.AckedBy == "" {
		elems = append(elems, ack)
	}
	ctx := []slack.MixedElement{mrkdwn("*Status:* " + blockkit.EscapeTruncate(orDash(sa.StatusLine), 500))}
	if sa.AckedBy != "" {
		ctx = append(ctx, mrkdwn(fmt.Sprintf(":white_check_mark: Acknowledged by <@%s> at %s", blockkit.Escape(sa.AckedBy), blockkit.Stamp(sa.AckedAt, r.cfg.Location))))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, header, false, false)),
		slack.NewSectionBlock(mrkdwn(lead), nil, nil),
		slack.NewSectionBlock(mrkdwn("*By resource group*\n"+strings.Join(lines, "\n")), nil, nil),
		slack.NewContextBlock("alert.status", ctx...),
	}
	if len(elems) > 0 {
		blocks = append(blocks, slack.NewActionBlock(blockActions, elems...))
	}
	text := blockkit.Truncate(fmt.Sprintf("%s%d instances changed status%s: %s", mention, len(incs), inRegion(region), countsText(byStatus)), blockkit.MaxMessageText)
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
func renderBaseline(live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage) {
	return renderRegionBaseline("", live, statuses, counts)
}

// renderRegionBaseline is renderBaseline naming the region.
func renderRegionBaseline(region string, live int, statuses []scnet.Status, counts map[scnet.Status]int) (string, json.RawMessage) {
	var parts []string
	for _, s := range statuses {
		if !s.Live() {
			parts = append(parts, fmt.Sprintf("%d already %s", counts[s], s))
		}
	}
	// Say which instances are watched and that the ones already failed
	// stay quiet, so nobody reads the counts as alerts to come.
	rest := " (Waiting, Deploying or Running)"
	if len(parts) > 0 {
		rest += "; " + strings.Join(parts, " and ") + " get no alert"
	}
	rest += fmt.Sprintf(". Alerts follow when an instance moves into %s.", joinStatuses(statuses))
	lead := fmt.Sprintf("Watching %d live instances", live)
	return lead + inPlain(region) + rest, encodeBlocks(slack.NewSectionBlock(mrkdwn(lead+inRegion(region)+rest), nil, nil))
}

func joinStatuses(ss []scnet.Status) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = string(s)
	}
	return strings.Join(parts, " or ")
}

// outageLine is the status line of an outage notice. The cause is put in
// scnetbot's words: its own text carries SCNet's URLs and status pages.
func outageLine(since time.Time, cause error, loc *time.Location) string {
	return fmt.Sprintf("Unreachable since %s. Last error: %s.", blockkit.Stamp(since, loc), blockkit.ErrorSummary(english(), cause))
}

// renderOutage renders the "SCNet unreachable" notice (and its update once
// resolved).
func renderOutage(a state.Alert) (string, json.RawMessage) { return renderRegionOutage(a, "") }

// inRegion is " in <region>", escaped for mrkdwn, or "" when the region is not
// known: the one-region messages stay as they were.
func inRegion(region string) string {
	if region == "" {
		return ""
	}
	return " in " + blockkit.EscapeTruncate(region, maxNameChars)
}

// inPlain is inRegion for plain text (a notification's text).
func inPlain(region string) string {
	if region == "" {
		return ""
	}
	return " in " + blockkit.Truncate(region, maxNameChars)
}

// renderRegionOutage is renderOutage naming the region.
func renderRegionOutage(a state.Alert, region string) (string, json.RawMessage) {
	title := ":warning: *SCNet unreachable" + inRegion(region) + ".* No instance alerts" + inRegion(region) + " can be raised until it answers again; changes meanwhile are alerted once it does."
	if !a.Closed.IsZero() {
		title = ":white_check_mark: *SCNet was unreachable" + inRegion(region) + "* and answers again."
	}
	text := blockkit.Truncate("SCNet unreachable"+inPlain(region), blockkit.MaxMessageText)
	return text, encodeBlocks(
		slack.NewSectionBlock(mrkdwn(title), nil, nil),
		slack.NewContextBlock("alert.status", mrkdwn(blockkit.EscapeTruncate(a.StatusLine, 1000))),
	)
}

// renderRecovered is the reply in the outage notice's thread.
func renderRecovered(a state.Alert) (string, json.RawMessage) { return renderRegionRecovered(a, "") }

// renderRegionRecovered is renderRecovered naming the region.
func renderRegionRecovered(a state.Alert, region string) (string, json.RawMessage) {
	text := "SCNet answers again" + inPlain(region) + ". " + a.StatusLine + "."
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":white_check_mark: "+blockkit.Escape(text)), nil, nil))
}

// renderSuspended says that the account is suspended in a region.
func renderSuspended(region string) (string, json.RawMessage) {
	text := "The account is suspended" + inPlain(region) + ": pay the arrears or ask SCNet support; its instances are not watched."
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":no_entry: *The account is suspended"+inRegion(region)+"*: pay the arrears or ask SCNet support; its instances are not watched."), nil, nil))
}

// renderTokenWarning warns that the static SCNet token expires soon.
func renderTokenWarning(exp, now time.Time, loc *time.Location) (string, json.RawMessage) {
	return renderRegionTokenWarning("", exp, now, loc)
}

// renderRegionTokenWarning is renderTokenWarning naming the region.
func renderRegionTokenWarning(region string, exp, now time.Time, loc *time.Location) (string, json.RawMessage) {
	left := "has expired"
	if exp.After(now) {
		left = "expires in " + blockkit.RoundDuration(exp.Sub(now))
	}
	token, where := "The SCNet token", ""
	if region != "" {
		token, where = "The SCNet token of "+blockkit.Truncate(region, maxNameChars), " there"
	}
	text := fmt.Sprintf("%s %s (%s). Replace it, or the watcher and /instances stop working%s.", token, left, blockkit.Stamp(exp, loc), where)
	return text, encodeBlocks(slack.NewSectionBlock(mrkdwn(":hourglass: "+blockkit.Escape(text)), nil, nil))
}
