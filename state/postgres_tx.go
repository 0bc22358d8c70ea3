package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pgTx is one PostgreSQL transaction seen from one namespace (ns "" is
// the root), like boltTx. Tx methods take no context: ctx is the one of
// the View or Update that began the transaction.
type pgTx struct {
	ctx context.Context
	tx  pgx.Tx
	ns  string
	st  *txState
}

// fail wraps a statement's error, marking a lost connection
// ErrUnavailable and remembering a conflict for Update's retry.
func (t pgTx) fail(what string, err error) error {
	if retryable(err) && t.st.conflict == nil {
		t.st.conflict = err
	}
	return fmt.Errorf("%s: %w", what, dbErr(t.ctx, err))
}

func (t pgTx) exec(what, sql string, args ...any) (pgconn.CommandTag, error) {
	if err := t.flush(); err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := t.tx.Exec(t.ctx, sql, args...)
	if err != nil {
		return tag, t.fail(what, err)
	}
	return tag, nil
}

// write runs a statement whose result nobody reads. In an Update it is
// queued and sent with the next statement that must answer, or at commit,
// in one round trip (a poll writes up to thousands of instances); its
// error, if any, is then that statement's, or the commit's, and fails the
// transaction all the same. In a View it runs at once, and fails, as a
// write in a read-only transaction must.
func (t pgTx) write(what, sql string, args ...any) error {
	if !t.st.deferWrites {
		_, err := t.exec(what, sql, args...)
		return err
	}
	if t.st.batch == nil {
		t.st.batch = &pgx.Batch{}
	}
	t.st.batch.Queue(sql, args...)
	t.st.whats = append(t.st.whats, what)
	return nil
}

// flush sends the queued writes.
func (t pgTx) flush() error {
	b, whats := t.st.batch, t.st.whats
	if b == nil || b.Len() == 0 {
		return nil
	}
	t.st.batch, t.st.whats = nil, nil
	br := t.tx.SendBatch(t.ctx, b)
	for _, what := range whats {
		if _, err := br.Exec(); err != nil {
			_ = br.Close()
			return t.fail(what, err)
		}
	}
	if err := br.Close(); err != nil {
		return t.fail("write", err)
	}
	return nil
}

// pgGet reads the one record sql selects (its data column).
func pgGet[T any](t pgTx, what, sql string, args ...any) (T, bool, error) {
	var v T
	if err := t.flush(); err != nil {
		return v, false, err
	}
	var raw []byte
	err := t.tx.QueryRow(t.ctx, sql, args...).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return v, false, nil
	}
	if err != nil {
		return v, false, t.fail("read "+what, err)
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("decode %s: %w", what, err)
	}
	return v, true, nil
}

// pgEach calls fn for each record sql selects (its data column). The rows
// are read in full first: fn may write in the same transaction, and one
// connection cannot run a statement while another's rows are open.
func pgEach[T any](t pgTx, what, sql string, fn func(T) error, args ...any) error {
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.tx.Query(t.ctx, sql, args...)
	if err != nil {
		return t.fail("list "+what, err)
	}
	raws, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return t.fail("list "+what, err)
	}
	for _, raw := range raws {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode %s: %w", what, err)
		}
		if err := fn(v); err != nil {
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	return nil
}

func encode(what, key string, v any) ([]byte, error) {
	if key == "" {
		return nil, fmt.Errorf("put %s: empty key", what)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s %q: %w", what, key, err)
	}
	return raw, nil
}

