package watcher_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	bolt "go.etcd.io/bbolt"

	"scnetbot/health"
	"scnetbot/metrics"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/state/statetest"
	"scnetbot/watcher"
)

// TestSnoozeExpiryClearsTheAlertMessage: when a snooze runs out, the alert
// message stops saying it is snoozed.
func TestSnoozeExpiryClearsTheAlertMessage(t *testing.T) {
	e := newEnv(t, 0)
	e.alerted("sleepy")
	v := buttonValue(t, blocksOf(e.alerts()[0]), "alert.snooze.1h")
	e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}}, &slack.BlockAction{ActionID: "alert.snooze.1h", Value: v})
	e.drain()
	if b := blocksOf(e.alerts()[0]); !strings.Contains(b, "Snoozed until") {
		t.Fatalf("snoozed alert does not say so: %s", b)
	}
	e.clock.Advance(time.Hour)
	e.step()
	e.drain()
	if b := blocksOf(e.alerts()[0]); strings.Contains(b, "Snoozed until") {
		t.Errorf("the snooze ran out but the alert still shows it: %s", b)
	}
}

// TestSlowSCNetIsAnOutage: a poll that takes longer than OutageAfter is
// given up, so an SCNet too slow to answer raises the outage notice rather
// than leaving the channel silent.
func TestSlowSCNetIsAnOutage(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.OutageAfter = time.Second }))
	e.poll()
	e.drain()
	// Five listings at least, 300ms each: well past a second.
	e.sim.SetLatency(300 * time.Millisecond)
	e.clock.Advance(time.Minute)
	e.pollFail()
	e.drain()
	top, _ := e.messages()
	if n := countContaining(top, "SCNet unreachable"); n != 1 {
		t.Errorf("%d outage notices for a poll slower than OutageAfter, want 1", n)
	}
	e.sim.SetLatency(0)
	e.step()
	e.drain()
	if _, replies := e.messages(); countContaining(replies, "answers again") != 1 {
		t.Error("no recovery reply once SCNet is fast again")
	}
}

// TestHostileNamesEverywhere: names, users, groups and images full of
// Slack markup go through single alerts, a storm and thread news without
// breaking Block Kit or pinging anyone.
func TestHostileNamesEverywhere(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.StormThreshold = 3 }))
	hostile := []string{"<!channel> *bold* `x`", "<@U123>&amp;<#C1>", strings.Repeat("長い名前", 300), "a|b\n> quote ~s~ _i_ <http://x|y>"}
	var ids []string
	for _, h := range hostile {
		r := e.add(scnettest.Record{Name: h, Status: scnet.StatusRunning, UserName: h, ResourceGroup: h,
			ResourceSpec: h, ImagePath: h, AcceleratorType: h})
		ids = append(ids, r.ID)
	}
	e.poll()
	e.setStatus(ids[0], scnet.StatusFailed) // one alert
	e.step()
	for _, id := range ids[1:] {
		e.setStatus(id, scnet.StatusTerminated) // a storm of three... plus news
	}
	e.setStatus(ids[0], scnet.StatusRunning)
	e.add(scnettest.Record{Name: hostile[0], Status: scnet.StatusFailed, UserName: hostile[1]})
	e.step()
	e.drain() // fails on any Block Kit violation
	for _, m := range e.emu.ChannelMessages(channel) {
		// Plain text (the header) is shown as is and pings nobody; text
		// and mrkdwn must carry the markup escaped.
		for _, s := range append(mrkdwnTexts(t, m.Blocks), m.Text) {
			for _, bad := range []string{"<!channel>", "<@U123>", "<#C1>", "<http://x|y>"} {
				if strings.Contains(s, bad) {
					t.Errorf("message carries unescaped %q: %s", bad, s)
				}
			}
		}
	}
	if top, replies := e.messages(); len(top) < 3 || len(replies) < 2 {
		t.Errorf("%d top-level messages and %d replies, want an alert, a storm and their threads", len(top), len(replies))
	}
}

// TestDetailsOfADeletedInstance: the Details button of an alert whose
// instance is gone says so, whichever way SCNet answers an unknown id.
func TestDetailsOfADeletedInstance(t *testing.T) {
	for _, opt := range []struct {
		name string
		sim  []scnettest.Option
	}{{"code 10004", nil}, {"data null", []scnettest.Option{scnettest.WithUnknownIDAsNull()}}} {
		t.Run(opt.name, func(t *testing.T) {
			e := newEnv(t, 0)
			if opt.sim != nil {
				e.sim.Close()
				e.sim = scnettest.New(append(opt.sim, scnettest.WithClock(e.clock.Now))...)
				t.Cleanup(e.sim.Close)
				c, err := scnet.New(e.sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(e.sim.Token())), scnet.WithRetry(1, time.Millisecond))
				if err != nil {
					t.Fatal(err)
				}
				e.client = c
				e.restart()
			}
			r := e.alerted("ghost")
			v := buttonValue(t, blocksOf(e.alerts()[0]), "alert.details")
			e.sim.Delete(r.ID)
			reply := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: "U1"}}, &slack.BlockAction{ActionID: "alert.details", Value: v})
			if reply == nil || !strings.Contains(reply.Text, "no longer exists") {
				t.Errorf("details of a deleted instance = %+v", reply)
			}
		})
	}
}

