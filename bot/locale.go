package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/patrickmn/go-cache"
	"github.com/slack-go/slack"
	"golang.org/x/sync/singleflight"

	"scnetbot/i18n"
	"scnetbot/metrics"
)

// How long a user's language is kept.
const (
	// localeTTL keeps an answer of users.info: people rarely change their
	// Slack language, and one who does is answered in it within the hour.
	localeTTL = time.Hour
	// localeFailureTTL keeps the default given after a failure (a timeout,
	// Slack down, no users:read) briefly, so a hiccup does not stick for
	// an hour and a burst of commands does not ask Slack again each time.
	localeFailureTTL = time.Minute
	// defaultLocaleTimeout bounds one users.info call: a reply a little
	// later in the right language is worth it, a reply held up by Slack is
	// not.
	defaultLocaleTimeout = 1500 * time.Millisecond
	// localeSweepEvery is how many lookups of Slack pass between sweeps of
	// expired entries, which go-cache then forgets; the bot starts no
	// janitor goroutine of go-cache's, so Run leaves none behind.
	localeSweepEvery = 256
)

// userInfoer reads a Slack user; *slack.Client is the real one.
type userInfoer interface {
	GetUserInfoContext(ctx context.Context, user string, options ...slack.GetUserInfoOption) (*slack.User, error)
}

// languages knows the language each Slack user reads: their Slack locale
// (users.info with include_locale), when scnetbot speaks it, and the
// default language (BOT_LANGUAGE) otherwise or whenever Slack cannot say.
// It is safe for concurrent use.
type languages struct {
	api     userInfoer
	catalog *i18n.Catalog
	def     i18n.Lang
	timeout time.Duration
	log     *slog.Logger
	metrics *metrics.Metrics
	// now judges expiry, so a test can move time; go-cache only forgets.
	now func() time.Time

	store   *cache.Cache // user id → langEntry
	flight  singleflight.Group
	lookups atomic.Int64
	// scopeWarning is logged once: without users:read every user reads
	// the default language, which one line says as well as a thousand.
	scopeWarning sync.Once
}

// langEntry is one user's language and until when it holds.
type langEntry struct {
	lang  i18n.Lang
	until time.Time
}

// newLanguages builds the lookup; now is its clock, time.Now when nil.
func newLanguages(api userInfoer, catalog *i18n.Catalog, def i18n.Lang, timeout time.Duration, log *slog.Logger, m *metrics.Metrics, now func() time.Time) *languages {
	if now == nil {
		now = time.Now
	}
	return &languages{
		api: api, catalog: catalog, def: def, timeout: timeout, log: log, metrics: m, now: now,
		store: cache.New(localeTTL, 0),
	}
}

// Printer is the printer of userID's language, looked up as Lang does.
func (l *languages) Printer(ctx context.Context, userID string) *i18n.Printer {
	return l.catalog.Printer(l.Lang(ctx, userID))
}

// CachedPrinter is the printer of userID's language if it is known
// already, else the default's: for answers that must go out before any
// I/O, such as the errors of a submitted modal, which travel in its ack.
func (l *languages) CachedPrinter(userID string) *i18n.Printer {
	if lang, ok := l.cached(userID); ok {
		return l.catalog.Printer(lang)
	}
	return l.catalog.Printer(l.def)
}

// Default is the printer of the default language.
func (l *languages) Default() *i18n.Printer { return l.catalog.Printer(l.def) }

// Lang is userID's language: remembered, or read from users.info within
// the timeout, one call per user at a time however many ask. Any failure
// gives the default language.
//
// The call runs under the context of the caller that started it, which
// for the bot is always the work context: it ends only at the shutdown
// deadline, for every caller at once, and then the call ends with it, so
// no lookup outlives Run.
func (l *languages) Lang(ctx context.Context, userID string) i18n.Lang {
	if userID == "" {
		return l.def
	}
	if lang, ok := l.cached(userID); ok {
		l.count("hit")
		return lang
	}
	ch := l.flight.DoChan(userID, func() (_ any, err error) {
		// The flight runs on singleflight's own goroutine, where a panic
		// would end the process; the default language is a fine answer.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("users.info %s panicked: %v", userID, r)
			}
		}()
		lctx, cancel := context.WithTimeout(ctx, l.timeout)
		defer cancel()
		lang, result, ttl := l.lookup(lctx, userID)
		l.count(result)
		l.remember(userID, lang, ttl)
		return lang, nil
	})
	r := <-ch
	if lang, ok := r.Val.(i18n.Lang); ok && r.Err == nil {
		return lang
	}
	l.log.Warn("language lookup failed; using the default", "user", userID, "err", r.Err)
	return l.def
}

func (l *languages) cached(userID string) (i18n.Lang, bool) {
	v, ok := l.store.Get(userID)
	if !ok {
		return "", false
	}
	e := v.(langEntry)
	if !l.now().Before(e.until) {
		return "", false
	}
	return e.lang, true
}

func (l *languages) remember(userID string, lang i18n.Lang, ttl time.Duration) {
	l.store.Set(userID, langEntry{lang: lang, until: l.now().Add(ttl)}, ttl)
	if l.lookups.Add(1)%localeSweepEvery == 0 {
		l.store.DeleteExpired()
	}
}

// lookup asks Slack for userID's locale and says what came of it, for the
// metric, and how long the answer holds.
func (l *languages) lookup(ctx context.Context, userID string) (lang i18n.Lang, result string, ttl time.Duration) {
	u, err := l.api.GetUserInfoContext(ctx, userID)
	var se slack.SlackErrorResponse
	switch {
	case err == nil:
		if lang, ok := i18n.SlackLocale(u.Locale); ok {
			return lang, "ok", localeTTL
		}
		// A language scnetbot does not speak is an answer, and holds as
		// long as one it does.
		return l.def, "unsupported", localeTTL
	case errors.As(err, &se) && se.Err == "missing_scope":
		l.scopeWarning.Do(func() {
			l.log.Warn("Slack refused users.info: the app lacks the users:read scope, so everyone is answered in BOT_LANGUAGE; add users:read (manifest.yaml) and reinstall the app",
				"default", string(l.def), "needed", se.Needed)
		})
		return l.def, "missing_scope", localeFailureTTL
	case errors.As(err, &se) && (se.Err == "user_not_found" || se.Err == "user_not_visible"):
		return l.def, "not_found", localeFailureTTL
	}
	l.log.Info("could not read a user's Slack language; using the default for now", "user", userID, "err", err)
	return l.def, "error", localeFailureTTL
}

func (l *languages) count(result string) {
	if l.metrics != nil {
		l.metrics.LocaleLookups.WithLabelValues(result).Inc()
	}
}