// compact undoes JSONB's reformatting of a raw JSON field (a space after
// every colon and comma), so a value reads back as compact as it was put.
func compact(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// Instances and snoozes live in tables of one shape, records by namespace
// and id, so they share these statements; table is one of the schema's
// names, never input.

func nsGet[T any](t pgTx, table, what, id string) (T, bool, error) {
	return pgGet[T](t, fmt.Sprintf("%s %q", what, id),
		"SELECT data FROM "+table+" WHERE ns = $1 AND id = $2", t.ns, id)
}

func (t pgTx) nsPut(table, what, id string, v any) error {
	raw, err := encode(what, id, v)
	if err != nil {
		return err
	}
	return t.write(fmt.Sprintf("put %s %q", what, id),
		"INSERT INTO "+table+` (ns, id, data) VALUES ($1, $2, $3)
		 ON CONFLICT (ns, id) DO UPDATE SET data = EXCLUDED.data`, t.ns, id, raw)
}

func (t pgTx) nsDelete(table, what, id string) error {
	return t.write(fmt.Sprintf("delete %s %q", what, id),
		"DELETE FROM "+table+" WHERE ns = $1 AND id = $2", t.ns, id)
}

func nsEach[T any](t pgTx, table, what string, fn func(T) error) error {
	return pgEach(t, what, "SELECT data FROM "+table+" WHERE ns = $1 ORDER BY id", fn, t.ns)
}

func (t pgTx) Instance(id string) (Instance, bool, error) {
	return nsGet[Instance](t, "scnetbot_instances", "instance", id)
}

func (t pgTx) PutInstance(i Instance) error {
	return t.nsPut("scnetbot_instances", "instance", i.ID, i)
}

func (t pgTx) DeleteInstance(id string) error {
	return t.nsDelete("scnetbot_instances", "instance", id)
}

func (t pgTx) Instances(fn func(Instance) error) error {
	return nsEach(t, "scnetbot_instances", "instances", fn)
}

// Alerts, as in bbolt: one table for every region, by id; a namespace sees
// only the alerts whose region is its own, the root sees them all.
func (t pgTx) Alert(id string) (Alert, bool, error) {
	a, ok, err := pgGet[Alert](t, fmt.Sprintf("alert %q", id),
		"SELECT data FROM scnetbot_alerts WHERE id = $1 AND ($2 = '' OR region = $2)", id, t.ns)
	a.Snapshot = compact(a.Snapshot)
	return a, ok, err
}

func (t pgTx) PutAlert(a Alert) error {
	if t.ns != "" {
		a.Region = t.ns
	}
	raw, err := encode("alert", a.ID, a)
	if err != nil {
		return err
	}
	err = t.write(fmt.Sprintf("put alert %q", a.ID),
		`INSERT INTO scnetbot_alerts (id, region, data) VALUES ($1, $2, $3)
		 ON CONFLICT (id) DO UPDATE SET region = EXCLUDED.region, data = EXCLUDED.data`, a.ID, a.Region, raw)
	return err
}

func (t pgTx) DeleteAlert(id string) error {
	err := t.write(fmt.Sprintf("delete alert %q", id),
		"DELETE FROM scnetbot_alerts WHERE id = $1 AND ($2 = '' OR region = $2)", id, t.ns)
	return err
}

func (t pgTx) Alerts(fn func(Alert) error) error {
	return pgEach(t, "alerts", "SELECT data FROM scnetbot_alerts WHERE $1 = '' OR region = $1 ORDER BY id",
		func(a Alert) error { a.Snapshot = compact(a.Snapshot); return fn(a) }, t.ns)
}

// The outbox is one queue for every namespace. A message's Seq is its
// row's seq column, so the record itself is stored as it is given.
func (t pgTx) Enqueue(m Message) (uint64, error) {
	if m.Kind == KindUpdate {
		// Only the newest rendering of an alert matters; an older queued
		// update would just flash stale text.
		if _, err := t.exec(fmt.Sprintf("replace queued updates of alert %q", m.AlertID),
			"DELETE FROM scnetbot_outbox WHERE kind = 'update' AND alert_id IS NOT DISTINCT FROM $1 AND NOT dead",
			nullIfEmpty(m.AlertID)); err != nil {
			return 0, err
		}
	}
	var seq int64
	if err := t.flush(); err != nil {
		return 0, err
	}
	if err := t.tx.QueryRow(t.ctx, "SELECT nextval('scnetbot_outbox_seq')").Scan(&seq); err != nil {
		return 0, t.fail("outbox sequence", err)
	}
	m.Seq = uint64(seq)
	raw, err := json.Marshal(m)
	if err != nil {
		return 0, fmt.Errorf("encode outbox message %q: %w", m.ID, err)
	}
	if _, err := t.exec(fmt.Sprintf("enqueue message %q", m.ID),
		"INSERT INTO scnetbot_outbox (seq, data) VALUES ($1, $2)", seq, raw); err != nil {
		return 0, err
	}
	return m.Seq, nil
}

// nullIfEmpty matches the alert column of a message without an alert
// (omitempty leaves the JSON field out, so the column is NULL).
func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (t pgTx) PutMessage(m Message) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode outbox message %d: %w", m.Seq, err)
	}
	tag, err := t.exec(fmt.Sprintf("put outbox message %d", m.Seq),
		"UPDATE scnetbot_outbox SET data = $2 WHERE seq = $1", int64(m.Seq), raw)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("outbox message %d: %w", m.Seq, ErrNotQueued)
	}
	return nil
}

