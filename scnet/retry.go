package scnet

import (
	"context"
	"errors"
	"net"
	"net/url"
	"time"

	"scnetbot/retry"
)

// Bounds on waiting between attempts: backoff stops doubling at maxBackoff,
// and a server's Retry-After is honoured up to maxRetryAfter.
const (
	maxBackoff    = 10 * time.Second
	maxRetryAfter = time.Minute
)

// newPolicy is SCNet's retry policy: attempts in total, backoff doubling
// from base to maxBackoff with jitter, Retry-After honoured up to
// maxRetryAfter, and only what retryable allows.
func newPolicy(attempts int, base time.Duration) retry.Policy {
	return retry.Policy{
		Attempts:      attempts,
		Base:          base,
		Cap:           maxBackoff,
		Jitter:        true,
		MaxRetryAfter: maxRetryAfter,
		Classify:      retryable,
	}
}

// retry runs op under the client's policy, logging each retry at debug
// level. The caller's ctx always wins (see retry.Policy.Do).
func (c *Client) retry(ctx context.Context, endpoint string, op func(context.Context) error) error {
	p := c.policy
	p.OnRetry = func(attempt int, delay time.Duration, _ retry.Verdict, err error) {
		c.log.DebugContext(ctx, "scnet retry", "endpoint", endpoint, "attempt", attempt, "delay", delay, "err", err)
	}
	return p.Do(ctx, op)
}

// retryable is SCNet's classifier. It allows what another attempt could
// fix: network trouble (including an attempt's own timeout and a body cut
// off mid-read), 5xx, 429, and codes 10001 and 10012, with the server's
// Retry-After. Everything else is final: anything SCNet judged wrong, a
// rejected token, a body that is not SCNet's JSON, "not found", a login
// that failed on configuration (unknown region, suspended account) and any
// error this list does not name.
func retryable(err error) retry.Verdict {
	var ae *APIError
	if errors.As(err, &ae) {
		return retry.Verdict{Retry: ae.retryable(), After: ae.RetryAfter, Reason: ae.outcome()}
	}
	var de *DecodeError
	if errors.As(err, &de) || errors.Is(err, ErrNotFound) {
		return retry.Verdict{Reason: "final"}
	}
	if network(err) {
		return retry.Verdict{Retry: true, Reason: "network"}
	}
	return retry.Verdict{Reason: "final"}
}

// network reports a failure to reach SCNet or to read its answer, as
// opposed to one in building the request.
func network(err error) bool {
	var ue *url.Error
	var re *readError
	var ne net.Error
	switch {
	case errors.As(err, &ue):
		// http.NewRequest reports a malformed URL as a *url.Error too.
		return ue.Op != "parse"
	case errors.As(err, &re), errors.As(err, &ne):
		return true
	}
	return false
}
