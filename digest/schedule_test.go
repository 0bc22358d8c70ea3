package digest

import (
	"testing"
	"time"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestNext(t *testing.T) {
	sh := mustZone(t, "Asia/Shanghai")
	ny := mustZone(t, "America/New_York")
	at := 9*time.Hour + 30*time.Minute
	in := func(loc *time.Location, s string) time.Time {
		t.Helper()
		v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		name    string
		loc     *time.Location
		at      time.Duration
		now     string
		done    string
		want    string // in loc
		wantDay string
		wantNow bool // due at once
	}{
		{"before the time", sh, at, "2026-12-02 08:00", "2026-12-01", "2026-12-02 09:30", "2026-12-02", false},
		{"before the time, nothing recorded yet", sh, at, "2026-12-02 08:00", "", "2026-12-02 09:30", "2026-12-02", false},
		{"at the time", sh, at, "2026-12-02 09:30", "2026-12-01", "2026-12-02 09:30", "2026-12-02", true},
		{"after the time, missed: catch up now", sh, at, "2026-12-02 14:00", "2026-12-01", "2026-12-02 14:00", "2026-12-02", true},
		{"after the time, a missed week: today only", sh, at, "2026-12-02 14:00", "2026-11-20", "2026-12-02 14:00", "2026-12-02", true},
		{"after the time, done: tomorrow", sh, at, "2026-12-02 14:00", "2026-12-02", "2026-12-03 09:30", "2026-12-03", false},
		{"just before midnight, done", sh, at, "2026-12-02 23:59", "2026-12-02", "2026-12-03 09:30", "2026-12-03", false},
		{"after midnight, yesterday missed: not posted", sh, at, "2026-12-03 00:10", "2026-12-01", "2026-12-03 09:30", "2026-12-03", false},
		{"month end", sh, at, "2026-12-31 10:00", "2026-12-31", "2027-01-01 09:30", "2027-01-01", false},
		{"midnight", sh, 0, "2026-12-02 00:00", "2026-12-01", "2026-12-02 00:00", "2026-12-02", true},
		// 2026-03-08 is 23 hours long in New York, 2026-11-01 25 hours: the
		// digest stays at 09:30 on the clock, so 23 and 25 hours apart.
		{"DST starts overnight", ny, at, "2026-03-07 12:00", "2026-03-07", "2026-03-08 09:30", "2026-03-08", false},
		{"DST ends overnight", ny, at, "2026-10-31 12:00", "2026-10-31", "2026-11-01 09:30", "2026-11-01", false},
		// 02:30 does not exist on 2026-03-08 in New York.
		{"a time DST skips", ny, 2*time.Hour + 30*time.Minute, "2026-03-08 01:00", "2026-03-07", "2026-03-08 03:30", "2026-03-08", false},
		// Lord Howe moves its clock by half an hour: 02:15 comes at 02:45.
		{"a time a half-hour DST skips", mustZone(t, "Australia/Lord_Howe"), 2*time.Hour + 15*time.Minute, "2026-10-04 01:00", "2026-10-03", "2026-10-04 02:45", "2026-10-04", false},
		{"a time DST repeats", ny, time.Hour + 30*time.Minute, "2026-11-01 00:30", "2026-10-31", "2026-11-01 01:30", "2026-11-01", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := in(tc.loc, tc.now)
			when, day := next(now, tc.at, tc.loc, tc.done)
			if got := when.In(tc.loc).Format("2006-01-02 15:04"); got != tc.want || day != tc.wantDay {
				t.Errorf("next = %s (%s), want %s (%s)", got, day, tc.want, tc.wantDay)
			}
			if tc.wantNow != when.Equal(now) {
				t.Errorf("due now = %v, want %v", when.Equal(now), tc.wantNow)
			}
		})
	}
}

// TestNextAcrossDST: the real gap between two digests on either side of a
// change is what the wall clock says, not 24 hours.
func TestNextAcrossDST(t *testing.T) {
	ny := mustZone(t, "America/New_York")
	at := 9*time.Hour + 30*time.Minute
	first := time.Date(2026, 3, 7, 9, 30, 0, 0, ny)
	second, _ := next(first, at, ny, "2026-03-07")
	if gap := second.Sub(first); gap != 23*time.Hour {
		t.Errorf("spring forward: %v between digests, want 23h", gap)
	}
	first = time.Date(2026, 10, 31, 9, 30, 0, 0, ny)
	second, _ = next(first, at, ny, "2026-10-31")
	if gap := second.Sub(first); gap != 25*time.Hour {
		t.Errorf("fall back: %v between digests, want 25h", gap)
	}
}
