package i18n

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
)

func mustLoad(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCatalogsAreComplete fails when one language lacks a message another
// has, or has one no other language has.
func TestCatalogsAreComplete(t *testing.T) {
	c := mustLoad(t)
	all := map[string]bool{}
	for _, l := range Languages() {
		for _, id := range c.IDs(l) {
			all[id] = true
		}
	}
	for _, l := range Languages() {
		for id := range all {
			if _, ok := c.messages[l][id]; !ok {
				t.Errorf("%s catalog lacks %s", l, id)
			}
		}
	}
}

// templateField matches a field a template reads: {{.Name}}.
var templateField = regexp.MustCompile(`\.([A-Z][A-Za-z0-9]*)`)

func fields(m *goi18n.Message) []string {
	var out []string
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, f := range templateField.FindAllStringSubmatch(s, -1) {
			if !slices.Contains(out, f[1]) {
				out = append(out, f[1])
			}
		}
	}
	slices.Sort(out)
	return out
}

// TestTranslationsReadTheSameFields fails when a translation leaves out a
// value the English message shows (or shows one the caller never passes).
// A plural message's Count may be left out of a form ("one instance").
func TestTranslationsReadTheSameFields(t *testing.T) {
	c := mustLoad(t)
	for _, id := range c.IDs(English) {
		en := c.messages[English][id]
		want := slices.DeleteFunc(fields(en), func(f string) bool { return f == "Count" })
		for _, l := range Languages()[1:] {
			m, ok := c.messages[l][id]
			if !ok {
				continue // TestCatalogsAreComplete reports it
			}
			got := slices.DeleteFunc(fields(m), func(f string) bool { return f == "Count" })
			if !slices.Equal(got, want) {
				t.Errorf("%s %s reads %v, English reads %v", l, id, got, want)
			}
		}
	}
}

// plural reports whether m has forms besides other.
func plural(m *goi18n.Message) bool {
	return m.Zero != "" || m.One != "" || m.Two != "" || m.Few != "" || m.Many != ""
}

// TestPluralForms fails when a plural message lacks a form its language
// needs: English one and other, Chinese other only.
func TestPluralForms(t *testing.T) {
	c := mustLoad(t)
	for _, id := range c.IDs(English) {
		en := c.messages[English][id]
		if !plural(en) {
			continue
		}
		if en.One == "" || en.Other == "" {
			t.Errorf("en %s: a plural message needs one and other", id)
		}
		if zh, ok := c.messages[Chinese][id]; ok && zh.Other == "" {
			t.Errorf("zh-Hans %s: a plural message needs other", id)
		}
	}
}

// TestEveryMessageRenders runs every template of every language with
// placeholder values, so a template that does not parse or run fails here
// rather than in front of a user.
func TestEveryMessageRenders(t *testing.T) {
	c := mustLoad(t)
	for _, l := range Languages() {
		p := c.Printer(l)
		for _, id := range c.IDs(l) {
			m := c.messages[l][id]
			var args []any
			for _, f := range fields(m) {
				if f != "Count" {
					args = append(args, f, "x")
				}
			}
			// Chinese has no plural forms; English says which messages
			// are counted.
			if !plural(c.messages[English][id]) {
				if got := p.T(id, args...); got == id || got == "" || strings.Contains(got, "<no value>") {
					t.Errorf("%s %s renders as %q", l, id, got)
				}
				continue
			}
			for _, n := range []int{0, 1, 2} {
				if got := p.N(id, n, args...); got == id || got == "" || strings.Contains(got, "<no value>") {
					t.Errorf("%s %s (count %d) renders as %q", l, id, n, got)
				}
			}
		}
	}
}

func TestPrinter(t *testing.T) {
	c := mustLoad(t)
	en, zh := c.Printer(English), c.Printer(Chinese)
	for _, tc := range []struct {
		p    *Printer
		got  string
		want string
	}{
		{en, en.N("Instances", 1), "1 instance"},
		{en, en.N("Instances", 3), "3 instances"},
		{zh, zh.N("Instances", 3), "3 个实例"},
		{zh, zh.T("StatusFailed"), "失败"},
		{en, en.T("NoSuchMessage"), "NoSuchMessage"},
		{en, en.T("UnitDays", "N"), "UnitDays"}, // odd args: shown as its id
		{en, en.Join([]string{"a", "b"}), "a, b"},
		{zh, zh.Join([]string{"甲", "乙"}), "甲、乙"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.p.Lang(), tc.got, tc.want)
		}
	}
	if c.Printer("fr") != en {
		t.Error("an unknown language should get the English printer")
	}
}

func TestMissingTranslationFallsBackToEnglish(t *testing.T) {
	c, err := load(fstest.MapFS{
		"catalog/a.en.toml":      {Data: []byte("Hello = \"hello\"\nOnly = \"only in English\"\n")},
		"catalog/a.zh-Hans.toml": {Data: []byte("Hello = \"你好\"\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	zh := c.Printer(Chinese)
	if got := zh.T("Hello"); got != "你好" {
		t.Errorf("Hello: %q", got)
	}
	if got := zh.T("Only"); got != "only in English" {
		t.Errorf("Only: %q", got)
	}
}

func TestLoadRefuses(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"unknown language": {
			"catalog/a.en.toml": {Data: []byte("A = \"a\"\n")}, "catalog/a.zh-Hans.toml": {Data: []byte("A = \"a\"\n")},
			"catalog/a.fr.toml": {Data: []byte("A = \"a\"\n")},
		},
		"missing language": {"catalog/a.en.toml": {Data: []byte("A = \"a\"\n")}},
		"defined twice": {
			"catalog/a.en.toml": {Data: []byte("A = \"a\"\n")}, "catalog/b.en.toml": {Data: []byte("A = \"b\"\n")},
			"catalog/a.zh-Hans.toml": {Data: []byte("A = \"a\"\n")},
		},
		"bad toml": {"catalog/a.en.toml": {Data: []byte("A = \n")}, "catalog/a.zh-Hans.toml": {Data: []byte("A = \"a\"\n")}},
	} {
		if _, err := load(fsys); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}
