// Package i18n holds scnetbot's message catalogs and chooses the language a
// reader sees: every user-facing string is a message id looked up in the
// reader's language, English or Simplified Chinese.
//
// Catalogs are TOML files embedded from catalog/, one per language, named
// for its tag (en.toml, zh-Hans.toml: go-i18n reads the language from the
// name); adding a language means adding its file and a Lang constant. A message missing from a language
// falls back to English; a message missing from every catalog is shown as
// its id, and the catalog tests fail before that can ship.
package i18n
