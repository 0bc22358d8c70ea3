package i18n

import (
	"context"
	"testing"
	"time"
)

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{
		"en": English, "EN-us": English, "en_GB": English,
		"zh": Chinese, "zh-CN": Chinese, "zh_Hans": Chinese, "zh-Hans-CN": Chinese, " zh-TW ": Chinese,
	} {
		if got, err := ParseLang(in); err != nil || got != want {
			t.Errorf("ParseLang(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "fr", "ja-JP", "english", "-"} {
		if got, err := ParseLang(in); err == nil {
			t.Errorf("ParseLang(%q) = %q, want an error", in, got)
		}
	}
}

func TestSlackLocale(t *testing.T) {
	for in, want := range map[string]Lang{"en-US": English, "en-GB": English, "zh-CN": Chinese, "zh-TW": Chinese} {
		if got, ok := SlackLocale(in); !ok || got != want {
			t.Errorf("SlackLocale(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "ja-JP", "es-ES", "ko-KR"} {
		if got, ok := SlackLocale(in); ok {
			t.Errorf("SlackLocale(%q) = %q, want none", in, got)
		}
	}
}

func TestContext(t *testing.T) {
	c := mustLoad(t)
	en, zh := c.Printer(English), c.Printer(Chinese)
	if got := FromContext(context.Background(), en); got != en {
		t.Error("no printer in the context: want the fallback")
	}
	if got := FromContext(NewContext(context.Background(), zh), en); got != zh {
		t.Error("want the context's printer")
	}
}

func TestDuration(t *testing.T) {
	c := mustLoad(t)
	en, zh := c.Printer(English), c.Printer(Chinese)
	for _, tc := range []struct {
		d      time.Duration
		en, zh string
	}{
		{-time.Second, "0s", "0秒"},
		{45 * time.Second, "45s", "45秒"},
		{4 * time.Minute, "4m", "4分钟"},
		{3*time.Hour + 4*time.Minute, "3h 4m", "3小时4分钟"},
		{2*24*time.Hour + 5*time.Hour + 59*time.Minute, "2d 5h", "2天5小时"},
	} {
		if got := en.Duration(tc.d); got != tc.en {
			t.Errorf("en %v: %q, want %q", tc.d, got, tc.en)
		}
		if got := zh.Duration(tc.d); got != tc.zh {
			t.Errorf("zh %v: %q, want %q", tc.d, got, tc.zh)
		}
	}
}
