package config

import (
	"testing"
	"time"

	"scnetbot/i18n"
)

func TestLanguageAndDigestAccepted(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		lang    i18n.Lang
		digest  time.Duration
		channel string
	}{
		{valid(), i18n.English, 0, ""},
		{with(valid(), "BOT_LANGUAGE", "zh-CN"), i18n.Chinese, 0, ""},
		{with(valid(), "WATCH_CHANNEL", "C0ALERTS", "DIGEST_AT", "9:30"), i18n.English, 9*time.Hour + 30*time.Minute, "C0ALERTS"},
		{with(valid(), "WATCH_CHANNEL", "C0ALERTS", "DIGEST_AT", "23:59", "DIGEST_CHANNEL", "C0DIGEST"), i18n.English, 23*time.Hour + 59*time.Minute, "C0DIGEST"},
		{with(valid(), "WATCH_CHANNEL", "C0ALERTS", "DIGEST_AT", "00:00", "DIGEST_CHANNEL", "C0DIGEST"), i18n.English, 0, "C0DIGEST"},
	} {
		setEnv(t, tc.env)
		c, err := Load()
		if err != nil {
			t.Fatalf("%v: %v", tc.env, err)
		}
		if c.Language != tc.lang || c.Digest != tc.digest || c.DigestTarget() != tc.channel {
			t.Errorf("%v: language %q, digest %v to %q", tc.env, c.Language, c.Digest, c.DigestTarget())
		}
		if c.DigestEnabled() != (tc.env["DIGEST_AT"] != "") {
			t.Errorf("%v: DigestEnabled %v", tc.env, c.DigestEnabled())
		}
	}
}

func TestLanguageAndDigestRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"unknown language": {with(valid(), "BOT_LANGUAGE", "fr"), `BOT_LANGUAGE: language "fr": want en or zh`},
		"not a time":       {with(valid(), "WATCH_CHANNEL", "C0A", "DIGEST_AT", "9.30am"), `DIGEST_AT "9.30am" is not a time of day`},
		"past midnight":    {with(valid(), "WATCH_CHANNEL", "C0A", "DIGEST_AT", "24:00"), `DIGEST_AT "24:00" is not a time of day`},
		"watcher off":      {with(valid(), "DIGEST_AT", "09:30", "DIGEST_CHANNEL", "C0DIGEST"), "DIGEST_AT is set but the watcher is off: set WATCH_CHANNEL"},
		"a channel name":   {with(valid(), "DIGEST_AT", "09:30", "DIGEST_CHANNEL", "#daily"), `DIGEST_CHANNEL: "#daily" is not a channel id`},
	} {
		t.Run(name, func(t *testing.T) { assertRefused(t, tc.env, tc.want) })
	}
}
