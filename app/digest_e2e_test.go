package app

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/i18n"
	"scnetbot/internal/pgtest"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
)

// digestChannel is DIGEST_CHANNEL in the digest tests, apart from the
// alerts.
const digestChannel = "C0DIGEST"

// Times of day of the digest tests: one passed and one to come today, in
// the zone digestZone picks.
const (
	pastAt   = 30 * time.Minute              // 00:30
	futureAt = 23*time.Hour + 30*time.Minute // 23:30
)

// digestZone is a display zone in which it is now between 01:00 and
// 23:00, so that 00:30 has passed today and 23:30 has not, and the day
// does not change while a test runs. Some zone of the three always fits.
func digestZone(t *testing.T) *time.Location {
	t.Helper()
	for _, name := range []string{"UTC", "Asia/Shanghai", "America/New_York"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatalf("zone %s: %v", name, err)
		}
		if h := time.Now().In(loc).Hour(); h >= 1 && h < 23 {
			return loc
		}
	}
	t.Skip("no zone of the three is between 01:00 and 23:00 now")
	return nil
}

// digestAt sets DIGEST_AT and DIGEST_CHANNEL as config.Load would.
func digestAt(c *config.Config, at time.Duration) {
	c.DigestAt = time.Time{}.Add(at).Format("15:04")
	c.Digest = at
	c.DigestChannel = digestChannel
}

// digestConfig is the watcher with fast polls, DISPLAY_TIMEZONE loc and a
// digest at at.
func digestConfig(t *testing.T, sim *scnettest.Server, emu *slackemu.Server, loc *time.Location, at time.Duration) *config.Config {
	cfg := e2eConfig(t, sim, emu)
	watchFast(cfg)
	cfg.DisplayTimezone, cfg.Location = loc.String(), loc
	digestAt(cfg, at)
	return cfg
}

// digests are the digests in the digest channel: the top-level messages
// whose header names the day in either language.
func digests(emu *slackemu.Server) []slackemu.Message { return digestsIn(emu, digestChannel) }

// digestsIn are the digests in channel.
func digestsIn(emu *slackemu.Server, channel string) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range topLevel(emu, channel) {
		if s := visible(m); strings.Contains(s, "Daily digest") || strings.Contains(s, "每日摘要") {
			out = append(out, m)
		}
	}
	return out
}

// waitDigests waits until the digest channel holds n digests.
func waitDigests(t *testing.T, e *e2e, n int) []slackemu.Message {
	t.Helper()
	wait.Until(t, "digests in "+digestChannel, func() bool { return len(digests(e.emu)) >= n })
	got := digests(e.emu)
	if len(got) != n {
		t.Fatalf("%d digests in %s, want %d", len(got), digestChannel, n)
	}
	return got
}

