package state

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Postgres is a Store in a PostgreSQL database, shared by every replica
// that opens the same one. It keeps the records of Bolt, with the same
// semantics, so either engine passes the one contract suite
// (state/storetest).
//
// View runs in a read-only REPEATABLE READ transaction: one snapshot for
// the whole of fn, as a bbolt View. Update runs SERIALIZABLE, so two
// replicas' transactions behave as if one ran after the other, and is
// retried when PostgreSQL aborts it as a serialization failure or a
// deadlock: see Store.Update for what that asks of fn.
type Postgres struct {
	pool     *pgxpool.Pool
	attempts int
}

// PostgresOption changes how OpenPostgres opens the store.
type PostgresOption func(*postgresOptions)

type postgresOptions struct {
	maxConns int32
	attempts int
}

// WithMaxConns bounds the connections the store keeps open (pgx's
// default: the larger of 4 and the number of CPUs).
func WithMaxConns(n int32) PostgresOption {
	return func(o *postgresOptions) { o.maxConns = n }
}

// WithUpdateAttempts bounds how often an Update runs when PostgreSQL keeps
// aborting it as a serialization failure or deadlock (default 10).
func WithUpdateAttempts(n int) PostgresOption {
	return func(o *postgresOptions) { o.attempts = max(n, 1) }
}

// defaultConnectTimeout applies when the URL sets no connect_timeout: a
// database that does not answer is an outage to report, not a hang.
const defaultConnectTimeout = 5 * time.Second

// ErrUnavailable marks the errors of a PostgreSQL store that cannot reach
// its database (refused, timed out, connection lost, server shutting
// down). Unlike ErrUnusable nothing is wrong with the data: it is an
// outage, and the same transaction may succeed once the database is back.
// A commit whose connection was lost wraps it too, though it may have
// committed.
var ErrUnavailable = errors.New("state database unavailable")

// ErrFenced is returned by the Update of a Fenced store when this replica
// no longer holds the lease, or another replica took it over since (a
// newer epoch). Nothing of the transaction was written.
var ErrFenced = errors.New("fenced: this replica does not hold the current lease")

// OpenPostgres connects to the database at rawURL (postgres:// or
// postgresql://) and brings its schema up to date (migrate.go) before it
// returns. A database it cannot reach fails with an error wrapping
// ErrUnavailable; no error shows the URL's password.
func OpenPostgres(ctx context.Context, rawURL string, opts ...PostgresOption) (*Postgres, error) {
	o := postgresOptions{attempts: 10}
	for _, opt := range opts {
		opt(&o)
	}
	shown := redactURL(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// pgx's own message repeats the URL, redacted only "best effort".
		detail := "not a PostgreSQL URL"
		if inner := errors.Unwrap(err); inner != nil {
			detail += ": " + strings.ReplaceAll(inner.Error(), rawURL, shown)
		}
		return nil, fmt.Errorf("open state %s: %s", shown, detail)
	}
	if o.maxConns > 0 {
		cfg.MaxConns = o.maxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open state %s: %w", shown, dbErr(ctx, err))
	}
	p := &Postgres{pool: pool, attempts: o.attempts}
	if err := p.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open state %s: %w", shown, err)
	}
	return p, nil
}

// Close closes the connections.
func (p *Postgres) Close() error {
	p.pool.Close()
	return nil
}

// View implements Store.
func (p *Postgres) View(ctx context.Context, fn func(Tx) error) error {
	return p.view(ctx, "", fn)
}

// Update implements Store.
func (p *Postgres) Update(ctx context.Context, fn func(Tx) error) error {
	return p.update(ctx, "", nil, fn)
}

func (p *Postgres) namespace(regionID string) Store {
	return &pgStore{p: p, ns: regionID}
}

// Fenced returns the store as seen by the holder of the lease: every
// Update first reads the lease's epoch (scnetbot_lease) FOR SHARE and
// fails with ErrFenced, writing nothing, unless it is the epoch epoch
// reports and epoch says the lease is still held. The row lock makes a
// takeover (UPDATE … SET epoch = epoch + 1) wait for a fenced write in
// flight, so no write of an old leader lands after a takeover. View is
// not fenced: reading is safe from any replica. Namespace works on the
// result; Close closes nothing (the store belongs to whoever opened it).
func (p *Postgres) Fenced(epoch func() (uint64, bool)) Store {
	return &pgStore{p: p, epoch: epoch}
}

// pgStore is a region's namespace of a Postgres, a fenced one, or both.
type pgStore struct {
	p     *Postgres
	ns    string
	epoch func() (uint64, bool) // nil: not fenced
}

func (s *pgStore) View(ctx context.Context, fn func(Tx) error) error {
	return s.p.view(ctx, s.ns, fn)
}

