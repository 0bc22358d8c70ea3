// Package retry runs an operation again after the failures its caller's
// classifier says a later attempt can fix, waiting a capped, doubling,
// optionally jittered backoff or the server's Retry-After, and always
// stopping when the context ends.
//
// It is written here rather than taken from github.com/cenkalti/backoff/v5
// because that library retries every error unless it is marked permanent
// (scnetbot wants an allow-list), returns only the context's error on
// cancellation (scnetbot keeps the last failure matchable too), takes
// Retry-After only in whole seconds and without a cap, and cannot have its
// sleep replaced in tests.
package retry

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Verdict is a classifier's answer about one failure.
type Verdict struct {
	// Retry is true only for failures a later attempt can fix.
	Retry bool
	// After is how long the server asked to wait (Retry-After); zero when
	// it did not ask.
	After time.Duration
	// Reason names the failure for logs and metric labels.
	Reason string
}

// Classifier decides whether a failure may be retried. Each transport has
// its own; it lists what may be retried, and anything it does not
// recognise is final.
type Classifier func(err error) Verdict

// Policy says how often and how patiently an operation is tried. The zero
// value tries once.
type Policy struct {
	// Attempts is how many times the operation runs at most, the first
	// included; zero or less means until it succeeds, fails for good or
	// the context ends.
	Attempts int
	// Base is the wait after the first failure; it doubles per attempt.
	Base time.Duration
	// Cap bounds the doubled wait; zero means no bound.
	Cap time.Duration
	// Jitter picks each wait at random in the upper half of the doubled
	// wait, so that clients failing together do not retry together.
	Jitter bool
	// MaxRetryAfter bounds how long a server's Retry-After is waited for;
	// zero means no bound. A classifier that would rather give up than
	// wait longer says so in its Verdict.
	MaxRetryAfter time.Duration
	// Classify decides which failures are retried; nil retries none.
	Classify Classifier
	// OnRetry, when set, is told about each retry before its wait.
	OnRetry func(attempt int, delay time.Duration, v Verdict, err error)
	// Sleep waits d or until ctx ends, returning ctx's error then; nil
	// means a timer. Tests replace it so that nothing really waits.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock the context's deadline is compared with; nil means
	// time.Now.
	Now func() time.Time
}

// Do runs op until it succeeds, fails in a way Classify does not allow to
// retry (that error is returned as is), or has run Attempts times (the last
// error is returned, wrapped). The caller's ctx always wins: once it has
// ended, also mid-wait, Do returns an error that wraps both ctx.Err() and
// the last failure. A wait that would end after ctx's deadline is not
// started, since it would only delay the same answer.
func (p Policy) Do(ctx context.Context, op func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		err := op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return Stopped(ctx, err)
		}
		var v Verdict
		if p.Classify != nil {
			v = p.Classify(err)
		}
		if !v.Retry {
			return err
		}
		if p.Attempts > 0 && attempt >= p.Attempts {
			return fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		delay := p.Backoff(attempt)
		if v.After > delay {
			delay = v.After
			if p.MaxRetryAfter > 0 {
				delay = min(delay, p.MaxRetryAfter)
			}
		}
		if dl, ok := ctx.Deadline(); ok && dl.Sub(p.now()) < delay {
			return fmt.Errorf("give up before deadline: %w", err)
		}
		if p.OnRetry != nil {
			p.OnRetry(attempt, delay, v, err)
		}
		if p.sleep(ctx, delay) != nil {
			return Stopped(ctx, err)
		}
	}
}

// Backoff is the wait after the given failed attempt (1 for the first):
// Base·2^(attempt-1), bounded by Cap, with Jitter in its upper half.
func (p Policy) Backoff(attempt int) time.Duration {
	if p.Base <= 0 {
		return 0
	}
	d := p.Base
	for i := 1; i < attempt && (p.Cap <= 0 || d < p.Cap) && d < 1<<61; i++ {
		d *= 2
	}
	if p.Cap > 0 {
		d = min(d, p.Cap)
	}
	if !p.Jitter {
		return d
	}
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// Stopped reports a ctx that ended while an operation was failing; both the
// ctx error and the last failure stay matchable with errors.Is and As.
func Stopped(ctx context.Context, last error) error {
	if errors.Is(last, ctx.Err()) {
		return last
	}
	return fmt.Errorf("%w (last attempt: %w)", ctx.Err(), last)
}

func (p Policy) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p Policy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	return Sleep(ctx, d)
}

// Sleep waits d, or until ctx ends and then returns its error: the wait
// of every loop that must stop at shutdown.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
