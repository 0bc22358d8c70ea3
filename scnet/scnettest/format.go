package scnettest

import (
	"fmt"
	"time"

	"scnetbot/scnet"
)

// formatDuration writes a duration the way SCNet's console does, e.g.
// "1天2小时3分", leaving out leading zero units.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	mins := int(d / time.Minute)
	days, hours, m := mins/(24*60), mins/60%24, mins%60
	switch {
	case days > 0:
		return fmt.Sprintf("%d天%d小时%d分", days, hours, m)
	case hours > 0:
		return fmt.Sprintf("%d小时%d分", hours, m)
	default:
		return fmt.Sprintf("%d分", m)
	}
}

// timeoutOf parses a timeoutLimit such as "72h"; "unlimited" and anything
// unparseable mean no limit.
func timeoutOf(limit string) (time.Duration, bool) {
	d, err := time.ParseDuration(limit)
	if err != nil || d <= 0 {
		return 0, false
	}
	return d, true
}

// refreshTimes recomputes duration and remainingTime from the record's
// status and times as of now.
func refreshTimes(r *Record, now time.Time) {
	r.Duration, r.RemainingTime = "--", "--"
	switch {
	case r.StartTime.IsZero():
	case !r.EndTime.IsZero():
		r.Duration = formatDuration(r.EndTime.Sub(r.StartTime))
	case r.Status == scnet.StatusRunning:
		ran := now.Sub(r.StartTime)
		r.Duration = formatDuration(ran)
		if limit, ok := timeoutOf(r.TimeoutLimit); ok {
			r.RemainingTime = formatDuration(limit - ran)
		}
	}
}

func timeZero() (t time.Time) { return t }
