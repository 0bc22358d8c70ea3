package watcher

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"scnetbot/scnet"
	"scnetbot/state"
)

// observation is everything one poll learnt from SCNet. It is complete or
// the poll failed: a partial observation is never applied, because an
// instance missing from a half-read listing is not evidence of anything.
type observation struct {
	// seen holds every instance SCNet returned, from any listing or lookup.
	seen map[string]scnet.Instance
	// gone holds ids the detail endpoint answered "not found" for.
	gone map[string]bool
	// looked holds ids looked up by id this poll.
	looked map[string]bool
	// totals is what SCNet reported as the total of each alert status.
	totals map[scnet.Status]int
	// logged holds the skipped ids already logged this poll, so a bad
	// record listed by several listings is logged once.
	logged     map[string]bool
	skipCapped bool
	// unknown holds the unknown statuses already logged this poll. Like
	// logged it is written only by observe's add, which lookups call
	// under their mutex.
	unknown map[scnet.Status]bool
}

// unknownStatus logs a status SCNet added later, once per poll per
// status and at most maxSkipLogs of them, quoting only its start: a new
// status carried by every instance must not log a line per instance and
// poll.
func (w *Watcher) unknownStatus(ob *observation, in scnet.Instance) {
	s := in.Status
	if len(s) > skipLogIDLen {
		s = s[:skipLogIDLen]
	}
	if ob.unknown[s] || len(ob.unknown) >= maxSkipLogs {
		return
	}
	if ob.unknown == nil {
		ob.unknown = map[scnet.Status]bool{}
	}
	ob.unknown[s] = true
	w.cfg.Logger.Warn("watcher ignores an unknown status; instances with it keep their last one",
		"status_start", fmt.Sprintf("%q", string(s)), "instance", in.ID)
}

// maxSkipLogs bounds the records one poll logs as skipped: a listing full
// of them must not flood the log.
const maxSkipLogs = 5

// skipLogIDLen is how much of a skipped id is logged.
const skipLogIDLen = 16

// skip records a listing record that cannot be watched. One bad record
// must not blind the watcher to the rest of the listing, nor look like an
// outage: SCNet answered. Each bad id is logged once per poll, at most
// maxSkipLogs of them, quoting only its start: enough to recognise it, too
// short to carry a whole token should SCNet echo one.
func (w *Watcher) skip(ob *observation, in scnet.Instance) {
	if w.cfg.Metrics != nil {
		w.cfg.Metrics.SkippedRecords.Inc()
	}
	id := in.ID
	if len(id) > skipLogIDLen {
		id = id[:skipLogIDLen]
	}
	switch {
	case ob.logged[id]:
	case len(ob.logged) < maxSkipLogs:
		ob.logged[id] = true
		w.cfg.Logger.Warn("watcher skips a record whose id cannot be an instance id",
			"id_start", fmt.Sprintf("%q", id), "id_bytes", len(in.ID), "status", in.Status)
	case !ob.skipCapped:
		ob.skipCapped = true
		w.cfg.Logger.Warn("watcher skips more records with unusable ids; only the first are logged", "logged", maxSkipLogs)
	}
}

// errGarbage marks an answer that decoded but cannot be right.
var errGarbage = errors.New("implausible answer from scnet")

// observe reads the live listings in full, the newest pages of the alert
// statuses back to since, and looks up by id every tracked live instance
// that the listings no longer show. tracked is a snapshot the caller took.
func (w *Watcher) observe(ctx context.Context, tracked map[string]state.Instance, since time.Time) (*observation, error) {
	ob := &observation{seen: map[string]scnet.Instance{}, gone: map[string]bool{}, looked: map[string]bool{},
		totals: map[scnet.Status]int{}, logged: map[string]bool{}}
	add := func(in scnet.Instance) error {
		if !scnet.ValidInstanceID(in.ID) {
			w.skip(ob, in)
			return nil
		}
		if _, err := scnet.ParseStatus(string(in.Status)); err != nil {
			// A status SCNet added later must not stop the watcher, nor
			// count as a change: the instance keeps what it had.
			t, ok := tracked[in.ID]
			if !ok {
				return nil
			}
			w.unknownStatus(ob, in)
			in.Status = t.Status
		}
		ob.seen[in.ID] = in
		return nil
	}
	for _, s := range liveStatuses() {
		for in, err := range w.lister.All(ctx, scnet.ListOptions{Status: s, Sort: scnet.SortDesc}) {
			if err != nil {
				return nil, fmt.Errorf("list %s instances: %w", s, err)
			}
			if err := add(in); err != nil {
				return nil, err
			}
		}
	}
	for _, s := range w.cfg.Statuses {
		if s.Live() {
			continue // already read in full above
		}
		if err := w.observeRecent(ctx, ob, s, tracked, since, add); err != nil {
			return nil, err
		}
	}

	// Tracked live instances the listings no longer show changed or were
	// deleted; so may alerted instances in a terminal status (deleted, or
	// restarted and finished again), which are followed up a few at a time.
	var ids []string
	now := w.cfg.Now()
	followUps := 0
	for id, t := range tracked {
		if _, ok := ob.seen[id]; ok {
			continue
		}
		switch {
		case now.Sub(t.Unsettled) < w.cfg.FollowUpEvery:
			// Asked recently without an answer that settles it; asking
			// every poll would only make every poll dearer.
		case t.Status.Live():
			ids = append(ids, id)
		case t.AlertID != "" && followUps < w.cfg.FollowUps &&
			now.Sub(t.Changed) < w.cfg.FollowUpFor && now.Sub(t.FollowedUp) >= w.cfg.FollowUpEvery:
			followUps++
			ids = append(ids, id)
		case t.NoTimes && w.alerting(t.Status) && followUps < w.cfg.FollowUps &&
			now.Sub(t.Changed) >= w.cfg.Retain && now.Sub(t.FollowedUp) >= w.cfg.Retain:
			// Kept past Retain because its age is unknown (see prune);
			// asked once per Retain whether it still exists.
			followUps++
			ids = append(ids, id)
		}
	}
	if err := w.lookup(ctx, ob, tracked, ids, add); err != nil {
		return nil, err
	}
	return ob, nil
}

