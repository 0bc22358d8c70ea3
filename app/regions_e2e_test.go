package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/alerts"
	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/outbox"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/secret"
	"scnetbot/state"
	"scnetbot/watcher"
)

// The regions of scnettest.DefaultRegions, as SCNet names them.
const (
	kunshan = "华东一区【昆山】"
	xian    = "西北一区【西安】"
	huabei  = "华北一区"
)

const alertChannel = "C0ALERTS"

// loginConfig is e2eConfig logging in with AK/SK, the way SCNet
// recommends: no token, no base URL, every region of the account (an empty
// SCNET_CLUSTER), each region's AI base URL from the center endpoint.
func loginConfig(t testing.TB, sim *scnettest.Server, emu *slackemu.Server) *config.Config {
	cred := scnettest.DefaultCredentials()
	cfg := e2eConfig(t, sim, emu)
	cfg.SCNetToken, cfg.SCNetBaseURL = "", ""
	cfg.SCNetUser = cred.User
	cfg.SCNetAccessKey, cfg.SCNetSecretKey = secret.Secret(cred.AccessKey), secret.Secret(cred.SecretKey)
	cfg.SCNetAuthURL, cfg.SCNetACURL = sim.AuthBaseURL(), sim.ACBaseURL()
	return cfg
}

// watchFast turns the watcher on with polls a test can wait for.
func watchFast(c *config.Config) {
	c.WatchChannel = alertChannel
	c.WatchInterval.D = 100 * time.Millisecond
}

// newRegionsSim starts a simulator serving scnettest.DefaultRegions (two
// usable regions and a suspended one) with n instances in each, and an
// emulator.
func newRegionsSim(t testing.TB, n int) (*scnettest.Server, *slackemu.Server) {
	t.Helper()
	return newSimAndEmu(t, scnettest.WithInstances(n, 7), scnettest.WithRegions(), scnettest.WithTokenLifetime(30*24*time.Hour))
}

// rowIDs are the instance ids of a list reply's rows, read from their
// Details buttons, in the order shown.
func rowIDs(t *testing.T, m slackemu.Message) []string {
	t.Helper()
	var blocks []struct {
		Accessory struct {
			ActionID string `json:"action_id"`
			Value    string `json:"value"`
		} `json:"accessory"`
	}
	if err := json.Unmarshal(m.Blocks, &blocks); err != nil {
		t.Fatalf("blocks: %v", err)
	}
	var ids []string
	for _, b := range blocks {
		if !strings.HasPrefix(b.Accessory.ActionID, "inst.details.") {
			continue
		}
		var v struct{ ID string }
		if err := json.Unmarshal([]byte(b.Accessory.Value), &v); err != nil || v.ID == "" {
			t.Fatalf("Details button value %q: %v", b.Accessory.Value, err)
		}
		ids = append(ids, v.ID)
	}
	return ids
}

// regionRecords are the ids of a region's instances in status st.
func regionRecords(rs *scnettest.RegionServer, st scnet.Status) map[string]bool {
	ids := map[string]bool{}
	for _, r := range rs.Records() {
		if r.Status == st {
			ids[r.ID] = true
		}
	}
	return ids
}

// firstWith is one of a region's instances in status st.
func firstWith(t *testing.T, rs *scnettest.RegionServer, st scnet.Status) scnettest.Record {
	t.Helper()
	for _, r := range rs.Records() {
		if r.Status == st {
			return r
		}
	}
	t.Fatalf("region %s has no %s instance", rs.Name(), st)
	return scnettest.Record{}
}

// regionsPolled waits until every region's watcher has polled successfully
// at least n times after now.
func (e *e2e) regionsPolled(t *testing.T, want int, n int) {
	t.Helper()
	since := time.Now()
	wait.Until(t, "a poll of every region", func() bool {
		ws := e.app.group.Watchers()
		if len(ws) != want {
			return false
		}
		for _, w := range ws {
			h, err := w.Health(context.Background())
			if err != nil || h.LastSuccess.Before(since) {
				return false
			}
		}
		return true
	})
	for range n - 1 {
		e.regionsPolled(t, want, 1)
	}
}

