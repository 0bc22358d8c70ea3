package watcher

import "context"

// lock is a mutex whose holder-to-be can give up when its context ends. A
// poll holds the watcher's memory while it writes to the store, which may
// wait on a slow disk; Health must answer within its caller's deadline
// rather than queue behind it. Build one with newLock.
type lock chan struct{}

func newLock() lock { return make(lock, 1) }

// Lock waits for the lock.
func (l lock) Lock() { l <- struct{}{} }

// Unlock releases the lock.
func (l lock) Unlock() { <-l }

// LockContext waits for the lock until ctx ends.
func (l lock) LockContext(ctx context.Context) error {
	// select picks at random among ready cases: an ended ctx must win
	// even when the lock is free.
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
