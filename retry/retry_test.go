package retry

import (
	"context"
	"errors"
	"testing"
	"time"
)

var (
	errAgain = errors.New("again")
	errFinal = errors.New("final")
)

// classify retries errAgain only, the way a transport's allow-list does.
func classify(err error) Verdict {
	if errors.Is(err, errAgain) {
		return Verdict{Retry: true, Reason: "again"}
	}
	return Verdict{}
}

// recorder is a Sleep that waits for nothing and records what it was asked.
type recorder struct{ waits []time.Duration }

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.waits = append(r.waits, d)
	return ctx.Err()
}

// failing returns an op that fails with errs in turn, then succeeds.
func failing(calls *int, errs ...error) func(context.Context) error {
	return func(context.Context) error {
		*calls++
		if *calls <= len(errs) {
			return errs[*calls-1]
		}
		return nil
	}
}

func TestDoRetriesOnlyWhatTheClassifierAllows(t *testing.T) {
	for _, tc := range []struct {
		name      string
		errs      []error
		wantCalls int
		wantErr   error
	}{
		{"success", nil, 1, nil},
		{"retried then success", []error{errAgain, errAgain}, 3, nil},
		{"final error not retried", []error{errFinal}, 1, errFinal},
		{"attempts exhausted", []error{errAgain, errAgain, errAgain, errAgain}, 3, errAgain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r recorder
			calls := 0
			p := Policy{Attempts: 3, Base: time.Second, Classify: classify, Sleep: r.sleep}
			err := p.Do(context.Background(), failing(&calls, tc.errs...))
			if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("calls %d err %v, want %d and %v", calls, err, tc.wantCalls, tc.wantErr)
			}
			if len(r.waits) != max(calls-1, 0) {
				t.Errorf("waited %v for %d calls", r.waits, calls)
			}
		})
	}
}

func TestDoWithoutClassifierTriesOnce(t *testing.T) {
	calls := 0
	if err := (Policy{Attempts: 5}).Do(context.Background(), failing(&calls, errAgain)); !errors.Is(err, errAgain) || calls != 1 {
		t.Errorf("calls %d err %v", calls, err)
	}
}

func TestBackoffDoublesToCap(t *testing.T) {
	p := Policy{Base: time.Second, Cap: 5 * time.Second}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w)
		}
	}
	p.Jitter = true
	for range 100 {
		if got := p.Backoff(3); got < 2*time.Second || got > 4*time.Second {
			t.Fatalf("jittered Backoff(3) = %v, want within [2s, 4s]", got)
		}
	}
	if got := (Policy{Base: time.Second}).Backoff(1000); got <= 0 {
		t.Errorf("uncapped Backoff(1000) = %v, want positive", got)
	}
}

func TestRetryAfterWaitedUpToItsCap(t *testing.T) {
	var r recorder
	calls := 0
	after := func(d time.Duration) Classifier {
		return func(error) Verdict { return Verdict{Retry: true, After: d} }
	}
	p := Policy{Attempts: 2, Base: time.Millisecond, MaxRetryAfter: time.Minute, Sleep: r.sleep}
	p.Classify = after(3 * time.Second)
	_ = p.Do(context.Background(), failing(&calls, errAgain))
	p.Classify = after(time.Hour)
	calls = 0
	_ = p.Do(context.Background(), failing(&calls, errAgain))
	if len(r.waits) != 2 || r.waits[0] != 3*time.Second || r.waits[1] != time.Minute {
		t.Errorf("waits %v, want [3s 1m]", r.waits)
	}
}

func TestContextWins(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	p := Policy{Attempts: 5, Classify: classify, Sleep: func(ctx context.Context, _ time.Duration) error {
		cancel()
		return ctx.Err()
	}}
	err := p.Do(ctx, failing(&calls, errAgain, errAgain))
	if calls != 1 || !errors.Is(err, context.Canceled) || !errors.Is(err, errAgain) {
		t.Errorf("calls %d err %v, want one call and an error wrapping both", calls, err)
	}
}

func TestNoWaitPastTheDeadline(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	ctx, cancel := context.WithDeadline(context.Background(), now.Add(time.Hour))
	defer cancel()
	var r recorder
	calls := 0
	p := Policy{Attempts: 3, Base: 2 * time.Hour, Classify: classify, Sleep: r.sleep, Now: func() time.Time { return now }}
	err := p.Do(ctx, failing(&calls, errAgain))
	if calls != 1 || len(r.waits) != 0 || !errors.Is(err, errAgain) {
		t.Errorf("calls %d waits %v err %v, want to give up at once", calls, r.waits, err)
	}
}

func TestOnRetryToldBeforeEachWait(t *testing.T) {
	var reasons []string
	calls := 0
	p := Policy{Attempts: 3, Classify: classify, Sleep: (&recorder{}).sleep,
		OnRetry: func(attempt int, _ time.Duration, v Verdict, _ error) { reasons = append(reasons, v.Reason) }}
	_ = p.Do(context.Background(), failing(&calls, errAgain, errAgain, errAgain))
	if len(reasons) != 2 {
		t.Errorf("OnRetry called %d times for 3 attempts, want 2", len(reasons))
	}
}
