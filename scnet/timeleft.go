package scnet

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// SCNet writes an instance's remainingTime and timeoutLimit as free text.
// Seen in SCNet's own documentation and answers: "--" (remainingTime when
// there is none) and "unlimited" (timeoutLimit when there is none). Seen in
// scnetbot's simulator, which mirrors the console: "3天0小时0分" for
// remainingTime and "72h" for timeoutLimit. Assumed, because SCNet's
// console writes durations that way elsewhere ("duration": "1小时") or
// another client might: the units 天/小时/时/分钟/分/秒 in any subset and
// with spaces, Go durations ("4h", "1h30m") with a "d" for days, and a
// clock "02:30:00" (hours:minutes:seconds) or "1:02:30:00" with days
// first. A bare number ("150") is refused: nothing says whether it counts
// minutes or hours, and a warning about the wrong time is worse than none.

// maxTimeLeft bounds what a time text may say; anything longer is no limit
// worth warning about, and the bound keeps the arithmetic from wrapping.
const maxTimeLeft = 100 * 365 * 24 * time.Hour

var (
	// chineseSpan is "1天2小时3分", "2小时30分钟", "30分钟", "45秒".
	chineseSpan = regexp.MustCompile(`^(?:(\d{1,6})天)?(?:(\d{1,7})(?:小时|时))?(?:(\d{1,9})(?:分钟|分))?(?:(\d{1,9})秒)?$`)
	// goSpan is Go's syntax with days: "4h", "1h30m", "2d4h".
	goSpan = regexp.MustCompile(`^(?:(\d{1,6})d)?((?:\d{1,9}(?:\.\d{1,6})?(?:h|m|s))*)$`)
	// clockSpan is "02:30:00" or "1:02:30:00".
	clockSpan = regexp.MustCompile(`^(?:(\d{1,6}):)?(\d{1,7}):([0-5]\d):([0-5]\d)$`)
)

// ParseTimeLeft reads one of SCNet's duration texts, as remainingTime and
// timeoutLimit carry them. False for no duration: "", "--", "unlimited",
// "null", a bare number, or text it cannot read.
func ParseTimeLeft(s string) (time.Duration, bool) {
	switch s {
	case "", "--", "unlimited":
		// What nearly every instance says: a poll reads one per live
		// instance, so these skip the patterns.
		return 0, false
	}
	s = strings.Join(strings.Fields(s), "")
	if s == "" {
		return 0, false
	}
	if m := chineseSpan.FindStringSubmatch(s); m != nil {
		return sumUnits(m[1:], []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second})
	}
	if m := clockSpan.FindStringSubmatch(s); m != nil {
		return sumUnits(m[1:], []time.Duration{24 * time.Hour, time.Hour, time.Minute, time.Second})
	}
	if m := goSpan.FindStringSubmatch(strings.ToLower(s)); m != nil && (m[1] != "" || m[2] != "") {
		var d time.Duration
		if m[1] != "" {
			days, ok := sumUnits(m[1:2], []time.Duration{24 * time.Hour})
			if !ok {
				return 0, false
			}
			d = days
		}
		if m[2] != "" {
			rest, err := time.ParseDuration(m[2])
			if err != nil || rest > maxTimeLeft {
				return 0, false
			}
			d += rest
		}
		return d, d <= maxTimeLeft
	}
	return 0, false
}

// sumUnits adds up decimal counts of units; "" counts nothing. False when
// nothing was given or the sum is beyond maxTimeLeft.
func sumUnits(counts []string, units []time.Duration) (time.Duration, bool) {
	var d time.Duration
	given := false
	for i, c := range counts {
		if c == "" {
			continue
		}
		n, err := strconv.ParseInt(c, 10, 64)
		if err != nil || n > int64(maxTimeLeft/units[i]) {
			return 0, false
		}
		d += time.Duration(n) * units[i]
		if d > maxTimeLeft {
			return 0, false
		}
		given = true
	}
	return d, given
}

// TimeLimit is the instance's timeoutLimit, false when it has none.
func (in Instance) TimeLimit() (time.Duration, bool) { return ParseTimeLeft(in.TimeoutLimit) }

// TimeLeft is how long the instance may still run before SCNet stops it
// for its time limit, as of now: its remainingTime when SCNet gives one,
// else, for a running instance with a start time, its timeoutLimit less
// the time it has run (at least zero). False when it has no limit or
// neither can be read.
func (in Instance) TimeLeft(now time.Time) (time.Duration, bool) {
	if d, ok := ParseTimeLeft(in.RemainingTime); ok {
		return d, true
	}
	limit, ok := in.TimeLimit()
	if !ok || in.Status != StatusRunning || in.StartTime.IsZero() {
		return 0, false
	}
	return max(limit-now.Sub(in.StartTime.Time), 0), true
}
