package state

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bucket names. The schema is versioned by the meta bucket's "version" key so
// a later layout can migrate.
const (
	bucketInstances = "instances"
	bucketAlerts    = "alerts"
	bucketOutbox    = "outbox"
	bucketSnoozes   = "snoozes"
	bucketMeta      = "meta"
	bucketActions   = "actions"
	keyMeta         = "meta"
	keyVersion      = "version"
)

const schemaVersion = "1"

// Bolt is a Store in one bbolt file. Every Update is fsynced before it
// returns, which is what makes "written before sent" hold across a kill -9.
//
// bbolt panics when it meets a corrupt page. Bolt turns such a panic into
// an error wrapping ErrUnusable, at the transaction boundary, and from then
// on refuses every transaction with it: the same page would panic again,
// and after a panic in the middle of a write bbolt's memory of the file
// cannot be trusted. The process stays up; only what needs the store stops.
type Bolt struct {
	db *bolt.DB
	// broken is the first panic's error once the store became unusable.
	broken atomic.Pointer[error]
}

// Open opens or creates the store at path. It fails fast (after a second)
// when another process holds the file, rather than hanging.
func Open(path string) (b *Bolt, err error) {
	// bbolt reads the freelist at open and may panic on a corrupt one.
	defer func() {
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("open state %q: %w", path, panicked(r))
		}
	}()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		// bbolt's *fs.PathError repeats the path this error already names.
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		// A file bbolt cannot read is corrupt or not a store: as unusable
		// as one that panics. A file another process holds is not.
		if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrChecksum) || errors.Is(err, berrors.ErrVersionMismatch) {
			err = fmt.Errorf("%w: %w", ErrUnusable, err)
		}
		return nil, fmt.Errorf("open state %q: %w", path, err)
	}
	b = &Bolt{db: db}
	err = b.Update(context.Background(), func(t Tx) error {
		tx := t.(boltTx).tx
		for _, name := range []string{bucketInstances, bucketAlerts, bucketOutbox, bucketSnoozes, bucketMeta, bucketActions} {
			if _, err := tx.CreateBucketIfNotExists([]byte(name)); err != nil {
				return err
			}
		}
		m := tx.Bucket([]byte(bucketMeta))
		if v := m.Get([]byte(keyVersion)); v != nil && string(v) != schemaVersion {
			return fmt.Errorf("schema version %q, want %q", v, schemaVersion)
		}
		return m.Put([]byte(keyVersion), []byte(schemaVersion))
	})
	if err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("init state %q: %w", path, err)
	}
	return b, nil
}

// Close closes the file.
func (b *Bolt) Close() (err error) {
	defer b.recover(&err)
	return b.db.Close()
}

// View implements Store.
func (b *Bolt) View(ctx context.Context, fn func(Tx) error) (err error) {
	if err := b.usable(ctx); err != nil {
		return err
	}
	// Recovered outside db.View too: beginning and ending a transaction
	// read pages as well. Inside, a panic in fn becomes an error that
	// bbolt then handles like any other.
	defer b.recover(&err)
	return b.db.View(func(tx *bolt.Tx) (err error) {
		defer b.recover(&err)
		return fn(boltTx{tx: tx})
	})
}

// Update implements Store.
func (b *Bolt) Update(ctx context.Context, fn func(Tx) error) (err error) {
	if err := b.usable(ctx); err != nil {
		return err
	}
	defer b.recover(&err) // a panic in Commit, which writes the pages
	return b.db.Update(func(tx *bolt.Tx) (err error) {
		defer b.recover(&err) // rolled back by bbolt like any error
		return fn(boltTx{tx: tx})
	})
}

// Unusable returns a Store that refuses every transaction with err, for a
// process that runs on without its state file. err should wrap
// ErrUnusable.
func Unusable(err error) Store { return unusable{err} }

type unusable struct{ err error }

func (u unusable) View(context.Context, func(Tx) error) error   { return u.err }
func (u unusable) Update(context.Context, func(Tx) error) error { return u.err }
func (u unusable) Close() error                                 { return nil }

// ErrUnusable marks the errors of a store whose file is corrupt: bbolt
// panicked on it, or cannot read it at all. It cannot be used until the
// file is repaired or replaced and the process restarted.
var ErrUnusable = errors.New("store unusable")

// usable refuses a transaction on a store that panicked or for a context
// that ended.
func (b *Bolt) usable(ctx context.Context) error {
	if p := b.broken.Load(); p != nil {
		return *p
	}
	return ctx.Err()
}

// recover turns a panic into *err and marks the store unusable. The first
// panic is the one reported for good: later ones are its consequences.
func (b *Bolt) recover(err *error) {
	r := recover()
	if r == nil {
		return
	}
	e := panicked(r)
	b.broken.CompareAndSwap(nil, &e)
	*err = *b.broken.Load()
}

// panicked is the error for a recovered panic.
func panicked(r any) error {
	return fmt.Errorf("%w: bbolt panicked, the file is probably corrupt: %v", ErrUnusable, r)
}

// boltTx is a transaction seen from one namespace: ns is "" for the
// root (the one-region layout and everything shared), else a region id.
type boltTx struct {
	tx *bolt.Tx
	ns string
}