func (s *pgStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.p.update(ctx, s.ns, s.epoch, fn)
}

func (s *pgStore) Close() error { return nil }

func (s *pgStore) namespace(regionID string) Store {
	return &pgStore{p: s.p, ns: regionID, epoch: s.epoch}
}

func (p *Postgres) view(ctx context.Context, ns string, fn func(Tx) error) error {
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("begin read: %w", dbErr(ctx, err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	return fn(pgTx{ctx: ctx, tx: tx, ns: ns, st: &txState{}})
}

// Backoff between attempts of an Update: a jittered exponential, so two
// replicas that collided do not collide again in step.
const (
	retryBase = 5 * time.Millisecond
	retryCap  = 250 * time.Millisecond
)

func (p *Postgres) update(ctx context.Context, ns string, epoch func() (uint64, bool), fn func(Tx) error) error {
	for attempt := 1; ; attempt++ {
		again, err := p.updateOnce(ctx, ns, epoch, fn)
		if err == nil || attempt >= p.attempts || !again {
			if err != nil && attempt > 1 {
				err = fmt.Errorf("after %d attempts: %w", attempt, err)
			}
			return err
		}
		d := min(retryBase<<(attempt-1), retryCap)
		d = d/2 + rand.N(d/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%w (while retrying: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// updateOnce runs one attempt; again reports an error after which the
// whole transaction may succeed when run again.
func (p *Postgres) updateOnce(ctx context.Context, ns string, epoch func() (uint64, bool), fn func(Tx) error) (again bool, err error) {
	tx, err := p.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		return false, fmt.Errorf("begin write: %w", dbErr(ctx, err))
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	st := &txState{deferWrites: true}
	if epoch != nil {
		if err := checkFence(ctx, tx, epoch); err != nil {
			return retryable(err), err
		}
	}
	ptx := pgTx{ctx: ctx, tx: tx, ns: ns, st: st}
	err = fn(ptx)
	if err == nil {
		err = ptx.flush()
	}
	if err != nil {
		// fn may have hidden the statement that failed behind an error of
		// its own: a transaction PostgreSQL aborted is retried anyway.
		if st.conflict != nil && !retryable(err) {
			return true, fmt.Errorf("%w (transaction aborted by: %w)", err, st.conflict)
		}
		return retryable(err), err
	}
	if err := tx.Commit(ctx); err != nil {
		return retryable(err), fmt.Errorf("commit: %w", dbErr(ctx, err))
	}
	return false, nil
}

func checkFence(ctx context.Context, tx pgx.Tx, epoch func() (uint64, bool)) error {
	var cur int64
	err := tx.QueryRow(ctx, "SELECT epoch FROM scnetbot_lease WHERE id = 1 FOR SHARE").Scan(&cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: no lease was ever taken", ErrFenced)
	}
	if err != nil {
		return fmt.Errorf("read lease epoch: %w", dbErr(ctx, err))
	}
	// Asked after the row is locked: a lease lost while waiting counts.
	mine, held := epoch()
	if !held {
		return fmt.Errorf("%w: lease not held (lease epoch %d)", ErrFenced, cur)
	}
	if uint64(cur) != mine {
		return fmt.Errorf("%w: lease epoch %d, this replica's %d", ErrFenced, cur, mine)
	}
	return nil
}

// txState is shared by the copies of one transaction's pgTx.
type txState struct {
	// conflict is the first serialization failure or deadlock a statement
	// met: after it, PostgreSQL fails every statement of the transaction.
	conflict error
	// deferWrites queues writes (pgTx.write) in batch, in an Update.
	deferWrites bool
	batch       *pgx.Batch
	whats       []string // what each queued write is, for its error
}

// retryable reports a serialization failure or a deadlock, after which
// the whole transaction may succeed when run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// dbErr marks an error of the database connection, not of a statement, as
// ErrUnavailable. The caller's own context ending is left as it is.
func dbErr(ctx context.Context, err error) error {
	if err == nil || ctx.Err() != nil {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), // connection exception
			pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03", // shutting down, cannot connect now
			pe.Code == "53300": // too many connections
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		var ce *pgconn.ConnectError
		if errors.As(err, &ce) && !strings.HasPrefix(pe.Code, "28") && pe.Code != "3D000" {
			return fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
		return err
	}
	// Anything else from the driver is the network's or the pool's:
	// refused, reset, timed out, closed.
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// redactURL is rawURL with its password, in the user info or the query,
// replaced, for errors and logs.
func redactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

// ConnConfig is a copy of the connection settings the store uses, for
// tools and tests that need a connection of their own to its database
// (package lease's session, for one).
func (p *Postgres) ConnConfig() *pgx.ConnConfig {
	return p.pool.Config().ConnConfig.Copy()
}
