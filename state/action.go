package state

import (
	"encoding/json"
	"fmt"
	"time"
)

// The actions bucket holds confirmations and their outcomes by nonce, at the
// root only (see ErrRootOnly). Bucket creation at Open gives older files the
// bucket, so no schema version change is needed.

func (t boltTx) rootOnly(id string) error {
	if t.ns != "" {
		return fmt.Errorf("action %q in region %s: %w", id, t.ns, ErrRootOnly)
	}
	return nil
}

func (t boltTx) Action(id string) (Action, bool, error) {
	if err := t.rootOnly(id); err != nil {
		return Action{}, false, err
	}
	return get[Action](t.tx, bucketActions, id)
}

func (t boltTx) PutAction(a Action) error {
	if err := t.rootOnly(a.ID); err != nil {
		return err
	}
	if t.tx.Bucket([]byte(bucketActions)).Get([]byte(a.ID)) == nil {
		if err := t.pruneActions(a.Created.Add(-ActionRetention)); err != nil {
			return err
		}
	}
	return put(t.tx, bucketActions, []byte(a.ID), a)
}

func (t boltTx) DeleteAction(id string) error {
	if err := t.rootOnly(id); err != nil {
		return err
	}
	return t.tx.Bucket([]byte(bucketActions)).Delete([]byte(id))
}

func (t boltTx) Actions(fn func(Action) error) error {
	if err := t.rootOnly(""); err != nil {
		return err
	}
	return each(t.tx, bucketActions, fn)
}

// pruneActions deletes the actions that finished, or expired unconfirmed,
// before cutoff. The cutoff comes from the record being written, not a
// clock, so the store stays free of time. Only the writing of a new action
// prunes, which keeps the bucket at about a day of actions whatever runs.
// A record that cannot be decoded is dropped too: nothing reads it.
func (t boltTx) pruneActions(cutoff time.Time) error {
	var old [][]byte
	c := t.tx.Bucket([]byte(bucketActions)).Cursor()
	for k, raw := c.First(); k != nil; k, raw = c.Next() {
		var a Action
		if err := json.Unmarshal(raw, &a); err != nil {
			old = append(old, append([]byte(nil), k...))
			continue
		}
		end := a.Expires
		if !a.Finished.IsZero() {
			end = a.Finished
		}
		if end.Before(cutoff) {
			old = append(old, append([]byte(nil), k...))
		}
	}
	b := t.tx.Bucket([]byte(bucketActions))
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("prune action %q: %w", k, err)
		}
	}
	return nil
}
