package watcher_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/alerts"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/outbox"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/tracked"
	"scnetbot/watcher"
)

// region is one simulated SCNet region with its own channel and watcher.
type region struct {
	id, name, channel string
	sim               *scnettest.Server
	client            *scnet.Client
	w                 *watcher.Watcher
}

// regionsEnv is one watcher per region over one bbolt file, one outbox and
// one emulated Slack, grouped the way the app groups them.
type regionsEnv struct {
	t       *testing.T
	ctx     context.Context
	clock   *clock
	emu     *slackemu.Server
	api     *slack.Client
	path    string
	st      *state.Bolt
	d       *outbox.Deliverer
	g       *watcher.Group
	a       *alerts.Buttons
	render  *alerts.Renderer
	cfg     watcher.Config // shared settings; Region, RegionName and Channel are set per region
	regions []*region
	log     *syncbuf.Buffer
}

// newRegionsEnv simulates one region per name ("西北一区=C0123"): each with
// its own SCNet, instances and channel.
func newRegionsEnv(t *testing.T, routes []string, cfg func(*watcher.Config)) *regionsEnv {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	t.Cleanup(cancel)
	e := &regionsEnv{t: t, ctx: ctx, clock: &clock{}, path: filepath.Join(t.TempDir(), "state.db"), log: &syncbuf.Buffer{}}
	e.render = alerts.NewRenderer(alerts.Config{Now: e.clock.Now, Logger: quiet()})
	e.cfg = watcher.Config{Interval: time.Minute, Now: e.clock.Now, OutageAfter: 5 * time.Minute,
		Render: e.render, Logger: slog.New(slog.NewTextHandler(e.log, nil))}
	if cfg != nil {
		cfg(&e.cfg)
	}
	e.emu = slackemu.New()
	t.Cleanup(e.emu.Close)
	e.api = slack.New(e.emu.BotToken(), slack.OptionAPIURL(e.emu.APIURL()))
	for i, route := range routes {
		name, ch, _ := strings.Cut(route, "=")
		r := &region{id: "r" + string(rune('1'+i)), name: name, channel: ch}
		r.sim = scnettest.New(scnettest.WithClock(e.clock.Now))
		t.Cleanup(r.sim.Close)
		c, err := scnet.New(r.sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(r.sim.Token())),
			scnet.WithRetry(1, time.Millisecond), scnet.WithTimeout(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		r.client = c
		e.regions = append(e.regions, r)
	}
	e.open()
	return e
}

// open (re)opens the store and builds every region's watcher, as a
// restarted process would.
func (e *regionsEnv) open() {
	e.t.Helper()
	st, err := state.Open(e.path)
	if err != nil {
		e.t.Fatal(err)
	}
	e.st = st
	e.t.Cleanup(func() { _ = st.Close() })
	e.d = outbox.New(e.api, st, outbox.Config{PerChannelInterval: time.Millisecond,
		SendTimeout: 300 * time.Millisecond, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond,
		HistoryLag: time.Millisecond, Logger: quiet()})
	e.g = watcher.NewGroup()
	for _, r := range e.regions {
		r.w = watcher.New(r.client, st, e.regionConfig(r))
		e.g.Add(r.w)
	}
	e.a = alerts.NewButtons(e.g, e.render)
}

func (e *regionsEnv) regionConfig(r *region) watcher.Config {
	cfg := e.cfg
	cfg.Region, cfg.RegionName, cfg.Channel = r.id, r.name, r.channel
	cfg.AccountStore = e.st // the root, as app gives it
	cfg.Notify = e.d.Kick
	return cfg
}

func (e *regionsEnv) restart() {
	e.t.Helper()
	if err := e.st.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.open()
}

// step advances the clock by one interval and polls every region; failed
// polls are expected where a test broke a region, so they are returned.
func (e *regionsEnv) step() []error {
	e.clock.Advance(e.cfg.Interval)
	errs := make([]error, len(e.regions))
	for i, r := range e.regions {
		errs[i] = r.w.Poll(e.ctx)
	}
	return errs
}

// stepOK is step where every poll must succeed.
func (e *regionsEnv) stepOK() {
	e.t.Helper()
	for i, err := range e.step() {
		if err != nil {
			e.t.Fatalf("poll of %s: %v", e.regions[i].name, err)
		}
	}
}

func (e *regionsEnv) drain() {
	e.t.Helper()
	if err := e.d.Drain(e.ctx); err != nil {
		e.t.Fatalf("drain: %v", err)
	}
	if v := e.emu.Violations(); len(v) > 0 {
		e.t.Fatalf("Block Kit violations: %v", v)
	}
}

// top returns a channel's top-level messages.
func (e *regionsEnv) top(ch string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range e.emu.ChannelMessages(ch) {
		if m.ThreadTS == "" || m.ThreadTS == m.TS {
			out = append(out, m)
		}
	}
	return out
}

// replies returns a channel's thread replies.
func (e *regionsEnv) replies(ch string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range e.emu.ChannelMessages(ch) {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			out = append(out, m)
		}
	}
	return out
}