// TestE2ERegionsMergedPaging: with an AK/SK login (and again with a
// SCNET_TOKEN list) /instances completed lists both regions' instances,
// each row naming its region, and Next then Prev walk every page of the
// merged list: every running instance once, none skipped, none twice.
func TestE2ERegionsMergedPaging(t *testing.T) {
	for _, tt := range []struct {
		name string
		cfg  func(*scnettest.Server, *slackemu.Server) *config.Config
	}{
		{"ak/sk login", func(sim *scnettest.Server, emu *slackemu.Server) *config.Config { return loginConfig(t, sim, emu) }},
		{"token list", func(sim *scnettest.Server, emu *slackemu.Server) *config.Config {
			cfg := e2eConfig(t, sim, emu)
			cfg.SCNetBaseURL, cfg.SCNetACURL = "", sim.ACBaseURL()
			cfg.SCNetToken = secret.Secret(sim.Region(scnettest.KunshanClusterID).Token() + "," + sim.Region(scnettest.XianClusterID).Token())
			return cfg
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, emu := newRegionsSim(t, 150)
			e := startBot(t, sim, emu, tt.cfg(sim, emu))
			want := regionRecords(sim.Region(scnettest.KunshanClusterID), scnet.StatusCompleted)
			for id := range regionRecords(sim.Region(scnettest.XianClusterID), scnet.StatusCompleted) {
				want[id] = true
			}

			_, page := e.command("completed")
			mustContain(t, page, "Completed instances", kunshan, xian, "Page 1 of")
			seen := map[string]int{}
			var pages [][]string
			for {
				ids := rowIDs(t, page)
				pages = append(pages, ids)
				for _, id := range ids {
					seen[id]++
				}
				if !strings.Contains(string(page.Blocks), "Next ▶") {
					break
				}
				page = e.click(page, "Next ▶")
				if len(pages) > 100 {
					t.Fatal("Next never ends")
				}
			}
			for id, n := range seen {
				if n != 1 {
					t.Errorf("instance %s shown %d times", id, n)
				}
				if !want[id] {
					t.Errorf("instance %s shown but not running in either region", id)
				}
			}
			for id := range want {
				if seen[id] == 0 {
					t.Errorf("running instance %s never shown", id)
				}
			}
			if len(pages) < 3 {
				t.Fatalf("%d pages: too few to test paging", len(pages))
			}
			// Prev walks back through the same pages.
			for i := len(pages) - 2; i >= 0; i-- {
				page = e.click(page, "◀ Prev")
				if got := strings.Join(rowIDs(t, page), ","); got != strings.Join(pages[i], ",") {
					t.Errorf("Prev to page %d shows %s, Next showed %s", i+1, got, strings.Join(pages[i], ","))
				}
			}
			if v := emu.Violations(); len(v) > 0 {
				t.Errorf("Block Kit violations: %v", v)
			}
		})
	}
}

// TestE2ERegionDownOthersAnswer: a region SCNet does not answer for is
// named with the reason in words, the other region's rows still show, and
// the reply never says "none found" for what it could not read.
func TestE2ERegionDownOthersAnswer(t *testing.T) {
	sim, emu := newRegionsSim(t, 60)
	cfg := loginConfig(t, sim, emu)
	cfg.CacheTTL.D = 0 // no cache: each command asks SCNet
	e := startBot(t, sim, emu, cfg)
	_, reply := e.command("running") // both regions found and answering
	mustContain(t, reply, kunshan, xian)

	sim.Region(scnettest.XianClusterID).SetDown(true)
	for _, text := range []string{"running", "completed", "running region:" + xian} {
		_, reply = e.command(text)
		all := everything(reply)
		mustContain(t, reply, xian, "cannot reach SCNet")
		if strings.Contains(all, "none found") || strings.Contains(all, "No instances match") {
			t.Errorf("/instances %s says none found for a region it could not read:\n%.1500s", text, all)
		}
		if text != "running region:"+xian {
			mustContain(t, reply, "1 of 2 regions", kunshan)
			if len(rowIDs(t, reply)) == 0 {
				t.Errorf("/instances %s: no rows from %s, which answered", text, kunshan)
			}
		}
	}
	sim.Region(scnettest.XianClusterID).SetDown(false)
	_, reply = e.command("running")
	if strings.Contains(everything(reply), "cannot reach") {
		t.Errorf("still not reached after SCNet came back:\n%.800s", everything(reply))
	}
}

