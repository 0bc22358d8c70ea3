package handlers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"scnetbot/scnet"
)

// A row says when an ended instance ended and how long a running one has
// run, each in words that cannot be mistaken for the other.
func TestRowStateAndTimes(t *testing.T) {
	r := renderer{now: testNow, loc: testNow.Location(), p: en()} // 2026-11-27 10:00 +08:00
	at := func(d time.Duration) scnet.Time { return scnet.Time{Time: testNow.Add(-d)} }
	tests := []struct {
		name        string
		in          scnet.Instance
		state, rest string
	}{
		{"failed minutes ago", scnet.Instance{Status: scnet.StatusFailed, StartTime: at(26 * time.Hour), EndTime: at(3 * time.Minute)},
			"Failed 09:57 (3m ago)", "started 2026-11-26 08:00, ran 1d 1h"},
		{"failed days ago", scnet.Instance{Status: scnet.StatusFailed, StartTime: at(50 * time.Hour), EndTime: at(49 * time.Hour)},
			"Failed 2026-11-25 09:00 (2d 1h ago)", "started 2026-11-25 08:00, ran 1h 0m"},
		// SCNet writes Beijing time; the row writes the display zone.
		{"end in another zone", scnet.Instance{Status: scnet.StatusTerminated, EndTime: scnet.Time{Time: time.Date(2026, 11, 27, 1, 30, 0, 0, time.UTC)}, CreateTime: at(5 * time.Hour)},
			"Terminated 09:30 (30m ago)", "created 05:00"},
		{"ended, end unknown", scnet.Instance{Status: scnet.StatusTerminated, StartTime: at(2 * time.Hour), Duration: "1小时"},
			"Terminated, end time unknown", "started 08:00, ran 1h 0m"},
		{"completed", scnet.Instance{Status: scnet.StatusCompleted, StartTime: at(3 * time.Hour), EndTime: at(time.Hour)},
			"Completed 09:00 (1h 0m ago)", "started 07:00, ran 2h 0m"},
		{"running", scnet.Instance{Status: scnet.StatusRunning, StartTime: at(24 * time.Hour), CreateTime: at(25 * time.Hour)},
			"Running for 1d 0h", "started 2026-11-26 10:00"},
		{"running, start unknown", scnet.Instance{Status: scnet.StatusRunning, CreateTime: at(10 * time.Minute)},
			"Running", "created 09:50"},
		{"waiting", scnet.Instance{Status: scnet.StatusWaiting, CreateTime: at(90 * time.Minute)},
			"Waiting", "created 08:30"},
		{"no times at all", scnet.Instance{Status: scnet.StatusFailed}, "Failed, end time unknown", ""},
		{"unknown status", scnet.Instance{}, "unknown", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := r.rowState(&tt.in); got != tt.state {
				t.Errorf("rowState = %q, want %q", got, tt.state)
			}
			if got := r.rowTimes(&tt.in); got != tt.rest {
				t.Errorf("rowTimes = %q, want %q", got, tt.rest)
			}
		})
	}
}

// The zone is named by its offset, never by an abbreviation alone.
func TestZoneNote(t *testing.T) {
	tests := []struct {
		loc  func() (*time.Location, error)
		want string
	}{
		{func() (*time.Location, error) { return time.FixedZone("CST", 8*3600), nil }, "times in UTC+08:00"},
		{func() (*time.Location, error) { return time.UTC, nil }, "times in UTC+00:00"},
		{func() (*time.Location, error) { return time.FixedZone("", -(5*3600 + 30*60)), nil }, "times in UTC-05:30"},
		{func() (*time.Location, error) { return time.LoadLocation("Asia/Shanghai") }, "times in UTC+08:00 (Asia/Shanghai)"},
		// testNow is in November: Chicago is on standard time.
		{func() (*time.Location, error) { return time.LoadLocation("America/Chicago") }, "times in UTC-06:00 (America/Chicago)"},
	}
	for _, tt := range tests {
		loc, err := tt.loc()
		if err != nil {
			t.Skipf("no tzdata on this host: %v", err)
		}
		if got := (renderer{now: testNow, loc: loc, p: en()}).zoneNote(); got != tt.want {
			t.Errorf("zoneNote in %v = %q, want %q", loc, got, tt.want)
		}
	}
}

