// Package blockkit holds what scnetbot's Slack messages share, so that the
// /instances replies and the alerts cannot drift apart: it cleans and
// escapes user-controlled text, cuts text to Slack's limits without breaking
// characters, checks whole messages against the limits, builds the text
// objects and blocks both write with, writes instance data and durations in
// the house format (the details view included) and puts errors into words.
package blockkit

import (
	"strings"
	"unicode"
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

// Escape makes user-controlled text safe to embed in mrkdwn: it cleans it
// (see Clean) and escapes the mrkdwn control characters.
func Escape(s string) string { return mrkdwnEscaper.Replace(Clean(s)) }

// Clean makes user-controlled text safe to show on one line, in mrkdwn or
// plain_text alike: line breaks and tabs fold to one space, so a name such as
// "x\n• *fake* · Running" cannot pass for a row of its own, and other control
// characters (ESC, NUL, C1) and bidi controls (U+202E and the isolates), which
// can reorder or hide what a reader sees, are dropped. Invalid UTF-8 becomes
// U+FFFD. Markup is left alone: Escape adds that for mrkdwn.
func Clean(s string) string {
	if cleanAlready(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	space := false // the last rune written is a folded space
	for _, r := range s {
		switch {
		case lineBreak(r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		case unicode.IsControl(r), unicode.Is(unicode.Bidi_Control, r):
			continue
		}
		// A bad byte decodes as utf8.RuneError, which writes as U+FFFD.
		b.WriteRune(r)
		space = false
	}
	return b.String()
}

// cleanAlready reports whether Clean would return s unchanged, cheaply for
// the common case of printable ASCII.
func cleanAlready(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return cleanRunes(s[i:])
		}
		if c < 0x20 || c == 0x7f {
			return false
		}
	}
	return true
}

func cleanRunes(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return false
			}
		}
		if lineBreak(r) || unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			return false
		}
	}
	return true
}

// lineBreak reports whether r breaks or spaces a line: what Clean folds to
// one space rather than drops.
func lineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\t', '\v', '\f', '\u0085', '\u2028', '\u2029':
		return true
	}
	return false
}

// PlainText cleans user-controlled text for a plain_text object (a header or
// a button label) and cuts it to max characters. plain_text shows markup as
// written, so it is not escaped.
func PlainText(s string, max int) string { return Truncate(Clean(s), max) }

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