// TestE2EFailureInOneRegionDuringAnothersOutage: region A is down long
// enough for its outage notice, which names A; an instance failing in
// region B meanwhile is alerted, naming B.
func TestE2EFailureInOneRegionDuringAnothersOutage(t *testing.T) {
	sim, emu := newRegionsSim(t, 60)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	cfg.WatchOutageAfter.D = 0
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 1)

	a, b := sim.Region(scnettest.KunshanClusterID), sim.Region(scnettest.XianClusterID)
	a.SetDown(true)
	wait.Until(t, "outage notice for "+kunshan, func() bool {
		return len(alertsAbout(emu, alertChannel, "SCNet unreachable")) == 1
	})
	notice := alertsAbout(emu, alertChannel, "SCNet unreachable")[0]
	mustContain(t, notice, kunshan)
	if strings.Contains(everything(notice), xian) {
		t.Errorf("outage notice of %s names %s:\n%s", kunshan, xian, everything(notice))
	}

	victim := firstWith(t, b, scnet.StatusRunning)
	if err := b.SetStatus(victim.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "alert for "+victim.Name+" in "+xian, func() bool { return len(alertsAbout(emu, alertChannel, victim.ID)) == 1 })
	alert := alertsAbout(emu, alertChannel, victim.ID)[0]
	mustContain(t, alert, "Failed", xian)

	a.SetDown(false)
	wait.Until(t, "recovery reply naming "+kunshan, func() bool {
		for _, m := range emu.ChannelMessages(alertChannel) {
			if m.ThreadTS == notice.TS && m.TS != notice.TS && strings.Contains(everything(m), kunshan) {
				return true
			}
		}
		return false
	})
	if n := len(alertsAbout(emu, alertChannel, "SCNet unreachable")); n != 1 {
		t.Errorf("%d outage notices, want the one of %s", n, kunshan)
	}
}

// TestE2ESuspendedRegion: the region the login sends a null token for is
// noticed once in the alert channel, with what to do, and not again after
// a restart; /instances regions lists it as suspended, not reachable, and
// the usable regions with their state.
func TestE2ESuspendedRegion(t *testing.T) {
	sim, emu := newRegionsSim(t, 30)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	e := startBot(t, sim, emu, cfg)
	suspended := func() []slackemu.Message { return alertsAbout(emu, alertChannel, "suspended") }
	wait.Until(t, "notice of the suspended region", func() bool { return len(suspended()) == 1 })
	mustContain(t, suspended()[0], huabei)
	e.regionsPolled(t, 2, 2)

	_, reply := e.command("regions")
	mustContain(t, reply, kunshan, xian, huabei, "Reachable", "Suspended")
	all := everything(reply)
	if i, j := strings.Index(all, huabei), strings.Index(all, "*Suspended*"); j < 0 || i < j {
		t.Errorf("%s is not listed under Suspended:\n%.2000s", huabei, all)
	}
	if strings.Count(all, "Reachable") != 2 {
		t.Errorf("want two reachable regions:\n%.2000s", all)
	}

	e.shutdown()
	e = startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 3)
	if n := len(suspended()); n != 1 {
		t.Errorf("%d notices of the suspended region after a restart, want 1", n)
	}
	// A suspended region is not one to pick: no rows, no "none found".
	_, reply = e.command("failed region:华北")
	if len(rowIDs(t, reply)) != 0 || strings.Contains(everything(reply), "none found") {
		t.Errorf("region:华北 (suspended) listed as if read:\n%.1000s", everything(reply))
	}
}

// TestE2ERegionWordAndRegionsCommand: region:<prefix> in Chinese picks one
// region; every row then is that region's.
func TestE2ERegionWordAndRegionsCommand(t *testing.T) {
	sim, emu := newRegionsSim(t, 60)
	e := startBot(t, sim, emu, loginConfig(t, sim, emu))
	xianIDs := regionRecords(sim.Region(scnettest.XianClusterID), scnet.StatusRunning)
	for id := range regionRecords(sim.Region(scnettest.XianClusterID), scnet.StatusCompleted) {
		xianIDs[id] = true
	}
	for _, word := range []string{"region:西北", "region:" + scnettest.XianClusterID, "region:西北一区【西安】"} {
		_, reply := e.command("running " + word)
		ids := rowIDs(t, reply)
		if len(ids) == 0 {
			t.Fatalf("%s: no rows:\n%.1000s", word, everything(reply))
		}
		for _, id := range ids {
			if !xianIDs[id] {
				t.Errorf("%s listed %s, not a running instance of %s", word, id, xian)
			}
		}
		if strings.Contains(everything(reply), ":round_pushpin: "+kunshan) {
			t.Errorf("%s shows a row of %s", word, kunshan)
		}
	}
	// 华 starts two regions' names, but only one is usable: the
	// suspended 华北一区 is no candidate.
	_, reply := e.command("running region:华")
	for _, id := range rowIDs(t, reply) {
		if xianIDs[id] {
			t.Errorf("region:华 listed %s of %s", id, xian)
		}
	}
	mustContain(t, reply, kunshan)
	_, reply = e.command("regions")
	mustContain(t, reply, "SCNet regions", kunshan, xian, "`"+scnettest.XianClusterID+"`")
}

