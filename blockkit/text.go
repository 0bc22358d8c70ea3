// Package blockkit keeps scnetbot's Slack messages inside Block Kit's rules:
// it escapes user-controlled text for mrkdwn, cuts text to Slack's limits
// without breaking characters, and checks whole messages against the limits.
package blockkit

import (
	"strings"
	"unicode/utf8"
)

// Limits from Slack's Block Kit reference. Slack counts characters, not bytes.
const (
	MaxBlocks          = 50
	MaxSectionText     = 3000
	MaxSectionFields   = 10
	MaxFieldText       = 2000
	MaxHeaderText      = 150
	MaxActionsElements = 25
	MaxContextElements = 10
	MaxButtonText      = 75
	MaxButtonValue     = 2000
	MaxButtonURL       = 3000
	MaxActionID        = 255
	MaxBlockID         = 255
	MaxOptionText      = 75
	MaxOptionValue     = 150
	MaxConfirmTitle    = 100
	MaxConfirmText     = 300
	MaxConfirmButton   = 30
	// MaxMessageText is where scnetbot keeps a message's fallback text;
	// Slack truncates past 40,000 but advises staying under 4,000.
	MaxMessageText = 4000
	// MaxAckBytes is the size at which Slack drops a Socket Mode ack.
	MaxAckBytes = 20 * 1024
)

// mrkdwnEscaper replaces the three characters mrkdwn treats as control
// characters. Escaping them is what stops "<!channel>" in an instance name from
// pinging a whole channel.
var mrkdwnEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes user-controlled text safe to embed in mrkdwn.
func Escape(s string) string { return mrkdwnEscaper.Replace(s) }

// Truncate cuts s to at most max characters (runes), ending in "…" when cut.
func Truncate(s string, max int) string {
	if max <= 0 {
		return ""
	}
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max == 1 {
		return "…"
	}
	n := 0
	for i := range s {
		if n == max-1 {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// EscapeTruncate escapes s for mrkdwn and cuts the result to max characters
// without leaving half an escape sequence ("&am…") at the end.
func EscapeTruncate(s string, max int) string {
	e := Escape(s)
	if utf8.RuneCountInString(e) <= max {
		return e
	}
	t := Truncate(e, max)
	// Drop a partial entity cut by the truncation.
	body := strings.TrimSuffix(t, "…")
	if amp := strings.LastIndexByte(body, '&'); amp >= 0 && !strings.Contains(body[amp:], ";") {
		body = body[:amp]
	}
	return body + "…"
}
