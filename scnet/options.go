package scnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// WithHTTPClient sets the HTTP client (transport, proxy, TLS). Its own
// Timeout, if any, applies on top of WithTimeout. Unless it has a redirect
// policy of its own, a copy that does not follow redirects to another host
// or scheme is used, because the token travels in a custom header Go would
// forward, also from https to http.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("scnet option: nil http client")
		}
		c.tr.useHTTPClient(hc)
		return nil
	}
}

// WithTimeout bounds each HTTP attempt (not the retries as a whole; the
// caller's ctx does that).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("scnet option: timeout %v must be positive", d)
		}
		c.tr.timeout = d
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(s string) Option {
	return func(c *Client) error {
		c.tr.userAgent = s
		return nil
	}
}

// WithTokenSource sets where tokens come from: StaticToken or a
// Credentials source.
func WithTokenSource(ts TokenSource) Option {
	return func(c *Client) error {
		if ts == nil {
			return errors.New("scnet option: nil token source")
		}
		c.tokens = ts
		return nil
	}
}

// WithMaxInFlight bounds concurrent requests toward SCNet. SCNet documents
// no rate limit; public clients keep to 3 to avoid being throttled.
func WithMaxInFlight(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("scnet option: max in flight %d must be at least 1", n)
		}
		c.maxInFlight = n
		return nil
	}
}

// WithRetry sets how many attempts a request gets in total (1 means no
// retry) and the first backoff delay, which doubles per attempt with jitter.
func WithRetry(maxAttempts int, baseDelay time.Duration) Option {
	return func(c *Client) error {
		if maxAttempts < 1 {
			return fmt.Errorf("scnet option: max attempts %d must be at least 1", maxAttempts)
		}
		if baseDelay < 0 {
			return fmt.Errorf("scnet option: base delay %v must not be negative", baseDelay)
		}
		c.policy = newPolicy(maxAttempts, baseDelay)
		return nil
	}
}

// WithPageSize sets the limit sent when ListOptions.Limit is zero.
func WithPageSize(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("scnet option: page size %d must be at least 1", n)
		}
		c.pageSize = n
		return nil
	}
}

// WithMaxPages caps how many pages All fetches before giving up with
// ErrPageCap.
func WithMaxPages(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("scnet option: max pages %d must be at least 1", n)
		}
		c.maxPages = n
		return nil
	}
}

// WithMaxInstances caps how many instances All gathers before giving up
// with ErrInstanceCap.
func WithMaxInstances(n int) Option {
	return func(c *Client) error {
		if n < 1 {
			return fmt.Errorf("scnet option: max instances %d must be at least 1", n)
		}
		c.maxInst = n
		return nil
	}
}

// WithDiscovery lets New take an empty base URL: the client calls discover
// (typically DiscoverAIBase against SCNet's center endpoint) on its first
// request, keeps the answer, and calls it again on the next request while it
// fails.
func WithDiscovery(discover func(ctx context.Context) (string, error)) Option {
	return func(c *Client) error {
		if discover == nil {
			return errors.New("scnet option: nil discovery")
		}
		c.discover = discover
		return nil
	}
}

// WithObserver sets a function told about every HTTP attempt, for metrics.
func WithObserver(o Observer) Option {
	return func(c *Client) error {
		if o == nil {
			return errors.New("scnet option: nil observer")
		}
		c.tr.observe = o
		return nil
	}
}

// WithLogger sets a logger for debug lines about retries. By default the
// client logs nothing: it returns errors for the caller to log once.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) error {
		if l == nil {
			return errors.New("scnet option: nil logger")
		}
		c.log = l
		return nil
	}
}
