package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/i18n"
	"scnetbot/internal/pgtest"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/wait"
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
func digests(emu *slackemu.Server) []slackemu.Message {
	var out []slackemu.Message
	for _, m := range topLevel(emu, digestChannel) {
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
	cfg.StateURL = config.DatabaseURL(url)
	cfg.StatePath = ""
	cfg.StateLeaseTimeout.D = time.Second
	cfg2 := *cfg
	a := startBot(t, sim, emu, cfg)
	b := startBot(t, sim, emu, &cfg2)
	if err := emu.WaitConnected(timeout(t, 20*time.Second), 2); err != nil {
		t.Fatal(err)
	}
	var leader, follower *e2e
	wait.Until(t, "one replica to lead", func() bool {
		la, lb := a.app.lease.Leading(), b.app.lease.Leading()
		switch {
		case la && !lb:
			leader, follower = a, b
		case lb && !la:
			leader, follower = b, a
		default:
			return false
		}
		return true
	})
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