// TestE2EWatchRoutes: WATCH_ROUTES sends 西北一区's alerts to its own
// channel; 华东一区, which it does not list, alerts in WATCH_CHANNEL.
func TestE2EWatchRoutes(t *testing.T) {
	const xianChannel = "C0XIAN"
	sim, emu := newRegionsSim(t, 60)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	if err := cfg.WatchRoutes.Decode(xian + "=" + xianChannel); err != nil {
		t.Fatal(err)
	}
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 1)

	a, b := sim.Region(scnettest.KunshanClusterID), sim.Region(scnettest.XianClusterID)
	inA, inB := firstWith(t, a, scnet.StatusRunning), firstWith(t, b, scnet.StatusRunning)
	for _, f := range []struct {
		rs *scnettest.RegionServer
		id string
	}{{a, inA.ID}, {b, inB.ID}} {
		if err := f.rs.SetStatus(f.id, scnet.StatusFailed); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "both alerts", func() bool {
		return len(alertsAbout(emu, alertChannel, inA.ID)) == 1 && len(alertsAbout(emu, xianChannel, inB.ID)) == 1
	})
	mustContain(t, alertsAbout(emu, xianChannel, inB.ID)[0], xian)
	e.regionsPolled(t, 2, 2)
	if n := len(alertsAbout(emu, alertChannel, inB.ID)); n != 0 {
		t.Errorf("%s's alert also in WATCH_CHANNEL (%d)", xian, n)
	}
	if n := len(alertsAbout(emu, xianChannel, inA.ID)); n != 0 {
		t.Errorf("%s's alert in %s's channel (%d)", kunshan, xian, n)
	}
	for _, m := range emu.ChannelMessages(xianChannel) {
		if strings.Contains(everything(m), kunshan) {
			t.Errorf("%s's channel got a message naming %s:\n%.500s", xian, kunshan, everything(m))
		}
	}
}

// TestE2EOneRegionStateMigrates is an upgrade: the one-region version ran
// with SCNET_CLUSTER naming 西北一区 (the account's second region) and left
// an open alert in its state file, written with the bare keys it used; the
// new version starts over the same file with every region. Nothing is
// alerted again, the old alert's Acknowledge button works, and the old
// alert's instance recovering is told in its thread, so its state went to
// the region it came from.
func TestE2EOneRegionStateMigrates(t *testing.T) {
	sim, emu := newRegionsSim(t, 60)
	b := sim.Region(scnettest.XianClusterID)
	victim := firstWith(t, b, scnet.StatusRunning)
	path := filepath.Join(t.TempDir(), "scnetbot.db")
	oldVersion(t, emu, b, path, victim.ID)
	old := alertsAbout(emu, alertChannel, victim.ID)
	if len(old) != 1 {
		t.Fatalf("the old version posted %d alerts for %s", len(old), victim.Name)
	}
	before := len(emu.ChannelMessages(alertChannel))

	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	cfg.StatePath = path
	cfg.SCNetCluster = "all"
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 3)
	// After the upgrade: 华东一区's first (silent) baseline and the
	// suspended region's notice, nothing else; no second baseline of
	// 西北一区, whose state it kept.
	checkQuiet := func() {
		t.Helper()
		for _, m := range emu.ChannelMessages(alertChannel)[before:] {
			all := everything(m)
			switch {
			case m.ThreadTS != "" && m.ThreadTS != m.TS:
				if strings.Contains(all, "deleted") {
					t.Errorf("the old alert's instance was reported deleted: its state went to the wrong region:\n%.500s", all)
				}
			case strings.Contains(all, "suspended in "+huabei):
			case strings.Contains(all, "Watching") && strings.Contains(all, kunshan):
			default:
				t.Errorf("a message after the upgrade:\n%.600s", all)
			}
		}
	}
	checkQuiet()

	in, err := emu.Click(timeout(t, 10*time.Second), old[0], "Acknowledge", "U0ONCALL")
	if err != nil {
		t.Fatal(err)
	}
	e.awaitAck(in)
	wait.Until(t, "the old alert acknowledged", func() bool {
		return strings.Contains(everything(alertsAbout(emu, alertChannel, victim.ID)[0]), "Acknowledged by")
	})

	if err := b.SetStatus(victim.ID, scnet.StatusRunning); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if t.Failed() {
			for _, m := range emu.ChannelMessages(alertChannel) {
				t.Logf("%s %s: %.300s", m.TS, m.ThreadTS, everything(m))
			}
		}
	}()
	wait.Until(t, "recovery in the old alert's thread", func() bool {
		for _, m := range emu.ChannelMessages(alertChannel) {
			if m.ThreadTS == old[0].TS && m.TS != old[0].TS && strings.Contains(everything(m), "recovered") {
				return true
			}
		}
		return false
	})
	checkQuiet()
	if got := alertsAbout(emu, alertChannel, victim.ID); len(got) != 1 {
		t.Errorf("after the upgrade %d top-level messages name %s, want the old alert only", len(got), victim.ID)
	}
}