func (t pgTx) DeleteMessage(seq uint64) error {
	_, err := t.exec(fmt.Sprintf("delete outbox message %d", seq),
		"DELETE FROM scnetbot_outbox WHERE seq = $1", int64(seq))
	return err
}

func (t pgTx) Outbox(fn func(Message) error) error {
	return pgEach(t, "outbox", "SELECT data FROM scnetbot_outbox ORDER BY seq",
		func(m Message) error { m.Blocks = compact(m.Blocks); return fn(m) })
}

// ClaimMessage locks the message's row until the transaction ends, skipping
// it when another transaction holds it, so two deliverers never send the
// same message at once.
func (t pgTx) ClaimMessage(seq uint64) (Message, bool, error) {
	m, ok, err := pgGet[Message](t, fmt.Sprintf("claim outbox message %d", seq),
		"SELECT data FROM scnetbot_outbox WHERE seq = $1 FOR UPDATE SKIP LOCKED", int64(seq))
	m.Blocks = compact(m.Blocks)
	return m, ok, err
}

func (t pgTx) Snooze(id string) (Snooze, bool, error) {
	return nsGet[Snooze](t, "scnetbot_snoozes", "snooze", id)
}

func (t pgTx) PutSnooze(s Snooze) error {
	return t.nsPut("scnetbot_snoozes", "snooze", s.InstanceID, s)
}

func (t pgTx) DeleteSnooze(id string) error {
	return t.nsDelete("scnetbot_snoozes", "snooze", id)
}

func (t pgTx) Snoozes(fn func(Snooze) error) error {
	return nsEach(t, "scnetbot_snoozes", "snoozes", fn)
}

func (t pgTx) Meta() (Meta, error) {
	m, _, err := pgGet[Meta](t, "meta", "SELECT data FROM scnetbot_meta WHERE ns = $1", t.ns)
	return m, err
}

func (t pgTx) PutMeta(m Meta) error {
	raw, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode meta: %w", err)
	}
	err = t.write("put meta",
		`INSERT INTO scnetbot_meta (ns, data) VALUES ($1, $2)
		 ON CONFLICT (ns) DO UPDATE SET data = EXCLUDED.data`, t.ns, raw)
	return err
}

func (t pgTx) rootOnly(id string) error {
	if t.ns != "" {
		return fmt.Errorf("action %q in region %s: %w", id, t.ns, ErrRootOnly)
	}
	return nil
}

func (t pgTx) Action(id string) (Action, bool, error) {
	if err := t.rootOnly(id); err != nil {
		return Action{}, false, err
	}
	return pgGet[Action](t, fmt.Sprintf("action %q", id), "SELECT data FROM scnetbot_actions WHERE id = $1", id)
}

