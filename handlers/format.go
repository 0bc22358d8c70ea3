package handlers

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
)

// renderer turns query results into messages. It holds only the clock and
// zone so every rendering is a pure function of its inputs.
type renderer struct {
	now time.Time
	loc *time.Location
}

// none is shown for a value SCNet left empty.
const none = "—"

// statusEmoji is the emoji shown before a status.
func statusEmoji(s scnet.Status) string {
	switch s {
	case scnet.StatusRunning:
		return ":large_green_circle:"
	case scnet.StatusWaiting, scnet.StatusDeploying:
		return ":hourglass_flowing_sand:"
	case scnet.StatusCompleted:
		return ":white_check_mark:"
	case scnet.StatusFailed:
		return ":red_circle:"
	case scnet.StatusTerminated:
		return ":black_square_for_stop:"
	}
	return ":grey_question:"
}

// statusText is a status as shown, escaped: SCNet may send one it never
// documented.
func statusText(s scnet.Status) string {
	if s == "" {
		return "unknown"
	}
	return blockkit.EscapeTruncate(string(s), 30)
}

// text escapes and bounds user-controlled text, with none for empty.
func text(s string, max int) string {
	s = strings.TrimSpace(s)
	if s == "" || s == "--" {
		return none
	}
	return blockkit.EscapeTruncate(s, max)
}

// clock formats a time in the display zone, none when SCNet sent none.
func (r renderer) clock(t scnet.Time) string {
	if t.IsZero() {
		return none
	}
	return t.In(r.loc).Format("2006-01-02 15:04")
}

// zoneNote names the display zone for the context line.
func (r renderer) zoneNote() string {
	name, off := r.now.In(r.loc).Zone()
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	utc := fmt.Sprintf("UTC%s%02d:%02d", sign, off/3600, off%3600/60)
	if r.loc.String() == name {
		return "times in " + name + " (" + utc + ")"
	}
	return "times in " + r.loc.String() + " (" + name + ", " + utc + ")"
}

// runTime is how long an instance has run: until its end when it ended,
// until now while it runs, and SCNet's own duration text when there is no
// start time, or no end time for an instance that has ended, to compute
// from.
func (r renderer) runTime(in *scnet.Instance) string {
	if in.StartTime.IsZero() || (in.EndTime.IsZero() && in.Status.Terminal()) {
		return text(in.Duration, 40)
	}
	end := r.now
	if !in.EndTime.IsZero() {
		end = in.EndTime.Time
	}
	return humanDuration(end.Sub(in.StartTime.Time))
}

// humanDuration writes d with its two largest units: "3h 4m", "2d 5h",
// "45s".
func humanDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	days := int(d / (24 * time.Hour))
	hours := int(d / time.Hour % 24)
	mins := int(d / time.Minute % 60)
	switch {
	case days > 0:
		return strconv.Itoa(days) + "d " + strconv.Itoa(hours) + "h"
	case hours > 0:
		return strconv.Itoa(hours) + "h " + strconv.Itoa(mins) + "m"
	case mins > 0:
		return strconv.Itoa(mins) + "m"
	}
	return strconv.Itoa(int(d/time.Second)) + "s"
}

// ramGB writes a RAM size given in MB as GB.
func ramGB(mb scnet.FlexInt) string {
	// In floating point, so that an absurd size cannot wrap negative.
	return strconv.FormatFloat(math.Trunc(float64(mb)*10/1024)/10, 'f', -1, 64)
}

// resources writes "8 GPU · 32 CPU · 256 GB RAM".
func resources(in *scnet.Instance) string {
	return resourcesWith(in, "")
}

// resourcesWith writes resources with the accelerator type after the GPU
// count: "8 GPU (DCU Z100) · 32 CPU · 256 GB RAM".
func resourcesWith(in *scnet.Instance, accel string) string {
	gpu := strconv.Itoa(int(in.GPUNumber)) + " GPU"
	if accel != "" {
		gpu += " (" + accel + ")"
	}
	return gpu + " · " + strconv.Itoa(int(in.CPUNumber)) + " CPU · " + ramGB(in.RAMSizeMB) + " GB RAM"
}

// accessLink makes an access URL safe to show: http(s) only, with no user
// info, query or fragment (a notebook URL's query can carry its login
// token), as a mrkdwn link; "" when the URL is not usable.
func accessLink(raw string, label string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	u.User, u.RawQuery, u.Fragment, u.ForceQuery = nil, "", "", false
	// Slack decodes entities inside a link as well: "&" must be written
	// "&amp;" for the link to lead where SCNet said.
	s := strings.ReplaceAll(u.String(), "&", "&amp;")
	if len(s) > maxLinkURL || strings.ContainsAny(s, "|<> \t\n") {
		return ""
	}
	return "<" + s + "|" + label + ">"
}

// mrkdwn is a mrkdwn text object. Verbatim stops Slack from turning words
// in user-controlled text into links or mentions on its own.
func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

// plain is a plain_text object of user-controlled text, cleaned of control
// and bidi characters and cut to max characters.
func plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, blockkit.PlainText(s, max), false, false)
}

// plainEmoji is a plain_text object of scnetbot's own words, emoji allowed.
func plainEmoji(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// section is a mrkdwn section, cut to Slack's limit as a last guard.
func section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(mrkdwn(blockkit.Truncate(s, blockkit.MaxSectionText)), nil, nil)
}

// contextLine is a context block with one mrkdwn element.
func contextLine(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", mrkdwn(blockkit.Truncate(s, blockkit.MaxSectionText)))
}

// message is an ephemeral reply with blocks and fallback text.
func message(fallback string, blocks ...slack.Block) *slack.WebhookMessage {
	return &slack.WebhookMessage{
		Text:         blockkit.Truncate(fallback, blockkit.MaxMessageText),
		Blocks:       &slack.Blocks{BlockSet: blocks},
		ResponseType: slack.ResponseTypeEphemeral,
	}
}

// capitalize upper-cases the first letter of an ASCII word.
func capitalize(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// maxLinkURL bounds a shown access URL so ten ports fit in one section.
const maxLinkURL = 180