// digestDay is the day the store records as digested, "" for none.
func (e *e2e) digestDay(t *testing.T) string {
	t.Helper()
	var day string
	err := e.app.store.View(context.Background(), func(tx state.Tx) error {
		m, err := tx.Meta()
		day = m.DigestDay
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return day
}

// quiet waits for two polls and an empty outbox: what the bot would post
// by now it has posted.
func (e *e2e) quiet(t *testing.T) {
	t.Helper()
	e.regionsPolled(t, 1, 2)
	e.delivered(t)
}

// TestE2EDigestOncePerDay: a digest asked for now (PostDigest) is posted
// and records no day; the bot restarted with DIGEST_AT passed today posts
// the day's digest at once, the catch-up, still; restarted again on the
// same state file it posts no second one; PostDigest still posts another.
func TestE2EDigestOncePerDay(t *testing.T) {
	loc := digestZone(t)
	today := time.Now().In(loc).Format("2006-01-02")
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(60, 7))

	// DIGEST_AT still to come: nothing on start; a digest on demand.
	cfg := digestConfig(t, sim, emu, loc, futureAt)
	e := startBot(t, sim, emu, cfg)
	e.quiet(t)
	if n := len(digests(emu)); n != 0 {
		t.Fatalf("%d digests before DIGEST_AT", n)
	}
	if err := e.app.PostDigest(timeout(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	now := waitDigests(t, e, 1)[0]
	reads(t, "the digest on demand", now, []string{"Daily digest · " + today, "GPU"}, []string{"每日摘要"})
	if day := e.digestDay(t); day != "" {
		t.Errorf("a digest on demand recorded day %q: it would cancel the day's own", day)
	}

	// DIGEST_AT passed today: the day's digest at once, on start.
	e.shutdown()
	digestAt(cfg, pastAt)
	e = startBot(t, sim, emu, cfg)
	daily := waitDigests(t, e, 2)[1]
	reads(t, "the day's digest", daily, []string{"Daily digest · " + today}, []string{"每日摘要"})
	if day := e.digestDay(t); day != today {
		t.Errorf("the store records day %q, want %q", day, today)
	}

	// Restarted on the same state file: not again.
	e.shutdown()
	e = startBot(t, sim, emu, cfg)
	e.quiet(t)
	waitDigests(t, e, 2)

	// On demand, besides the day's.
	if err := e.app.PostDigest(timeout(t, 20*time.Second)); err != nil {
		t.Fatal(err)
	}
	waitDigests(t, e, 3)
	e.quiet(t)
	waitDigests(t, e, 3)
	for _, m := range emu.ChannelMessages(alertChannel) {
		if s := visible(m); strings.Contains(s, "Daily digest") {
			t.Errorf("a digest went to WATCH_CHANNEL rather than DIGEST_CHANNEL:\n%.500s", s)
		}
	}
	if v := emu.Violations(); len(v) > 0 {
		t.Errorf("Block Kit violations: %v", v)
	}
}

// TestE2EDigestInBotLanguage: with BOT_LANGUAGE=zh the digest is Chinese.
func TestE2EDigestInBotLanguage(t *testing.T) {
	loc := digestZone(t)
	today := time.Now().In(loc).Format("2006-01-02")
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(60, 7))
	cfg := digestConfig(t, sim, emu, loc, pastAt)
	botLanguage(cfg, i18n.Chinese)
	e := startBot(t, sim, emu, cfg)
	d := waitDigests(t, e, 1)[0]
	reads(t, "the Chinese digest", d, []string{"每日摘要 · " + today, "过去 24 小时", "告警事件"}, []string{"Daily digest", "Incidents"})
	e.quiet(t)
	waitDigests(t, e, 1)
}

// TestE2EDigestTwoReplicasOnPostgres: two bots on one database, DIGEST_AT
// passed today: one digest between them; the leader stops, the other
// takes over and posts none again; a digest asked of a follower is
// refused, one asked of the leader is posted.
func TestE2EDigestTwoReplicasOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	loc := digestZone(t)
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(60, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	cfg := digestConfig(t, sim, emu, loc, pastAt)
	leader, follower := startReplicas(t, sim, emu, cfg, url)
	waitDigests(t, leader, 1)
	leader.quiet(t)
	waitDigests(t, leader, 1)
	if err := follower.app.PostDigest(timeout(t, 20*time.Second)); err == nil {
		t.Error("a follower queued a digest on demand")
	}

	leader.shutdown()
	wait.Until(t, "the other replica to take over", follower.app.lease.Leading)
	follower.quiet(t)
	waitDigests(t, follower, 1)
	if err := follower.app.PostDigest(timeout(t, 20*time.Second)); err != nil {
		t.Fatalf("the new leader's digest on demand: %v", err)
	}
	waitDigests(t, follower, 2)
	if day, today := follower.digestDay(t), time.Now().In(loc).Format("2006-01-02"); day != today {
		t.Errorf("the database records day %q, want %q", day, today)
	}
}

// hostile are instance and user names that try to break Slack's
// formatting; what must never reach Slack raw is in raw.
var (
	hostile = []string{"<!channel> 训练", "<@U024BE7LH> *bold*", "<https://evil.example|click me>", "a&b<c>"}
	raw     = []string{"<!channel>", "<@U024BE7LH>", "<https://evil", "<!here>", "<c>"}
)

// markup is what Slack reads as mrkdwn in a message: its text (the
// notification's, which Slack parses for mentions) and every mrkdwn text
// object of its blocks. Plain text (headers, button labels) is shown as
// typed, never as a mention or a link.
func markup(text string, blocks json.RawMessage) string {
	var b strings.Builder
	b.WriteString(text)
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case []any:
			for _, y := range x {
				walk(y)
			}
		case map[string]any:
			if s, ok := x["text"].(string); ok && x["type"] == "mrkdwn" {
				b.WriteString("\n")
				b.WriteString(s)
			}
			for _, y := range x {
				walk(y)
			}
		}
	}
	var v any
	if json.Unmarshal(blocks, &v) == nil {
		walk(v)
	}
	return b.String()
}

// noRaw fails t when s shows any markup of raw.
func noRaw(t *testing.T, what, s string) {
	t.Helper()
	for _, r := range raw {
		if strings.Contains(s, r) {
			t.Errorf("%s: raw %q reached Slack:\n%.2000s", what, r, s)
		}
	}
}