func (t pgTx) PutAction(a Action) error {
	if err := t.rootOnly(a.ID); err != nil {
		return err
	}
	raw, err := encode("action", a.ID, a)
	if err != nil {
		return err
	}
	var exists bool
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.tx.QueryRow(t.ctx, "SELECT EXISTS (SELECT 1 FROM scnetbot_actions WHERE id = $1)", a.ID).Scan(&exists); err != nil {
		return t.fail(fmt.Sprintf("read action %q", a.ID), err)
	}
	if !exists {
		if err := t.pruneActions(a.Created.Add(-ActionRetention)); err != nil {
			return err
		}
	}
	_, err = t.exec(fmt.Sprintf("put action %q", a.ID),
		`INSERT INTO scnetbot_actions (id, data) VALUES ($1, $2)
		 ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data`, a.ID, raw)
	return err
}

func (t pgTx) DeleteAction(id string) error {
	if err := t.rootOnly(id); err != nil {
		return err
	}
	_, err := t.exec(fmt.Sprintf("delete action %q", id), "DELETE FROM scnetbot_actions WHERE id = $1", id)
	return err
}

func (t pgTx) Actions(fn func(Action) error) error {
	if err := t.rootOnly(""); err != nil {
		return err
	}
	return pgEach(t, "actions", "SELECT data FROM scnetbot_actions ORDER BY id", fn)
}

// pruneActions is boltTx's: the same rule, decided in Go on the same
// records, so both engines keep exactly the same actions.
func (t pgTx) pruneActions(cutoff time.Time) error {
	if err := t.flush(); err != nil {
		return err
	}
	rows, err := t.tx.Query(t.ctx, "SELECT id, data FROM scnetbot_actions")
	if err != nil {
		return t.fail("list actions to prune", err)
	}
	type rec struct {
		ID   string
		Data []byte
	}
	recs, err := pgx.CollectRows(rows, pgx.RowToStructByPos[rec])
	if err != nil {
		return t.fail("list actions to prune", err)
	}
	var old []string
	for _, r := range recs {
		var a Action
		if err := json.Unmarshal(r.Data, &a); err != nil {
			old = append(old, r.ID)
			continue
		}
		end := a.Expires
		if !a.Finished.IsZero() {
			end = a.Finished
		}
		if end.Before(cutoff) {
			old = append(old, r.ID)
		}
	}
	if len(old) == 0 {
		return nil
	}
	_, err = t.exec("prune actions", "DELETE FROM scnetbot_actions WHERE id = ANY($1)", old)
	return err
}

// adoptLegacy is AdoptLegacy's move for PostgreSQL: the root's instances,
// snoozes and meta go under regionID unless the region already has them,
// and the alerts without a region become the region's.
func (t pgTx) adoptLegacy(regionID string) error {
	for _, table := range []string{"scnetbot_instances", "scnetbot_snoozes"} {
		if _, err := t.exec("adopt legacy "+table,
			`INSERT INTO `+table+` (ns, id, data) SELECT $1, id, data FROM `+table+` WHERE ns = ''
			 ON CONFLICT (ns, id) DO NOTHING`, regionID); err != nil {
			return err
		}
		if _, err := t.exec("adopt legacy "+table, `DELETE FROM `+table+` WHERE ns = ''`); err != nil {
			return err
		}
	}
	if _, err := t.exec("adopt legacy alerts",
		`UPDATE scnetbot_alerts SET region = $1, data = jsonb_set(data, '{region}', to_jsonb($1::text))
		 WHERE region = ''`, regionID); err != nil {
		return err
	}
	_, err := t.exec("adopt legacy meta",
		`INSERT INTO scnetbot_meta (ns, data) SELECT $1, data FROM scnetbot_meta WHERE ns = ''
		 ON CONFLICT (ns) DO NOTHING`, regionID)
	return err
}
