package handlers

import (
	"strconv"
	"strings"
	"time"

	"scnetbot/blockkit"
	"scnetbot/i18n"
)

// parseSnoozeDuration reads "90m", "4h", "2d", "1w" or Go's own "1h30m", and
// the Chinese an engineer types: "30分钟", "2小时", "1天", "1天12小时",
// "1周", full-width digits too; bounded by MinSnooze and MaxSnooze.
func parseSnoozeDuration(s string) (time.Duration, error) {
	bad := inputError(CodeBadDuration, s, "CmdInputBadDuration", "Word", s)
	ls := strings.ToLower(asciiDigits(s))
	var d time.Duration
	if n, unit, ok := countOf(ls); ok {
		if n < 0 || n > 1000 {
			return 0, bad
		}
		d = time.Duration(n) * unit
	} else if v, ok := blockkit.ParseSCNetDuration(ls); ok {
		// Go's syntax ("1h30m") and SCNet's Chinese ("1天12小时").
		d = v
	} else {
		return 0, bad
	}
	if d < MinSnooze || d > MaxSnooze {
		return 0, inputError(CodeBadDuration, s, "CmdInputDurationRange", "Word", s)
	}
	return d, nil
}

// countOf reads a whole number of days or weeks, which Go's syntax lacks:
// "2d", "1w", "1周"; false for anything else.
func countOf(s string) (int, time.Duration, bool) {
	const day = 24 * time.Hour
	for _, u := range []struct {
		suffix string
		unit   time.Duration
	}{{"d", day}, {"w", 7 * day}, {"周", 7 * day}, {"星期", 7 * day}} {
		if num, ok := strings.CutSuffix(s, u.suffix); ok && num != "" {
			n, err := strconv.Atoi(num)
			if err != nil {
				return -1, u.unit, true
			}
			return n, u.unit, true
		}
	}
	return 0, 0, false
}

// formatSnoozeDuration writes d the way parseSnoozeDuration reads it back.
func formatSnoozeDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	return blockkit.ShortDuration(d)
}

// snoozeSpan writes a snooze's length exactly, in p's units: "4h", "1h30m",
// "2d" in English (as the command is typed), "4小时", "1小时30分", "2天" in
// Chinese.
func snoozeSpan(p *i18n.Printer, d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return p.T("UnitDays", "N", int64(d/day))
	}
	var parts []string
	if h := int64(d / time.Hour); h > 0 {
		parts = append(parts, p.T("UnitHours", "N", h))
	}
	if m := int64(d / time.Minute % 60); m > 0 {
		parts = append(parts, p.T("UnitMinutes", "N", m))
	}
	if s := int64(d / time.Second % 60); s > 0 || len(parts) == 0 {
		parts = append(parts, p.T("UnitSeconds", "N", s))
	}
	return strings.Join(parts, "")
}
