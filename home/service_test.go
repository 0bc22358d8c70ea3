package home

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"scnetbot/i18n"
	"scnetbot/internal/syncbuf"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// env is a Service over a real store and a fake Slack, on a clock the
// test moves; its sleeps move the clock instead of waiting.
type env struct {
	t     *testing.T
	st    state.Store
	slack *fakeSlack
	clk   *clock
	svc   *Service
	log   *syncbuf.Buffer
	mu    sync.Mutex
	slept []time.Duration
}

func newEnv(t *testing.T, cfg Config) *env {
	e := &env{t: t, st: openStore(t), slack: newFakeSlack(t), clk: &clock{t: now}, log: &syncbuf.Buffer{}}
	put(t, e.st, "r1", []state.Instance{failed("i1", "训练一号"), {ID: "i2", Status: scnet.StatusRunning}},
		[]state.Alert{{ID: "a1", InstanceID: "i1", Created: now.Add(-14 * time.Minute), To: scnet.StatusFailed}}, nil)
	// Every read finds a newer poll, as a running watcher's would.
	cfg.Source = StoreSource{Store: e.st, Now: e.clk.Now, Health: func(ctx context.Context) (tracked.Health, error) {
		return regionHealth(e.clk.Now(), "r1", "西北一区")(ctx)
	}}
	cfg.Publisher = e.slack.client()
	cfg.Now = e.clk.Now
	cfg.Logger = slog.New(slog.NewTextHandler(e.log, nil))
	e.svc = New(cfg)
	e.svc.sleep = func(ctx context.Context, d time.Duration) error {
		e.mu.Lock()
		e.slept = append(e.slept, d)
		e.mu.Unlock()
		e.clk.Add(d)
		return ctx.Err()
	}
	return e
}

// open opens the tab as userID reading lang.
func (e *env) open(userID string, lang i18n.Lang) {
	ctx := i18n.NewContext(context.Background(), i18n.MustLoad().Printer(lang))
	e.svc.Opened(ctx, userID)
}

// expect fails unless exactly n more calls were answered ok since the
// last expect, and returns them.
func (e *env) expect(seen *int, n int) []published {
	e.t.Helper()
	got, _ := e.slack.published()
	if len(got)-*seen != n {
		e.t.Fatalf("%d publishes, want %d", len(got)-*seen, n)
	}
	out := got[*seen:]
	*seen = len(got)
	return out
}

func (e *env) ack(alertID, user string) {
	e.t.Helper()
	if err := state.Namespace(e.st, "r1").Update(context.Background(), func(tx state.Tx) error {
		a, _, err := tx.Alert(alertID)
		if err != nil {
			return err
		}
		a.AckedBy = user
		return tx.PutAlert(a)
	}); err != nil {
		e.t.Fatal(err)
	}
}

func viewText(p published) string {
	var v struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(p.View, &v)
	return v.Type + " " + string(p.View)
}

func TestOpenedRefreshLifecycle(t *testing.T) {
	e := newEnv(t, Config{})
	ctx := context.Background()
	seen := 0

	e.open("U0ZH", i18n.Chinese)
	got := e.expect(&seen, 1)
	if got[0].User != "U0ZH" || !strings.HasPrefix(viewText(got[0]), "home ") || !strings.Contains(viewText(got[0]), "SCNet 实例概览") ||
		!strings.Contains(viewText(got[0]), "无人认领") {
		t.Fatalf("opened: %s", viewText(got[0]))
	}

	// Nothing changed, though time passed and a poll came and went.
	e.clk.Add(time.Minute)
	e.svc.refresh(ctx)
	e.expect(&seen, 0)

	// An acknowledgement: one publish, in the viewer's language still.
	e.ack("a1", "U0ACK")
	e.svc.refresh(ctx)
	got = e.expect(&seen, 1)
	if v := viewText(got[0]); !strings.Contains(v, "<@U0ACK> 已认领") && !strings.Contains(v, `\u003c@U0ACK\u003e 已认领`) {
		t.Fatalf("after the ack: %s", v)
	}
	e.svc.refresh(ctx)
	e.expect(&seen, 0)

	// Past the window the viewer is forgotten: a change publishes nothing.
	e.clk.Add(30 * time.Minute)
	put(t, e.st, "r1", []state.Instance{failed("i3", "新的失败")},
		[]state.Alert{{ID: "a2", InstanceID: "i3", Created: e.clk.Now(), To: scnet.StatusFailed}}, nil)
	e.svc.refresh(ctx)
	e.expect(&seen, 0)
	if n := len(e.svc.recent()); n != 0 {
		t.Errorf("%d viewers remembered past the window", n)
	}
	// Opening again starts over.
	e.open("U0ZH", i18n.Chinese)
	e.expect(&seen, 1)
}

func TestRefreshKeepsEachViewersLanguage(t *testing.T) {
	e := newEnv(t, Config{})
	seen := 0
	e.open("U0EN", i18n.English)
	e.open("U0ZH", i18n.Chinese)
	e.svc.Opened(context.Background(), "U0BOT") // no printer: the bot's language
	e.expect(&seen, 3)
	e.ack("a1", "U0ACK")
	e.svc.refresh(context.Background())
	lang := map[string]string{}
	for _, p := range e.expect(&seen, 3) {
		lang[p.User] = viewText(p)
	}
	if !strings.Contains(lang["U0EN"], "acknowledged by") || !strings.Contains(lang["U0ZH"], "已认领") ||
		!strings.Contains(lang["U0BOT"], "acknowledged by") {
		t.Errorf("languages lost on refresh: %v", lang)
	}
}

