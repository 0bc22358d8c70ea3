package scnet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"scnetbot/retry"
)

// Defaults for a Client; each has an Option to change it.
const (
	DefaultMaxInFlight = 3
	DefaultMaxAttempts = 4
	DefaultBaseDelay   = 200 * time.Millisecond
	DefaultPageSize    = 100
	DefaultMaxPages    = 2000
	// DefaultMaxInstances caps how many instances one listing through All
	// gathers, so memory is bounded by a number of instances and not by
	// what a server sends: a caller such as the watcher keeps every one,
	// about 0.75 KiB each, so the cap holds some 37 MiB
	// (BenchmarkHostileListing). The bot lists in full only the live
	// statuses and the instances of one name, and 50,000 live GPU
	// containers is far more than one account runs.
	DefaultMaxInstances = 50_000
	DefaultTimeout      = 30 * time.Second
	DefaultUserAgent    = "scnetbot"
	// MaxBodyBytes bounds every response body read, so a broken or hostile
	// server cannot make the bot buffer without limit.
	MaxBodyBytes = 32 << 20
)

// Observer is told about every HTTP attempt: the endpoint ("list",
// "detail", "url", "restart", "stop", "delete", "center", "user", "login",
// "renew"), the outcome (a documented SCNet
// code such as "0" or "10001", "other" for any undocumented code,
// "http_<status>", "network", "decode" or "canceled") and how long the
// attempt took. Outcomes are a small fixed set, fit for a metric label. It
// must be safe for concurrent use and fast.
type Observer func(endpoint, outcome string, d time.Duration)

// Client calls SCNet's container-instance API for one region. It is safe
// for concurrent use; at most MaxInFlight requests are in flight at once.
type Client struct {
	// aiBase is fixed by New, or found by discover on first use; baseLock
	// (a channel, so waiting respects ctx) serialises discovery and guards
	// aiBase.
	aiBase      string
	discover    func(context.Context) (string, error)
	baseLock    chan struct{}
	tr          *transport
	tokens      TokenSource
	inFlight    chan struct{}
	maxInFlight int
	policy      retry.Policy
	pageSize    int
	maxPages    int
	maxInst     int
	log         *slog.Logger
}

// Option configures a Client in New.
type Option func(*Client) error

// New returns a client for the region whose AI base URL is baseURL, e.g.
// https://ai01.example.com:65011/ai. "/ai" is added when missing and
// trailing slashes are ignored. WithTokenSource is required. baseURL may be
// empty with WithDiscovery, which finds it on first use.
func New(baseURL string, opts ...Option) (*Client, error) {
	var base string
	if baseURL != "" {
		var err error
		if base, err = NormalizeAIBase(baseURL); err != nil {
			return nil, err
		}
	}
	c := &Client{
		aiBase:      base,
		baseLock:    make(chan struct{}, 1),
		tr:          newTransport(),
		maxInFlight: DefaultMaxInFlight,
		policy:      newPolicy(DefaultMaxAttempts, DefaultBaseDelay),
		pageSize:    DefaultPageSize,
		maxPages:    DefaultMaxPages,
		maxInst:     DefaultMaxInstances,
		log:         slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	if c.tokens == nil {
		return nil, errors.New("new scnet client: no token source (use WithTokenSource)")
	}
	if c.aiBase == "" && c.discover == nil {
		return nil, errors.New("new scnet client: no base url (give one, or use WithDiscovery)")
	}
	c.inFlight = make(chan struct{}, c.maxInFlight)
	return c, nil
}

// AIBase returns the normalized AI base URL the client calls, "" while a
// discovering client has not found it yet.
func (c *Client) AIBase() string {
	c.baseLock <- struct{}{}
	defer func() { <-c.baseLock }()
	return c.aiBase
}

// base returns the AI base URL, discovering it when the client was built
// without one. A failed discovery is returned to this caller and tried
// again by the next, so an SCNet that is down when scnetbot starts costs
// answers until it is back, not the process.
func (c *Client) base(ctx context.Context) (string, error) {
	select {
	case c.baseLock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.baseLock }()
	if c.aiBase != "" {
		return c.aiBase, nil
	}
	found, err := c.discover(ctx)
	if err != nil {
		return "", err
	}
	if c.aiBase, err = NormalizeAIBase(found); err != nil {
		return "", fmt.Errorf("discovered scnet base url: %w", err)
	}
	c.log.Info("discovered SCNet AI base URL", "url", c.aiBase)
	return c.aiBase, nil
}

// NormalizeAIBase checks an AI base URL and returns it without trailing
// slashes and ending in /ai. Public clients disagree on whether SCNet's
// URLs already carry /ai, so both spellings are accepted.
func NormalizeAIBase(raw string) (string, error) {
	s := strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("parse scnet base url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("scnet base url %q: want http(s)://host[/path]", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("scnet base url %q: must not carry a query, fragment or user info", raw)
	}
	if !strings.HasSuffix(s, "/ai") {
		s += "/ai"
	}
	return s, nil
}
