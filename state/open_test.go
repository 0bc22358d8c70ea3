package state_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"scnetbot/state"
)

// TestOpenRefusesWhatItCannotRead: a file that is not a store, or a store
// from a newer scnetbot, is refused with an error naming the problem rather
// than read wrongly or overwritten.
func TestOpenRefusesWhatItCannotRead(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    string
		// unusable: the file is corrupt, so the process may run on
		// without it (ErrUnusable); otherwise it must not start.
		unusable bool
	}{
		{"not a bbolt file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte(strings.Repeat("garbage ", 1024)), 0o600); err != nil {
				t.Fatal(err)
			}
		}, "open state", true},
		{"newer schema", func(t *testing.T, path string) {
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = db.Update(func(tx *bolt.Tx) error {
				b, err := tx.CreateBucketIfNotExists([]byte("meta"))
				if err != nil {
					return err
				}
				return b.Put([]byte("version"), []byte("99"))
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}, "schema version", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "s.db")
			tt.prepare(t, path)
			st, err := state.Open(path)
			if err == nil {
				_ = st.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
			if got := errors.Is(err, state.ErrUnusable); got != tt.unusable {
				t.Errorf("errors.Is(%v, ErrUnusable) = %v, want %v", err, got, tt.unusable)
			}
		})
	}
}

// TestCorruptRecordIsReportedNotSkipped: a record that does not decode
// fails the read that meets it, naming the bucket and key, rather than
// being silently taken for absent.
func TestCorruptRecordIsReportedNotSkipped(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st := open(t, path)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("instances")).Put([]byte("i1"), []byte("{not json"))
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st = open(t, path)
	defer st.Close()
	err = st.View(context.Background(), func(tx state.Tx) error {
		if _, _, err := tx.Instance("i1"); err == nil {
			t.Error("Instance decoded a corrupt record")
		}
		return tx.Instances(func(state.Instance) error { return nil })
	})
	if err == nil || !strings.Contains(err.Error(), "instances") || !strings.Contains(err.Error(), "i1") {
		t.Errorf("Instances over a corrupt record: %v", err)
	}
}
