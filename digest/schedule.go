package digest

import "time"

// dayLayout writes the calendar day a digest covers, in the display zone:
// the value kept in state.Meta.DigestDay.
const dayLayout = "2006-01-02"

// slot is the digest's time on the calendar day of t in loc: at (a time of
// day, as DIGEST_AT gives it) on that day's wall clock. It is built from
// the date, not by adding at to midnight, so that on a day a DST change
// makes 23 or 25 hours long the digest still comes at 09:30 on the clock.
// A time the change skips (02:30 on a spring-forward night) comes as late
// as the change moved the clock (03:30): late rather than before the hour
// people expect it.
func slot(t time.Time, at time.Duration, loc *time.Location) time.Time {
	t = t.In(loc)
	y, m, d := t.Date()
	h, mi := int(at/time.Hour), int(at%time.Hour/time.Minute)
	s := time.Date(y, m, d, h, mi, 0, 0, loc)
	if s.Hour() != h || s.Minute() != mi {
		// time.Date read the skipped time with one of the two offsets,
		// which one it does not promise; read with the other one it
		// lands on the other side of the gap. The one that shows a later
		// clock is after the change.
		want := time.Date(y, m, d, h, mi, 0, 0, time.UTC)
		_, off := s.Zone()
		other := want.Add(-time.Duration(off) * time.Second).In(loc)
		if wall(other).After(wall(s)) {
			s = other
		}
	}
	return s
}

// wall is t's clock reading, as if it were UTC: for comparing what two
// times show on the clock of their zone.
func wall(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// next is when the next digest is due and the day it covers, given the
// last day recorded (done): today's at once its time has come unless today
// is done — at once (now) when the time has passed, which is the catch-up
// of a bot that was down at DIGEST_AT — else tomorrow's. A day that ended
// without its digest is never posted later: a digest of yesterday arriving
// in the morning is noise.
func next(now time.Time, at time.Duration, loc *time.Location, done string) (time.Time, string) {
	today := slot(now, at, loc)
	day := today.Format(dayLayout)
	switch {
	case now.Before(today):
		return today, day
	case done != day:
		return now, day
	}
	y, m, d := today.Date()
	tomorrow := slot(time.Date(y, m, d+1, 12, 0, 0, 0, loc), at, loc)
	return tomorrow, tomorrow.Format(dayLayout)
}
