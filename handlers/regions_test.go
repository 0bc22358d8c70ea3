package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// The test regions: two share the prefix 华东, so "region:华东" is
// ambiguous and "region:西北" is not.
var testRegionNames = []struct{ id, name string }{
	{"11", "西北一区"},
	{"12", "华东一区"},
	{"13", "华东二区"},
}

// regionFixtures is n instances of region r (0-based), ids unique across
// regions, created newest first at intervals that interleave with the
// other regions' so the merge has work to do.
func regionFixtures(r, n int, status scnet.Status) []scnet.Instance {
	out := make([]scnet.Instance, n)
	step := time.Duration(7+4*r) * time.Minute
	for i := range out {
		created := testNow.Add(-time.Duration(i+1)*step - time.Duration(r)*time.Minute)
		out[i] = scnet.Instance{
			ID: fmt.Sprintf("%02d%030x", r+1, i+1), Name: fmt.Sprintf("r%d-job-%03d", r+1, i),
			Status: status, TaskType: scnet.TaskSSH, GPUNumber: 1, CPUNumber: 8, RAMSizeMB: 30720,
			ResourceGroup: "kshdexclu04", UserName: "user1", Version: "pytorch:2.1.0",
			CreateTime: scnet.Time{Time: created}, StartTime: scnet.Time{Time: created.Add(time.Minute)},
		}
		if status.Terminal() {
			// End times in another order than creation.
			out[i].EndTime = scnet.Time{Time: created.Add(time.Duration((i*37+r*11)%90) * time.Minute)}
		}
	}
	return out
}

// countingLister is a fakeLister that also records how many requests are
// in flight at once.
type countingLister struct {
	*fakeLister
	now, peak atomic.Int64
}

func (c *countingLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	n := c.now.Add(1)
	defer c.now.Add(-1)
	for {
		p := c.peak.Load()
		if n <= p || c.peak.CompareAndSwap(p, n) {
			break
		}
	}
	return c.fakeLister.ListInstances(ctx, o)
}

// newRegionsHandler builds a Handler over one region per lister, named
// after testRegionNames.
func newRegionsHandler(t testing.TB, ls []Lister, mod func(*Config)) *Handler {
	t.Helper()
	rs := make([]*regions.Region, len(ls))
	for i, l := range ls {
		rs[i] = &regions.Region{ID: testRegionNames[i].id, Name: testRegionNames[i].name, Client: listerClient{l},
			Tokens: expiringToken{testNow.Add(time.Duration(i+1) * 26 * time.Hour)}}
	}
	cfg := Config{
		Location:     time.FixedZone("CST", 8*3600),
		Now:          func() time.Time { return testNow },
		QueryTimeout: 5 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	return New(regions.Fixed(rs...), cfg)
}

// expiringToken is a token source that knows its expiry.
type expiringToken struct{ at time.Time }

func (expiringToken) Token(context.Context) (string, error) { return "t", nil }
func (expiringToken) Invalidate(string) bool                { return false }
func (e expiringToken) ExpiresAt() (time.Time, bool)        { return e.at, true }

// threeRegions is three fake regions of uneven sizes.
func threeRegions(sizes [3]int, status scnet.Status) []*fakeLister {
	out := make([]*fakeLister, 3)
	for i := range out {
		out[i] = &fakeLister{instances: regionFixtures(i, sizes[i], status)}
	}
	return out
}

func listers[T Lister](fs []T) []Lister {
	out := make([]Lister, len(fs))
	for i, f := range fs {
		out[i] = f
	}
	return out
}

// rowIDs is the instance ids of a list reply's Details buttons, in order.
func rowIDs(t *testing.T, m *slack.WebhookMessage) []string {
	t.Helper()
	var ids []string
	for i := range PageSize {
		btn, ok := actionsOf(m)[detailsActionID(i)]
		if !ok {
			break
		}
		var v buttonValue
		if err := json.Unmarshal([]byte(btn.Value), &v); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, v.ID)
	}
	return ids
}

