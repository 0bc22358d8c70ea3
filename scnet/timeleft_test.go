package scnet

import (
	"testing"
	"time"
)

func TestParseTimeLeft(t *testing.T) {
	const (
		m = time.Minute
		h = time.Hour
		d = 24 * time.Hour
	)
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
		// seen says where the format comes from: "scnet" (SCNet's docs
		// and answers), "sim" (the simulator, after the console), or ""
		// for assumed.
		seen string
	}{
		{"--", 0, false, "scnet"},
		{"unlimited", 0, false, "scnet"},
		{"3天0小时0分", 3 * d, true, "sim"},
		{"72h", 72 * h, true, "sim"},
		{"0分", 0, true, "sim"},
		{"1天2小时3分", d + 2*h + 3*m, true, ""},
		{"2小时30分钟", 2*h + 30*m, true, ""},
		{"30分钟", 30 * m, true, ""},
		{"5小时", 5 * h, true, ""},
		{"2时15分", 2*h + 15*m, true, ""},
		{"45秒", 45 * time.Second, true, ""},
		{" 1 天 2 小时 ", d + 2*h, true, ""},
		{"02:30:00", 2*h + 30*m, true, ""},
		{"1:02:30:00", d + 2*h + 30*m, true, ""},
		{"100:00:00", 100 * h, true, ""},
		{"4h", 4 * h, true, ""},
		{"1h30m", h + 30*m, true, ""},
		{"2d4h", 2*d + 4*h, true, ""},
		{"1.5h", 90 * m, true, ""},
		{"4H", 4 * h, true, ""},
		{"", 0, false, ""},
		{"null", 0, false, ""},
		{"150", 0, false, ""}, // minutes or hours? not guessed
		{"-4h", 0, false, ""},
		{"天", 0, false, ""},
		{"2:61:00", 0, false, ""},
		{"02:30", 0, false, ""}, // hours:minutes or minutes:seconds? not guessed
		{"999999天", 0, false, ""},
		{"9999999999h", 0, false, ""},
		{"1小时-5分", 0, false, ""},
		{"about 4h", 0, false, ""},
	} {
		got, ok := ParseTimeLeft(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseTimeLeft(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestInstanceTimeLeft(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	started := Time{Time: now.Add(-70 * time.Hour)}
	for _, c := range []struct {
		name string
		in   Instance
		want time.Duration
		ok   bool
	}{
		{"remainingTime wins", Instance{Status: StatusRunning, RemainingTime: "1小时5分", TimeoutLimit: "72h", StartTime: started}, 65 * time.Minute, true},
		{"limit less run time", Instance{Status: StatusRunning, RemainingTime: "--", TimeoutLimit: "72h", StartTime: started}, 2 * time.Hour, true},
		{"past the limit", Instance{Status: StatusRunning, RemainingTime: "--", TimeoutLimit: "24h", StartTime: started}, 0, true},
		{"unlimited", Instance{Status: StatusRunning, RemainingTime: "--", TimeoutLimit: "unlimited", StartTime: started}, 0, false},
		{"not running yet", Instance{Status: StatusDeploying, RemainingTime: "--", TimeoutLimit: "72h"}, 0, false},
		{"no start time", Instance{Status: StatusRunning, RemainingTime: "--", TimeoutLimit: "72h"}, 0, false},
	} {
		got, ok := c.in.TimeLeft(now)
		if got != c.want || ok != c.ok {
			t.Errorf("%s: TimeLeft = %v, %v; want %v, %v", c.name, got, ok, c.want, c.ok)
		}
	}
}

func FuzzParseTimeLeft(f *testing.F) {
	for _, s := range []string{"--", "unlimited", "3天0小时0分", "72h", "02:30:00", "1:02:30:00", "2d4h", "150", "1.5h"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseTimeLeft(s)
		if !ok && d != 0 {
			t.Fatalf("ParseTimeLeft(%q) = %v, false: want 0 with false", s, d)
		}
		if ok && (d < 0 || d > maxTimeLeft) {
			t.Fatalf("ParseTimeLeft(%q) = %v, out of range", s, d)
		}
	})
}
