package app

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"scnetbot/blockkit"
	"scnetbot/config"
	"scnetbot/i18n"
	"scnetbot/internal/pgtest"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// outsider is a user ALLOWED_USERS leaves out.
const outsider = "U0OUTSIDER"

// homeText is what a person sees of a Home tab.
func homeText(v slackemu.View) string { return visible(slackemu.Message{Blocks: v.Blocks}) }

// showing is a WaitHome condition: the tab shows every one of wants.
func showing(wants ...string) func(slackemu.View) bool {
	return func(v slackemu.View) bool {
		all := homeText(v)
		for _, w := range wants {
			if !strings.Contains(all, w) {
				return false
			}
		}
		return true
	}
}

// home waits for user's Home tab to show every one of wants, and checks
// that it is a valid Home tab.
func (e *e2e) home(t *testing.T, user string, wants ...string) slackemu.View {
	t.Helper()
	v, err := e.emu.WaitHome(timeout(t, 20*time.Second), user, showing(wants...))
	if err != nil {
		got, n := e.emu.HomeView(user)
		t.Fatalf("%v\n%d published; the last:\n%s\nlogs:\n%s", err, n, homeText(got), e.logs.String())
	}
	if v.Type != "home" {
		t.Errorf("%s's tab is a %q view, want home", user, v.Type)
	}
	if vs := blockkit.Validate(v.Blocks); len(vs) > 0 {
		t.Errorf("%s's tab breaks Block Kit: %v", user, vs)
	}
	return v
}

func (e *e2e) openHome(t *testing.T, user string) {
	t.Helper()
	if _, err := e.emu.OpenHome(timeout(t, 10*time.Second), user); err != nil {
		t.Fatal(err)
	}
}

