package home

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/retry"
)

// Publisher publishes a user's Home tab (views.publish); *slack.Client is
// one.
type Publisher interface {
	PublishViewContext(ctx context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error)
}

// Config is what a Service needs. Source and Publisher are required; the
// rest have defaults.
type Config struct {
	Source    Source
	Publisher Publisher
	// Printer is the language of a viewer whose Opened context carries
	// no printer (BOT_LANGUAGE); English when nil.
	Printer *i18n.Printer
	// Location is the display zone (DISPLAY_TIMEZONE); UTC when nil.
	Location *time.Location
	// Window is how long after opening the tab a viewer's tab is kept
	// current: 30 minutes by default. Slack tells the bot when a tab is
	// opened, never when it is closed.
	Window time.Duration
	// Every is how often Run checks whether the overview changed: 10
	// seconds by default. Changed checks at once.
	Every time.Duration
	// MaxViewers bounds the viewers remembered (1,000 by default); the
	// one who opened the tab longest ago is dropped first.
	MaxViewers int
	// PerMinute and Burst bound this replica's publishes, a token bucket:
	// views.publish is Tier 4 (about 100 a minute per workspace), and two
	// replicas each keep to the default 50 a minute with bursts of 10.
	PerMinute int
	Burst     int
	// Timeout bounds one views.publish call, and Opened as a whole: 10
	// seconds by default.
	Timeout time.Duration
	// Allowed reports whether a user may see the overview (ALLOWED_USERS);
	// nil lets everyone. Anyone else's tab says who may, and shows
	// nothing of the instances.
	Allowed func(userID string) bool
	Logger  *slog.Logger
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Printer == nil {
		c.Printer = i18n.EnglishPrinter()
	}
	if c.Location == nil {
		c.Location = time.UTC
	}
	c.Window = cmp.Or(c.Window, 30*time.Minute)
	c.Every = cmp.Or(c.Every, 10*time.Second)
	c.MaxViewers = cmp.Or(c.MaxViewers, 1000)
	c.PerMinute = cmp.Or(c.PerMinute, 50)
	c.Burst = cmp.Or(c.Burst, 10)
	c.Timeout = cmp.Or(c.Timeout, 10*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Service keeps the Home tab of each recent viewer showing the state of
// things. Each replica knows the viewers whose app_home_opened it
// received, and reads the shared store itself, so it needs no leader.
type Service struct {
	cfg    Config
	bucket *bucket
	// sleep waits d or until ctx ends; tests replace it with a clock
	// they move.
	sleep func(ctx context.Context, d time.Duration) error
	nudge chan struct{}

	mu      sync.Mutex
	viewers map[string]*viewer
	// logged are the Slack errors already logged as the app's setup,
	// which every viewer would meet (not_enabled, invalid_auth): once is
	// enough.
	logged map[string]bool
}

// viewer is one user who opened the tab.
type viewer struct {
	id string
	// p and opened are guarded by Service.mu.
	p      *i18n.Printer
	opened time.Time
	// busy is held while publishing to the viewer, so Opened and Run
	// never publish to one viewer at once; the fields below are guarded
	// by it.
	busy chan struct{}
	// key is the Overview.Key last published, "" before the first.
	key string
	// failedKey is the key the publishes gave up on: the viewer is tried
	// again when the overview changes or they open the tab again.
	failedKey string
	failures  int
}

// New builds a Service; Run keeps the recent viewers' tabs current.
func New(cfg Config) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		cfg:     cfg,
		bucket:  newBucket(cfg.PerMinute, cfg.Burst, cfg.Now),
		sleep:   retry.Sleep,
		nudge:   make(chan struct{}, 1),
		viewers: map[string]*viewer{},
		logged:  map[string]bool{},
	}
}

// Opened publishes userID's Home tab now, in the language of the printer
// in ctx (i18n.FromContext), and keeps it current for Config.Window. It
// returns within Config.Timeout; a failure is logged, and the viewer is
// tried again by Run.
func (s *Service) Opened(ctx context.Context, userID string) {
	if userID == "" {
		return
	}
	if s.cfg.Allowed != nil && !s.cfg.Allowed(userID) {
		s.refuse(ctx, userID, i18n.FromContext(ctx, s.cfg.Printer))
		return
	}
	v := s.remember(userID, i18n.FromContext(ctx, s.cfg.Printer))
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	select {
	case v.busy <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-v.busy }()
	v.failures, v.failedKey = 0, ""
	o, err := s.cfg.Source.Overview(ctx)
	if err != nil {
		s.cfg.Logger.Warn("home tab: reading the overview failed", "user", userID, "err", err)
		return
	}
	s.publish(ctx, v, o, o.Key(), true)
}

// refuse publishes the tab of a user who may not use scnetbot: who may,
// and nothing else. The user is not remembered, so Run never shows them
// more.
func (s *Service) refuse(ctx context.Context, userID string, p *i18n.Printer) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	if d := s.bucket.take(); d > 0 {
		if err := s.sleep(ctx, d); err != nil {
			return
		}
	}
	if _, err := s.cfg.Publisher.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: userID, View: RenderRefused(p)}); err != nil {
		s.cfg.Logger.Warn("home tab: publishing the refusal failed", "user", userID, "err", err)
	}
}

