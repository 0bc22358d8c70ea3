package handlers

import (
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
const none = blockkit.None

// The house format lives in blockkit, shared with the alerts; these are
// its names in this package.

func statusEmoji(s scnet.Status) string              { return blockkit.StatusEmoji(s) }
func statusText(s scnet.Status) string               { return blockkit.StatusText(english(), s) }
func text(s string, max int) string                  { return blockkit.Value(s, max) }
func humanDuration(d time.Duration) string           { return english().Duration(d) }
func (r renderer) zoneNote() string                  { return blockkit.ZoneNote(english(), r.now, r.loc) }
func (r renderer) runTime(in *scnet.Instance) string { return blockkit.RunTime(english(), in, r.now) }

// when writes a time in the display zone as briefly as is clear: the time
// of day when it is today there, else the date too.
func (r renderer) when(t time.Time) string {
	t, now := t.In(r.loc), r.now.In(r.loc)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// stamp writes a time that stands alone in a sentence, with its offset.
func (r renderer) stamp(t time.Time) string { return blockkit.Stamp(t, r.loc) }
func resourcesWith(in *scnet.Instance, accel string) string {
	return blockkit.Resources(english(), in, accel)
}

// The block builders live in blockkit too (Mrkdwn, Plain, Section,
// Context, Field); these are their names here.

func mrkdwn(s string) *slack.TextBlockObject           { return blockkit.Mrkdwn(s) }
func plain(s string, max int) *slack.TextBlockObject   { return blockkit.Plain(s, max) }
func section(s string) *slack.SectionBlock             { return blockkit.Section(s) }
func contextLine(s string) *slack.ContextBlock         { return blockkit.Context(s) }
func field(label, value string) *slack.TextBlockObject { return blockkit.Field(label, value) }

// plainEmoji is a plain_text object of scnetbot's own words, emoji allowed.
func plainEmoji(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
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
