package i18n

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
	goi18n "github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// catalogFiles are the message catalogs, built into the binary so that a
// deployment cannot run with a missing or stale one.
//
//go:embed catalog/*.toml
var catalogFiles embed.FS

// Catalog is every message in every language. It is safe for concurrent
// use and never changes after Load.
type Catalog struct {
	printers map[Lang]*Printer
	// messages are the message ids per language, for the completeness
	// checks.
	messages map[Lang]map[string]*goi18n.Message
}

// Load reads the embedded catalogs.
func Load() (*Catalog, error) { return load(catalogFiles) }

func load(fsys fs.FS) (*Catalog, error) {
	bundle := goi18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("toml", toml.Unmarshal)
	names, err := fs.Glob(fsys, "catalog/*.toml")
	if err != nil {
		return nil, fmt.Errorf("list catalogs: %w", err)
	}
	c := &Catalog{printers: map[Lang]*Printer{}, messages: map[Lang]map[string]*goi18n.Message{}}
	for _, name := range names {
		f, err := bundle.LoadMessageFileFS(fsys, name)
		if err != nil {
			return nil, fmt.Errorf("catalog %s: %w", name, err)
		}
		lang, ok := fileLang(f.Tag)
		if !ok {
			return nil, fmt.Errorf("catalog %s: language %q is not one of %v", name, f.Tag, Languages())
		}
		if c.messages[lang] == nil {
			c.messages[lang] = map[string]*goi18n.Message{}
		}
		for _, m := range f.Messages {
			if _, dup := c.messages[lang][m.ID]; dup {
				return nil, fmt.Errorf("catalog %s: message %s is defined twice for %s", path.Base(name), m.ID, lang)
			}
			c.messages[lang][m.ID] = m
		}
	}
	for _, l := range Languages() {
		if len(c.messages[l]) == 0 {
			return nil, fmt.Errorf("no catalog for %s", l)
		}
		// English last: a message missing in l reads in English rather
		// than as its id.
		c.printers[l] = &Printer{lang: l, loc: goi18n.NewLocalizer(bundle, string(l), string(English)), plain: c.compile(l)}
	}
	return c, nil
}

// fileLang is the Lang of a catalog file's tag, exactly: a file named for
// a language scnetbot does not list is a mistake, not a new language.
func fileLang(tag language.Tag) (Lang, bool) {
	for _, l := range Languages() {
		if tag.String() == string(l) {
			return l, true
		}
	}
	return "", false
}

// Printer is the printer for l; English for a language not in Languages.
func (c *Catalog) Printer(l Lang) *Printer {
	if p, ok := c.printers[l]; ok {
		return p
	}
	return c.printers[English]
}

// IDs are the message ids of l's catalog, sorted.
func (c *Catalog) IDs(l Lang) []string {
	ids := make([]string, 0, len(c.messages[l]))
	for id := range c.messages[l] {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// compile prepares l's messages for T, English where l lacks one: each
// message's "other" form split into text and {{.Field}} references, which
// is every template scnetbot's catalogs use. A form with any other
// template action is left to go-i18n.
func (c *Catalog) compile(l Lang) map[string]compiled {
	out := map[string]compiled{}
	for _, lang := range []Lang{English, l} {
		for id, m := range c.messages[lang] {
			if t, ok := compileTemplate(m.Other); ok {
				out[id] = t
			} else {
				delete(out, id)
			}
		}
	}
	return out
}

// Printer writes messages in one language. It is safe for concurrent use.
type Printer struct {
	lang Lang
	loc  *goi18n.Localizer
	// plain are the messages T fills without go-i18n, by id.
	plain map[string]compiled
}

// Lang is the language p writes.
func (p *Printer) Lang() Lang { return p.lang }

// T is message id with its template filled from args, given as name,
// value pairs as in log/slog: T("SnoozedUntil", "Name", name, "Until",
// until). Values are used as given: escape user-controlled text for
// mrkdwn before passing it.
func (p *Printer) T(id string, args ...any) string {
	// Most of a reply's words go through here, so the common case is
	// filled directly: a list page asks for a few hundred messages, and
	// text/template would make that four times the cost of rendering it.
	if t, ok := p.plain[id]; ok && len(args)%2 == 0 {
		if s, ok := t.fill(args); ok && s != "" {
			return s
		}
	}
	return p.localize(id, nil, args)
}

// N is the plural message id for count n, which its template reads as
// {{.Count}} next to the other args: N("Instances", 3) is "3 instances"
// in English and "3 个实例" in Chinese.
func (p *Printer) N(id string, n int, args ...any) string {
	return p.localize(id, n, args)
}

func (p *Printer) localize(id string, count any, args []any) string {
	data := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		k, ok := args[i].(string)
		if !ok {
			return id
		}
		data[k] = args[i+1]
	}
	if count != nil {
		data["Count"] = count
	}
	// Localize returns a best effort with its error: the English message
	// for one this language lacks, the "other" form for a form it lacks.
	// Only no text at all is shown as the id, which the catalog tests
	// catch before it ships; a half-written message is worse than a
	// recognisable one.
	s, _ := p.loc.Localize(&goi18n.LocalizeConfig{MessageID: id, TemplateData: data, PluralCount: count})
	if s == "" || len(args)%2 != 0 {
		return id
	}
	return s
}

// sep joins the parts of a message the way l writes them: with a space in
// English, without one in Chinese.
func (p *Printer) sep() string {
	if p.lang == Chinese {
		return ""
	}
	return " "
}

// Join joins a list the way p's language writes one: "a, b" or "a、b".
func (p *Printer) Join(items []string) string {
	return strings.Join(items, p.T("ListSeparator"))
}

// JoinMarked joins a list of items that each begin and end with a mrkdwn
// marker (`code`, *bold*): Slack renders a marker only at a word boundary,
// and Chinese "、" glued to one is none, so these are joined with spaces
// around the separator: "`a`, `b`" or "`a` / `b`".
func (p *Printer) JoinMarked(items []string) string {
	return strings.Join(items, p.T("ListSeparatorMarked"))
}

// MustLoad is Load for callers that cannot go on without the catalogs, such
// as a constructor falling back to English: it panics only when the
// embedded catalogs are broken, which the catalog tests catch before a
// build ships. The catalogs are parsed once per process and shared; a
// Catalog never changes, so sharing it is safe.
func MustLoad() *Catalog { return loadOnce() }

// loadOnce holds the catalogs parsed from the binary, which are the same
// for every caller.
var loadOnce = sync.OnceValue(func() *Catalog {
	c, err := Load()
	if err != nil {
		panic(err)
	}
	return c
})

// EnglishPrinter is the printer of a part configured without one: English,
// from
// the catalogs MustLoad shares.
func EnglishPrinter() *Printer { return MustLoad().Printer(English) }
