package digest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/internal/golden"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
)

// longChinese is a 105-character instance name: it must be cut by
// characters, not bytes.
var longChinese = strings.Repeat("大模型训练任务", 15)

// contentEnv is two regions and a store seeded with a day of history, at
// 2026-12-02 09:30 in Shanghai.
type contentEnv struct {
	now   time.Time
	loc   *time.Location
	st    *state.Bolt
	rs    []*simRegion
	sleep *noSleep
}

func newContentEnv(t *testing.T) *contentEnv {
	loc := shanghai(t)
	e := &contentEnv{now: time.Date(2026, 12, 2, 9, 30, 0, 0, loc), loc: loc, st: openStore(t, storePath(t)), sleep: &noSleep{}}
	e.rs = newRegions(t, func() time.Time { return e.now }, "华东一区【昆山】", "西北一区【西安】")
	h := func(n float64) time.Time { return e.now.Add(-time.Duration(n * float64(time.Hour))) }

	east, west := e.rs[0].sim, e.rs[1].sim
	for _, r := range []scnettest.Record{
		{Name: "train-llama", Status: scnet.StatusRunning, GPUNumber: 4, ResourceGroup: "rg-a100", StartTime: h(30), UserName: "alice"},
		{Name: "bob-job", Status: scnet.StatusRunning, GPUNumber: 2, ResourceGroup: "rg-a100", StartTime: h(2), UserName: "bob", TimeoutLimit: "3h"},
		{Name: "carol-done", Status: scnet.StatusCompleted, GPUNumber: 8, ResourceGroup: "rg-h800", StartTime: h(26), EndTime: h(20), UserName: "carol"},
		{Name: "dave-old", Status: scnet.StatusFailed, GPUNumber: 1, ResourceGroup: "rg-h800", StartTime: h(50), EndTime: h(30), UserName: "dave"},
		{Name: longChinese, Status: scnet.StatusRunning, GPUNumber: 1, ResourceGroup: "默认资源组", StartTime: h(10), UserName: "张三", TimeoutLimit: "12h"},
		{Name: "queued", Status: scnet.StatusWaiting, GPUNumber: 8, ResourceGroup: "rg-a100", UserName: "frank"},
		// Ended with no endTime: how long it ran is not known.
		{Name: "lost-end", Status: scnet.StatusTerminated, GPUNumber: 2, ResourceGroup: "rg-a100", StartTime: h(5), UserName: "erin"},
	} {
		r.CreateTime = cmpTime(r.StartTime, h(1))
		east.Add(r)
	}
	for _, r := range []scnettest.Record{
		{Name: "<!channel> *bold*", Status: scnet.StatusRunning, GPUNumber: 2, ResourceGroup: "rg-v100", StartTime: h(1), UserName: "<@U1> &", TimeoutLimit: "30h"},
		{Name: "alice-west", Status: scnet.StatusRunning, GPUNumber: 1, ResourceGroup: "rg-v100", StartTime: h(48), UserName: "alice"},
	} {
		r.CreateTime = r.StartTime
		west.Add(r)
	}

	snap := func(name string) json.RawMessage {
		b, _ := json.Marshal(map[string]string{"instanceServiceName": name})
		return b
	}
	put := func(region string, fn func(tx state.Tx) error) {
		t.Helper()
		if err := state.Namespace(e.st, region).Update(context.Background(), fn); err != nil {
			t.Fatal(err)
		}
	}
	put("r1", func(tx state.Tx) error {
		as := []state.Alert{
			{ID: "a1", InstanceID: "i1", Created: h(2), To: scnet.StatusFailed, Snapshot: snap("train-llama")},
			{ID: "a2", InstanceID: "i2", Created: h(5), Closed: h(1), ResolvedBy: "U07RESOLV", Snapshot: snap("bob-job")},
			{ID: "s1", Storm: true, Created: h(6)},
			{ID: "old", InstanceID: "i9", Created: h(40 * 24), Closed: h(39 * 24)},
		}
		for i := range 6 {
			m := state.Alert{ID: fmt.Sprintf("m%d", i), InstanceID: fmt.Sprintf("im%d", i), Parent: "s1", Created: h(6), To: scnet.StatusFailed}
			if i < 2 {
				m.Closed = h(5)
			}
			as = append(as, m)
		}
		for _, a := range as {
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		for _, s := range []state.Snooze{
			{InstanceID: "i1", InstanceName: "long-silence", Since: h(30), Until: h(-2), By: "U0SNOOZER"},
			{InstanceID: "i2", InstanceName: "short", Since: h(1), Until: h(-2), By: "U0SNOOZER"},
			{InstanceID: "i3", InstanceName: "legacy", Until: h(-48), By: "U0OLD"},
			{InstanceID: "i4", InstanceName: "ran-out", Since: h(50), Until: h(1), By: "U0OLD"},
		} {
			if err := tx.PutSnooze(s); err != nil {
				return err
			}
		}
		return nil
	})
	put("r2", func(tx state.Tx) error {
		for _, a := range []state.Alert{
			{ID: "a3", InstanceID: "i5", Created: h(30), Closed: h(10)},
			{ID: "a4", InstanceID: "i6", Created: h(72), To: scnet.StatusFailed, AckedBy: "U0ACKER", Snapshot: snap("推理服务-qwen-72b")},
		} {
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		return tx.PutSnooze(state.Snooze{InstanceID: "i7", InstanceName: "<!channel> *bold*", Since: h(72), Until: h(-96), By: "U0SNOOZER"})
	})
	// An account warning is no incident of an instance.
	if err := e.st.Update(context.Background(), func(tx state.Tx) error {
		return tx.PutAlert(state.Alert{ID: "acct-1", Created: h(1)})
	}); err != nil {
		t.Fatal(err)
	}
	return e
}

func cmpTime(a, b time.Time) time.Time {
	if a.IsZero() {
		return b
	}
	return a
}

func (e *contentEnv) digester(l i18n.Lang) *Digester {
	return New(Config{Store: e.st, Regions: regionSet(e.rs), Channel: "C1", At: at, Location: e.loc,
		Printer: printer(l), Now: func() time.Time { return e.now }, Sleep: e.sleep.Sleep})
}

func (e *contentEnv) report(t *testing.T) Report {
	t.Helper()
	r, err := e.digester(i18n.English).gather(context.Background(), "2026-12-02")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestReportContent(t *testing.T) {
	e := newContentEnv(t)
	r := e.report(t)
	inc := r.Incidents
	if inc.Opened != 8 || inc.InStorms != 6 || inc.Storms != 1 || inc.Resolved != 4 || inc.ByHand != 1 || inc.StillOpen != 6 {
		t.Errorf("incidents %+v; want 8 opened (6 in 1 storm), 4 resolved (1 by hand), 6 open", inc)
	}
	if l := inc.Longest; l == nil || l.Name != "推理服务-qwen-72b" || l.Region != "西北一区【西安】" || l.AckedBy != "U0ACKER" || !l.Since.Equal(e.now.Add(-72*time.Hour)) {
		t.Errorf("longest open %+v", inc.Longest)
	}
	wantGPUs := []GroupGPUs{
		{Region: "华东一区【昆山】", Group: "rg-a100", GPUs: 6, Instances: 2},
		{Region: "华东一区【昆山】", Group: "默认资源组", GPUs: 1, Instances: 1},
		{Region: "西北一区【西安】", Group: "rg-v100", GPUs: 3, Instances: 2},
	}
	if fmt.Sprint(r.GPUs) != fmt.Sprint(wantGPUs) {
		t.Errorf("GPUs %v\nwant %v", r.GPUs, wantGPUs)
	}
	// alice: 4 GPUs all 24 hours in one region and 1 GPU 24 of its 48 in
	// the other; carol's 8 GPUs ran 4 of their 6 hours in the window.
	wantUsers := []UserHours{{"alice", 120}, {"carol", 32}, {"张三", 10}, {"bob", 4}, {"<@U1> &", 2}}
	if fmt.Sprint(r.TopUsers) != fmt.Sprint(wantUsers) {
		t.Errorf("top users %v\nwant %v", r.TopUsers, wantUsers)
	}
	if len(r.Expiring) != 2 || r.Expiring[0].Name != "bob-job" || r.Expiring[0].Left != time.Hour ||
		r.Expiring[1].Name != longChinese || r.Expiring[1].Left != 2*time.Hour || !r.ExpiryDefault || r.ExpiryWarn != DefaultExpiryWarn {
		t.Errorf("expiring %+v (default %v, %v)", r.Expiring, r.ExpiryDefault, r.ExpiryWarn)
	}
	var snoozed []string
	for _, s := range r.Snoozes {
		snoozed = append(snoozed, s.Name)
	}
	if got := strings.Join(snoozed, ","); got != "<!channel> *bold*,long-silence,legacy" {
		t.Errorf("long snoozes %s", got)
	}
	if len(r.Missing) != 0 || len(r.Partial) != 0 || r.NoRegions {
		t.Errorf("missing %v, partial %v, no regions %v", r.Missing, r.Partial, r.NoRegions)
	}
}

// TestExpiryWarnFromConfig: WATCH_EXPIRY_WARN, when set, is the threshold,
// and the digest says it is not the default.
func TestExpiryWarnFromConfig(t *testing.T) {
	e := newContentEnv(t)
	d := e.digester(i18n.English)
	d.cfg.ExpiryWarn = 90 * time.Minute
	r, err := d.gather(context.Background(), "2026-12-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Expiring) != 1 || r.Expiring[0].Name != "bob-job" || r.ExpiryDefault {
		t.Errorf("expiring %+v, default %v; want bob-job alone, from the config", r.Expiring, r.ExpiryDefault)
	}
	text, blocks := Render(printer(i18n.English), r, e.loc)
	if !strings.Contains(string(blocks), "within 1h 30m, WATCH_EXPIRY_WARN") || text == "" {
		t.Errorf("the threshold is not named: %s", blocks)
	}
}

// TestOneRegionFailing: a region whose SCNet does not answer, even after
// the retry, leaves its numbers out and is named; the rest goes out.
func TestOneRegionFailing(t *testing.T) {
	e := newContentEnv(t)
	e.rs[1].sim.SetDown(true)
	r := e.report(t)
	if len(r.Missing) != 1 || r.Missing[0] != "西北一区【西安】" {
		t.Fatalf("missing %v, want the west region", r.Missing)
	}
	if e.sleep.n.Load() != 1 {
		t.Errorf("%d waits before retrying, want the one retry", e.sleep.n.Load())
	}
	for _, g := range r.GPUs {
		if g.Region == "西北一区【西安】" {
			t.Errorf("GPUs of the failing region: %+v", g)
		}
	}
	if r.TopUsers[0] != (UserHours{"alice", 96}) || r.Incidents.Longest == nil || len(r.Snoozes) != 3 {
		t.Errorf("the rest of the digest: users %v, longest %v, snoozes %d", r.TopUsers, r.Incidents.Longest, len(r.Snoozes))
	}
	for _, l := range i18n.Languages() {
		assertGolden(t, "failing_region", l, r, e.loc)
	}
}

// TestOneRetryIsEnough: a region that fails once and answers on the retry
// is not missing.
func TestOneRetryIsEnough(t *testing.T) {
	e := newContentEnv(t)
	e.rs[1].sim.FailNext(1, 500)
	if r := e.report(t); len(r.Missing) != 0 || len(r.GPUs) != 3 {
		t.Errorf("missing %v, GPUs %v", r.Missing, r.GPUs)
	}
}

// TestPartialRegion: a region with more instances than the digest reads
// says its numbers are partial.
func TestPartialRegion(t *testing.T) {
	e := newContentEnv(t)
	d := e.digester(i18n.English)
	d.cfg.MaxInstances = 3
	r, err := d.gather(context.Background(), "2026-12-02")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partial) != 1 || r.Partial[0] != "华东一区【昆山】" {
		t.Errorf("partial %v, want the east region (7 instances)", r.Partial)
	}
}

// TestRegionsUnknown: without the regions the digest still goes out with
// the incidents, and says what it lacks.
func TestRegionsUnknown(t *testing.T) {
	e := newContentEnv(t)
	d := New(Config{Store: e.st, Regions: failingRegions{}, Channel: "C1", Location: e.loc, Now: func() time.Time { return e.now }})
	r, err := d.gather(context.Background(), "2026-12-02")
	if err != nil {
		t.Fatal(err)
	}
	if !r.NoRegions || r.Incidents.Opened != 8 {
		t.Errorf("no regions %v, opened %d", r.NoRegions, r.Incidents.Opened)
	}
	_, blocks := Render(printer(i18n.English), r, e.loc)
	if !strings.Contains(string(blocks), "regions could not be found") {
		t.Errorf("the digest does not say the regions are unknown: %s", blocks)
	}
}

func TestDigestGolden(t *testing.T) {
	e := newContentEnv(t)
	r := e.report(t)
	for _, l := range i18n.Languages() {
		assertGolden(t, "digest", l, r, e.loc)
	}
}

// assertGolden renders r in l, validates it and compares it with
// testdata/<name>.golden (English) or <name>.zh.golden.
func assertGolden(t *testing.T, name string, l i18n.Lang, r Report, loc *time.Location) {
	t.Helper()
	text, blocks := Render(printer(l), r, loc)
	if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
		t.Errorf("%s: %s", l, blockkit.Join(vs))
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, blocks, "", "  "); err != nil {
		t.Fatal(err)
	}
	file := name + ".golden"
	if l == i18n.Chinese {
		file = name + ".zh.golden"
	}
	golden.Assert(t, file, []byte("text: "+text+"\n\n"+pretty.String()+"\n"))
}

// TestLongestOpenAckedThroughItsStorm: an instance that failed in a storm
// is acknowledged by whoever acknowledged the storm's summary, the message
// people saw and clicked, as the Home tab shows it; the digest must not
// call it unacknowledged.
func TestLongestOpenAckedThroughItsStorm(t *testing.T) {
	now := time.Date(2026, 12, 2, 9, 30, 0, 0, time.UTC)
	alerts := []state.Alert{
		{ID: "m1", InstanceID: "i1", Parent: "s1", Created: now.Add(-time.Hour), To: scnet.StatusFailed},
		{ID: "m2", InstanceID: "i2", Parent: "s1", Created: now.Add(-time.Hour), To: scnet.StatusFailed},
		{ID: "s1", Storm: true, Created: now.Add(-time.Hour), AckedBy: "U0STORMACK"},
	}
	inc := countIncidents(alerts, now.Add(-Window), now, regionNames{})
	if inc.Longest == nil || inc.Longest.AckedBy != "U0STORMACK" {
		t.Errorf("the longest open incident of an acknowledged storm is %+v, want acknowledged by U0STORMACK", inc.Longest)
	}
	// A member's own acknowledgement comes first.
	alerts[0].AckedBy, alerts[1].AckedBy = "U0OWN", "U0OWN"
	if inc := countIncidents(alerts, now.Add(-Window), now, regionNames{}); inc.Longest == nil || inc.Longest.AckedBy != "U0OWN" {
		t.Errorf("longest open %+v, want acknowledged by U0OWN", inc.Longest)
	}
}
