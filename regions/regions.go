// Package regions is the set of SCNet regions scnetbot works in: each
// region's name, its own client (base URL and token) and whether the
// account is suspended there. The set is found from SCNet itself (the
// login's token list, or each configured token's center entry) on first
// use and kept, so an SCNet outage at start delays it instead of stopping
// the bot; Rediscover adds the regions SCNet lists later.
package regions

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"scnetbot/scnet"
)

// Client is what scnetbot does in one region: list, page and read
// instances. *scnet.Client is the real one.
type Client interface {
	ListInstances(ctx context.Context, opts scnet.ListOptions) (*scnet.Page, error)
	All(ctx context.Context, opts scnet.ListOptions) iter.Seq2[scnet.Instance, error]
	Instance(ctx context.Context, id string) (*scnet.Instance, error)
}

// Operator changes one region's instances: what /instances restart, stop
// and delete, and the alerts' buttons, ask SCNet to do. *scnet.Client is
// the real one. Restart, Stop and Delete return an error wrapping
// scnet.ErrOutcomeUnknown when the request may have reached SCNet but no
// answer came back: the action may or may not have happened.
type Operator interface {
	Restart(ctx context.Context, id string) error
	Stop(ctx context.Context, id string) error
	Delete(ctx context.Context, id string) error
	// AccessURL is the instance's access URL as SCNet gives it; callers
	// strip anything secret before showing it.
	AccessURL(ctx context.Context, id string) (string, error)
}

// Region is one SCNet region of the account, as scnetbot uses it.
type Region struct {
	// ID is SCNet's id of the region: clusterId from the login, or id
	// from the center endpoint. It keys the watcher's state, so it must
	// not change while the region exists.
	ID string
	// Name is SCNet's name of the region ("西北一区"): clusterName from
	// the login, or name from the center endpoint.
	Name string
	// Client reads this region's instances with this region's token.
	Client Client
	// Operator acts on this region's instances with the same token; nil
	// where scnetbot cannot act (a test double that only reads).
	Operator Operator
	// Tokens is this region's token source, for its expiry.
	Tokens scnet.TokenSource
}

// Suspended is a region the account has but cannot use: SCNet sent its
// token as null (the account is suspended there).
type Suspended struct {
	ID, Name string
}

// Discovery is one attempt to find the account's regions.
type Discovery func(ctx context.Context) ([]*Region, []Suspended, error)

// Set finds the regions once and keeps them; Rediscover adds those found
// later. Until a discovery succeeds,
// every caller triggers a new attempt (at most one at a time), so a
// command during an SCNet outage says what is wrong and a later one works.
type Set struct {
	discover Discovery

	mu        sync.Mutex
	regions   []*Region
	suspended []Suspended
	found     time.Time
	lastErr   error
	// busy is closed when the discovery in flight ends.
	busy chan struct{}
}

// New makes a set that finds its regions with discover.
func New(discover Discovery) *Set { return &Set{discover: discover} }

// Fixed is a set of known regions, for a configuration that names them
// all and for tests.
func Fixed(rs ...*Region) *Set {
	return &Set{regions: rs, found: time.Now()}
}

// ErrNoRegions is returned when discovery succeeded but found no usable
// region: every region of the account is suspended or filtered out.
var ErrNoRegions = errors.New("no usable SCNet region")

