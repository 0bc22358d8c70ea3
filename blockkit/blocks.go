package blockkit

import "github.com/slack-go/slack"

// The block builders both UIs write with, so the /instances replies, the
// details view and the alerts bound and mark up text the same way.

// Mrkdwn is a verbatim mrkdwn object: Slack then turns no word of
// user-controlled text into a link, mention or channel name by itself; the
// markup scnetbot writes on purpose (<@user>, <!here>) still works.
func Mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, true)
}

// Plain is a plain_text object of user-controlled text, cleaned of control
// and bidi characters and cut to max characters.
func Plain(s string, max int) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, PlainText(s, max), false, false)
}

// Field is one "*label*\nvalue" field of a section; value is already
// escaped. It is cut to Slack's field limit as a last guard.
func Field(label, value string) *slack.TextBlockObject {
	return Mrkdwn(Truncate("*"+label+"*\n"+value, MaxFieldText))
}

// Section is a mrkdwn section, cut to Slack's limit as a last guard.
func Section(s string) *slack.SectionBlock {
	return slack.NewSectionBlock(Mrkdwn(Truncate(s, MaxSectionText)), nil, nil)
}

// Context is a context block with one mrkdwn element, cut to Slack's
// limit as a last guard.
func Context(s string) *slack.ContextBlock {
	return slack.NewContextBlock("", Mrkdwn(Truncate(s, MaxSectionText)))
}