func TestRateLimitedWaitsThenPublishes(t *testing.T) {
	e := newEnv(t, Config{})
	seen := 0
	e.open("U0A", i18n.English)
	e.expect(&seen, 1)
	e.ack("a1", "U0ACK")
	e.slack.script("429:7")
	before := e.clk.Now()
	e.svc.refresh(context.Background())
	e.expect(&seen, 1)
	if _, all := e.slack.published(); all != 3 {
		t.Errorf("%d calls, want 3 (open, refused, again)", all)
	}
	if e.clk.Now().Sub(before) < 7*time.Second || len(e.slept) != 1 || e.slept[0] != 7*time.Second {
		t.Errorf("slept %v, want 7s once", e.slept)
	}
	// Opened under a rate limit waits too.
	e.slack.script("429:3")
	e.open("U0B", i18n.English)
	e.expect(&seen, 1)
}

func TestSetupErrorsAreLoggedOnce(t *testing.T) {
	e := newEnv(t, Config{})
	e.slack.script("not_enabled", "not_enabled", "not_enabled")
	e.open("U0A", i18n.English)
	e.open("U0B", i18n.English)
	if n := strings.Count(e.log.String(), "not_enabled"); n != 1 {
		t.Errorf("not_enabled logged %d times:\n%s", n, e.log.String())
	}
	// Given up until the overview changes: no call at all.
	_, before := e.slack.published()
	e.svc.refresh(context.Background())
	if _, after := e.slack.published(); after != before {
		t.Errorf("%d calls for a refused overview", after-before)
	}
	// A change tries again (the third scripted refusal, then ok).
	e.ack("a1", "U0ACK")
	e.svc.refresh(context.Background())
	if got, _ := e.slack.published(); len(got) != 1 {
		t.Errorf("%d publishes after the change, want 1", len(got))
	}
}

func TestFailuresGiveUpAfterThree(t *testing.T) {
	e := newEnv(t, Config{})
	e.slack.script("internal_error", "internal_error", "internal_error")
	e.open("U0A", i18n.English)
	ctx := context.Background()
	e.svc.refresh(ctx)
	e.svc.refresh(ctx)
	_, calls := e.slack.published()
	e.svc.refresh(ctx)
	if _, again := e.slack.published(); calls != 3 || again != 3 {
		t.Errorf("%d calls, then %d; want 3 and no more", calls, again)
	}
}

func TestPublishesStayWithinTheBucket(t *testing.T) {
	e := newEnv(t, Config{PerMinute: 60, Burst: 2})
	ctx := context.Background()
	seen := 0
	for i := range 5 {
		// Opened waits for the bucket: someone is looking.
		e.open("U0"+itoa(i), i18n.English)
	}
	e.expect(&seen, 5)
	e.ack("a1", "U0ACK")
	e.clk.Add(2 * time.Second) // two tokens back
	e.svc.refresh(ctx)
	got := e.expect(&seen, 2)
	if got[0].User != "U04" || got[1].User != "U03" {
		t.Errorf("published to %s, %s first; want the latest viewers", got[0].User, got[1].User)
	}
	e.svc.refresh(ctx)
	e.expect(&seen, 0)
	e.clk.Add(3 * time.Second)
	e.svc.refresh(ctx)
	e.expect(&seen, 2) // the burst is two
	e.clk.Add(time.Second)
	e.svc.refresh(ctx)
	e.expect(&seen, 1)
}

func TestViewersAreCapped(t *testing.T) {
	e := newEnv(t, Config{MaxViewers: 2})
	for _, u := range []string{"U0A", "U0B", "U0C"} {
		e.open(u, i18n.English)
		e.clk.Add(time.Second)
	}
	var ids []string
	for _, v := range e.svc.recent() {
		ids = append(ids, v.id)
	}
	if join(ids) != "U0C,U0B" {
		t.Errorf("viewers %v; want the oldest dropped", ids)
	}
}

// Run checks at once after Changed, whatever its interval.
func TestRunChecksOnChanged(t *testing.T) {
	e := newEnv(t, Config{Every: time.Hour})
	e.open("U0A", i18n.English)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.svc.Run(ctx) }()
	e.ack("a1", "U0ACK")
	e.svc.Changed()
	e.svc.Changed() // never blocks
	wait.Until(t, "a publish after Changed", func() bool {
		got, _ := e.slack.published()
		return len(got) == 2
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestRefusedUserSeesNothing: a user ALLOWED_USERS leaves out gets a tab
// that says so in their language, shows no instance, and is not kept
// current.
func TestRefusedUserSeesNothing(t *testing.T) {
	e := newEnv(t, Config{Allowed: func(u string) bool { return u == "U0OK" }})
	seen := 0
	e.open("U0NO", i18n.Chinese)
	got := e.expect(&seen, 1)
	if v := viewText(got[0]); !strings.Contains(v, "ALLOWED_USERS") || !strings.Contains(v, "没有使用 scnetbot 的权限") || strings.Contains(v, "无人认领") {
		t.Fatalf("refused tab: %s", v)
	}
	e.ack("a1", "U0ACK")
	e.svc.refresh(context.Background())
	e.expect(&seen, 0)
	e.open("U0OK", i18n.English)
	if v := viewText(e.expect(&seen, 1)[0]); strings.Contains(v, "ALLOWED_USERS") {
		t.Fatalf("allowed tab: %s", v)
	}
}
