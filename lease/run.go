package lease

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// takeEpoch increments the fencing epoch as this replica takes the lease.
const takeEpoch = `INSERT INTO scnetbot_lease (id, epoch, holder, taken_at) VALUES (1, 1, $1, now())
ON CONFLICT (id) DO UPDATE SET epoch = scnetbot_lease.epoch + 1, holder = EXCLUDED.holder, taken_at = now()
RETURNING epoch`

// undefinedObject is PostgreSQL's SQLSTATE for an unknown setting, which is
// what a server older than 14 answers to idle_session_timeout.
const undefinedObject = "42704"

// ErrNoIdleTimeout means the server does not know idle_session_timeout
// (PostgreSQL before 14), without which a frozen leader would keep the
// lease for hours.
var ErrNoIdleTimeout = errors.New("server has no idle_session_timeout (PostgreSQL 14 or later is needed)")

// errLeadReturned ends a session whose lead function returned by itself.
var errLeadReturned = errors.New("lead returned while leading")

// Run campaigns for the lease until ctx ends, calling lead each time this
// replica takes it, with the new epoch and a context cancelled as soon as
// leadership may be lost. lead must return promptly once its context is
// cancelled: Run waits for it before campaigning again. If lead returns by
// itself, the lease is released, since the replica has stopped doing the
// leader's work, and the campaign resumes.
//
// Database failures are logged and retried; Run returns nil when ctx ends
// (after releasing the lease), or an error only when the lease cannot work
// at all: a connection string that does not parse, or a server without
// idle_session_timeout.
func (l *Lease) Run(ctx context.Context, lead func(ctx context.Context, epoch uint64)) error {
	pgcfg, err := pgx.ParseConfig(l.connString)
	if err != nil {
		// pgconn's ParseConfigError redacts the password.
		return fmt.Errorf("parse lease database address: %w", err)
	}
	pgcfg.RuntimeParams["application_name"] = "scnetbot lease " + l.cfg.Holder
	failing := false
	for {
		led, err := l.session(ctx, pgcfg, lead)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, ErrNoIdleTimeout) {
			return err
		}
		wait := l.interval()
		if led {
			// Give a replica that was healthy all along the first chance.
			wait = l.cfg.Timeout / 2
		}
		// While the database is down every retry fails the same way: say
		// so once, not every Timeout/4.
		level := slog.LevelWarn
		if failing && !led {
			level = slog.LevelDebug
		}
		failing = !led
		l.log.Log(ctx, level, "lease session ended", "err", err, "retry_in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// session runs one database session: it campaigns until it takes the lease,
// then leads until the lease may be lost. led says whether it led.
func (l *Lease) session(ctx context.Context, pgcfg *pgx.ConnConfig, lead func(context.Context, uint64)) (led bool, err error) {
	conn, err := l.connect(ctx, pgcfg)
	if err != nil {
		return false, err
	}
	defer closeConn(conn)
	epoch, sent, err := l.campaign(ctx, conn)
	if err != nil {
		return false, err
	}
	return true, l.hold(ctx, conn, epoch, sent, lead)
}

// connect opens the dedicated session, with idle_session_timeout so the
// server frees the lease of a leader that falls silent.
func (l *Lease) connect(ctx context.Context, pgcfg *pgx.ConnConfig) (*pgx.Conn, error) {
	cctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, pgcfg)
	if err != nil {
		return nil, fmt.Errorf("connect lease session to %s: %w", pgcfg.Host, err)
	}
	set := fmt.Sprintf("SET idle_session_timeout = %d", l.cfg.Timeout.Milliseconds())
	if _, err := conn.Exec(cctx, set); err != nil {
		closeConn(conn)
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == undefinedObject {
			return nil, fmt.Errorf("lease session to %s: %w", pgcfg.Host, ErrNoIdleTimeout)
		}
		return nil, fmt.Errorf("set idle_session_timeout on lease session: %w", err)
	}
	return conn, nil
}

// campaign asks for the advisory lock every interval until it gets it,
// then takes the next epoch. sent is when the statement that took the
// epoch was sent, which Epoch's validity counts from.
func (l *Lease) campaign(ctx context.Context, conn *pgx.Conn) (epoch uint64, sent time.Time, err error) {
	t := time.NewTicker(l.interval())
	defer t.Stop()
	for {
		got, err := l.tryLock(ctx, conn)
		if err != nil {
			return 0, time.Time{}, err
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return 0, time.Time{}, ctx.Err()
		case <-t.C:
		}
	}
	sent = l.cfg.Now()
	qctx, cancel := context.WithTimeout(ctx, l.interval())
	defer cancel()
	var e int64
	err = pgx.BeginFunc(qctx, conn, func(tx pgx.Tx) error {
		return tx.QueryRow(qctx, takeEpoch, l.cfg.Holder).Scan(&e)
	})
	if err != nil {
		// Closing the session, as the caller does, frees the lock.
		return 0, time.Time{}, fmt.Errorf("take lease epoch: %w", err)
	}
	return uint64(e), sent, nil
}

func (l *Lease) tryLock(ctx context.Context, conn *pgx.Conn) (bool, error) {
	qctx, cancel := context.WithTimeout(ctx, l.interval())
	defer cancel()
	var got bool
	if err := conn.QueryRow(qctx, "SELECT pg_try_advisory_lock($1)", l.cfg.Key).Scan(&got); err != nil {
		return false, fmt.Errorf("try lease lock %d: %w", l.cfg.Key, err)
	}
	return got, nil
}

// hold runs lead while pinging the session every interval, and steps down
// on the first sign that the lease may be lost.
func (l *Lease) hold(ctx context.Context, conn *pgx.Conn, epoch uint64, sent time.Time, lead func(context.Context, uint64)) error {
	l.lead(epoch, sent)
	l.log.Info("took the lease", "epoch", epoch)
	lctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		lead(lctx, epoch)
	}()
	stepDown := func(why error) error {
		// Invalid first, so nothing acts on the epoch from here on; then
		// stop lead, free the lock, and wait for lead to finish.
		l.follow()
		cancel()
		closeConn(conn)
		<-done
		l.log.Info("stepped down", "epoch", epoch, "reason", why)
		return why
	}

	t := time.NewTicker(l.interval())
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return stepDown(ctx.Err())
		case <-done:
			return stepDown(errLeadReturned)
		case <-t.C:
		}
		if l.beforePing != nil {
			l.beforePing()
		}
		if d := l.sincePing(); d >= l.cfg.Timeout/2 {
			return stepDown(fmt.Errorf("no successful lease ping for %v", d))
		}
		if err := l.ping(ctx, conn); err != nil {
			return stepDown(err)
		}
	}
}

// ping checks the session is alive, within one interval, so a ping that
// hangs fails before the epoch's validity runs out.
func (l *Lease) ping(ctx context.Context, conn *pgx.Conn) error {
	sent := l.cfg.Now()
	qctx, cancel := context.WithTimeout(ctx, l.interval())
	defer cancel()
	if _, err := conn.Exec(qctx, "SELECT 1"); err != nil {
		return fmt.Errorf("ping lease session: %w", err)
	}
	l.pinged(sent)
	return nil
}

// closeConn ends the session, which frees its advisory lock. The bound is
// for the goodbye message only: the socket is closed either way.
func closeConn(conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}
