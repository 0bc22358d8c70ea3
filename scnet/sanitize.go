package scnet

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"scnetbot/secret"
)

// redacted stands in for a secret in error text, as a secret.Secret prints.
const redacted = secret.Redacted

// maxExcerpt is how many characters of a bad body an error may quote: enough
// to tell an HTML error page from truncated JSON, too short to carry much.
const maxExcerpt = 80

// excerpt returns a loggable start of body: secrets replaced by ***, cut
// before anything that looks like a JWT or a start script, control
// characters dropped, at most maxExcerpt characters.
func excerpt(body []byte, secrets ...string) string {
	// Look at a bounded prefix only, long enough that a secret starting
	// inside the quoted part is still whole when redacted.
	window := 4 * maxExcerpt
	for _, sec := range secrets {
		window += len(sec)
	}
	if len(body) > window {
		body = body[:window]
	}
	s := redact(string(body), secrets...)
	// A start script can hold credentials and SCNet tokens are JWTs
	// ("eyJ..."): quote nothing from there on.
	for _, marker := range []string{"startScript", "eyJ"} {
		if i := strings.Index(s, marker); i >= 0 {
			s = s[:i] + "…"
		}
	}
	return printable(s, maxExcerpt)
}

// redact replaces every non-empty secret in s with ***.
func redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return s
}

// cleanMsg makes a server message safe to carry in an error: secrets
// removed, JWTs cut, control characters dropped, length bounded.
func cleanMsg(msg string, secrets ...string) string {
	const maxMsg = 300
	msg = redact(msg, secrets...)
	if i := strings.Index(msg, "eyJ"); i >= 0 {
		msg = msg[:i] + redacted
	}
	return printable(msg, maxMsg)
}

// maxCode bounds a code kept from a response: documented codes have five
// digits and the platform's others six, so anything longer is not a code.
const maxCode = 20

// cleanCode makes a server's code as safe to carry as its message (secrets
// removed, JWTs cut, control characters dropped) and bounded to maxCode:
// the code is printed in errors and descriptions just like the message.
func cleanCode(c Code, secrets ...string) Code {
	s := redact(string(c), secrets...)
	if i := strings.Index(s, "eyJ"); i >= 0 {
		s = s[:i] + redacted
	}
	return Code(printable(s, maxCode))
}

// printable drops control characters and invalid UTF-8 from s, so a quoted
// server text cannot forge log lines, and keeps at most max characters,
// ending in "…" when cut.
func printable(s string, max int) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n >= max {
			b.WriteString("…")
			break
		}
		if r == utf8.RuneError || unicode.IsControl(r) {
			continue
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