// TestE2EHostileNamesInHomeAndDigest: instances and SCNet users named to
// break Slack's formatting fail, are alerted, and are shown in the Home
// tab and the digest (incidents, GPUs, top users, time limits) in both
// languages: escaped everywhere, never as markup.
func TestE2EHostileNamesInHomeAndDigest(t *testing.T) {
	loc := digestZone(t)
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	withReaders(emu)
	cfg := digestConfig(t, sim, emu, loc, futureAt)
	cfg.WatchStormThreshold.N = 100 // one alert each, not a storm
	started := time.Now().Add(-5 * time.Hour)
	var failing []scnettest.Record
	for i, name := range hostile {
		r := sim.Add(scnettest.Record{Name: name, UserName: hostile[(i+1)%len(hostile)], Status: scnet.StatusRunning,
			GPUNumber: 2, CPUNumber: 8, RAMSize: 32768, ResourceGroup: hostile[(i+2)%len(hostile)],
			StartTime: started, CreateTime: started, TimeoutLimit: "10h"})
		if i < 2 {
			failing = append(failing, r)
		}
	}
	e := startBot(t, sim, emu, cfg)
	e.regionsPolled(t, 1, 1)
	for _, r := range failing {
		if err := sim.SetStatus(r.ID, scnet.StatusFailed); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range failing {
		wait.Until(t, "the alert of "+r.ID, func() bool { return len(alertsAbout(emu, alertChannel, r.ID)) == 1 })
	}
	e.openHome(t, zhUser)
	e.openHome(t, enUser)
	zh := e.home(t, zhUser, failing[0].ID, failing[1].ID)
	en := e.home(t, enUser, failing[0].ID, failing[1].ID)
	noRaw(t, "the Chinese Home tab", markup("", zh.Blocks))
	noRaw(t, "the English Home tab", markup("", en.Blocks))

	for _, l := range []i18n.Lang{i18n.English, i18n.Chinese} {
		e.shutdown()
		botLanguage(cfg, l)
		e = startBot(t, sim, emu, cfg)
		n := len(digests(emu))
		if err := e.app.PostDigest(timeout(t, 20*time.Second)); err != nil {
			t.Fatal(err)
		}
		d := waitDigests(t, e, n+1)[n]
		validMessage(t, "the digest", d)
		noRaw(t, "the "+string(l)+" digest", markup(d.Text, d.Blocks))
		if !strings.Contains(visible(d), "&lt;!channel&gt;") && !strings.Contains(visible(d), "&lt;@U024BE7LH&gt;") {
			t.Errorf("the %s digest names none of the hostile instances or users, escaped:\n%s", l, visible(d))
		}
	}
	for _, m := range emu.AllMessages() {
		noRaw(t, "a message ("+m.Via+")", markup(m.Text, m.Blocks))
	}
}

// TestE2EDigestWhileSCNetIsDown: the bot starts after DIGEST_AT with
// SCNet down: the day's digest still goes out, saying SCNet did not
// answer, with the incidents the store knows; it is not posted again once
// SCNet is back.
func TestE2EDigestWhileSCNetIsDown(t *testing.T) {
	loc := digestZone(t)
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	cfg := digestConfig(t, sim, emu, loc, pastAt)
	sim.SetDown(true)
	e := startBot(t, sim, emu, cfg)
	d := waitDigests(t, e, 1)[0]
	reads(t, "the digest without SCNet", d, []string{"Daily digest", "did not answer"}, nil)
	sim.SetDown(false)
	e.quiet(t)
	waitDigests(t, e, 1)
}

// TestE2EDigestInWatchChannel: without DIGEST_CHANNEL the digest goes to
// WATCH_CHANNEL, once, beside the alerts, which go on as before, also
// after a restart.
func TestE2EDigestInWatchChannel(t *testing.T) {
	loc := digestZone(t)
	sim, emu := newSimAndEmu(t, scnettest.WithInstances(20, 7), scnettest.WithTokenLifetime(30*24*time.Hour))
	cfg := digestConfig(t, sim, emu, loc, pastAt)
	cfg.DigestChannel = ""
	victim := sim.Add(scnettest.Record{Name: "e2e-digest-neighbour", Status: scnet.StatusRunning})
	e := startBot(t, sim, emu, cfg)
	wait.Until(t, "the digest in WATCH_CHANNEL", func() bool { return len(digestsIn(emu, alertChannel)) == 1 })
	e.failAndAlert(t, victim.ID)
	e.shutdown()
	e = startBot(t, sim, emu, cfg)
	e.quiet(t)
	if n := len(digestsIn(emu, alertChannel)); n != 1 {
		t.Errorf("%d digests in WATCH_CHANNEL after a restart, want 1", n)
	}
	if n := len(alertsAbout(emu, alertChannel, victim.ID)); n != 1 {
		t.Errorf("%d alerts for the failure after a restart, want 1", n)
	}
	if n := len(emu.ChannelMessages(digestChannel)); n != 0 {
		t.Errorf("%d messages in %s, which nobody configured", n, digestChannel)
	}
}