// mustClick clicks a button that must be there and must answer.
func mustClick(t *testing.T, h *Handler, m *slack.WebhookMessage, id string) *slack.WebhookMessage {
	t.Helper()
	got, err := click(h, m, id)
	if err != nil {
		t.Fatalf("%v in %s", err, m.Text)
	}
	checkLimits(t, got)
	return got
}

// mergedOrder is every instance of the regions in the merged order: newest
// created first, ties to the earlier region.
func mergedOrder(fs []*fakeLister) []string {
	var rows []regionRow
	for i, f := range fs {
		for _, in := range f.instances {
			rows = append(rows, regionRow{in, i})
		}
	}
	slices.SortStableFunc(rows, func(a, b regionRow) int {
		if createdFirst(a, b) {
			return -1
		}
		if createdFirst(b, a) {
			return 1
		}
		return 0
	})
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.in.ID
	}
	return ids
}

func calls(fs []*fakeLister) []int64 {
	out := make([]int64, len(fs))
	for i, f := range fs {
		out[i] = f.calls.Load()
	}
	return out
}

// Next over three uneven regions shows every instance once, in the merged
// order, at one request per region and page; Prev walks back through the
// very same pages, also at one request per region.
func TestMergedPagingForwardAndBack(t *testing.T) {
	for _, sizes := range [][3]int{{23, 7, 41}, {0, 12, 3}, {10, 10, 10}, {1, 0, 0}, {55, 2, 9}} {
		t.Run(fmt.Sprint(sizes), func(t *testing.T) {
			fs := threeRegions(sizes, scnet.StatusRunning)
			h := newRegionsHandler(t, listers(fs), func(c *Config) { c.CacheTTL = -1 })
			want := mergedOrder(fs)

			m := command(h, "running ssh")
			checkLimits(t, m)
			var pages [][]string
			var seen []string
			for {
				ids := rowIDs(t, m)
				pages = append(pages, ids)
				seen = append(seen, ids...)
				if _, ok := actionsOf(m)[actionNext]; !ok {
					break
				}
				if len(pages) > 20 {
					t.Fatal("paging does not end")
				}
				before := calls(fs)
				m = mustClick(t, h, m, actionNext)
				for i, c := range calls(fs) {
					if d := c - before[i]; d > 1 {
						t.Errorf("page %d cost region %d %d requests, want at most 1", len(pages)+1, i, d)
					}
				}
				if !strings.Contains(m.Text, fmt.Sprintf("(Page %d", len(pages)+1)) {
					t.Errorf("page %d reply says %q", len(pages)+1, m.Text)
				}
			}
			if !slices.Equal(seen, want) {
				t.Fatalf("forward pages show %d instances %v\nwant %d %v", len(seen), seen, len(want), want)
			}
			for p := len(pages) - 2; p >= 0; p-- {
				before := calls(fs)
				m = mustClick(t, h, m, actionPrev)
				for i, c := range calls(fs) {
					if d := c - before[i]; d > 1 {
						t.Errorf("back to page %d cost region %d %d requests, want at most 1", p+1, i, d)
					}
				}
				if got := rowIDs(t, m); !slices.Equal(got, pages[p]) {
					t.Fatalf("back on page %d: %v, forward it was %v", p+1, got, pages[p])
				}
			}
			if _, ok := actionsOf(m)[actionPrev]; ok {
				t.Error("page 1 reached going back has a Prev button")
			}
			// And forward again from there is the same page 2.
			if len(pages) > 1 {
				if got := rowIDs(t, mustClick(t, h, m, actionNext)); !slices.Equal(got, pages[1]) {
					t.Fatalf("page 2 again: %v, was %v", got, pages[1])
				}
			}
		})
	}
}

