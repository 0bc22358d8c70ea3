package state

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles are the schema's versions, NNNN_what.sql, applied in
// order. A package-level variable because go:embed allows no other; it is
// never written.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationLock is the pg_advisory_lock key under which a replica
// migrates, so two replicas starting at once apply each version once.
// It spells "scnetmig". It must not be the lease's key (lease.DefaultKey,
// "scnetbot"): the leader holds that one for as long as it leads, and a
// replica starting meanwhile would wait for it in its migrations forever.
const migrationLock int64 = 0x73636e65746d6967

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the embedded files in version order.
func migrations(fsys fs.FS) ([]migration, error) {
	names, err := fs.Glob(fsys, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_what.sql", base)
		}
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: string(raw)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: version %d, want %d (no gaps, no repeats)", m.name, m.version, i+1)
		}
	}
	return ms, nil
}

// migrate brings the schema up to date: each version not yet recorded in
// scnetbot_schema is applied in its own transaction, in order, while this
// session holds the migration lock. A database that records a version this
// binary does not know was migrated by a newer scnetbot, whose schema this
// one cannot promise to read or write correctly: it is refused.
func (p *Postgres) migrate(ctx context.Context) error {
	ms, err := migrations(migrationFiles)
	if err != nil {
		return fmt.Errorf("read migrations: %w", err)
	}
	conn, err := p.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", dbErr(ctx, err))
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return fmt.Errorf("take the migration lock: %w", dbErr(ctx, err))
	}
	defer func() {
		// The lock is the session's: a connection that cannot unlock is
		// dropped, which releases it.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock); err != nil {
			_ = conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS scnetbot_schema (
		version    int PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("create scnetbot_schema: %w", dbErr(ctx, err))
	}
	rows, err := conn.Query(ctx, "SELECT version FROM scnetbot_schema ORDER BY version")
	if err != nil {
		return fmt.Errorf("read scnetbot_schema: %w", dbErr(ctx, err))
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("read scnetbot_schema: %w", dbErr(ctx, err))
	}
	done := map[int]bool{}
	for _, v := range applied {
		if int(v) > len(ms) || int(v) < 1 {
			return fmt.Errorf("database schema version %d is newer than this scnetbot knows (up to %d): run a scnetbot at least as new as the one that migrated it", v, len(ms))
		}
		done[int(v)] = true
	}
	for _, m := range ms {
		if done[m.version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO scnetbot_schema (version) VALUES ($1)", m.version)
			return err
		})
		if err != nil {
			return fmt.Errorf("apply migration %s: %w", m.name, dbErr(ctx, err))
		}
	}
	return nil
}