// endedFixtures are n failed instances whose creation order is unrelated
// to their end order, some ending at the same second and some without an
// end time, as SCNet lists them (newest created first).
func endedFixtures(n int) []scnet.Instance {
	in := fixtures(n)
	for i := range in {
		in[i].Status = scnet.StatusFailed
		switch {
		case i%9 == 4:
			in[i].EndTime = scnet.Time{}
		case i%5 == 0:
			in[i].EndTime = scnet.Time{Time: testNow.Add(-time.Hour)} // ties
		default:
			in[i].EndTime = scnet.Time{Time: testNow.Add(-time.Duration(10+(i*37)%n) * time.Minute)}
		}
	}
	// The oldest-created one failed a moment ago: the report's case.
	in[n-1].EndTime = scnet.Time{Time: testNow.Add(-3 * time.Minute)}
	return in
}

// A failed listing is ordered newest end first across pages: the pages of
// one snapshot never overlap and together hold every instance.
func TestEndedListingPagesInEndOrder(t *testing.T) {
	const n = 47
	f := &fakeLister{instances: endedFixtures(n)}
	h := newTestHandler(t, f, nil)
	var got []scnet.Instance
	for page := 1; page <= 6; page++ {
		q, err := Parse(fmt.Sprintf("failed page %d", page))
		if err != nil {
			t.Fatal(err)
		}
		v, err := h.list(context.Background(), q, answerOpts{})
		if err != nil {
			t.Fatal(err)
		}
		if v.pastEnd != 0 {
			break
		}
		got = append(got, v.page.Instances...)
	}
	if len(got) != n {
		t.Fatalf("pages hold %d instances, want %d", len(got), n)
	}
	ids := map[string]bool{}
	for i, in := range got {
		if ids[in.ID] {
			t.Errorf("%s shows on two pages", in.ID)
		}
		ids[in.ID] = true
		if i == 0 {
			continue
		}
		prev := got[i-1]
		switch {
		case prev.EndTime.IsZero() && !in.EndTime.IsZero():
			t.Errorf("row %d: known end time after an unknown one", i)
		case !in.EndTime.IsZero() && in.EndTime.After(prev.EndTime.Time):
			t.Errorf("row %d ended %v, after row %d (%v)", i, in.EndTime, i-1, prev.EndTime)
		case in.EndTime.Equal(prev.EndTime.Time) && in.ID < prev.ID:
			t.Errorf("rows %d and %d end together but are not in id order", i-1, i)
		}
	}
	if got[0].ID != f.instances[n-1].ID {
		t.Errorf("first row %s, want the oldest-created instance that failed 3 minutes ago", got[0].Name)
	}
	// One snapshot, read 100 at a time, served every page.
	if c := f.calls.Load(); c != 1 {
		t.Errorf("six pages cost %d listings, want 1", c)
	}
	m := command(h, "failed")
	assertGolden(t, "list_failed", m)
	assertGoldenZh(t, "list_failed", chinese().command(h, "failed"))
	if !strings.Contains(m.Text, "Page 1 of 5") || !strings.Contains(string(messageJSON(t, m)), "newest end first") {
		t.Errorf("reply does not say its order or pages: %q", m.Text)
	}
}

// Reading the whole listing stops at its bounds, and the reply says it
// ordered only part of what SCNet has.
func TestEndedListingBounded(t *testing.T) {
	f := &fakeLister{instances: endedFixtures(3000)}
	h := newTestHandler(t, f, nil)
	m := command(h, "failed page 100")
	checkLimits(t, m)
	if c := f.calls.Load(); c != maxEndedFetched/endedFetchLimit {
		t.Errorf("read %d pages, want %d", c, maxEndedFetched/endedFetchLimit)
	}
	s := string(messageJSON(t, m))
	for _, want := range []string{"3000 found", "Page 100 of 100", "newest end first among the 1000 newest created"} {
		if !strings.Contains(s, want) {
			t.Errorf("reply lacks %q: %s", want, s)
		}
	}
	if _, ok := actionsOf(m)[actionNext]; ok {
		t.Error("the last ordered page offers Next")
	}
}