// A typed page lands where Next would have, reading each region from the
// top once; Refresh and Back from a details view keep the page.
func TestMergedTypedPageAndBack(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	h := newRegionsHandler(t, listers(fs), func(c *Config) { c.CacheTTL = -1 })
	want := mergedOrder(fs)
	before := calls(fs)
	m := command(h, "running ssh page 4")
	for i, c := range calls(fs) {
		if d := c - before[i]; d != 1 {
			t.Errorf("typed page 4 cost region %d %d requests, want 1 (40 instances in one)", i, d)
		}
	}
	if got := rowIDs(t, m); !slices.Equal(got, want[30:40]) {
		t.Fatalf("typed page 4 = %v, want %v", got, want[30:40])
	}
	if got := rowIDs(t, mustClick(t, h, m, actionRefresh)); !slices.Equal(got, want[30:40]) {
		t.Fatalf("refreshed page 4 = %v", got)
	}
	if got := rowIDs(t, mustClick(t, h, m, actionNext)); !slices.Equal(got, want[40:50]) {
		t.Fatalf("page 5 = %v, want %v", got, want[40:50])
	}
	if got := rowIDs(t, mustClick(t, h, m, actionPrev)); !slices.Equal(got, want[20:30]) {
		t.Fatalf("page 3 = %v, want %v", got, want[20:30])
	}
	d := mustClick(t, h, m, detailsActionID(2))
	if got := rowIDs(t, mustClick(t, h, d, actionBack)); !slices.Equal(got, want[30:40]) {
		t.Fatalf("back from details = %v, want page 4 %v", got, want[30:40])
	}
	// Past the end: the last page.
	last := command(h, "running ssh page 9")
	if got := rowIDs(t, last); !slices.Equal(got, want[70:]) || !strings.Contains(last.Text, "(Page 8 of 8)") {
		t.Fatalf("page 9 of 71 = %q %v, want page 8 %v", last.Text, got, want[70:])
	}
}

