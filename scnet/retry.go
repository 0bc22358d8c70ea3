package scnet

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"time"
)

// Bounds on waiting between attempts: backoff stops doubling at maxBackoff,
// and a server's Retry-After is honoured up to maxRetryAfter.
const (
	maxBackoff    = 10 * time.Second
	maxRetryAfter = time.Minute
)

// retry runs op up to c.maxAttempts times, sleeping with exponential
// backoff and jitter between attempts that failed in a way a later attempt
// can fix. The caller's ctx always wins: a cancelled ctx stops the loop at
// once, also mid-sleep, and an error that wraps both ctx.Err() and the last
// failure is returned.
func (c *Client) retry(ctx context.Context, endpoint string, op func(context.Context) error) error {
	var err error
	for attempt := 1; ; attempt++ {
		err = op(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return stopped(ctx, err)
		}
		if !retryable(err) {
			return err
		}
		if attempt >= c.maxAttempts {
			return fmt.Errorf("after %d attempts: %w", attempt, err)
		}
		delay := backoff(c.baseDelay, attempt)
		var ae *APIError
		if errors.As(err, &ae) && ae.RetryAfter > delay {
			delay = min(ae.RetryAfter, maxRetryAfter)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
			// Sleeping past the caller's deadline would only delay the same
			// answer.
			return fmt.Errorf("give up before deadline: %w", err)
		}
		c.log.DebugContext(ctx, "scnet retry", "endpoint", endpoint, "attempt", attempt, "delay", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return stopped(ctx, err)
		case <-t.C:
		}
	}
}

// stopped reports a ctx that ended while a request was failing; both the
// ctx error and the failure stay matchable with errors.Is/As.
func stopped(ctx context.Context, last error) error {
	if errors.Is(last, ctx.Err()) {
		return last
	}
	return fmt.Errorf("%w (last attempt: %w)", ctx.Err(), last)
}

// backoff is base·2^(attempt-1), capped, with jitter in its upper half so
// that clients failing together do not retry together.
func backoff(base time.Duration, attempt int) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base
	for i := 1; i < attempt && d < maxBackoff; i++ {
		d *= 2
	}
	d = min(d, maxBackoff)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// retryable reports whether another attempt could succeed: network trouble,
// 5xx, 429, and codes 10001 and 10012. Anything SCNet judged wrong, a
// rejected token, a body that is not SCNet's JSON and "not found" are final.
func retryable(err error) bool {
	var ae *APIError
	var de *DecodeError
	var te *TokenError
	switch {
	case errors.As(err, &ae):
		return ae.retryable()
	case errors.As(err, &de), errors.Is(err, ErrNotFound):
		return false
	case errors.As(err, &te):
		// A login that failed on the network may work next time; one that
		// failed on configuration (unknown region, suspended account) won't.
		var ue *url.Error
		var ne net.Error
		return errors.As(te.Err, &ue) || errors.As(te.Err, &ne)
	}
	// Network errors, including an attempt's own timeout.
	return true
}