// A server that answers fewer than the limit asked for is paged on while
// its total says there is more; one that repeats itself is not paged for
// ever.
func TestFetchEndedPaging(t *testing.T) {
	all := endedFixtures(250)
	capped := &fakeLister{instances: all, maxLimit: 30}
	p, err := fetchEnded(context.Background(), capped, scnet.ListOptions{Status: scnet.StatusFailed})
	if err != nil || len(p.Instances) != len(all) || p.Total != len(all) {
		t.Fatalf("capped server: %d of %d instances (total %d), %v", len(p.Instances), len(all), p.Total, err)
	}
	want := slices.Clone(all)
	sortByEnd(want)
	for i := range want {
		if p.Instances[i].ID != want[i].ID {
			t.Fatalf("row %d is %s, want %s", i, p.Instances[i].ID, want[i].ID)
		}
	}
	stuck := &fakeLister{instances: all[:40], ignoreStart: true, fakeTotal: 1 << 20}
	if p, err := fetchEnded(context.Background(), stuck, scnet.ListOptions{Status: scnet.StatusFailed}); err != nil || len(p.Instances) != 40 {
		t.Errorf("server ignoring start: %d instances, %v", len(p.Instances), err)
	}
	if c := stuck.calls.Load(); c != 2 {
		t.Errorf("server ignoring start cost %d requests, want 2", c)
	}
}

// Refresh past the end of an ordered listing reads it once, not twice.
func TestEndedPastEndRefreshReadsOnce(t *testing.T) {
	f := &fakeLister{instances: endedFixtures(25)}
	h := newTestHandler(t, f, nil)
	q, _ := Parse("failed page 9")
	v, err := h.list(context.Background(), q, answerOpts{fresh: true})
	if err != nil || v.pastEnd != 9 || v.query.PageNumber() != 3 {
		t.Fatalf("list = page %d (past end %d), %v; want page 3", v.query.PageNumber(), v.pastEnd, err)
	}
	if c := f.calls.Load(); c != 1 {
		t.Errorf("Refresh past the end made %d listings, want 1", c)
	}
}

// slowLister is a countingLister whose every listing takes d.
type slowLister struct {
	*countingLister
	d time.Duration
}

func (s slowLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	time.Sleep(s.d)
	return s.countingLister.ListInstances(ctx, o)
}

// A long ended listing is not read one page after another, which would
// take ten times SCNet's latency: past the second page the rest is asked at
// once, within the region's bound, and the rows are the same.
func TestEndedListingReadsAhead(t *testing.T) {
	f := &fakeLister{instances: endedFixtures(3000)}
	c := &countingLister{fakeLister: f}
	h := New(oneRegion(slowLister{c, 10 * time.Millisecond}), Config{Location: time.FixedZone("CST", 8*3600), Now: func() time.Time { return testNow }, QueryTimeout: 5 * time.Second})
	m := command(h, "failed")
	if calls := f.calls.Load(); calls != maxEndedFetched/endedFetchLimit {
		t.Errorf("read %d pages, want %d", calls, maxEndedFetched/endedFetchLimit)
	}
	if p := c.peak.Load(); p < 2 || p > MaxInFlightPerRegion {
		t.Errorf("at most %d pages were read at once, want 2 to %d", p, MaxInFlightPerRegion)
	}
	want := slices.Clone(f.instances[:maxEndedFetched])
	sortByEnd(want)
	if got := rowIDs(t, m); len(got) != PageSize || got[0] != want[0].ID || got[PageSize-1] != want[PageSize-1].ID {
		t.Errorf("rows %v, want the newest ended of the 1000 newest created", got)
	}
}
