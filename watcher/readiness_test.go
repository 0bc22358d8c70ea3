package watcher_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
	bolt "go.etcd.io/bbolt"

	"scnetbot/alerts"
	"scnetbot/health"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/watcher"
)

// TestReadinessNamesTheBlindRegion: while one region is in an outage
// longer than three intervals, /readyz is not ready and says which region
// it cannot see; the other region's success does not hide it, and the
// answering region is not named.
func TestReadinessNamesTheBlindRegion(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	a := e.regions[0]
	e.stepOK()
	checks := health.Checks{Connected: func() bool { return true }, Watch: e.g.Readiness, Now: e.clock.Now}
	if rep := checks.Ready(e.ctx); !rep.Ready {
		t.Fatalf("both regions polled: %+v", rep)
	}
	a.sim.SetDown(true)
	for range 5 {
		e.step()
	}
	rep := checks.Ready(context.Background())
	if rep.Ready || len(rep.Problems) != 1 {
		t.Fatalf("A down for 5 intervals: %+v", rep)
	}
	if p := rep.Problems[0]; !strings.Contains(p, "西北一区") || strings.Contains(p, "华东一区") {
		t.Errorf("problem = %q, want it to name 西北一区 only", p)
	}
	a.sim.SetDown(false)
	e.stepOK()
	if rep := checks.Ready(e.ctx); !rep.Ready {
		t.Errorf("A answers again: %+v", rep)
	}
}

// TestReadinessNamesARegionNotPolledYet: a region down at start has never
// been polled successfully; readiness names it.
func TestReadinessNamesARegionNotPolledYet(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	e.regions[1].sim.SetDown(true)
	e.step()
	rep := health.Checks{Connected: func() bool { return true }, Watch: e.g.Readiness, Now: e.clock.Now}.Ready(e.ctx)
	if rep.Ready || len(rep.Problems) != 1 || !strings.Contains(rep.Problems[0], "华东一区") || strings.Contains(rep.Problems[0], "西北一区") {
		t.Errorf("B down at start: %+v", rep)
	}
}

// TestAlertDetailsNamesItsRegion: the Details button of an alert raised in
// one region shows the region, as /instances <id> does with several
// regions.
func TestAlertDetailsNamesItsRegion(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	b := e.regions[1]
	rec := b.sim.Add(scnettest.Record{Name: "trainer-b", Status: scnet.StatusRunning})
	e.stepOK()
	setStatus(t, b.sim, rec.ID, scnet.StatusFailed)
	e.stepOK()
	e.drain()
	got := e.instanceAlerts(b.channel)
	if len(got) != 1 {
		t.Fatalf("alerts in B's channel = %v", got)
	}
	value := buttonValue(t, blocksOf(got[0]), "alert.details")
	reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}},
		&slack.BlockAction{ActionID: "alert.details", Value: value})
	if reply == nil || reply.Blocks == nil {
		t.Fatalf("details = %+v", reply)
	}
	raw, _ := json.Marshal(reply.Blocks)
	if s := unescapeJSON(string(raw)); !strings.Contains(s, "Region *华东一区*") {
		t.Errorf("details do not name the region: %s", s)
	}
}

// TestSuspendedAgainAfterResumeNoticedAgain: once the account is usable
// again in a region (SCNet sends its token), the mark of its suspension
// is forgotten, so a later suspension there is noticed again instead of
// being silently skipped for the life of the state file.
func TestSuspendedAgainAfterResumeNoticedAgain(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123"}, nil)
	cfg := e.regionConfig(e.regions[0])
	cfg.Region, cfg.RegionName = "r9", "华东三区"
	notice := func() {
		t.Helper()
		if err := watcher.NoticeSuspended(e.ctx, e.st, cfg); err != nil {
			t.Fatal(err)
		}
		e.drain()
	}
	notice()
	// The account is paid: the region is usable at the next start.
	if err := watcher.ForgetSuspended(e.ctx, e.st, "r1", "r9"); err != nil {
		t.Fatal(err)
	}
	e.restart()
	e.clock.Advance(time.Hour)
	notice()
	if n := countContaining(e.top("C0123"), "suspended in 华东三区"); n != 2 {
		t.Errorf("%d suspended notices, want 2 (one per suspension): %v", n, texts(e.top("C0123")))
	}
	// Forgetting a region never suspended changes nothing.
	if err := watcher.ForgetSuspended(e.ctx, e.st, "r1"); err != nil {
		t.Fatal(err)
	}
}

