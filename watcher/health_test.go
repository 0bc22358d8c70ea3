package watcher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"scnetbot/state"
	"scnetbot/watcher"
)

// stallingStore holds every Update until release is closed, as a slow disk
// would, and says when one started.
type stallingStore struct {
	state.Store
	started chan struct{}
	release chan struct{}
}

func (s *stallingStore) Update(ctx context.Context, fn func(state.Tx) error) error {
	select {
	case s.started <- struct{}{}:
	default:
	}
	<-s.release
	return s.Store.Update(ctx, fn)
}

// TestHealthHonoursItsContext: while a poll is writing its result (and
// holds the watcher's memory), Health gives up when its caller's context
// ends instead of waiting for the disk; afterwards it answers again.
func TestHealthHonoursItsContext(t *testing.T) {
	e := newEnv(t, 5)
	st := &stallingStore{Store: e.st, started: make(chan struct{}, 1), release: make(chan struct{})}
	w := watcher.New(e.client, st, e.cfg)
	polled := make(chan error, 1)
	go func() { polled <- w.Poll(e.ctx) }()
	<-st.started

	ctx, cancel := context.WithCancel(e.ctx)
	answered := make(chan error, 1)
	go func() {
		_, err := w.Health(ctx)
		answered <- err
	}()
	cancel()
	if err := <-answered; !errors.Is(err, context.Canceled) {
		t.Errorf("Health while a poll holds the watcher: err = %v, want context.Canceled", err)
	}
	if _, err := w.Health(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Health with an ended context: err = %v, want context.Canceled", err)
	}
	// Snoozes from Slack give up the same way rather than hold a reply.
	if _, err := w.Snooze(ctx, "anything", time.Hour, "U1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Snooze while a poll holds the watcher: err = %v, want context.Canceled", err)
	}
	if _, err := w.Unsnooze(ctx, "anything", "U1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Unsnooze while a poll holds the watcher: err = %v, want context.Canceled", err)
	}

	close(st.release)
	if err := <-polled; err != nil {
		t.Fatal(err)
	}
	h, err := w.Health(e.ctx)
	if err != nil || h.LastSuccess.IsZero() {
		t.Errorf("Health after the poll = %+v, %v", h, err)
	}
}