// observeRecent reads the newest pages of one alert status until it reaches
// instances created before since: those older failures were either seen by
// an earlier poll or were tracked live and are caught by lookup. This is what
// catches an instance created and failed between two polls.
func (w *Watcher) observeRecent(ctx context.Context, ob *observation, s scnet.Status, tracked map[string]state.Instance, since time.Time, add func(scnet.Instance) error) error {
	for page := 0; page < w.cfg.MaxRecentPages; page++ {
		p, err := w.lister.ListInstances(ctx, scnet.ListOptions{Status: s, Sort: scnet.SortDesc, Start: page * w.cfg.PageSize, Limit: w.cfg.PageSize})
		if err != nil {
			return fmt.Errorf("list newest %s instances: %w", s, err)
		}
		if p == nil {
			return fmt.Errorf("list newest %s instances: no page: %w", s, errGarbage)
		}
		if page == 0 {
			ob.totals[s] = p.Total
		}
		older, known := false, true
		for _, in := range p.Instances {
			if err := add(in); err != nil {
				return err
			}
			if t := in.CreateTime.Time; !t.IsZero() && t.Before(since) {
				older = true
			}
			if k, ok := tracked[in.ID]; !ok || k.Status != in.Status {
				known = false
			}
		}
		if len(p.Instances) < w.cfg.PageSize || older || known {
			return nil
		}
	}
	w.cfg.Logger.Warn("watcher stopped reading newest instances at the page cap", "status", s, "pages", w.cfg.MaxRecentPages)
	return nil
}

// lookup fetches instances by id with bounded concurrency. ErrNotFound is
// the only answer that counts as "deleted" on its own; any other error fails
// the poll.
func (w *Watcher) lookup(ctx context.Context, ob *observation, tracked map[string]state.Instance, ids []string, add func(scnet.Instance) error) error {
	if len(ids) == 0 {
		return nil
	}
	var mu sync.Mutex
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(w.cfg.Lookups)
	for _, id := range ids {
		g.Go(func() error {
			in, err := w.lister.Instance(gctx, id)
			if invalidParams(err) {
				// SCNet documents no "not found" code; an id it no longer
				// knows may come back as "invalid parameters". That alone
				// is not evidence, so the instance's name is listed too.
				in, err = w.confirmGone(gctx, id, tracked[id].Name, err)
			}
			mu.Lock()
			defer mu.Unlock()
			ob.looked[id] = true
			switch {
			case errors.Is(err, scnet.ErrNotFound):
				ob.gone[id] = true
				return nil
			case errors.Is(err, ErrUnsettled):
				// SCNet answered, but not in a way that settles this one
				// instance. It keeps what it had; failing the poll instead
				// would blind the watcher to every other instance for as
				// long as this one stays unsettled.
				w.cfg.Logger.Warn("watcher cannot tell whether an instance still exists; it keeps its last status",
					"instance", id, "err", err)
				return nil
			case err != nil:
				return fmt.Errorf("look up instance %q: %w", id, err)
			case in == nil || (in.ID != "" && in.ID != id):
				return fmt.Errorf("look up instance %q: answer for another instance: %w", id, errGarbage)
			}
			c := *in
			c.ID = id
			return add(c)
		})
	}
	return g.Wait()
}

func invalidParams(err error) bool {
	var ae *scnet.APIError
	return errors.As(err, &ae) && ae.Code == scnet.CodeInvalidParams
}

// ErrUnsettled marks a lookup SCNet answered without saying whether the
// instance exists.
var ErrUnsettled = errors.New("instance neither found nor confirmed gone")

// confirmGone lists the instances named like the one whose lookup was
// refused: a complete listing without the id is evidence it is gone. SCNet
// may match names by substring, so the listing can hold other instances, and
// for a common name it may be too long to finish: then, as for an instance
// without a name, nothing is settled.
func (w *Watcher) confirmGone(ctx context.Context, id, name string, cause error) (*scnet.Instance, error) {
	if name == "" {
		return nil, fmt.Errorf("%w: no name to list it by: %w", ErrUnsettled, cause)
	}
	for in, err := range w.lister.All(ctx, scnet.ListOptions{Name: name}) {
		if errors.Is(err, scnet.ErrPageCap) || errors.Is(err, scnet.ErrInstanceCap) || errors.Is(err, scnet.ErrPagingStalled) {
			return nil, fmt.Errorf("%w: listing of its name incomplete: %w", ErrUnsettled, err)
		}
		if err != nil {
			return nil, fmt.Errorf("confirm %q is gone: %w", id, err)
		}
		if in.ID == id {
			return &in, nil
		}
	}
	return nil, fmt.Errorf("instance %q absent from the listing of its name: %w", id, scnet.ErrNotFound)
}