// instanceAlerts returns a channel's top-level instance alerts.
func (e *regionsEnv) instanceAlerts(ch string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range e.top(ch) {
		if strings.Contains(string(m.Blocks), `"alert.details"`) {
			out = append(out, m)
		}
	}
	return out
}

func setStatus(t *testing.T, sim *scnettest.Server, id string, s scnet.Status) {
	t.Helper()
	if err := sim.SetStatus(id, s); err != nil {
		t.Fatal(err)
	}
}

// TestRegionFailureAlertedDuringOtherRegionsOutage: region A is down for
// eight minutes; a failure in region B meanwhile is alerted at once, in B's
// channel, and A's outage notice and recovery name A, in A's channel.
func TestRegionFailureAlertedDuringOtherRegionsOutage(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	a, b := e.regions[0], e.regions[1]
	b1 := b.sim.Add(scnettest.Record{Name: "trainer-b", Status: scnet.StatusRunning})
	a.sim.Add(scnettest.Record{Name: "trainer-a", Status: scnet.StatusRunning})
	e.stepOK()
	e.drain()

	a.sim.SetDown(true)
	for i := range 8 {
		if i == 3 {
			setStatus(t, b.sim, b1.ID, scnet.StatusFailed)
		}
		errs := e.step()
		if errs[0] == nil || errs[1] != nil {
			t.Fatalf("minute %d: polls = %v, want A failing and B answering", i, errs)
		}
		e.drain()
		if i == 3 {
			if got := e.instanceAlerts(b.channel); len(got) != 1 || !strings.Contains(got[0].Text, "trainer-b") {
				t.Fatalf("B's failure during A's outage: alerts in B's channel = %v", got)
			}
		}
	}
	if n := len(e.instanceAlerts(a.channel)); n != 0 {
		t.Errorf("%d instance alerts in A's channel", n)
	}
	if n := countContaining(e.top(b.channel), "SCNet unreachable"); n != 0 {
		t.Errorf("%d outage notices in B's channel, want 0", n)
	}
	outage := e.top(a.channel)
	if n := countContaining(outage, "SCNet unreachable in 西北一区"); n != 1 {
		t.Fatalf("outage notices naming A in A's channel: %d, messages %v", n, outage)
	}
	h, err := e.g.Health(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Regions) != 2 || !h.Regions[0].Outage || h.Regions[1].Outage || h.Regions[0].Name != "西北一区" ||
		h.Regions[0].LastCause == nil || h.Regions[1].LastCause != nil || h.Regions[1].Tracked != 1 || !h.Outage {
		t.Errorf("health during A's outage = %+v", h)
	}
	if h.Regions[0].Channel != a.channel || h.Regions[1].Channel != b.channel || h.Channel != "" {
		t.Errorf("channels in the health: group %q, regions %q and %q; want \"\", %q and %q",
			h.Channel, h.Regions[0].Channel, h.Regions[1].Channel, a.channel, b.channel)
	}

	a.sim.SetDown(false)
	e.stepOK()
	e.drain()
	if n := countContaining(e.replies(a.channel), "SCNet answers again in 西北一区"); n != 1 {
		t.Errorf("recovery replies naming A: %d in %v", n, e.replies(a.channel))
	}
	if n := len(e.replies(b.channel)); n != 0 {
		t.Errorf("%d replies in B's channel", n)
	}
}

