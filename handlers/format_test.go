package handlers

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
)

func TestSnoozeDurationFormat(t *testing.T) {
	for _, d := range []time.Duration{time.Minute, 90 * time.Minute, 4 * time.Hour, 24 * time.Hour, 50 * time.Hour, 7 * 24 * time.Hour} {
		got, err := parseSnoozeDuration(formatSnoozeDuration(d))
		if err != nil || got != d {
			t.Errorf("%v → %q → %v, %v", d, formatSnoozeDuration(d), got, err)
		}
	}
}

// pages trusts SCNet's total only when it is at least what was already seen.
func TestPages(t *testing.T) {
	full := make([]scnet.Instance, PageSize)
	tests := []struct {
		name    string
		q       Query
		p       *scnet.Page
		total   int
		last    int
		hasNext bool
	}{
		{"total of all", Query{}, &scnet.Page{Total: 23, Instances: full}, 23, 3, true},
		{"last page", Query{Page: 3}, &scnet.Page{Total: 23, Instances: full[:3]}, 23, 3, false},
		{"exact pages", Query{Page: 2}, &scnet.Page{Total: 20, Instances: full}, 20, 2, false},
		{"total counts the page only", Query{Page: 2}, &scnet.Page{Total: 10, Instances: full}, 0, 0, true},
		{"unknown total, short page", Query{}, &scnet.Page{Instances: full[:4]}, 0, 0, false},
		{"empty", Query{}, &scnet.Page{}, 0, 0, false},
	}
	for _, tt := range tests {
		total, last, next := pages(tt.q, tt.p)
		if total != tt.total || last != tt.last || next != tt.hasNext {
			t.Errorf("%s: pages = %d, %d, %v; want %d, %d, %v", tt.name, total, last, next, tt.total, tt.last, tt.hasNext)
		}
	}
}

func TestDefaultLocation(t *testing.T) {
	_, off := time.Date(2026, 7, 1, 0, 0, 0, 0, scnet.HomeLocation()).Zone()
	if off != 8*3600 {
		t.Errorf("HomeLocation offset %d, want +08:00", off)
	}
}

// Whatever a button value holds, Action answers with a valid message and
// never asks SCNet for anything a typed command could not.
func FuzzActionValue(f *testing.F) {
	for _, s := range []string{`{"q":""}`, `{"q":"running page 2","b":"x"}`, `{"q":"snooze a 4h"}`, `not json`, `{"q":1}`, `{"q":"` + string(rune(0)) + `"}`} {
		f.Add(s)
	}
	h := newTestHandler(f, &fakeLister{instances: fixtures(12)}, nil)
	cb := slack.InteractionCallback{User: slack.User{ID: "U0TEST"}}
	f.Fuzz(func(t *testing.T, value string) {
		for _, id := range []string{actionNext, actionShare, detailsActionID(0)} {
			m := h.Action(context.Background(), cb, &slack.BlockAction{ActionID: id, Value: value})
			checkLimits(t, m)
		}
	})
}

// An instance that has ended but whose end time SCNet left out did not run
// until now: its run time is SCNet's own duration, not a clock that keeps
// counting.
func TestRunTimeOfEndedInstanceWithoutEndTime(t *testing.T) {
	r := renderer{now: testNow, loc: testNow.Location(), p: en()}
	in := scnet.Instance{Status: scnet.StatusFailed, StartTime: scnet.Time{Time: testNow.Add(-30 * 24 * time.Hour)}, Duration: "2小时"}
	if got := r.runTime(&in); got != "2h 0m" {
		t.Errorf("runTime = %q, want SCNet's duration %q", got, "2h 0m")
	}
	in.Duration = ""
	if got := r.runTime(&in); got != none {
		t.Errorf("runTime without duration = %q, want %q", got, none)
	}
	in.Status = scnet.StatusRunning
	if got := r.runTime(&in); got != "30d 0h" {
		t.Errorf("running runTime = %q, want 30d 0h", got)
	}
}

// A total at the top of int's range must not wrap the page count negative.
func TestPagesHugeTotal(t *testing.T) {
	p := &scnet.Page{Total: math.MaxInt, Instances: fixtures(PageSize)}
	total, last, hasNext := pages(Query{Kind: KindList}, p)
	if total != math.MaxInt || last <= 1 || !hasNext {
		t.Errorf("pages = %d, %d, %v; want MaxInt, a positive last page and Next", total, last, hasNext)
	}
}