// Regions returns the usable regions in a stable order, and those the
// account is suspended in. The error is discovery's last failure while no
// discovery has succeeded yet.
func (s *Set) Regions(ctx context.Context) ([]*Region, []Suspended, error) {
	for {
		s.mu.Lock()
		if !s.found.IsZero() {
			rs, sus := s.regions, s.suspended
			s.mu.Unlock()
			if len(rs) == 0 {
				return nil, sus, ErrNoRegions
			}
			return rs, sus, nil
		}
		if s.busy != nil {
			busy := s.busy
			s.mu.Unlock()
			select {
			case <-busy:
				continue
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		}
		busy := make(chan struct{})
		s.busy = busy
		s.mu.Unlock()

		rs, sus, err := s.checked(ctx)

		s.mu.Lock()
		s.busy = nil
		if err == nil {
			s.regions, s.suspended, s.found, s.lastErr = rs, sus, time.Now(), nil
		} else {
			s.lastErr = err
		}
		s.mu.Unlock()
		close(busy)
		if err != nil {
			return nil, nil, err
		}
	}
}

// ErrNotDiscovered is Rediscover's answer before the first discovery has
// succeeded: Regions finds them then.
var ErrNotDiscovered = errors.New("SCNet regions not found yet")

// Rediscover asks SCNet for the regions again, after the first discovery
// succeeded, and keeps the new ones: a region the account was suspended in
// at start, or that it gained since. It returns the regions it added (the
// caller starts their watchers) and the suspended regions it did not list
// before (the caller tells the channel). The regions it already has stay
// as they are, with their clients and state, even when SCNet no longer
// lists one: dropping a region mid-run would silence its alerts, while
// keeping it lets its polls say what is wrong. A failure changes nothing.
// A Fixed set has nothing to find.
func (s *Set) Rediscover(ctx context.Context) (added []*Region, suspended []Suspended, err error) {
	if _, _, ok := s.Known(); !ok {
		return nil, nil, ErrNotDiscovered
	}
	if s.discover == nil {
		return nil, nil, nil
	}
	rs, sus, err := s.checked(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	known := map[string]bool{}
	for _, r := range s.regions {
		known[r.ID] = true
	}
	for _, r := range rs {
		if !known[r.ID] {
			known[r.ID] = true
			added = append(added, r)
		}
	}
	listed := map[string]bool{}
	for _, x := range s.suspended {
		listed[x.ID] = true
	}
	var keep []Suspended
	for _, x := range sus {
		if known[x.ID] {
			continue // usable now, or watched since start
		}
		keep = append(keep, x)
		if !listed[x.ID] {
			suspended = append(suspended, x)
		}
	}
	// New slices: callers of Regions and Known hold the old ones.
	s.regions = append(slices.Clone(s.regions), added...)
	s.suspended = keep
	return added, suspended, nil
}

// Known returns the regions if discovery has succeeded, without asking
// SCNet: for health checks and renderings that must not block.
func (s *Set) Known() ([]*Region, []Suspended, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.regions, s.suspended, !s.found.IsZero()
}

// ByName finds a region by a word a person typed: its id, its whole name,
// or a prefix of its name that only one region has, ignoring case. Chinese
// names work: a typed word is whole characters, and a valid UTF-8 prefix
// of a name is always whole characters too. ok is false when no region or
// more than one matches; matches then lists the candidates.
func ByName(rs []*Region, word string) (r *Region, matches []*Region, ok bool) {
	if word == "" {
		return nil, nil, false
	}
	for _, r := range rs {
		if r.ID == word || strings.EqualFold(r.Name, word) {
			return r, []*Region{r}, true
		}
	}
	for _, r := range rs {
		if strings.HasPrefix(strings.ToLower(r.Name), strings.ToLower(word)) {
			matches = append(matches, r)
		}
	}
	if len(matches) == 1 {
		return matches[0], matches, true
	}
	return nil, matches, false
}

// checked runs the discovery and refuses an answer with a region id that
// could not key the watcher's state: empty, repeated, or holding anything
// but letters, digits, '-' and '_' (a "/" would reach into another
// region's records). SCNet's ids are digits; anything else is a bug worth
// stopping for, not a region to guess about.
func (s *Set) checked(ctx context.Context) ([]*Region, []Suspended, error) {
	rs, sus, err := s.discover(ctx)
	if err != nil {
		return nil, nil, err
	}
	seen := map[string]bool{}
	check := func(id, name string) error {
		if !ValidID(id) {
			return fmt.Errorf("SCNet sent region %q with an id scnetbot cannot use (%.20q)", name, id)
		}
		if seen[id] {
			return fmt.Errorf("SCNet sent region id %s twice", id)
		}
		seen[id] = true
		return nil
	}
	for _, r := range rs {
		if err := check(r.ID, r.Name); err != nil {
			return nil, nil, err
		}
	}
	for _, r := range sus {
		if err := check(r.ID, r.Name); err != nil {
			return nil, nil, err
		}
	}
	return rs, sus, nil
}

// ValidID reports whether id can name a region. A region id keys the
// watcher's state and travels in button values, as an instance id does,
// so it follows the same rule: scnet.ValidInstanceID.
func ValidID(id string) bool { return scnet.ValidInstanceID(id) }