// TestSlowRegionDoesNotDelayOthers: with every region's poll loop running,
// a region whose SCNet takes seconds to answer does not hold up another
// region's alert.
func TestSlowRegionDoesNotDelayOthers(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, func(c *watcher.Config) {
		c.Interval, c.OutageAfter, c.Now = 20*time.Millisecond, 30*time.Second, nil
	})
	a, b := e.regions[0], e.regions[1]
	b1 := b.sim.Add(scnettest.Record{Name: "trainer-b", Status: scnet.StatusRunning})
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 2)
	go func() { done <- e.g.Run(ctx) }()
	go func() { done <- e.d.Run(ctx) }()
	defer func() {
		cancel()
		<-done
		<-done
	}()
	waitFor(t, 5*time.Second, "both regions' baselines", e.g.Started)
	a.sim.SetLatency(20 * time.Second)
	time.Sleep(50 * time.Millisecond) // A's next poll is now stuck
	start := time.Now()
	setStatus(t, b.sim, b1.ID, scnet.StatusFailed)
	waitFor(t, 5*time.Second, "B's alert", func() bool { return len(e.instanceAlerts(b.channel)) == 1 })
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("B's alert took %s while A was slow", d)
	}
	a.sim.SetLatency(0)
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %s", what, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRoutesPerRegion: alerts, storms, their threads and the outage notice
// go to their own region's channel.
func TestRoutesPerRegion(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456", "华南一区=C0789"}, func(c *watcher.Config) {
		c.StormThreshold = 2
		c.OutageAfter = -1
	})
	a, b, c := e.regions[0], e.regions[1], e.regions[2]
	var stormIDs []string
	for i := range 3 {
		stormIDs = append(stormIDs, b.sim.Add(scnettest.Record{Name: "storm-" + string(rune('a'+i)), Status: scnet.StatusRunning}).ID)
	}
	one := a.sim.Add(scnettest.Record{Name: "single-a", Status: scnet.StatusRunning})
	e.stepOK()
	e.drain()
	for _, r := range e.regions {
		if n := countContaining(e.top(r.channel), "Watching"); n != 1 {
			t.Errorf("%s: %d baseline messages in its channel, want 1", r.name, n)
		}
	}
	setStatus(t, a.sim, one.ID, scnet.StatusFailed)
	for _, id := range stormIDs {
		setStatus(t, b.sim, id, scnet.StatusFailed)
	}
	c.sim.SetDown(true)
	e.step()
	e.drain()
	if got := e.instanceAlerts(a.channel); len(got) != 1 || !strings.Contains(got[0].Text, "single-a") || !strings.Contains(blocksOf(got[0]), "(`"+one.ID+"`) in 西北一区 went *") {
		t.Errorf("A's channel alerts: %d, texts %v", len(got), texts(got))
	}
	if n := countContaining(e.top(b.channel), "3 instances changed status in 华东一区"); n != 1 {
		t.Errorf("B's channel: %d storm summaries, want 1: %v", n, e.top(b.channel))
	}
	if n := countContaining(e.replies(b.channel), "storm-a"); n != 1 {
		t.Errorf("B's storm thread lists storm-a %d times", n)
	}
	if n := countContaining(e.top(c.channel), "SCNet unreachable in 华南一区"); n != 1 {
		t.Errorf("C's channel: %d outage notices naming C", n)
	}
	for _, ch := range []string{a.channel, b.channel} {
		if n := countContaining(e.top(ch), "SCNet unreachable"); n != 0 {
			t.Errorf("%s: %d outage notices", ch, n)
		}
	}
	// Thread news of B's storm members stays in B's channel.
	setStatus(t, b.sim, stormIDs[0], scnet.StatusRunning)
	c.sim.SetDown(false)
	e.stepOK()
	e.drain()
	if n := countContaining(e.replies(b.channel), "recovered"); n != 1 {
		t.Errorf("B's storm thread: %d recovery lines, want 1: %v", n, e.replies(b.channel))
	}
	if n := countContaining(e.replies(c.channel), "SCNet answers again in 华南一区"); n != 1 {
		t.Errorf("C's recovery replies: %d", n)
	}
	if n := len(e.emu.ChannelMessages(channel)); n != 0 {
		t.Errorf("%d messages in a channel no region routes to", n)
	}
}

