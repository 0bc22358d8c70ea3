package blockkit

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// unsafeRune reports whether r must never reach Slack from user data: a
// control character (newlines and tabs included) or a bidi control, which
// can reorder or forge what a reader sees.
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029'
}

// checkMrkdwn fails when s holds an unsafe rune, a bare "<" or ">", or an
// "&" that does not start one of the three entities Escape writes.
func checkMrkdwn(t *testing.T, in, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("Escape(%q) = %q: not valid UTF-8", in, s)
	}
	for _, r := range s {
		if unsafeRune(r) {
			t.Fatalf("Escape(%q) = %q keeps %U", in, s, r)
		}
	}
	if strings.ContainsAny(s, "<>") {
		t.Fatalf("Escape(%q) = %q keeps markup", in, s)
	}
	rest := s
	for {
		i := strings.IndexByte(rest, '&')
		if i < 0 {
			break
		}
		rest = rest[i:]
		if !strings.HasPrefix(rest, "&amp;") && !strings.HasPrefix(rest, "&lt;") && !strings.HasPrefix(rest, "&gt;") {
			t.Fatalf("Escape(%q) = %q has a bare &", in, s)
		}
		rest = rest[1:]
	}
}

func TestEscapeCleansControlAndBidi(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a<b>&c", "a&lt;b&gt;&amp;c"},
		{"x\n• *fake-row* · Running", "x • *fake-row* · Running"},
		{"a\r\nb", "a b"},
		{"a\n\n\nb", "a b"},
		{"tab\there", "tab here"},
		{"line\u2028sep\u2029par\u0085nel", "line sep par nel"},
		{"evil\u202Egnp.exe", "evilgnp.exe"},
		{"\u2066iso\u2069 \u200Elrm\u200F \u061C", "iso lrm "},
		{"esc\x1b[31mred\x1b[0m", "esc[31mred[0m"},
		{"nul\x00del\x7fc1\u009b", "nuldelc1"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"名前 🚀 👩‍💻", "名前 🚀 👩‍💻"}, // ZWJ sequences are not bidi controls
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkMrkdwn(t, tt.in, EscapeTruncate(tt.in, 5))
	}
}

func TestCleanKeepsMarkupForPlainText(t *testing.T) {
	if got := Clean("<!channel>\n\u202Ex & y"); got != "<!channel> x & y" {
		t.Errorf("Clean = %q", got)
	}
	if got := PlainText("a\nb"+strings.Repeat("c", 100), 10); got != "a bcccccc…" {
		t.Errorf("PlainText = %q", got)
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"", "x\n• *fake-row* · Running", "\u202E<!channel>&amp;", "\x1b\x00\r\n\u2028", "&&&<<>>", "\xff\xfe"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		checkMrkdwn(t, s, Escape(s))
		if max > 0 && max < 5000 {
			e := EscapeTruncate(s, max)
			checkMrkdwn(t, s, e)
			if n := utf8.RuneCountInString(e); n > max {
				t.Fatalf("EscapeTruncate(%q, %d) has %d characters", s, max, n)
			}
		}
		for _, r := range PlainText(s, 75) {
			if unsafeRune(r) {
				t.Fatalf("PlainText(%q) keeps %U", s, r)
			}
		}
	})
}
