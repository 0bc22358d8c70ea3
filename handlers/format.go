package handlers

import (
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
)

// renderer turns query results into messages. It holds only the clock, the
// zone and the reader's printer, so every rendering is a pure function of
// its inputs.
type renderer struct {
	now time.Time
	loc *time.Location
	// p writes the reader's language: the person who asked, or the
	// channel's (BOT_LANGUAGE) for a reply shared to it.
	p *i18n.Printer
}

// none is shown for a value SCNet left empty.
const none = blockkit.None

// The house format lives in blockkit, shared with the alerts; these are
// its names in this package.

func statusEmoji(s scnet.Status) string              { return blockkit.StatusEmoji(s) }
func text(s string, max int) string                  { return blockkit.Value(s, max) }
func (r renderer) status(s scnet.Status) string      { return blockkit.StatusText(r.p, s) }
func (r renderer) duration(d time.Duration) string   { return r.p.Duration(d) }
func (r renderer) zoneNote() string                  { return blockkit.ZoneNote(r.p, r.now, r.loc) }
func (r renderer) runTime(in *scnet.Instance) string { return blockkit.RunTime(r.p, in, r.now) }

// when writes a time in the display zone as briefly as is clear: the time
// of day when it is today there, else the date too.
func (r renderer) when(t time.Time) string {
	t, now := t.In(r.loc), r.now.In(r.loc)
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04")
	}
	return t.Format("2006-01-02 15:04")
}

// asOf is a reply's "as of 10:00:00", in the display zone.
func (r renderer) asOf() string {
	return r.p.T("KitAsOf", "Time", r.now.In(r.loc).Format("15:04:05"))
}

// stamp writes a time that stands alone in a sentence, with its offset.
func (r renderer) stamp(t time.Time) string { return blockkit.Stamp(t, r.loc) }
func (r renderer) resources(in *scnet.Instance, accel string) string {
	return blockkit.Resources(r.p, in, accel)
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
