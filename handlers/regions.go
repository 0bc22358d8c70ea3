package handlers

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"scnetbot/metrics"
	"scnetbot/regions"
	"scnetbot/scnet"
)

// MaxInFlightPerRegion is how many requests one region is sent at once.
// SCNet documents no limit; a public client keeps to three "to avoid
// server throttling", and so does scnetbot, whatever the number of
// regions. The status summary may use all but one of them
// (summaryLister), so its six counts take three rounds beside the page.
const MaxInFlightPerRegion = 3

// regionState is what the handler keeps per region: its own cache (so 50
// identical commands cost one request per region), its own bound on
// requests in flight, and whether its last request answered. summary is
// the cache of the status summary's counts, whose requests leave the page
// a slot (summaryLister).
type regionState struct {
	region  *regions.Region
	cache   *queryCache
	summary *queryCache

	mu       sync.Mutex
	lastAt   time.Time
	lastErr  error
	answered bool // a request has ended at lastAt; lastErr says how
}

// reach is a region's last answer: when, and its error (nil: it answered).
func (s *regionState) reach() (at time.Time, err error, asked bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastAt, s.lastErr, s.answered
}

// boundedLister sends a region's requests at most MaxInFlightPerRegion at
// a time and notes whether each one answered.
type boundedLister struct {
	c     regions.Client
	slots chan struct{}
	st    *regionState
	now   func() time.Time
}

// summaryLister sends the status summary's counts through a region's
// boundedLister, at most MaxInFlightPerRegion-1 of them at a time. The
// summary is six requests beside the page's one; were they free to take
// every slot, the page could queue two rounds behind them and run out of
// QueryTimeout, losing the answer for a decoration. With one slot always
// left, the page (and any details or other command's listing) starts at
// once, and a summary that is late costs only the summary.
type summaryLister struct {
	b     *boundedLister
	slots chan struct{}
}

func (s *summaryLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-s.slots }()
	return s.b.ListInstances(ctx, o)
}

func (s *summaryLister) Instance(ctx context.Context, id string) (*scnet.Instance, error) {
	return s.b.Instance(ctx, id)
}

func (b *boundedLister) acquire(ctx context.Context) error {
	select {
	case b.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *boundedLister) note(err error) {
	// A missing instance is an answer: the region is reachable.
	if errors.Is(err, scnet.ErrNotFound) || isUnknownID(err) {
		err = nil
	}
	b.st.mu.Lock()
	b.st.lastAt, b.st.lastErr, b.st.answered = b.now(), err, true
	b.st.mu.Unlock()
}

func (b *boundedLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	if err := b.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-b.slots }()
	p, err := b.c.ListInstances(ctx, o)
	b.note(err)
	return p, err
}

func (b *boundedLister) Instance(ctx context.Context, id string) (*scnet.Instance, error) {
	if err := b.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-b.slots }()
	in, err := b.c.Instance(ctx, id)
	b.note(err)
	return in, err
}

// regionStates makes each region's state on first use: the set is
// discovered lazily, so the regions are not known when the handler is made.
type regionStates struct {
	ttl, timeout time.Duration
	now          func() time.Time
	metrics      *metrics.Metrics

	mu sync.Mutex
	m  map[string]*regionState
}

func (rs *regionStates) get(r *regions.Region) *regionState {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if s, ok := rs.m[r.ID]; ok && s.region == r {
		return s
	}
	if rs.m == nil {
		rs.m = make(map[string]*regionState)
	}
	s := &regionState{region: r}
	l := &boundedLister{c: r.Client, slots: make(chan struct{}, MaxInFlightPerRegion), st: s, now: rs.now}
	s.cache = newQueryCache(l, rs.ttl, rs.timeout, rs.now, rs.metrics)
	s.summary = newQueryCache(&summaryLister{b: l, slots: make(chan struct{}, max(1, MaxInFlightPerRegion-1))}, rs.ttl, rs.timeout, rs.now, rs.metrics)
	rs.m[r.ID] = s
	return s
}

// peek is a region's state if it has been used, without making one.
func (rs *regionStates) peek(id string) *regionState {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.m[id]
}

// isUnknownID reports whether err is SCNet's answer to an instance id it
// does not know: the detail endpoint says "invalid parameter" (10004).
func isUnknownID(err error) bool {
	api, ok := asValue[*scnet.APIError](err)
	return ok && api.Code == scnet.CodeInvalidParams
}

// regionError is a region= word that names no region, or more than one.
type regionError struct {
	word    string
	matches []*regions.Region // the candidates of an ambiguous word
	all     []*regions.Region
	// suspended is the region the word names when that region is one
	// the account is suspended in (and no usable region matches).
	suspended *regions.Suspended
}

func (e *regionError) Error() string {
	if len(e.matches) > 1 {
		return "region " + e.word + " is ambiguous"
	}
	return "no region " + e.word
}

// regionFailure is one region that did not answer, with why.
type regionFailure struct {
	region *regions.Region
	err    error
}

// regionsError is a query no region answered. It unwraps to every
// region's error, so a deadline is still recognised as one.
type regionsError struct {
	fails []regionFailure
	// partial: the other regions answered (a details query they did not
	// have the instance for).
	partial bool
}

func (e *regionsError) Error() string {
	parts := make([]string, len(e.fails))
	for i, f := range e.fails {
		parts[i] = f.region.Name + ": " + f.err.Error()
	}
	return "no region answered: " + strings.Join(parts, "; ")
}

func (e *regionsError) Unwrap() []error {
	errs := make([]error, len(e.fails))
	for i, f := range e.fails {
		errs[i] = f.err
	}
	return errs
}

// targets is the regions a query asks, in the set's order, with every
// region of the set (for naming rows: a set of one names none).
func (h *Handler) targets(ctx context.Context, q Query) (targets, all []*regions.Region, err error) {
	all, suspended, err := h.cfg.Regions.Regions(ctx)
	if err != nil {
		return nil, nil, err
	}
	if q.Region == "" {
		return all, all, nil
	}
	r, matches, ok := regions.ByName(all, q.Region)
	if !ok {
		e := &regionError{word: q.Region, matches: matches, all: all}
		if len(matches) == 0 {
			e.suspended = suspendedByName(suspended, q.Region)
		}
		return nil, all, e
	}
	return []*regions.Region{r}, all, nil
}

// regionWord is how a query names region r in button values and echoes:
// its name when that reads back as r, else its id.
func regionWord(all []*regions.Region, r *regions.Region) string {
	if r.Name != "" && !strings.ContainsAny(r.Name, " \t\n:") {
		if got, _, ok := regions.ByName(all, r.Name); ok && got == r {
			return r.Name
		}
	}
	return r.ID
}

// eachRegion runs f for every region at once and waits for all of them.
func eachRegion[T any](rs []*regions.Region, f func(i int, r *regions.Region) (T, error)) ([]T, []error) {
	out := make([]T, len(rs))
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() { out[i], errs[i] = f(i, r) })
	}
	wg.Wait()
	return out, errs
}

// suspendedByName is the suspended region a word names, by the rule
// regions.ByName applies to usable ones; nil for none or several.
func suspendedByName(sus []regions.Suspended, word string) *regions.Suspended {
	as := make([]*regions.Region, len(sus))
	for i, s := range sus {
		as[i] = &regions.Region{ID: s.ID, Name: s.Name}
	}
	if r, _, ok := regions.ByName(as, word); ok {
		for i := range sus {
			if sus[i].ID == r.ID {
				return &sus[i]
			}
		}
	}
	return nil
}