// TestLegacyStateAdoptedWithoutRealert: a state file of the one-region
// version, with an open alert and a snooze, is moved under the region the
// one-region version watched; the polls after raise no alert, the old
// alert's buttons still work and the snooze still holds.
func TestLegacyStateAdoptedWithoutRealert(t *testing.T) {
	old := newEnv(t, 0)
	x := old.alerted("legacy-x")
	y := old.add(scnettest.Record{Name: "legacy-y", Status: scnet.StatusRunning})
	old.step()
	if _, err := old.w.Snooze(old.ctx, "legacy-y", 4*time.Hour, "U1"); err != nil {
		t.Fatal(err)
	}
	old.drain()
	oldAlerts := old.alerts()
	if len(oldAlerts) != 1 {
		t.Fatalf("one-region run: %d alerts", len(oldAlerts))
	}
	ackValue := buttonValue(t, blocksOf(oldAlerts[0]), "alert.ack")
	if err := old.st.Close(); err != nil {
		t.Fatal(err)
	}

	// The new version: the same SCNet as region r1, plus a second region.
	st, err := state.Open(old.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for range 2 { // a restart adopts nothing twice
		if err := state.AdoptLegacy(old.ctx, st, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	d := outbox.New(old.api, st, outbox.Config{PerChannelInterval: time.Millisecond, SendTimeout: 300 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, HistoryLag: time.Millisecond, Logger: quiet()})
	cfg := old.cfg
	cfg.Notify = d.Kick
	cfg.Region, cfg.RegionName = "r1", "华东一区"
	w1 := watcher.New(old.client, st, cfg)
	other := scnettest.New(scnettest.WithInstances(5, 3), scnettest.WithClock(old.clock.Now))
	t.Cleanup(other.Close)
	oc, err := scnet.New(other.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(other.Token())), scnet.WithRetry(1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	cfg2 := cfg
	cfg2.Region, cfg2.RegionName, cfg2.Channel = "r2", "西北一区", "C0OTHER"
	w2 := watcher.New(oc, st, cfg2)
	g := watcher.NewGroup(w1, w2)
	buttons := alerts.NewButtons(g, old.render)
	poll := func() {
		t.Helper()
		old.clock.Advance(time.Minute)
		for _, w := range []*watcher.Watcher{w1, w2} {
			if err := w.Poll(old.ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := d.Drain(old.ctx); err != nil {
			t.Fatal(err)
		}
	}
	before := len(old.emu.ChannelMessages(channel))
	poll()
	poll()
	if got := old.emu.ChannelMessages(channel); len(got) != before {
		t.Fatalf("after adoption %d new messages in the old channel (a second baseline or a re-alert): %v", len(got)-before, got[before:])
	}
	if h, err := w1.Health(old.ctx); err != nil || len(h.Snoozes) != 1 || h.Snoozes[0].InstanceID != y.ID || h.Tracked != 2 {
		t.Errorf("adopted region's health = %+v, %v", h, err)
	}
	// The snooze still holds: legacy-y fails, and no alert follows.
	old.setStatus(y.ID, scnet.StatusFailed)
	poll()
	if n := len(old.alerts()); n != 1 {
		t.Errorf("a snoozed instance failing after adoption: %d alerts, want still 1", n)
	}
	// The old alert's buttons work through the group.
	cb := slack.InteractionCallback{User: slack.User{ID: "U7"}}
	reply := buttons.Action(old.ctx, cb, &slack.BlockAction{ActionID: "alert.ack", Value: ackValue})
	if reply == nil || !reply.ReplaceOriginal || !strings.Contains(blocksJSON(t, reply), "Acknowledged by <@U7>") {
		t.Fatalf("ack of an old alert = %+v", reply)
	}
	snoozeValue := buttonValue(t, blocksJSON(t, reply), "alert.snooze.1h")
	if reply := buttons.Action(old.ctx, cb, &slack.BlockAction{ActionID: "alert.snooze.1h", Value: snoozeValue}); reply == nil || !strings.Contains(blocksJSON(t, reply), "Snoozed until") {
		t.Errorf("snooze of an old alert = %+v", reply)
	}
	// Its news still goes into its thread.
	old.setStatus(x.ID, scnet.StatusRunning)
	poll()
	_, replies := old.messages()
	if n := countContaining(replies, "recovered"); n != 1 {
		t.Errorf("recovery of the old alert's instance: %d thread lines, want 1", n)
	}
	if n := len(old.alerts()); n != 1 {
		t.Errorf("%d alerts at the end, want the old one only", n)
	}
}

// TestSuspendedRegionNoticedOnce: the notice of a suspended region is
// posted once, with what to do, across restarts.
func TestSuspendedRegionNoticedOnce(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123"}, nil)
	notice := func() {
		t.Helper()
		cfg := e.regionConfig(e.regions[0])
		cfg.Region, cfg.RegionName = "r9", "华东<三>区"
		if err := watcher.NoticeSuspended(e.ctx, e.st, cfg); err != nil {
			t.Fatal(err)
		}
		e.drain()
	}
	notice()
	notice()
	e.restart()
	notice()
	got := e.top("C0123")
	if n := countContaining(got, "suspended in 华东&lt;三&gt;区"); n != 1 || countContaining(got, "pay the arrears or ask SCNet support") != 1 {
		t.Errorf("suspended notices = %v", got)
	}
	if n := strings.Count(e.log.String(), "suspended"); n != 1 {
		t.Errorf("%d log lines about the suspended region, want 1:\n%s", n, e.log)
	}
	// A suspended region's notice leaves the regions' own state alone.
	e.stepOK()
	e.drain()
	if n := countContaining(e.top("C0123"), "Watching"); n != 1 {
		t.Errorf("%d baselines after the notice", n)
	}
}

// TestFrozenAccountWarnedOnce: polls refused with code 10007 in three
// regions post ONE account warning, in the account channel, listing the
// regions, not an outage notice nor a notice per region; a restart posts
// nothing more; a region answering while others are refused is no
// recovery; once every region answers, one reply ends it in its thread.
func TestFrozenAccountWarnedOnce(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456", "华北一区=C0789"}, func(c *watcher.Config) {
		c.OutageAfter = -1
		c.AccountChannel = channel
	})
	e.stepOK()
	refuse := func(rs ...*region) {
		t.Helper()
		for _, r := range rs {
			r.sim.FailNextCode(1, string(scnet.CodeUserFrozen))
		}
		errs := e.step()
		for i, r := range e.regions {
			if refused := slices.Contains(rs, r); refused != scnet.IsFrozen(errs[i]) {
				t.Fatalf("poll of %s = %v, refused %v", r.name, errs[i], refused)
			}
		}
		e.drain()
	}
	all := e.regions
	refuse(all[0])
	refuse(all...)
	refuse(all...)
	e.restart()
	refuse(all...)
	acct := e.top(channel)
	if len(acct) != 1 || countContaining(acct, "SCNet account frozen") != 1 ||
		countContaining(acct, "refuses the polls in 华东一区, 华北一区, 西北一区") != 1 {
		t.Fatalf("account channel = %v, want one warning listing the three regions", texts(acct))
	}
	for _, r := range all {
		if got := e.top(r.channel); countContaining(got, "frozen") != 0 || countContaining(got, "SCNet unreachable") != 0 {
			t.Errorf("%s's channel = %v", r.name, texts(got))
		}
	}
	if n := strings.Count(e.log.String(), "account is frozen"); n != 3 {
		t.Errorf("%d log lines of refused regions, want 3 (one a region):\n%s", n, e.log)
	}
	// 西北一区 answers while the others are still refused: no recovery,
	// and the warning no longer lists it.
	refuse(all[1:]...)
	if got := e.replies(channel); len(got) != 0 {
		t.Fatalf("replies while two regions are refused: %v", texts(got))
	}
	if acct := e.top(channel); countContaining(acct, "refuses the polls in 华东一区, 华北一区 with") != 1 {
		t.Errorf("warning after 西北一区 answered = %v", texts(acct))
	}
	e.stepOK()
	e.drain()
	e.stepOK()
	e.drain()
	if got := e.replies(channel); len(got) != 1 || countContaining(got, "answers the polls again in every region") != 1 {
		t.Fatalf("replies once every region answers = %v, want one", texts(got))
	}
	// A new refusal is a new episode.
	refuse(all[2])
	if acct := e.top(channel); len(acct) != 2 {
		t.Errorf("after recovery and a refusal again: %d warnings, want 2: %v", len(acct), texts(acct))
	}
}

// TestGroupSnoozeAcrossRegions: a name unique in one region snoozes there;
// one used in two regions is ambiguous, naming the regions; an id is not.
func TestGroupSnoozeAcrossRegions(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, nil)
	a, b := e.regions[0], e.regions[1]
	// Each simulator numbers its instances alike; one filler keeps the
	// ids of the two regions apart.
	b.sim.Add(scnettest.Record{Name: "filler", Status: scnet.StatusCompleted})
	ta := a.sim.Add(scnettest.Record{Name: "trainer", Status: scnet.StatusRunning})
	b.sim.Add(scnettest.Record{Name: "trainer", Status: scnet.StatusRunning})
	only := b.sim.Add(scnettest.Record{Name: "only-b", Status: scnet.StatusRunning})
	if e.g.Started() {
		t.Error("started before any poll")
	}
	if err := a.w.Poll(e.ctx); err != nil {
		t.Fatal(err)
	}
	if e.g.Started() {
		t.Error("started with one region of two polled")
	}
	e.stepOK()
	if !e.g.Started() {
		t.Error("not started after every region polled")
	}

	_, err := e.g.Snooze(e.ctx, "trainer", time.Hour, "U1")
	var amb *tracked.AmbiguousError
	if !errors.As(err, &amb) || len(amb.Candidates) != 2 || amb.Candidates[0].Region != "华东一区" || amb.Candidates[1].Region != "西北一区" {
		t.Fatalf("snooze of a name in two regions: %v (%+v)", err, amb)
	}
	if s, err := e.g.Snooze(e.ctx, ta.ID, time.Hour, "U1"); err != nil || s.InstanceID != ta.ID {
		t.Fatalf("snooze by id: %+v, %v", s, err)
	}
	if s, err := e.g.Snooze(e.ctx, "ONLY-B", time.Hour, "U2"); err != nil || s.InstanceID != only.ID {
		t.Fatalf("snooze by a name in one region: %+v, %v", s, err)
	}
	h, err := e.g.Health(e.ctx)
	if err != nil || len(h.Snoozes) != 2 || h.Tracked != 3 || len(h.Regions) != 2 {
		t.Fatalf("health = %+v, %v", h, err)
	}
	if hb, _ := b.w.Health(e.ctx); len(hb.Snoozes) != 1 || hb.Snoozes[0].InstanceID != only.ID {
		t.Errorf("B's snoozes = %+v", hb.Snoozes)
	}
	if _, err := e.g.Unsnooze(e.ctx, "only-b", "U2"); err != nil {
		t.Errorf("unsnooze: %v", err)
	}
	if _, err := e.g.Unsnooze(e.ctx, "only-b", "U2"); !errors.Is(err, tracked.ErrNotSnoozed) {
		t.Errorf("second unsnooze: %v", err)
	}
	if _, err := e.g.Snooze(e.ctx, "nobody", time.Hour, "U1"); !errors.Is(err, tracked.ErrUnknownInstance) {
		t.Errorf("unknown name: %v", err)
	}
}

func texts(ms []slackemu.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

// TestGroupAddWhileRunning: a region found after start (discovery waited
// out an SCNet outage) joins the running group and polls on its own.
func TestGroupAddWhileRunning(t *testing.T) {
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, func(c *watcher.Config) {
		c.Interval, c.Now = 20*time.Millisecond, nil
	})
	a, b := e.regions[0], e.regions[1]
	g := watcher.NewGroup(a.w)
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 2)
	go func() { done <- g.Run(ctx) }()
	go func() { done <- e.d.Run(ctx) }()
	waitFor(t, 5*time.Second, "A's baseline", g.Started)
	g.Add(b.w)
	waitFor(t, 5*time.Second, "B's baseline", func() bool { return b.w.Started() && g.Started() })
	waitFor(t, 5*time.Second, "B's baseline message", func() bool { return countContaining(e.top(b.channel), "Watching") == 1 })
	if n := len(g.Watchers()); n != 2 {
		t.Errorf("%d watchers after Add", n)
	}
	cancel()
	for range 2 {
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("run: %v", err)
		}
	}
	// An Add after Run returned is kept but not started (no race with
	// Run's wait, which -race would report).
	g.Add(watcher.New(a.client, e.st, e.regionConfig(a)))
	if n := len(g.Watchers()); n != 3 {
		t.Errorf("%d watchers after a late Add", n)
	}
}

// TestAlertRenderedWithItsRegion: every rendering of a region's alert,
// the first post included, hands the action buttons the alert's region,
// so the Restart on an alert of the second region acts there.
func TestAlertRenderedWithItsRegion(t *testing.T) {
	var mu sync.Mutex
	seen := map[string][]string{} // instance name → the regions of its renderings
	e := newRegionsEnv(t, []string{"西北一区=C0123", "华东一区=C0456"}, func(c *watcher.Config) {
		c.Render = alerts.NewRenderer(alerts.Config{Logger: quiet(),
			ActionButtons: func(al state.Alert, in scnet.Instance) []slack.BlockElement {
				mu.Lock()
				defer mu.Unlock()
				seen[in.Name] = append(seen[in.Name], al.Region)
				return nil
			}})
	})
	var victims []scnettest.Record
	for _, r := range e.regions {
		victims = append(victims, r.sim.Add(scnettest.Record{Name: "trainer-" + r.id, Status: scnet.StatusRunning}))
	}
	e.stepOK()
	for i, r := range e.regions {
		setStatus(t, r.sim, victims[i].ID, scnet.StatusFailed)
	}
	e.stepOK()
	e.drain()
	mu.Lock()
	defer mu.Unlock()
	for i, r := range e.regions {
		got := seen[victims[i].Name]
		if len(got) == 0 {
			t.Fatalf("%s's alert was never rendered", r.name)
		}
		for _, reg := range got {
			if reg != r.id {
				t.Errorf("%s's alert rendered with region %q, want %q (all: %q)", r.name, reg, r.id, got)
			}
		}
	}
}
