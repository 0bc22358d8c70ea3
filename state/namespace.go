package state

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// nsMark starts every key of a region's namespace: "@<region>/<id>". No
// instance id starts with it (scnet.ValidInstanceID), so the keys of the
// one-region layout, bare ids, never look like a region's.
const nsMark = "@"

// Namespace returns the part of st that belongs to one region: its
// instances, snoozes and meta live under the region's own keys and its
// alerts are the ones recorded for it (Alert.Region), while the outbox
// stays the store's one outbox, so one deliverer keeps one order per
// channel across regions. It works on a *Bolt, a *Postgres and a fenced
// Postgres (Postgres.Fenced). A store without namespaces (Unusable, a test
// double) is returned as it is: it refuses or fakes every transaction
// anyway.
func Namespace(st Store, regionID string) Store {
	n, ok := st.(namespacer)
	if !ok || regionID == "" {
		return st
	}
	return n.namespace(regionID)
}

// namespacer is a store that has regions' namespaces.
type namespacer interface {
	namespace(regionID string) Store
}

func (b *Bolt) namespace(regionID string) Store { return &namespaced{b: b, ns: regionID} }

type namespaced struct {
	b  *Bolt
	ns string
}

func (n *namespaced) View(ctx context.Context, fn func(Tx) error) error {
	return n.b.View(ctx, func(t Tx) error { return fn(boltTx{tx: t.(boltTx).tx, ns: n.ns}) })
}

func (n *namespaced) Update(ctx context.Context, fn func(Tx) error) error {
	return n.b.Update(ctx, func(t Tx) error { return fn(boltTx{tx: t.(boltTx).tx, ns: n.ns}) })
}

// Close closes nothing: the store belongs to whoever opened it.
func (n *namespaced) Close() error { return nil }

// key is the key of id in t's namespace.
func (t boltTx) key(id string) string {
	if t.ns == "" {
		return id
	}
	return nsMark + t.ns + "/" + id
}

// eachIn calls fn for every record of bucket in t's namespace: the keys
// under its prefix, or at the root every key that is no region's.
func eachIn[T any](t boltTx, bucket string, fn func(T) error) error {
	c := t.tx.Bucket([]byte(bucket)).Cursor()
	decode := func(k, raw []byte) error {
		var v T
		if err := json.Unmarshal(raw, &v); err != nil {
			return fmt.Errorf("decode %s %q: %w", bucket, k, err)
		}
		return fn(v)
	}
	var err error
	if t.ns == "" {
		for k, raw := c.First(); k != nil && err == nil; k, raw = c.Next() {
			if !bytes.HasPrefix(k, []byte(nsMark)) {
				err = decode(k, raw)
			}
		}
	} else {
		prefix := []byte(t.key(""))
		for k, raw := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix) && err == nil; k, raw = c.Next() {
			err = decode(k, raw)
		}
	}
	if errors.Is(err, ErrStop) {
		return nil
	}
	return err
}

// AdoptLegacy moves the records of the one-region layout (bare keys)
// under regionID, the region the one-region version watched, in one
// transaction: its instances, snoozes, meta and alerts, which keep their
// ids so the buttons of messages already in Slack keep working. It is done
// once per file and recorded in the root meta (Meta.AdoptedBy); later calls,
// with any region, change nothing. Call it before any region's watcher
// reads the store.
func AdoptLegacy(ctx context.Context, st Store, regionID string) error {
	if regionID == "" || strings.ContainsAny(regionID, "/"+nsMark) {
		return fmt.Errorf("adopt legacy state: unusable region id %q", regionID)
	}
	return st.Update(ctx, func(tx Tx) error {
		if pt, ok := tx.(pgTx); ok {
			return adoptLegacyPostgres(pt, regionID)
		}
		bt, ok := tx.(boltTx)
		if !ok {
			return fmt.Errorf("adopt legacy state: not a bbolt or PostgreSQL store")
		}
		root, err := bt.Meta()
		if err != nil {
			return err
		}
		if root.AdoptedBy != "" {
			return nil
		}
		region := boltTx{tx: bt.tx, ns: regionID}
		for _, bucket := range []string{bucketInstances, bucketSnoozes} {
			if err := move(bt.tx.Bucket([]byte(bucket)), region); err != nil {
				return fmt.Errorf("adopt legacy %s: %w", bucket, err)
			}
		}
		var legacy []Alert
		if err := bt.Alerts(func(a Alert) error {
			if a.Region == "" {
				legacy = append(legacy, a)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, a := range legacy {
			if err := region.PutAlert(a); err != nil {
				return err
			}
		}
		if _, found, err := get[Meta](bt.tx, bucketMeta, region.key(keyMeta)); err != nil {
			return err
		} else if !found {
			if err := region.PutMeta(root); err != nil {
				return err
			}
		}
		return bt.PutMeta(rootOnly(root, regionID))
	})
}

// move puts every bare key of b under region's prefix, values unchanged,
// unless the region already has that key: then the region's record is the
// newer one (its watcher ran before an earlier adoption could succeed) and
// the bare one is dropped.
func move(b *bolt.Bucket, region boltTx) error {
	type kv struct{ k, v []byte }
	var bare []kv
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !bytes.HasPrefix(k, []byte(nsMark)) {
			bare = append(bare, kv{bytes.Clone(k), bytes.Clone(v)})
		}
	}
	for _, e := range bare {
		nk := []byte(region.key(string(e.k)))
		if b.Get(nk) == nil {
			if err := b.Put(nk, e.v); err != nil {
				return err
			}
		}
		if err := b.Delete(e.k); err != nil {
			return err
		}
	}
	return nil
}

// adoptLegacyPostgres is AdoptLegacy on PostgreSQL, where the same rules
// hold: once, recorded in the root meta.
func adoptLegacyPostgres(root pgTx, regionID string) error {
	m, err := root.Meta()
	if err != nil {
		return err
	}
	if m.AdoptedBy != "" {
		return nil
	}
	if err := root.adoptLegacy(regionID); err != nil {
		return err
	}
	return root.PutMeta(rootOnly(m, regionID))
}

// rootOnly is the root meta after the adoption by regionID: the fields
// only the root has are kept, since the adoption runs once on a fresh file
// too, maybe after the digest or the lease wrote them; the region's own
// (baseline, alert numbers) moved under the region.
func rootOnly(m Meta, regionID string) Meta {
	return Meta{AdoptedBy: regionID, Suspended: m.Suspended,
		AccountAlertID: m.AccountAlertID, AccountWarned: m.AccountWarned,
		AccountSeen: m.AccountSeen, AccountRefused: m.AccountRefused,
		LeaderBeat: m.LeaderBeat, DigestDay: m.DigestDay}
}
