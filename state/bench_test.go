package state_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// engines opens one store of each engine for a benchmark; PostgreSQL's
// is skipped without a server, as in the tests.
func engines(b *testing.B, run func(b *testing.B, st state.Store)) {
	b.Run("bolt", func(b *testing.B) {
		st := open(b, filepath.Join(b.TempDir(), "s.db"))
		b.Cleanup(func() { _ = st.Close() })
		run(b, st)
	})
	b.Run("postgres", func(b *testing.B) { run(b, openPostgres(b)) })
}

// BenchmarkPoll is one watcher-sized poll transaction: 1,000 instances
// rewritten and 10 messages queued, in one Update, in a region.
func BenchmarkPoll(b *testing.B) {
	engines(b, func(b *testing.B, st state.Store) {
		ns := state.Namespace(st, "r1")
		ctx := context.Background()
		now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		for n := 0; b.Loop(); n++ {
			err := ns.Update(ctx, func(tx state.Tx) error {
				for i := range 1000 {
					if err := tx.PutInstance(state.Instance{ID: fmt.Sprintf("i%04d", i), Name: "train", Status: scnet.StatusRunning, Changed: now}); err != nil {
						return err
					}
				}
				for i := range 10 {
					if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: fmt.Sprintf("m%d-%d", n, i), Channel: "C", Text: "failed", Created: now}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDeliver is one delivery step of the deliverer: claim the next
// message and record the attempt (one Update), then delete it once Slack
// confirmed it (another), as outbox/ does.
func BenchmarkDeliver(b *testing.B) {
	engines(b, func(b *testing.B, st state.Store) {
		ctx := context.Background()
		const queued = 10000
		var seqs []uint64
		enqueue := func() {
			seqs = seqs[:0]
			if err := st.Update(ctx, func(tx state.Tx) error {
				for i := range queued {
					seq, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: fmt.Sprint(i), Channel: "C", Text: "failed"})
					if err != nil {
						return err
					}
					seqs = append(seqs, seq)
				}
				return nil
			}); err != nil {
				b.Fatal(err)
			}
		}
		enqueue()
		i := 0
		for b.Loop() {
			if i == len(seqs) {
				b.StopTimer()
				enqueue()
				i = 0
				b.StartTimer()
			}
			seq := seqs[i]
			i++
			err := st.Update(ctx, func(tx state.Tx) error {
				m, ok, err := tx.ClaimMessage(seq)
				if err != nil || !ok {
					return fmt.Errorf("claim %d: %v %w", seq, ok, err)
				}
				m.Attempts++
				m.Attempted = time.Now()
				return tx.PutMessage(m)
			})
			if err == nil {
				err = st.Update(ctx, func(tx state.Tx) error { return tx.DeleteMessage(seq) })
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