// TestCorruptStateIsReported: a store the watcher cannot read stops it
// loudly: polls fail and Health says why, rather than polls silently not
// happening.
func TestCorruptStateIsReported(t *testing.T) {
	e := newEnv(t, 0)
	e.add(scnettest.Record{Name: "x", Status: scnet.StatusRunning})
	e.poll()
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(e.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("instances")).Put([]byte("broken"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	e.open()
	e.clock.Advance(time.Minute)
	e.pollFail()
	if h := e.health(); !strings.Contains(h.LastError, "broken") || h.LastPoll.IsZero() {
		t.Errorf("health after a poll that could not read the store = %+v", h)
	}
}

// TestCorruptPageIsReportedNotAPanic: bbolt panics on a corrupt page. No
// panic escapes the watcher, whose polls fail without asking SCNet; Health
// says the state is unusable and /readyz answers 503 with that reason,
// while the buttons and commands that need the store answer with an error.
func TestCorruptPageIsReportedNotAPanic(t *testing.T) {
	e := newEnv(t, 50)
	e.poll()
	e.drain()
	victim := e.liveRecords()[0]
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	statetest.CorruptPage(t, e.path, victim.ID)
	e.open()
	before := len(e.sim.Requests())
	e.clock.Advance(time.Minute)
	for range 3 {
		if err := e.w.Poll(e.ctx); !errors.Is(err, state.ErrUnusable) {
			t.Fatalf("poll over a corrupt page: err = %v, want ErrUnusable", err)
		}
	}
	if n := len(e.sim.Requests()) - before; n != 0 {
		t.Errorf("a watcher that cannot use its store asked SCNet %d times", n)
	}
	h := e.health()
	if !strings.Contains(h.StateError, "corrupt") || h.LastError == "" {
		t.Errorf("health over a corrupt store = %+v", h)
	}
	if _, err := e.w.Snooze(e.ctx, victim.ID, time.Hour, "U1"); err == nil {
		t.Error("a snooze was accepted by a store that cannot keep it")
	}

	srv := httptest.NewServer(health.Handler(metrics.New().Registry,
		health.Checks{Connected: func() bool { return true }, Watch: e.w.Readiness}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep health.Report
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusServiceUnavailable || len(rep.Problems) != 1 ||
		!strings.HasPrefix(rep.Problems[0], "watcher state unusable: ") || !strings.Contains(rep.Problems[0], "corrupt") {
		t.Errorf("/readyz = %d %+v, want 503 saying the state is unusable", resp.StatusCode, rep)
	}
}

// TestDeadMessagesAreForgottenWithTheirAlerts: a message Slack refused for
// good stays in the outbox for an operator to see, but not forever, and it
// does not keep its alert record alive forever either.
func TestDeadMessagesAreForgottenWithTheirAlerts(t *testing.T) {
	e := newEnv(t, 0, withConfig(func(c *watcher.Config) { c.AlertRetention = 48 * time.Hour }))
	e.poll()
	e.drain()
	old := e.clock.Now().Add(-72 * time.Hour)
	if err := e.st.Update(e.ctx, func(tx state.Tx) error {
		if err := tx.PutAlert(state.Alert{ID: "a-old", Channel: channel, Created: old, Dead: true}); err != nil {
			return err
		}
		if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: "a-old", AlertID: "a-old", Channel: channel,
			Text: "refused", Created: old, Dead: true}); err != nil {
			return err
		}
		_, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: "r-new", Channel: channel, Text: "refused recently",
			Created: e.clock.Now(), Dead: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Hour)
	e.step()
	var left []string
	alertKept := false
	if err := e.st.View(e.ctx, func(tx state.Tx) error {
		_, alertKept, _ = tx.Alert("a-old")
		return tx.Outbox(func(m state.Message) error { left = append(left, m.ID); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != "r-new" || alertKept {
		t.Errorf("outbox %v, old alert kept %v; want only the recent dead message, and the old alert gone", left, alertKept)
	}
}

// TestConcurrentAcknowledgementsKeepTheFirst: people clicking Acknowledge
// at once leave one acknowledgement, and every reply shows that one.
func TestConcurrentAcknowledgementsKeepTheFirst(t *testing.T) {
	e := newEnv(t, 0)
	e.alerted("contested")
	v := buttonValue(t, blocksOf(e.alerts()[0]), "alert.ack")
	const n = 8
	replies := make(chan *slack.WebhookMessage, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := e.a.Action(e.ctx, slack.InteractionCallback{User: slack.User{ID: fmt.Sprintf("U%d", i)}},
				&slack.BlockAction{ActionID: "alert.ack", Value: v})
			replies <- r
		})
	}
	wg.Wait()
	close(replies)
	e.drain()
	final := blocksOf(e.alerts()[0])
	i := strings.Index(final, "Acknowledged by <@")
	if i < 0 || strings.Count(final, "Acknowledged by") != 1 {
		t.Fatalf("final message: %s", final)
	}
	who := final[i : i+len("Acknowledged by <@U0>")]
	for r := range replies {
		if b := blocksJSON(t, r); !strings.Contains(b, who) {
			t.Errorf("a reply shows another acknowledgement than %q: %s", who, b)
		}
	}
}
