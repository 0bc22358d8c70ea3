package i18n

import (
	"fmt"
	"strings"
)

// Lang is a language scnetbot speaks, as a BCP 47 tag.
type Lang string

// The languages scnetbot speaks.
const (
	English Lang = "en"
	Chinese Lang = "zh-Hans"
)

// Languages are the supported languages, English first.
func Languages() []Lang { return []Lang{English, Chinese} }

// ParseLang reads a language as an operator writes it in BOT_LANGUAGE:
// "en", "en-US", "zh", "zh-CN", "zh-Hans" (any case, _ for -).
func ParseLang(s string) (Lang, error) {
	if l, ok := match(s); ok {
		return l, nil
	}
	return "", fmt.Errorf("language %q: want en or zh (zh-Hans)", s)
}

// SlackLocale is the language for a Slack user's locale ("en-US",
// "zh-CN", "zh-TW", "ja-JP"), false when scnetbot does not speak it and the
// caller's default applies. Traditional Chinese locales get Simplified
// Chinese: closer to what that reader expects than English.
func SlackLocale(locale string) (Lang, bool) { return match(locale) }

func match(s string) (Lang, bool) {
	s = strings.ToLower(strings.ReplaceAll(strings.TrimSpace(s), "_", "-"))
	base, _, _ := strings.Cut(s, "-")
	switch base {
	case "en":
		return English, true
	case "zh":
		return Chinese, true
	}
	return "", false
}