// oldVersion does what the one-region version of scnetbot did over path:
// one watcher of one region, keyed by bare instance ids (no region), a
// silent baseline, then one alert for victim failing, delivered to Slack.
func oldVersion(t *testing.T, emu *slackemu.Server, rs *scnettest.RegionServer, path, victim string) {
	t.Helper()
	ctx := timeout(t, 20*time.Second)
	st, err := state.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	client, err := scnet.New(rs.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(rs.Token())))
	if err != nil {
		t.Fatal(err)
	}
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
	d := outbox.New(api, st, outbox.Config{})
	w := watcher.New(client, st, watcher.Config{
		Channel:  alertChannel,
		Interval: time.Minute,
		Statuses: config.Defaults().Statuses,
		Render:   alerts.NewRenderer(alerts.Config{}),
	})
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := rs.SetStatus(victim, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	if err := w.Poll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestE2ELoginSCNetDownAtStart starts the bot with an AK/SK login while
// SCNet (login and center) is down: it connects to Slack, a command and
// /readyz say SCNet cannot be reached, and once SCNet answers the
// watchers of every region start on their own, without a restart.
func TestE2ELoginSCNetDownAtStart(t *testing.T) {
	sim, emu := newRegionsSim(t, 10)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	sim.SetDown(true)
	e := startBot(t, sim, emu, cfg)

	_, reply := e.command("running")
	mustContain(t, reply, "cannot reach SCNet")
	if strings.Contains(everything(reply), "Running instances") {
		t.Fatal("listed instances while SCNet was down")
	}
	readyz := func() (int, string) {
		resp, err := http.Get("http://" + e.app.httpAddr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	wait.Until(t, "/readyz naming the regions not found", func() bool {
		code, body := readyz()
		return code == http.StatusServiceUnavailable && strings.Contains(body, "SCNet regions not found yet")
	})
	if n := len(e.app.group.Watchers()); n != 0 {
		t.Fatalf("%d watchers while SCNet was down, want none", n)
	}

	sim.SetDown(false)
	e.regionsPolled(t, 2, 1)
	wait.Until(t, "/readyz ready", func() bool { code, _ := readyz(); return code == http.StatusOK })
	_, reply = e.command("running")
	mustContain(t, reply, "Running instances")

	// Every SCNet request the bot makes shows in its metrics: the login,
	// the center (each region's AI base URL) and the account check.
	wait.Until(t, "the login, center and account requests in /metrics", func() bool {
		resp, err := http.Get("http://" + e.app.httpAddr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, ep := range []string{"login", "center", "user", "list"} {
			if !strings.Contains(string(b), `scnetbot_scnet_requests_total{endpoint="`+ep+`"`) {
				return false
			}
		}
		return true
	})
}

// TestE2ERegionFoundMidRun: a region the account is suspended in at start
// is watched without a restart once the suspension is lifted: the login
// asked again lists it, its watcher starts, /instances regions shows it
// reachable, and an instance failing there is alerted, naming it.
func TestE2ERegionFoundMidRun(t *testing.T) {
	sim, emu := newRegionsSim(t, 30)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	e := startBot(t, sim, emu, cfg, func(a *App) { a.regions.every = 100 * time.Millisecond })
	wait.Until(t, "notice of the suspended region", func() bool { return len(alertsAbout(emu, alertChannel, "suspended")) == 1 })
	e.regionsPolled(t, 2, 1)

	hb := sim.Region(scnettest.HuabeiClusterID)
	hb.SetSuspended(false)
	e.regionsPolled(t, 3, 1)
	_, reply := e.command("regions")
	if n := strings.Count(everything(reply), "Reachable"); n != 3 {
		t.Errorf("%d reachable regions, want 3:\n%.2000s", n, everything(reply))
	}

	victim := firstWith(t, hb, scnet.StatusRunning)
	if err := hb.SetStatus(victim.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "alert for "+victim.Name+" in "+huabei, func() bool { return len(alertsAbout(emu, alertChannel, victim.ID)) == 1 })
	mustContain(t, alertsAbout(emu, alertChannel, victim.ID)[0], "Failed", huabei)
	if n := len(alertsAbout(emu, alertChannel, "suspended")); n != 1 {
		t.Errorf("%d suspended notices, want the one from start", n)
	}
	if n := len(e.app.group.Watchers()); n != 3 {
		t.Errorf("%d watchers, want one per region (3)", n)
	}
}

// TestE2ETokensExpireMidRun: every region's token stops working while the
// watchers run; each region gets a new token (one login serves them all)
// and goes on polling, with no outage notice and no alert.
func TestE2ETokensExpireMidRun(t *testing.T) {
	sim, emu := newRegionsSim(t, 30)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 2)
	before := len(emu.ChannelMessages(alertChannel))
	logins := sim.RequestCount("/api/user/v3/tokens")

	sim.ExpireTokens()
	e.regionsPolled(t, 2, 3)
	if n := sim.RequestCount("/api/user/v3/tokens") - logins; n < 1 || n > 2 {
		t.Errorf("%d logins after the tokens expired, want one shared by the regions (two at most, if a poll raced it)", n)
	}
	if n := len(emu.ChannelMessages(alertChannel)); n != before {
		t.Errorf("%d channel messages after the tokens expired, want %d (nothing new):\n%v", n, before, emu.ChannelMessages(alertChannel)[before:])
	}
}

// TestE2ERegionFoundMidRunCommandsOnly: with the watcher off too, a region
// whose suspension is lifted is listed by the commands without a restart.
func TestE2ERegionFoundMidRunCommandsOnly(t *testing.T) {
	sim, emu := newRegionsSim(t, 30)
	cfg := loginConfig(t, sim, emu)
	e := startBot(t, sim, emu, cfg, func(a *App) { a.regions.every = 100 * time.Millisecond })
	_, reply := e.command("regions")
	mustContain(t, reply, "2 in use, 1 suspended")
	sim.Region(scnettest.HuabeiClusterID).SetSuspended(false)
	wait.Until(t, huabei+" in use", func() bool {
		_, reply := e.command("regions")
		return strings.Contains(everything(reply), "3 in use")
	})
}

// TestE2ETokenListOneRefused: SCNET_TOKEN lists two regions' tokens and
// SCNet refuses the second (expired, revoked): the first region's commands
// and watcher work, and the log and /readyz name the entry to replace,
// instead of no region working until every token is good.
func TestE2ETokenListOneRefused(t *testing.T) {
	sim, emu := newRegionsSim(t, 30)
	cfg := e2eConfig(t, sim, emu)
	watchFast(cfg)
	cfg.SCNetBaseURL, cfg.SCNetACURL = "", sim.ACBaseURL()
	cfg.SCNetToken = secret.Secret(sim.Region(scnettest.KunshanClusterID).Token() + ",eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.revoked")
	e := startBot(t, sim, emu, cfg)

	_, reply := e.command("regions")
	mustContain(t, reply, kunshan, "1 in use")
	e.regionsPolled(t, 1, 1)
	resp, err := http.Get("http://" + e.app.httpAddr + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "SCNET_TOKEN entry 2") {
		t.Errorf("/readyz = %d %s; want 503 naming SCNET_TOKEN entry 2", resp.StatusCode, body)
	}
	if !strings.Contains(e.logs.String(), "SCNET_TOKEN entry 2") {
		t.Error("the log does not name the refused entry")
	}
	if strings.Contains(e.logs.String()+string(body), "revoked") {
		t.Error("the refused token reached the log or /readyz")
	}
}