// TestE2EHomeTab: the real bot's Home tab. Opened, it is published in the
// opener's language with the instances counted by status and no
// incident; an instance fails and the open tab is published again, with
// the incident, without being opened again; acknowledged, it names who;
// someone ALLOWED_USERS leaves out is told so and shown nothing; opening
// the Messages tab publishes nothing; a views.publish Slack rate-limits
// is published all the same.
func TestE2EHomeTab(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(40, 7))
	withReaders(emu)
	cfg := e2eConfig(t, sim, emu)
	watchFast(cfg)
	cfg.AllowedUsers = config.List{zhUser, enUser, "U0LIMITED", "U0MESSAGES"}
	victim := sim.Add(scnettest.Record{Name: "e2e-home-victim", Status: scnet.StatusRunning})
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 1, 1)

	running := 0
	for _, r := range sim.Records() {
		if r.Status == scnet.StatusRunning {
			running++
		}
	}
	e.openHome(t, zhUser)
	zh := e.home(t, zhUser, "SCNet 实例概览", zhT("HomeNoIncidents"), "运行中 "+strconv.Itoa(running))
	if s := homeText(zh); strings.Contains(s, "at a glance") || strings.Contains(s, "No open incidents") {
		t.Errorf("the Chinese reader's tab has English in it:\n%s", s)
	}
	e.openHome(t, enUser)
	en := e.home(t, enUser, "SCNet instances at a glance", "No open incidents", "Running "+strconv.Itoa(running))
	if s := homeText(en); strings.Contains(s, "概览") {
		t.Errorf("the English reader's tab has Chinese in it:\n%s", s)
	}

	// Polls that change nothing publish nothing: the tab is published
	// again when what it shows changes, not at every poll.
	e.delivered(t)
	_, zhN := emu.HomeView(zhUser)
	_, enN := emu.HomeView(enUser)
	e.regionsPolled(t, 1, 5)
	if _, n := emu.HomeView(zhUser); n != zhN {
		t.Errorf("five polls that changed nothing published the Chinese tab %d more times", n-zhN)
	}
	if _, n := emu.HomeView(enUser); n != enN {
		t.Errorf("five polls that changed nothing published the English tab %d more times", n-enN)
	}

	// The outsider: told, shown nothing of the instances.
	e.openHome(t, outsider)
	refused := e.home(t, outsider, "ALLOWED_USERS")
	if s := homeText(refused); strings.Contains(s, "Running") || strings.Contains(s, "e2e-home-victim") {
		t.Errorf("the outsider's tab shows the instances:\n%s", s)
	}

	// An instance fails: the open tabs show the incident, unacknowledged,
	// with no new app_home_opened.
	_, zhBefore := emu.HomeView(zhUser)
	alert := e.failAndAlert(t, victim.ID)
	e.home(t, zhUser, "e2e-home-victim", zhT("HomeNotAcked"), "失败 ")
	e.home(t, enUser, "e2e-home-victim", "not acknowledged")
	if _, n := emu.HomeView(zhUser); n <= zhBefore {
		t.Errorf("the Chinese tab was published %d times after the failure, as before (%d)", n, zhBefore)
	}

	// Acknowledged: the tabs name who.
	_, acked := e.clickAs(alert, "Acknowledge", enUser)
	sees(t, acked, "Acknowledged by <@"+enUser+">")
	e.home(t, zhUser, "e2e-home-victim", zhT("HomeAckedBy", "User", "<@"+enUser+">"))
	e.home(t, enUser, "e2e-home-victim", "<@"+enUser+">")
	if s, n := emu.HomeView(outsider); n != 1 || strings.Contains(homeText(s), "e2e-home-victim") {
		t.Errorf("the outsider's tab was published %d times, want once, and reads:\n%s", n, homeText(s))
	}

	// The Messages tab is the bot's DM: nothing to publish.
	const quiet = "U0MESSAGES"
	if _, err := emu.OpenAppHome(timeout(t, 10*time.Second), quiet, slackemu.TabMessages); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the Messages tab's event ignored", func() bool {
		return strings.Contains(e.logs.String(), `"msg":"ignoring event"`)
	})
	if _, n := emu.HomeView(quiet); n != 0 {
		t.Errorf("opening the Messages tab published %d Home tabs", n)
	}

	// Rate-limited once: published after Slack's Retry-After.
	const limited = "U0LIMITED"
	calls := emu.Calls("views.publish")
	emu.RateLimitNext("views.publish", 1, time.Second)
	e.openHome(t, limited)
	e.home(t, limited, "SCNet instances at a glance", "e2e-home-victim")
	if n := emu.Calls("views.publish") - calls; n < 2 {
		t.Errorf("a rate-limited publish made %d calls, want at least 2 (refused, then published)", n)
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2EHomeAndDigestAcrossRegions: over an AK/SK login to two usable
// regions and a suspended one, the Home tab counts each region apart and
// names the region of an incident, and the digest (Chinese, BOT_LANGUAGE
// zh) covers both regions and says the account is suspended in the third.
func TestE2EHomeAndDigestAcrossRegions(t *testing.T) {
	loc := digestZone(t)
	sim, emu := newRegionsSim(t, 30)
	withReaders(emu)
	cfg := loginConfig(t, sim, emu)
	watchFast(cfg)
	botLanguage(cfg, i18n.Chinese)
	cfg.DisplayTimezone, cfg.Location = loc.String(), loc
	digestAt(cfg, pastAt)
	xian := sim.Region(scnettest.XianClusterID)
	victim := xian.Add(scnettest.Record{Name: "e2e-xian-victim", Status: scnet.StatusRunning})
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 2, 1)

	names := []string{}
	for _, rs := range sim.Regions()[:2] {
		names = append(names, rs.Name())
	}
	e.openHome(t, enUser)
	e.home(t, enUser, append([]string{"SCNet instances at a glance", "No open incidents"}, names...)...)
	e.openHome(t, zhUser)
	e.home(t, zhUser, append([]string{"SCNet 实例概览"}, names...)...)

	if err := xian.SetStatus(victim.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the alert in Xi'an", func() bool { return len(alertsAbout(emu, alertChannel, victim.ID)) == 1 })
	e.home(t, enUser, "e2e-xian-victim", xian.Name(), "not acknowledged")
	e.home(t, zhUser, "e2e-xian-victim", xian.Name(), zhT("HomeNotAcked"))

	d := waitDigests(t, e, 1)[0]
	reads(t, "the digest of two regions", d, append([]string{"每日摘要", "华北一区"}, names...), []string{"Daily digest"})

	// The incident is the digest's too: asked for now, it counts it and
	// names it as the longest open, with its region.
	if err := e.app.PostDigest(timeout(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	now := waitDigests(t, e, 2)[1]
	reads(t, "the digest after an incident", now, []string{"新增 1 起", "仍未解决 1 起", "e2e-xian-victim", xian.Name(), zhT("DigestNotAcked")}, nil)
}

// TestE2EStormInHomeAndDigest: with BOT_LANGUAGE=zh, six instances fail in
// one poll: one storm summary in Chinese; an English reader acknowledges
// it; the Home tab shows each of the six acknowledged by them, and the
// digest counts them as one storm.
func TestE2EStormInHomeAndDigest(t *testing.T) {
	loc := digestZone(t)
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	withReaders(emu)
	cfg := digestConfig(t, sim, emu, loc, futureAt)
	cfg.WatchInterval.D = 300 * time.Millisecond
	botLanguage(cfg, i18n.Chinese)
	var storm []scnettest.Record
	for i := range 6 {
		storm = append(storm, sim.Add(scnettest.Record{Name: "e2e-storm-" + strconv.Itoa(i), Status: scnet.StatusRunning}))
	}
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 1, 1)
	wait.Until(t, "the baseline summary", func() bool { return len(topLevel(emu, alertChannel)) == 1 })
	e.delivered(t)
	before := len(topLevel(emu, alertChannel))
	for _, r := range storm {
		if err := sim.SetStatus(r.ID, scnet.StatusFailed); err != nil {
			t.Fatal(err)
		}
	}
	wait.Until(t, "the storm summary", func() bool { return len(topLevel(emu, alertChannel)) > before })
	e.delivered(t)
	if n := len(topLevel(emu, alertChannel)) - before; n != 1 {
		t.Fatalf("%d top-level messages for six failures in one poll, want one storm summary", n)
	}
	summary := topLevel(emu, alertChannel)[before]
	reads(t, "the storm summary", summary, []string{"6 个实例", zhT("AlertAckButton")}, []string{"instances changed", "Acknowledge"})

	_, acked := e.clickAs(summary, zhT("AlertAckButton"), enUser)
	reads(t, "the acknowledged storm", acked, []string{"<@" + enUser + "> 已于"}, []string{"Acknowledged by"})

	e.openHome(t, enUser)
	v := e.home(t, enUser, "6 open incidents")
	s := homeText(v)
	for _, r := range storm {
		if !strings.Contains(s, r.Name) {
			t.Errorf("the Home tab does not show %s:\n%s", r.Name, s)
		}
	}
	if n := strings.Count(s, "acknowledged by <@"+enUser+">"); n != 6 {
		t.Errorf("the Home tab shows %d incidents acknowledged by %s, want 6 (the storm's):\n%s", n, enUser, s)
	}

	if err := e.app.PostDigest(timeout(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	d := waitDigests(t, e, 1)[0]
	reads(t, "the digest of a storm", d, []string{"新增 6 起", "其中 6 起来自 1 次告警风暴", zhT("DigestAckedBy", "User", "<@"+enUser+">")}, nil)
}

// TestE2EHomeOnTwoReplicasOnPostgres: two bots on one database; each
// user's app_home_opened lands on whichever replica Slack hands it to. The
// follower, which does not poll, still shows the leader's incidents: its
// tabs read the shared store, every 2 seconds with STATE_URL rather than
// the default 10 (nothing tells a follower that the leader's polls changed
// it). The latency is logged, not asserted: a wall-clock bound would
// flake on a busy machine.
func TestE2EHomeOnTwoReplicasOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(30, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	withReaders(emu)
	cfg := e2eConfig(t, sim, emu)
	watchFast(cfg)
	cfg.StateURL = config.DatabaseURL(url)
	cfg.StatePath = ""
	cfg.StateLeaseTimeout.D = time.Second
	cfg2 := *cfg
	victim := sim.Add(scnettest.Record{Name: "e2e-home-replicas", Status: scnet.StatusRunning})
	a := startBot(t, sim, emu, cfg)
	startBot(t, sim, emu, &cfg2)
	if err := emu.WaitConnected(timeout(t, 20*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the baseline summary", func() bool { return len(topLevel(emu, alertChannel)) == 1 })
	// Enough openers that both replicas get some, however the emulator
	// hands the envelopes round.
	users := []string{zhUser, enUser, "U0THIRD", "U0FOURTH"}
	for _, u := range users {
		a.openHome(t, u)
	}
	a.home(t, zhUser, "SCNet 实例概览", zhT("HomeNoIncidents"))
	for _, u := range users[1:] {
		a.home(t, u, "SCNet instances at a glance", "No open incidents")
	}
	if err := sim.SetStatus(victim.ID, scnet.StatusFailed); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the alert", func() bool { return len(alertsAbout(emu, alertChannel, victim.ID)) == 1 })
	start := time.Now()
	a.home(t, zhUser, "e2e-home-replicas", zhT("HomeNotAcked"))
	for _, u := range users[1:] {
		a.home(t, u, "e2e-home-replicas", "not acknowledged")
	}
	t.Logf("every tab showed the incident %v after its alert", time.Since(start).Round(time.Millisecond))
}

// TestE2EHomeShowsAnOutage: SCNet stops answering: the open tabs say the
// watcher is failing, then that SCNet cannot be reached once the outage
// notice is out, each in its reader's language, and healthy again once
// SCNet is back — all without being opened again.
func TestE2EHomeShowsAnOutage(t *testing.T) {
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	withReaders(emu)
	cfg := e2eConfig(t, sim, emu)
	watchFast(cfg)
	cfg.WatchOutageAfter.D = 500 * time.Millisecond
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 1, 1)
	e.openHome(t, zhUser)
	e.openHome(t, enUser)
	e.home(t, zhUser, ":large_green_circle: 正常")
	e.home(t, enUser, ":large_green_circle: Healthy")
	_, zhOpened := emu.HomeView(zhUser)

	sim.SetDown(true)
	e.home(t, zhUser, zhT("HomeStateOutage"))
	e.home(t, enUser, "SCNet unreachable")
	sim.SetDown(false)
	e.home(t, zhUser, ":large_green_circle: 正常")
	e.home(t, enUser, ":large_green_circle: Healthy")
	if _, n := emu.HomeView(zhUser); n < zhOpened+2 {
		t.Errorf("the Chinese tab was published %d times after it opened, want at least 2 (outage, recovery)", n-zhOpened)
	}
}
