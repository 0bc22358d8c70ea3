package lease

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"scnetbot/metrics"
)

// DefaultKey is the advisory lock key replicas campaign for when Config.Key
// is zero: "scnetbot" in ASCII, read as a big-endian int64, so it is unlikely
// to collide with another application's locks in a shared database.
const DefaultKey int64 = 0x73636e6574626f74

// DefaultTimeout is the lease timeout when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config tunes a Lease. Zero values take the defaults noted.
type Config struct {
	// Key is the advisory lock key (default DefaultKey). Every replica of one
	// bot must use the same key; bots sharing a database must not.
	Key int64
	// Timeout is how long a leader that stops answering keeps the lease
	// (default 10s): the session's idle_session_timeout. Replicas campaign
	// and the leader pings every Timeout/4, and Epoch is valid for Timeout/2
	// after the last successful ping.
	Timeout time.Duration
	// Holder names this replica in the scnetbot_lease row, in
	// pg_stat_activity's application_name and in logs (default
	// hostname/pid).
	Holder string
	// Logger may be nil, which discards. Metrics may be nil.
	Logger  *slog.Logger
	Metrics *metrics.Metrics
	// Now is the clock Epoch's validity is measured by (default time.Now).
	// It must carry a monotonic reading, as time.Now's do, so that a wall
	// clock step cannot make an old ping look fresh.
	Now func() time.Time
}

// Lease campaigns for leadership among replicas sharing one PostgreSQL
// database. Build it with New and call Run once; Epoch and Leading are safe
// to call from any goroutine at any time.
type Lease struct {
	connString string
	cfg        Config
	log        *slog.Logger

	// beforePing, set only by tests before Run, is called in the leader's
	// ping loop before each ping; blocking in it freezes the pings the way
	// SIGSTOP would while lead keeps running.
	beforePing func()

	mu      sync.Mutex
	leading bool
	epoch   uint64
	lastOK  time.Time // when the last statement that succeeded was sent
}

// New returns a Lease for the database connString names (a postgres:// URL
// or key=value string, as pgx accepts). It does not connect: Run does.
func New(connString string, cfg Config) *Lease {
	if cfg.Key == 0 {
		cfg.Key = DefaultKey
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Holder == "" {
		host, err := os.Hostname()
		if err != nil {
			host = "unknown"
		}
		cfg.Holder = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Lease{connString: connString, cfg: cfg, log: log.With("holder", cfg.Holder)}
}

// Epoch returns the epoch of the lease this replica holds, and whether it
// may still act on it: valid is true only while it leads and its last
// successful ping was sent less than Timeout/2 ago by the local clock (see
// the package doc for why that is safe). Check it right before any act that
// the database cannot fence, such as posting to Slack.
func (l *Lease) Epoch() (epoch uint64, valid bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.epoch, l.validLocked()
}

// Leading reports whether this replica holds the lease and may act on it:
// the valid result of Epoch.
func (l *Lease) Leading() bool {
	_, valid := l.Epoch()
	return valid
}

func (l *Lease) validLocked() bool {
	return l.leading && l.cfg.Now().Sub(l.lastOK) < l.cfg.Timeout/2
}

// interval is how often replicas campaign and the leader pings.
func (l *Lease) interval() time.Duration { return l.cfg.Timeout / 4 }

// lead records that this replica took the lease with epoch, as of a
// statement sent at sent.
func (l *Lease) lead(epoch uint64, sent time.Time) {
	l.mu.Lock()
	l.leading, l.epoch, l.lastOK = true, epoch, sent
	l.mu.Unlock()
	if m := l.cfg.Metrics; m != nil {
		m.Leader.Set(1)
		m.LeaderEpoch.Set(float64(epoch))
		m.LeaderTakeovers.Inc()
	}
}

// pinged records a successful ping sent at sent.
func (l *Lease) pinged(sent time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lastOK = sent
}

// sincePing is how long ago the last successful ping was sent.
func (l *Lease) sincePing() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg.Now().Sub(l.lastOK)
}

// follow records that this replica no longer leads. The epoch is kept, so
// the gauge and Epoch show the one last held.
func (l *Lease) follow() {
	l.mu.Lock()
	l.leading = false
	l.mu.Unlock()
	if m := l.cfg.Metrics; m != nil {
		m.Leader.Set(0)
	}
}
