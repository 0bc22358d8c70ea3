package app

import (
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/i18n"
)

// TestPausedTextInBotLanguage: the notice of a gap in the watch is a
// channel message, written in BOT_LANGUAGE.
func TestPausedTextInBotLanguage(t *testing.T) {
	from := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	for lang, want := range map[i18n.Lang]string{
		i18n.English: "scnetbot's alerts were paused from 2026-11-27 10:00:00 UTC to 2026-11-27 10:07:00 UTC",
		i18n.Chinese: "scnetbot 的告警在 2026-11-27 10:00:00 UTC 至 2026-11-27 10:07:00 UTC 期间暂停",
		"":           "scnetbot's alerts were paused from", // a Config not from Load: English
	} {
		a := &App{cfg: &config.Config{Language: lang, Location: time.UTC}, channelPrinter: i18n.MustLoad().Printer(lang)}
		if got := a.pausedText(from, from.Add(7*time.Minute)); !strings.Contains(got, want) {
			t.Errorf("%q: %q lacks %q", lang, got, want)
		}
	}
}