// TestReadinessNamesTheRegionWithUnusableState: a region whose part of the
// store cannot be read is named; the whole file unusable is said once.
func TestReadinessNamesTheRegionWithUnusableState(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	e.stepOK()
	// A record of region r2 that does not decode.
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(e.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("instances")).Put([]byte("@r2/broken"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e.open()
	e.step()
	rep := health.Checks{Connected: func() bool { return true }, Watch: e.g.Readiness, Now: e.clock.Now}.Ready(e.ctx)
	if rep.Ready || len(rep.Problems) != 1 || !strings.HasPrefix(rep.Problems[0], "watcher state unusable: 华东一区 (r2): ") ||
		strings.Contains(rep.Problems[0], "西北一区") {
		t.Errorf("r2's records unusable: %+v", rep)
	}
}

// TestAlertButtonsBeforeRegionsAreKnown: after a restart, until SCNet's
// regions are found no region's watcher exists; a click on an alert then
// says the watcher is starting, not that the alert is no longer known.
func TestAlertButtonsBeforeRegionsAreKnown(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123"}, nil)
	a := e.regions[0]
	rec := a.sim.Add(scnettest.Record{Name: "trainer", Status: scnet.StatusRunning})
	e.stepOK()
	setStatus(t, a.sim, rec.ID, scnet.StatusFailed)
	e.stepOK()
	e.drain()
	got := e.instanceAlerts(a.channel)
	if len(got) != 1 {
		t.Fatalf("alerts = %v", got)
	}
	value := buttonValue(t, blocksOf(got[0]), "alert.details")
	alertID, _, _ := strings.Cut(value, "|")
	buttons := alerts.NewButtons(watcher.NewGroup(), e.render)
	for _, click := range []slack.BlockAction{{ActionID: "alert.ack", Value: alertID},
		{ActionID: "alert.details", Value: value}, {ActionID: "alert.snooze.1h", Value: value}} {
		reply := buttons.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}}, &click)
		if reply == nil || strings.Contains(reply.Text, "no longer known") || !strings.Contains(reply.Text, "starting") {
			t.Errorf("%s before the regions are known = %+v", click.ActionID, reply)
		}
	}
}

// TestGroupPendingAlertsCountsTheOutboxOnce: the regions share one outbox,
// so the group's count is its size, not a region's share nor the sum of
// every region's view of it.
func TestGroupPendingAlertsCountsTheOutboxOnce(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	e.stepOK() // one baseline message per region, not delivered
	h, err := e.g.Health(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.PendingAlerts != 2 {
		t.Errorf("pending = %d, want 2 (one baseline per region)", h.PendingAlerts)
	}
	e.drain()
	if h, _ := e.g.Health(e.ctx); h.PendingAlerts != 0 {
		t.Errorf("pending after delivery = %d", h.PendingAlerts)
	}
}

// TestRegionsInOneChannelPostedOnce: two regions routed to one channel
// fail at once; Slack takes both posts but answers neither in time, and
// the process restarts before it learns more. Each alert lands once, in
// the order they were queued, and each thread reply lands under its own
// region's alert.
func TestRegionsInOneChannelPostedOnce(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0123"}, nil)
	a, b := e.regions[0], e.regions[1]
	ra := a.sim.Add(scnettest.Record{Name: "trainer-a", Status: scnet.StatusRunning})
	rb := b.sim.Add(scnettest.Record{Name: "trainer-b", Status: scnet.StatusRunning})
	e.stepOK()
	e.drain()
	setStatus(t, a.sim, ra.ID, scnet.StatusFailed)
	setStatus(t, b.sim, rb.ID, scnet.StatusFailed)
	e.stepOK()
	e.emu.PostThenHang("chat.postMessage", 2, time.Second)
	ctx, cancel := context.WithTimeout(e.ctx, 700*time.Millisecond)
	_ = e.d.Drain(ctx) // gives up while Slack hangs
	cancel()
	if n := e.emu.Calls("chat.postMessage"); n != 4 {
		t.Fatalf("%d posts before the restart, want 4 (2 baselines, 2 alerts that hung)", n)
	}
	e.restart()
	e.drain()
	got := e.instanceAlerts("C0123")
	if len(got) != 2 || !strings.Contains(got[0].Text, "trainer-a") || !strings.Contains(got[1].Text, "trainer-b") {
		t.Fatalf("alerts in the shared channel = %v", texts(got))
	}
	// The instances recover: each reply goes under its own alert.
	setStatus(t, a.sim, ra.ID, scnet.StatusRunning)
	setStatus(t, b.sim, rb.ID, scnet.StatusRunning)
	e.stepOK()
	e.drain()
	if got := e.instanceAlerts("C0123"); len(got) != 2 {
		t.Errorf("alerts after recovery = %v", texts(got))
	}
	under := map[string]int{}
	for _, r := range e.replies("C0123") {
		under[r.ThreadTS]++
	}
	if under[got[0].TS] != 1 || under[got[1].TS] != 1 || len(under) != 2 {
		t.Errorf("replies by thread = %v, want one under each alert (%s, %s)", under, got[0].TS, got[1].TS)
	}
}