// Changed asks Run to check the overview now rather than at its next
// tick, as after a poll or an acknowledgement. It never blocks.
func (s *Service) Changed() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Run keeps the recent viewers' tabs current until ctx ends: every
// Config.Every, or at once after Changed, it reads the overview and
// publishes it to each recent viewer whose tab shows another.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.cfg.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.nudge:
		}
		s.refresh(ctx)
	}
}

// remember records that userID opened the tab now, dropping the viewer
// who opened it longest ago when the list is full.
func (s *Service) remember(userID string, p *i18n.Printer) *viewer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	v, ok := s.viewers[userID]
	if !ok {
		if len(s.viewers) >= s.cfg.MaxViewers {
			var oldest *viewer
			for _, o := range s.viewers {
				if oldest == nil || o.opened.Before(oldest.opened) {
					oldest = o
				}
			}
			delete(s.viewers, oldest.id)
		}
		v = &viewer{id: userID, busy: make(chan struct{}, 1)}
		s.viewers[userID] = v
	}
	v.p, v.opened = p, now
	return v
}

// recent forgets the viewers who opened the tab longer than Window ago
// and returns the others, the latest first: they are the likeliest to be
// looking, so they are published to first when publishes are scarce.
func (s *Service) recent() []*viewer {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	vs := make([]*viewer, 0, len(s.viewers))
	for id, v := range s.viewers {
		if now.Sub(v.opened) > s.cfg.Window {
			delete(s.viewers, id)
			continue
		}
		vs = append(vs, v)
	}
	slices.SortFunc(vs, func(a, b *viewer) int { return cmp.Or(b.opened.Compare(a.opened), cmp.Compare(a.id, b.id)) })
	return vs
}

// printer is v's language; guarded by s.mu, Opened may change it.
func (s *Service) printer(v *viewer) *i18n.Printer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return v.p
}

// refresh publishes the overview to every recent viewer whose tab shows
// another one, as far as the bucket allows now: the others wait for the
// next round, which reads a newer overview anyway.
func (s *Service) refresh(ctx context.Context) {
	vs := s.recent()
	if len(vs) == 0 {
		// Nobody looks: the store is not read.
		return
	}
	rctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	o, err := s.cfg.Source.Overview(rctx)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			s.cfg.Logger.Warn("home tab: reading the overview failed", "err", err)
		}
		return
	}
	key := o.Key()
	for _, v := range vs {
		select {
		case v.busy <- struct{}{}:
		default:
			continue // Opened is publishing to this viewer now
		}
		more := true
		if v.key != key && v.failedKey != key {
			more = s.publish(ctx, v, o, key, false)
		}
		<-v.busy
		if !more || ctx.Err() != nil {
			return
		}
	}
}

// maxRateLimited is how often one publish waits for Slack's Retry-After
// before it gives up until the next change.
const maxRateLimited = 3

// maxFailures is how often a viewer's publishes of one overview may fail
// before they wait for the next change or the next open.
const maxFailures = 3

// publish renders o for v and publishes it; the caller holds v.busy.
// wait says whether to wait for the bucket (Opened: someone is looking
// now) or give up when it is empty (Run: the next round will do). It
// reports false when the bucket is empty, so the round stops.
func (s *Service) publish(ctx context.Context, v *viewer, o Overview, key string, wait bool) bool {
	view := Render(s.printer(v), o, s.cfg.Now(), s.cfg.Location)
	for attempt := 1; ; attempt++ {
		if d := s.bucket.take(); d > 0 {
			if !wait {
				return false
			}
			if err := s.sleep(ctx, d); err != nil {
				return false
			}
			attempt--
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
		_, err := s.cfg.Publisher.PublishViewContext(pctx, slack.PublishViewContextRequest{UserID: v.id, View: view})
		cancel()
		if err == nil {
			v.key, v.failures, v.failedKey = key, 0, ""
			return true
		}
		var rl *slack.RateLimitedError
		if errors.As(err, &rl) && attempt < maxRateLimited {
			// Every publish of this replica waits, not only this one:
			// the limit is the workspace's.
			s.bucket.pause(rl.RetryAfter)
			s.cfg.Logger.Info("home tab: Slack asks to slow down", "retry_after", rl.RetryAfter)
			if err := s.sleep(ctx, rl.RetryAfter); err != nil {
				return false
			}
			continue
		}
		if ctx.Err() != nil {
			return false // shutting down, or Opened's time is up: not the viewer's failure
		}
		s.failed(v, key, err)
		return true
	}
}

// setupErrors are the Slack errors no retry fixes: the app's Home tab or
// token is wrong for everyone, which the operator must fix.
var setupErrors = []string{"not_enabled", "invalid_auth", "not_authed", "account_inactive", "token_revoked", "missing_scope"}

// failed records a failed publish to v: logged once per kind of setup
// error, otherwise each time, and given up for this overview after
// maxFailures.
func (s *Service) failed(v *viewer, key string, err error) {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) && slices.Contains(setupErrors, se.Err) {
		v.failedKey = key
		s.mu.Lock()
		first := !s.logged[se.Err]
		s.logged[se.Err] = true
		s.mu.Unlock()
		if first {
			s.cfg.Logger.Error("home tab: Slack refuses views.publish; check that the app's Home tab is enabled and its token valid (logged once)", "user", v.id, "err", err)
		}
		return
	}
	v.failures++
	if v.failures >= maxFailures {
		v.failedKey = key
	}
	s.cfg.Logger.Warn("home tab: publishing failed", "user", v.id, "failures", v.failures, "err", err)
}
