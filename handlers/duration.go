package handlers

import (
	"strconv"
	"strings"
	"time"

	"scnetbot/blockkit"
)

// parseSnoozeDuration reads "90m", "4h", "2d", "1w" or Go's own "1h30m",
// bounded by MinSnooze and MaxSnooze.
func parseSnoozeDuration(s string) (time.Duration, error) {
	bad := &InputError{Code: CodeBadDuration, Word: s,
		Detail: "cannot read the duration “" + s + "”: write a number and a unit, e.g. `90m`, `4h`, `2d` (from 1m to 7d)"}
	ls := strings.ToLower(s)
	var d time.Duration
	if len(ls) >= 2 && (ls[len(ls)-1] == 'd' || ls[len(ls)-1] == 'w') {
		n, err := strconv.Atoi(ls[:len(ls)-1])
		if err != nil || n < 0 || n > 1000 {
			return 0, bad
		}
		unit := 24 * time.Hour
		if ls[len(ls)-1] == 'w' {
			unit *= 7
		}
		d = time.Duration(n) * unit
	} else {
		v, err := time.ParseDuration(ls)
		if err != nil {
			return 0, bad
		}
		d = v
	}
	if d < MinSnooze || d > MaxSnooze {
		return 0, &InputError{Code: CodeBadDuration, Word: s,
			Detail: "a snooze lasts from 1m to 7d; “" + s + "” is outside that"}
	}
	return d, nil
}

// formatSnoozeDuration writes d the way parseSnoozeDuration reads it back.
func formatSnoozeDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return strconv.Itoa(int(d/day)) + "d"
	}
	return blockkit.ShortDuration(d)
}
