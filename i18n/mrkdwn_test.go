package i18n

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// Slack's mrkdwn reads *bold*, _italic_, ~strike~ and `code` only where the
// marker sits at a word boundary. Chinese has no spaces between words, so a
// marker glued to a Han character ("实例*名称*已") is read as a literal
// asterisk; the same holds, in practice, for full-width punctuation
// ("（*名称*）"), which Slack does not reliably treat as a boundary. The rule
// checked here is the safe one: outside a marker there is the start or end
// of the line, whitespace, or ASCII punctuation — never a letter, a digit,
// a Han character or full-width punctuation.

// neutral stands for text whose first and last characters are known to be
// boundaries (an emoji code, a Slack entity, a code span already checked)
// or unknown until run time (a template action, whose values the golden
// files check).
const neutral = '\uE000'

var (
	templateAction = regexp.MustCompile(`\{\{[^}]*\}\}`)
	codeSpan       = regexp.MustCompile("`[^`\n]+`")
	emojiCode      = regexp.MustCompile(`:[a-z0-9_+\-]+:`)
	slackEntity    = regexp.MustCompile(`<[@#!][^>\n]*>`)
	// identifiers such as WATCH_CHANNEL or SCNET_* hold _ and * that are
	// not markers.
	identifier = regexp.MustCompile(`[A-Za-z0-9]+(?:_(?:[A-Za-z0-9]+|\*))+`)
	// a marked span: the marker, no space just inside it, the marker.
	markedSpans = []*regexp.Regexp{
		regexp.MustCompile(`\*[^*\s](?:[^*\n]*?[^*\s])?\*`),
		regexp.MustCompile(`_[^_\s](?:[^_\n]*?[^_\s])?_`),
		regexp.MustCompile(`~[^~\s](?:[^~\n]*?[^~\s])?~`),
	}
)

// boundary reports whether r may stand just outside a mrkdwn marker.
func boundary(r rune) bool {
	return r == neutral || unicode.IsSpace(r) || (r < utf8.RuneSelf && unicode.IsPunct(r)) ||
		(r < utf8.RuneSelf && unicode.IsSymbol(r))
}

// gluedMarkers are the marked spans of mrkdwn text s with a character
// outside a marker that Slack may not read as a boundary, each shown with
// its neighbours.
func gluedMarkers(s string) []string {
	s = templateAction.ReplaceAllString(s, string(neutral))
	var bad []string
	check := func(line string, loc []int) {
		before, _ := utf8.DecodeLastRuneInString(line[:loc[0]])
		after, _ := utf8.DecodeRuneInString(line[loc[1]:])
		if (loc[0] > 0 && !boundary(before)) || (loc[1] < len(line) && !boundary(after)) {
			from := max(0, loc[0]-6)
			for from > 0 && !utf8.RuneStart(line[from]) {
				from--
			}
			to := min(len(line), loc[1]+6)
			for to < len(line) && !utf8.RuneStart(line[to]) {
				to++
			}
			bad = append(bad, strings.ReplaceAll(line[from:to], string(neutral), "…"))
		}
	}
	for _, line := range strings.Split(s, "\n") {
		for _, loc := range codeSpan.FindAllStringIndex(line, -1) {
			check(line, loc)
		}
		line = codeSpan.ReplaceAllString(line, string(neutral))
		line = emojiCode.ReplaceAllString(line, string(neutral))
		line = slackEntity.ReplaceAllString(line, string(neutral))
		line = identifier.ReplaceAllString(line, string(neutral))
		for _, re := range markedSpans {
			for _, loc := range re.FindAllStringIndex(line, -1) {
				check(line, loc)
			}
		}
	}
	return bad
}

func TestGluedMarkersFinds(t *testing.T) {
	for s, want := range map[string]bool{
		"实例*名称*已":                 true,
		"实例 *名称* 已":               false,
		"（*名称*）":                  true,
		"区域 *华东* (`a1`)":          false,
		"用法：`/instances`":         true,
		"`/instances 帮助` 有说明":     false,
		"_未读取_":                   false,
		"状态为_失败_了":                true,
		"设置 WATCH_CHANNEL 来开启":    false,
		"检查 SCNET_* 凭据":           false,
		":large_green_circle: 正常": false,
		"*{{.Name}}*{{.In}} 变为":   false,
		"*状态：* 运行中":               false,
		"~旧~新":                    true,
		"a*b*":                    true,
		"*bold*, then":            false,
	} {
		if got := len(gluedMarkers(s)) > 0; got != want {
			t.Errorf("gluedMarkers(%q) = %v, want glued %v", s, gluedMarkers(s), want)
		}
	}
}

// TestNoMarkerGluedToText fails for a catalog message with a mrkdwn marker
// glued on its outside to a word character: Slack would show the asterisks
// or backticks instead of the formatting.
func TestNoMarkerGluedToText(t *testing.T) {
	c := mustLoad(t)
	for _, l := range Languages() {
		for _, id := range c.IDs(l) {
			m := c.messages[l][id]
			for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				for _, g := range gluedMarkers(s) {
					t.Errorf("%s %s: a mrkdwn marker is glued to the text around it in %q; put a space (or ASCII punctuation) outside the marker", l, id, g)
				}
			}
		}
	}
}

// TestNoMarkerGluedInGoldenFiles reads every package's golden Block Kit
// and fails for mrkdwn text whose markers are glued to the text around
// them once the templates are filled: a template value (a bold name, a
// region in parentheses) can glue a marker that the catalog check cannot
// see.
func TestNoMarkerGluedInGoldenFiles(t *testing.T) {
	files, err := filepath.Glob("../*/testdata/*.golden")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if json.Unmarshal(data, &v) != nil {
			// the digest's files put the notification text first, then
			// the blocks: "text: …\n\n[…]".
			i := strings.Index(string(data), "\n[")
			if i < 0 || json.Unmarshal(data[i:], &v) != nil {
				continue // not Block Kit
			}
		}
		checked++
		for _, s := range mrkdwnTexts(v) {
			for _, u := range append(fixtureMarked, knownGlued[filepath.Base(f)]...) {
				s = strings.ReplaceAll(s, u, string(neutral))
			}
			for _, g := range gluedMarkers(s) {
				t.Errorf("%s: a mrkdwn marker is glued to the text around it in %q", f, g)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no golden Block Kit files found")
	}
}

// fixtureMarked is marked-up text that the tests' hostile fixtures put
// into user-controlled values (an account named "ops & *team*"): what the
// user typed, not scnetbot's formatting.
var fixtureMarked = []string{"*team*"}

// knownGlued are glued spans of a golden file, by file name, that the
// catalog cannot fix (the code glues them), let through until the code is
// mended. None now: the help's task types were, until it joined them with
// Printer.JoinMarked.
var knownGlued = map[string][]string{}

// mrkdwnTexts are the texts of v's mrkdwn text objects.
func mrkdwnTexts(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if v["type"] == "mrkdwn" {
			if s, ok := v["text"].(string); ok {
				out = append(out, s)
			}
		}
		for _, e := range v {
			out = append(out, mrkdwnTexts(e)...)
		}
	case []any:
		for _, e := range v {
			out = append(out, mrkdwnTexts(e)...)
		}
	}
	return out
}
