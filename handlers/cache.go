package handlers

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/patrickmn/go-cache"
	"golang.org/x/sync/singleflight"

	"scnetbot/metrics"
	"scnetbot/regions"
	"scnetbot/scnet"
)

// queryCache answers list and detail queries from memory for a short while
// and merges identical queries in flight, so fifty people typing the same
// command at once cost SCNet one request.
type queryCache struct {
	l       Lister
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
	metrics *metrics.Metrics

	store  *cache.Cache
	flight singleflight.Group
}

// cached is one stored answer with the time it was fetched. Freshness is
// judged with the handler's clock, not go-cache's, so that tests (and a
// clock in another zone) decide expiry; go-cache only forgets old entries.
type cached struct {
	at   time.Time
	page *scnet.Page
	inst *scnet.Instance
	url  string
}

func newQueryCache(l Lister, ttl, timeout time.Duration, now func() time.Time, m *metrics.Metrics) *queryCache {
	return &queryCache{
		l: l, ttl: ttl, timeout: timeout, now: now, metrics: m,
		store: cache.New(2*ttl, 2*ttl+time.Minute),
	}
}

// listKey identifies a listing by its normalized options, so the same
// filter written two ways shares one entry.
func listKey(o scnet.ListOptions) string {
	if o.Sort == "" {
		o.Sort = scnet.SortDesc
	}
	return fmt.Sprintf("list\x00%s\x00%s\x00%s\x00%d\x00%d\x00%s", o.Status, o.TaskType, o.Name, o.Start, o.Limit, o.Sort)
}

// List returns one page of a listing. fresh skips the stored answer (the
// Refresh button) but still joins a query already in flight, which is as
// fresh as a new one.
func (c *queryCache) List(ctx context.Context, o scnet.ListOptions, fresh bool) (*scnet.Page, error) {
	v, err := c.get(ctx, listKey(o), fresh, func(ctx context.Context) (cached, error) {
		p, err := c.l.ListInstances(ctx, o)
		if err == nil && p == nil {
			p = &scnet.Page{}
		}
		return cached{page: p}, err
	})
	return v.page, err
}

// Ended returns the whole listing matching o's filters, ordered by end
// time (fetchEnded), as one entry: every page of it is cut from the same
// snapshot, so pages fetched within the TTL never overlap or leave a gap.
// Across snapshots (after the TTL, or Refresh) the order moves as
// instances end or are deleted, as any offset paging of a live listing does.
func (c *queryCache) Ended(ctx context.Context, o scnet.ListOptions, fresh bool) (*scnet.Page, error) {
	o.Start, o.Limit, o.Sort = 0, 0, scnet.SortDesc
	v, err := c.get(ctx, "ended\x00"+listKey(o), fresh, func(ctx context.Context) (cached, error) {
		p, err := fetchEnded(ctx, c.l, o)
		return cached{page: p}, err
	})
	return v.page, err
}

// Instance returns one instance by id.
func (c *queryCache) Instance(ctx context.Context, id string, fresh bool) (*scnet.Instance, error) {
	v, err := c.get(ctx, "inst\x00"+id, fresh, func(ctx context.Context) (cached, error) {
		in, err := c.l.Instance(ctx, id)
		if err == nil && in == nil {
			err = scnet.ErrNotFound
		}
		return cached{inst: in}, err
	})
	return v.inst, err
}

// AccessURL returns an instance's access URL from op (the region's), kept
// like a lookup: a details view shown again, or by several people at once,
// within the TTL costs SCNet no second request; fresh (Refresh) asks anew.
func (c *queryCache) AccessURL(ctx context.Context, op regions.Operator, id string, fresh bool) (string, error) {
	v, err := c.get(ctx, "url\x00"+id, fresh, func(ctx context.Context) (cached, error) {
		u, err := op.AccessURL(ctx, id)
		return cached{url: u}, err
	})
	return v.url, err
}

func (c *queryCache) get(ctx context.Context, key string, fresh bool, fetch func(context.Context) (cached, error)) (cached, error) {
	if !fresh && c.ttl > 0 {
		if v, ok := c.store.Get(key); ok {
			if e := v.(cached); c.now().Sub(e.at) < c.ttl {
				c.count("hit")
				return e, nil
			}
		}
	}
	// The closure runs only for the caller that starts the flight; the
	// others wait for its result and count as "shared".
	var mu sync.Mutex
	led := false
	ch := c.flight.DoChan(key, func() (_ any, err error) {
		// The flight runs on singleflight's own goroutine, where a panic
		// would take the whole process down; it becomes this query's error.
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("scnet query panicked: %v", r)
			}
		}()
		mu.Lock()
		led = true
		mu.Unlock()
		// Detached from the caller that happened to start the flight: one
		// person giving up must not fail everyone waiting on the same
		// answer. QueryTimeout still bounds it.
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
		defer cancel()
		e, err := fetch(qctx)
		if err != nil {
			return cached{}, err
		}
		e.at = c.now()
		// With no cache nothing is kept: go-cache would keep an entry
		// with a zero or negative expiry for ever.
		if c.ttl > 0 {
			c.store.Set(key, e, cache.DefaultExpiration)
		}
		return e, nil
	})
	countFlight := func() {
		mu.Lock()
		defer mu.Unlock()
		if led {
			c.count("miss")
		} else {
			c.count("shared")
		}
	}
	select {
	case r := <-ch:
		countFlight()
		if r.Err != nil {
			return cached{}, r.Err
		}
		return r.Val.(cached), nil
	case <-ctx.Done():
		countFlight()
		return cached{}, ctx.Err()
	}
}

func (c *queryCache) count(result string) {
	if c.metrics != nil {
		c.metrics.CacheLookups.WithLabelValues(result).Inc()
	}
}