func get[T any](tx *bolt.Tx, bucket string, key string) (T, bool, error) {
	var v T
	raw := tx.Bucket([]byte(bucket)).Get([]byte(key))
	if raw == nil {
		return v, false, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("decode %s %q: %w", bucket, key, err)
	}
	return v, true, nil
}

func put(tx *bolt.Tx, bucket string, key []byte, v any) error {
	if len(key) == 0 {
		return fmt.Errorf("put %s: empty key", bucket)
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %q: %w", bucket, key, err)
	}
	return tx.Bucket([]byte(bucket)).Put(key, raw)
}

func each[T any](tx *bolt.Tx, bucket string, fn func(T) error) error {
	err := tx.Bucket([]byte(bucket)).ForEach(func(k, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode %s %q: %w", bucket, k, err)
		}
		return fn(v)
	})
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

func (t boltTx) Instance(id string) (Instance, bool, error) {
	return get[Instance](t.tx, bucketInstances, t.key(id))
}
func (t boltTx) PutInstance(i Instance) error {
	return put(t.tx, bucketInstances, []byte(t.key(i.ID)), i)
}
func (t boltTx) DeleteInstance(id string) error {
	return t.tx.Bucket([]byte(bucketInstances)).Delete([]byte(t.key(id)))
}
func (t boltTx) Instances(fn func(Instance) error) error {
	return eachIn(t, bucketInstances, fn)
}

// Alerts are kept in one bucket for every region, by id: alert ids are
// unique across regions and the shared outbox finds an alert by id alone.
// A namespace sees only the alerts whose Region is its own.
func (t boltTx) Alert(id string) (Alert, bool, error) {
	a, ok, err := get[Alert](t.tx, bucketAlerts, id)
	if ok && t.ns != "" && a.Region != t.ns {
		return Alert{}, false, nil
	}
	return a, ok, err
}
func (t boltTx) PutAlert(a Alert) error {
	if t.ns != "" {
		a.Region = t.ns
	}
	return put(t.tx, bucketAlerts, []byte(a.ID), a)
}
func (t boltTx) Alerts(fn func(Alert) error) error {
	if t.ns == "" {
		return each(t.tx, bucketAlerts, fn)
	}
	return each(t.tx, bucketAlerts, func(a Alert) error {
		if a.Region != t.ns {
			return nil
		}
		return fn(a)
	})
}
func (t boltTx) DeleteAlert(id string) error {
	if _, ok, err := t.Alert(id); err != nil || !ok {
		return err
	}
	return t.tx.Bucket([]byte(bucketAlerts)).Delete([]byte(id))
}

func seqKey(seq uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, seq)
	return k
}

func (t boltTx) Enqueue(m Message) (uint64, error) {
	b := t.tx.Bucket([]byte(bucketOutbox))
	if m.Kind == KindUpdate {
		// Only the newest rendering of an alert matters; an older queued
		// update would just flash stale text.
		var stale [][]byte
		err := b.ForEach(func(k, raw []byte) error {
			var q Message
			if err := json.Unmarshal(raw, &q); err != nil {
				return fmt.Errorf("decode outbox %x: %w", k, err)
			}
			if q.Kind == KindUpdate && q.AlertID == m.AlertID && !q.Dead {
				stale = append(stale, append([]byte(nil), k...))
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		for _, k := range stale {
			if err := b.Delete(k); err != nil {
				return 0, err
			}
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("outbox sequence: %w", err)
	}
	m.Seq = seq
	return seq, put(t.tx, bucketOutbox, seqKey(seq), m)
}

func (t boltTx) PutMessage(m Message) error {
	k := seqKey(m.Seq)
	if t.tx.Bucket([]byte(bucketOutbox)).Get(k) == nil {
		return fmt.Errorf("outbox message %d: %w", m.Seq, ErrNotQueued)
	}
	return put(t.tx, bucketOutbox, k, m)
}

func (t boltTx) DeleteMessage(seq uint64) error {
	return t.tx.Bucket([]byte(bucketOutbox)).Delete(seqKey(seq))
}

func (t boltTx) Outbox(fn func(Message) error) error { return each(t.tx, bucketOutbox, fn) }

// ClaimMessage is a plain read: bbolt runs one Update at a time, so no
// other writer can hold the message.
func (t boltTx) ClaimMessage(seq uint64) (Message, bool, error) {
	return get[Message](t.tx, bucketOutbox, string(seqKey(seq)))
}

func (t boltTx) Snooze(id string) (Snooze, bool, error) {
	return get[Snooze](t.tx, bucketSnoozes, t.key(id))
}
func (t boltTx) PutSnooze(s Snooze) error {
	return put(t.tx, bucketSnoozes, []byte(t.key(s.InstanceID)), s)
}
func (t boltTx) DeleteSnooze(id string) error {
	return t.tx.Bucket([]byte(bucketSnoozes)).Delete([]byte(t.key(id)))
}
func (t boltTx) Snoozes(fn func(Snooze) error) error { return eachIn(t, bucketSnoozes, fn) }

func (t boltTx) Meta() (Meta, error) {
	m, _, err := get[Meta](t.tx, bucketMeta, t.key(keyMeta))
	return m, err
}
func (t boltTx) PutMeta(m Meta) error { return put(t.tx, bucketMeta, []byte(t.key(keyMeta)), m) }