// A paging button's cursor that scnetbot did not write for these regions
// is refused, like any other forged button value.
func TestMergedForgedCursor(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	h := newRegionsHandler(t, listers(fs), nil)
	m := command(h, "running ssh")
	next := actionsOf(m)[actionNext]
	var v buttonValue
	if err := json.Unmarshal([]byte(next.Value), &v); err != nil {
		t.Fatal(err)
	}
	if v.C == "" || len(next.Value) > 2000 {
		t.Fatalf("Next carries %q", next.Value)
	}
	stale := userMessage(en(), errStaleButton)
	for _, c := range []string{
		"11:5,12:2",               // a region missing
		"11:5,12:2,13:3,14:0",     // a region too many
		"11:5,12:2,99:3",          // an unknown region
		"11:5,11:2,13:3",          // a region twice
		"11:-1,12:8,13:3",         // a negative position
		"11:05,12:2,13:3",         // not written by strconv
		"11:10,12:10,13:10",       // more than page 1 showed
		"11:x,12:2,13:3",          // not a number
		"11:999999,12:2,13:3",     // past any page
		"~11:0,12:0,13:0",         // a page before the start
		"garbage",                 //
		"11:5,12:2,13:3,",         // a trailing comma
		strings.Repeat("1", 1600), // too long
	} {
		forged := v
		forged.C = c
		cb := slack.InteractionCallback{User: slack.User{ID: "U0TEST"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0TEST"}}}}
		got := h.Action(context.Background(), cb, &slack.BlockAction{ActionID: actionNext, Value: forged.encode()})
		if got.Text != stale {
			t.Errorf("cursor %q: %q, want the stale-button answer", c, got.Text)
		}
	}
	// A cursor on a one-region query, or a region on a list button.
	for _, val := range []string{
		buttonValue{Q: "running ssh region:西北 page 2", C: "11:10"}.encode(),
		buttonValue{Q: "running ssh page 2", R: "11"}.encode(),
		buttonValue{ID: fmt.Sprintf("%032x", 1), R: "99"}.encode(),
	} {
		cb := slack.InteractionCallback{User: slack.User{ID: "U0TEST"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0TEST"}}}}
		id := actionNext
		if strings.Contains(val, `"id"`) {
			id = detailsActionID(0)
		}
		if got := h.Action(context.Background(), cb, &slack.BlockAction{ActionID: id, Value: val}); got.Text != stale {
			t.Errorf("%s: %q, want the stale-button answer", val, got.Text)
		}
	}
}

// Fifty identical commands cost one request per region: each region has
// its own cache and its own coalescing.
func TestRegionCoalescing(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	gate := make(chan struct{})
	ls := make([]Lister, 3)
	for i, f := range fs {
		f.gate = gate
		ls[i] = f
	}
	h := newRegionsHandler(t, ls, nil)
	const n = 50
	var wg sync.WaitGroup
	texts := make([]string, n)
	for i := range n {
		wg.Go(func() { texts[i] = command(h, "running ssh").Text })
	}
	waitInFlight(t, 3*n)
	close(gate)
	wg.Wait()
	for i, f := range fs {
		if got := f.calls.Load(); got != 1 {
			t.Errorf("%d identical commands made %d requests to region %d, want 1", n, got, i)
		}
	}
	for _, s := range texts {
		if s != texts[0] || !strings.Contains(s, "71 found") {
			t.Fatalf("unexpected reply %q (first %q)", s, texts[0])
		}
	}
}

// A slow region holds the reply for itself only: the other regions' requests
// all run and end while it is still answering, and no region ever has more
// than MaxInFlightPerRegion requests at once. So the reply takes as long as
// the slowest region, not the sum.
func TestSlowRegion(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	cs := make([]*countingLister, 3)
	for i, f := range fs {
		cs[i] = &countingLister{fakeLister: f}
	}
	slow := make(chan struct{})
	fs[1].gate = slow
	h := newRegionsHandler(t, listers(cs), nil)
	done := make(chan *slack.WebhookMessage)
	// Unfiltered: a page and six status counts, seven requests per region.
	go func() { done <- command(h, "") }()
	want := int64(1 + len(scnet.Statuses()))
	waitUntil(t, "the fast regions to finish and the slow one to fill its slots", func() bool {
		return fs[0].calls.Load() == want && fs[2].calls.Load() == want && cs[0].now.Load() == 0 && cs[2].now.Load() == 0 &&
			cs[1].now.Load() == MaxInFlightPerRegion
	})
	// The slow region has sent only what its slots allow.
	if got := fs[1].calls.Load(); got != MaxInFlightPerRegion {
		t.Errorf("slow region was sent %d requests while its first ones hang, want %d", got, MaxInFlightPerRegion)
	}
	close(slow)
	m := <-done
	for i, c := range cs {
		if p := c.peak.Load(); p > MaxInFlightPerRegion {
			t.Errorf("region %d had %d requests in flight, bound %d", i, p, MaxInFlightPerRegion)
		}
	}
	if p := cs[1].peak.Load(); p != MaxInFlightPerRegion {
		t.Errorf("slow region peaked at %d requests in flight, want the bound %d", p, MaxInFlightPerRegion)
	}
	if !strings.Contains(m.Text, "71 found") {
		t.Errorf("reply %q", m.Text)
	}
}

// A region that never answers in QueryTimeout is named in a reply that
// shows the others.
func TestSlowRegionTimesOut(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	fs[2].gate = make(chan struct{})
	defer close(fs[2].gate)
	h := newRegionsHandler(t, listers(fs), func(c *Config) { c.QueryTimeout = 50 * time.Millisecond })
	m := command(h, "running ssh")
	if !strings.Contains(m.Text, "10 found in 2 of 3 regions") {
		t.Errorf("reply %q", m.Text)
	}
	b, _ := json.Marshal(m.Blocks)
	if !strings.Contains(string(b), "*华东二区*: SCNet did not answer in time") {
		t.Errorf("reply does not name the slow region: %s", b)
	}
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// Ended instances are ordered by end time across regions.
func TestMergedEndedOrder(t *testing.T) {
	fs := threeRegions([3]int{13, 4, 9}, scnet.StatusFailed)
	h := newRegionsHandler(t, listers(fs), nil)
	var all []regionRow
	for i, f := range fs {
		for _, in := range f.instances {
			all = append(all, regionRow{in, i})
		}
	}
	sortRowsByEnd(all)
	var seen []string
	m := command(h, "failed")
	for {
		seen = append(seen, rowIDs(t, m)...)
		if _, ok := actionsOf(m)[actionNext]; !ok {
			break
		}
		m = mustClick(t, h, m, actionNext)
	}
	if len(seen) != len(all) {
		t.Fatalf("saw %d, want %d", len(seen), len(all))
	}
	for i := range all {
		if seen[i] != all[i].in.ID {
			t.Fatalf("row %d = %s, want %s", i, seen[i], all[i].in.ID)
		}
	}
}

// Details looks in every region, or only in the one its button names.
func TestDetailsAcrossRegions(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	h := newRegionsHandler(t, listers(fs), nil)
	id := fs[2].instances[1].ID
	m := command(h, id)
	if !strings.Contains(m.Text, "in 华东二区") {
		t.Fatalf("details %q does not name the region", m.Text)
	}
	list := command(h, "running ssh region:华东一")
	before := calls(fs)
	d := mustClick(t, h, list, detailsActionID(0))
	if got := calls(fs); got[0] != before[0] || got[2] != before[2] || got[1] != before[1]+1 {
		t.Errorf("a Details button of 华东一区 asked %v (before %v)", got, before)
	}
	if !strings.Contains(d.Text, "in 华东一区") {
		t.Errorf("details %q", d.Text)
	}
	// Not in any region; and not found where one region fails.
	missing := fmt.Sprintf("%032x", 999)
	if got := command(h, missing).Text; got != userMessage(en(), withID(scnet.ErrNotFound, missing)) {
		t.Errorf("missing id: %q", got)
	}
	fs[0].setErr(&scnet.APIError{HTTPStatus: 503})
	got := command(h, missing).Text
	if !strings.Contains(got, "*西北一区*: SCNet answered HTTP 503") || !strings.Contains(got, "regions that answered have no instance") {
		t.Errorf("missing id with a failing region: %q", got)
	}
}

// Every region failing is an error naming each; discovery failing says
// SCNet cannot be reached.
func TestAllRegionsFail(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	for _, f := range fs {
		f.setErr(&scnet.APIError{HTTPStatus: 502})
	}
	h := newRegionsHandler(t, listers(fs), nil)
	assertGoldenLangs(t, "regions_all_failed", func(l testLang) *slack.WebhookMessage { return l.command(h, "running") })

	down := errors.New("dial tcp: connection refused")
	set := regions.New(func(context.Context) ([]*regions.Region, []regions.Suspended, error) {
		return nil, nil, fmt.Errorf("discover: %w", &netErr{down})
	})
	h2 := New(set, Config{Location: testNow.Location()})
	if got, want := command(h2, "running").Text, userMessage(en(), &netErr{down}); got != want {
		t.Errorf("discovery failure: %q, want %q", got, want)
	}
}

// netErr is a network error that is not a timeout.
type netErr struct{ err error }

func (e *netErr) Error() string   { return e.err.Error() }
func (e *netErr) Timeout() bool   { return false }
func (e *netErr) Temporary() bool { return false }

func TestRegionsGolden(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	for i, in := range regionFixtures(1, 5, scnet.StatusFailed) {
		in.ID = fmt.Sprintf("f%031x", i)
		fs[1].instances = append(fs[1].instances, in)
	}
	h := newRegionsHandler(t, listers(fs), nil)
	for _, tt := range []struct{ name, text string }{
		{"regions_summary", ""},
		{"regions_filtered", "running ssh"},
		{"regions_one", "running region:西北"},
		{"regions_details", fs[2].instances[0].ID},
		{"region_unknown", "running region:华南"},
		{"region_ambiguous", "running region:华东"},
		{"regions_view_unwatched", "regions"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			assertGoldenLangs(t, tt.name, func(l testLang) *slack.WebhookMessage { return l.command(h, tt.text) })
		})
	}
	t.Run("regions_page2", func(t *testing.T) {
		assertGolden(t, "regions_page2", mustClick(t, h, command(h, "running ssh"), actionNext))
		zh := chinese()
		assertGoldenZh(t, "regions_page2", zh.click(h, zh.command(h, "running ssh"), actionNext))
	})
	t.Run("regions_partial", func(t *testing.T) {
		fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
		fs[0].setErr(context.DeadlineExceeded)
		fs[2].setErr(&scnet.APIError{HTTPStatus: 503})
		h := newRegionsHandler(t, listers(fs), nil)
		assertGoldenLangs(t, "regions_partial", func(l testLang) *slack.WebhookMessage { return l.command(h, "") })
	})
	t.Run("regions_view", func(t *testing.T) {
		fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
		fs[1].setErr(&scnet.APIError{HTTPStatus: 503})
		w := &fakeWatch{health: tracked.Health{Enabled: true, Regions: []tracked.RegionHealth{
			{ID: "11", Name: "西北一区", LastPoll: testNow.Add(-30 * time.Second), LastSuccess: testNow.Add(-30 * time.Second), Tracked: 12},
			{ID: "12", Name: "华东一区", LastPoll: testNow.Add(-20 * time.Second), LastSuccess: testNow.Add(-10 * time.Minute), Outage: true, LastCause: context.DeadlineExceeded},
		}}}
		rs := make([]*regions.Region, 3)
		for i, f := range fs {
			rs[i] = &regions.Region{ID: testRegionNames[i].id, Name: testRegionNames[i].name, Client: listerClient{f}}
		}
		rs[0].Tokens = expiringToken{testNow.Add(50 * time.Hour)}
		set := regions.New(func(context.Context) ([]*regions.Region, []regions.Suspended, error) {
			return rs, []regions.Suspended{{ID: "14", Name: "华南一区"}}, nil
		})
		h := New(set, Config{Location: testNow.Location(), Now: func() time.Time { return testNow }, Watch: w})
		command(h, "running ssh") // 西北一区 and 华东二区 answer, 华东一区 fails
		assertGoldenLangs(t, "regions_view", func(l testLang) *slack.WebhookMessage { return l.command(h, "regions") })
	})
}

// region: picks one region by id, whole name or a unique prefix, in any
// letter case; the reply asks only that region.
func TestRegionWord(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	h := newRegionsHandler(t, listers(fs), func(c *Config) { c.CacheTTL = -1 })
	for _, tt := range []struct {
		word string
		want int // region index, -1: refused
	}{
		{"西北", 0}, {"西北一区", 0}, {"11", 0}, {"华东一", 1}, {"华东二区", 2}, {"13", 2},
		{"华东", -1}, {"华南", -1}, {"1", -1},
	} {
		t.Run(tt.word, func(t *testing.T) {
			before := calls(fs)
			m := command(h, "running region:"+tt.word)
			after := calls(fs)
			for i := range fs {
				asked := after[i] > before[i]
				if asked != (i == tt.want) {
					t.Errorf("region:%s asked region %d: %v (%q)", tt.word, i, asked, m.Text)
				}
			}
			if tt.want >= 0 {
				// Buttons carry the region's whole name.
				if b := actionsOf(m)[actionRefresh]; b == nil || !strings.Contains(b.Value, "region:"+testRegionNames[tt.want].name) {
					t.Errorf("Refresh of region:%s: %v", tt.word, b)
				}
			} else if !strings.Contains(m.Text, "region") || !strings.Contains(m.Text, "华东一区") {
				t.Errorf("region:%s answered %q, want the regions listed", tt.word, m.Text)
			}
		})
	}
}

// A region picked with region: that does not answer is named with the
// reason, as a region that does not answer in a merged listing is.
func TestRegionWordRegionFails(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	fs[1].setErr(&scnet.APIError{HTTPStatus: 503})
	h := newRegionsHandler(t, listers(fs), nil)
	m := command(h, "running region:华东一")
	if !strings.Contains(m.Text, "*华东一区*: SCNet answered HTTP 503") || strings.Contains(m.Text, "none found") {
		t.Errorf("region:华东一 while it fails answered %q, want it named with the reason", m.Text)
	}
}

// A region: word naming a region the account is suspended in says so,
// rather than that the region does not exist, and asks SCNet nothing.
func TestRegionWordSuspendedRegion(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	rs := make([]*regions.Region, 3)
	for i, f := range fs {
		rs[i] = &regions.Region{ID: testRegionNames[i].id, Name: testRegionNames[i].name, Client: listerClient{f}}
	}
	set := regions.New(func(context.Context) ([]*regions.Region, []regions.Suspended, error) {
		return rs, []regions.Suspended{{ID: "14", Name: "华南一区"}}, nil
	})
	h := New(set, Config{Location: testNow.Location(), Now: func() time.Time { return testNow }, CacheTTL: -1})
	for _, word := range []string{"华南", "华南一区", "14"} {
		before := calls(fs)
		m := command(h, "failed region:"+word)
		if !strings.Contains(m.Text, "suspended in *华南一区*") || !strings.Contains(m.Text, "西北一区") {
			t.Errorf("region:%s answered %q, want the suspension named and the regions in use listed", word, m.Text)
		}
		if after := calls(fs); !slices.Equal(before, after) {
			t.Errorf("region:%s asked SCNet: %v → %v", word, before, after)
		}
	}
}

// A typed page over several regions has no cursor and reads every region
// from the top, so it is bounded: a deep one is refused with what to do
// instead, and no region is asked anything. One region picked with
// region: pages by SCNet's offsets to any page.
func TestMergedTypedPageBounded(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	h := newRegionsHandler(t, listers(fs), func(c *Config) { c.CacheTTL = -1 })
	before := calls(fs)
	deep := fmt.Sprintf("running ssh page %d", MaxMergedTypedPage+1)
	m := command(h, deep)
	for i, c := range calls(fs) {
		if d := c - before[i]; d != 0 {
			t.Errorf("%q cost region %d %d requests, want none", deep, i, d)
		}
	}
	if !strings.Contains(m.Text, "region:") || !strings.Contains(m.Text, strconv.Itoa(MaxMergedTypedPage)) {
		t.Errorf("%q answered %q, want the bound and region:", deep, m.Text)
	}
	if m := command(h, fmt.Sprintf("running ssh page %d", MaxMergedTypedPage)); !strings.Contains(m.Text, "(Page 8 of 8)") {
		t.Errorf("page %d answered %q, want the last page", MaxMergedTypedPage, m.Text)
	}
	if m := command(h, fmt.Sprintf("running ssh region:华东二区 page %d", MaxMergedTypedPage+1)); !strings.Contains(m.Text, "(Page 5 of 5)") {
		t.Errorf("one region's deep page answered %q, want its last page", m.Text)
	}
}

// hangingCounts is a lister whose Limit-1 listings (the status summary's
// counts) hang until their deadline, like a SCNet too slow for them; the
// others answer at once. counting says how many counts are in flight.
type hangingCounts struct {
	*fakeLister
	counting *atomic.Int64
}

func (h hangingCounts) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	if o.Limit == 1 {
		h.counting.Add(1)
		defer h.counting.Add(-1)
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return h.fakeLister.ListInstances(ctx, o)
}

// The status summary's counts never take a region's last slot: while a
// bare /instances waits on slow counts, another command's listing starts
// at once instead of queueing behind them until they time out. Over one
// region and over several.
func TestSlowSummaryLeavesASlot(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)[:n]
			ls := make([]Lister, n)
			counting := make([]*atomic.Int64, n)
			for i, f := range fs {
				counting[i] = new(atomic.Int64)
				ls[i] = hangingCounts{f, counting[i]}
			}
			const timeout = time.Second
			h := newRegionsHandler(t, ls, func(c *Config) { c.QueryTimeout = timeout })
			bare := make(chan *slack.WebhookMessage)
			go func() { bare <- command(h, "") }()
			waitUntil(t, "the summary's counts to fill what they may", func() bool {
				for _, c := range counting {
					if c.Load() < MaxInFlightPerRegion-1 {
						return false
					}
				}
				return true
			})
			time.Sleep(20 * time.Millisecond) // a count that takes a last slot does so now
			start := time.Now()
			m := command(h, "running ssh")
			if took := time.Since(start); took > timeout/2 || len(rowIDs(t, m)) != min(PageSize, len(mergedOrder(fs))) {
				t.Errorf("running ssh beside a slow summary took %v and answered %q, want its page at once", took, m.Text)
			}
			m = <-bare
			b, _ := json.Marshal(m.Blocks)
			if !strings.Contains(string(b), "Status counts are unavailable") || len(rowIDs(t, m)) != PageSize {
				t.Errorf("bare reply %q %s, want its page without the summary", m.Text, b)
			}
		})
	}
}

// A listing of one region picked with region: says so in its header and
// fallback text, so that its "none found" (shared to a channel, say) is
// not read as none in every region.
func TestRegionWordNamedInHeader(t *testing.T) {
	fs := threeRegions([3]int{3, 7, 4}, scnet.StatusRunning)
	fs[1].instances[0].Status = scnet.StatusFailed
	h := newRegionsHandler(t, listers(fs), nil)
	m := command(h, "failed region:西北")
	if !strings.HasPrefix(m.Text, "Failed instances in 西北一区 — none found") {
		t.Errorf("reply %q, want its region named", m.Text)
	}
	if m := command(h, "failed"); !strings.HasPrefix(m.Text, "Failed instances — 1 found") {
		t.Errorf("reply over every region %q", m.Text)
	}
}

// A paging button clicked after a restart, while the regions cannot be
// found (SCNet down), is answered within QueryTimeout like a typed
// command: reading its cursor must not wait on discovery for ever.
func TestCursorClickWhileRegionsUnknown(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	m := mustClick(t, newRegionsHandler(t, listers(fs), nil), command(newRegionsHandler(t, listers(fs), nil), "running ssh"), actionNext)
	down := regions.New(func(ctx context.Context) ([]*regions.Region, []regions.Suspended, error) {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	})
	h := New(down, Config{QueryTimeout: 50 * time.Millisecond})
	done := make(chan *slack.WebhookMessage, 1)
	go func() {
		got, _ := click(h, m, actionPrev)
		done <- got
	}()
	select {
	case got := <-done:
		if !strings.Contains(got.Text, "slow") {
			t.Errorf("reply %q, want SCNet is slow", got.Text)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("a click with a cursor waited past QueryTimeout for the regions")
	}
}

// A server that answers fewer than the limit asked for is read on while
// its total says there is more, so a typed page over several regions is
// not cut short at the server's own maximum.
func TestMergedTypedPageCappedServer(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	for _, f := range fs {
		f.maxLimit = 15
	}
	h := newRegionsHandler(t, listers(fs), nil)
	want := mergedOrder(fs)
	m := command(h, "running ssh page 4")
	if got := rowIDs(t, m); !slices.Equal(got, want[30:40]) || !strings.Contains(m.Text, "(Page 4 of 8)") {
		t.Fatalf("typed page 4 = %q %v, want %v", m.Text, got, want[30:40])
	}
}

// A server that sends one instance a page while its total promises more
// costs a bounded number of requests for a typed page.
func TestMergedTypedPageTrickleServer(t *testing.T) {
	fs := threeRegions([3]int{23, 7, 41}, scnet.StatusRunning)
	for _, f := range fs {
		f.maxLimit, f.fakeTotal = 1, 1<<20
	}
	h := newRegionsHandler(t, listers(fs), nil)
	command(h, fmt.Sprintf("running ssh page %d", MaxMergedTypedPage))
	for i, c := range calls(fs) {
		if c > maxEndedPages {
			t.Errorf("region %d was sent %d requests, want at most %d", i, c, maxEndedPages)
		}
	}
}
