package handlers

import (
	"context"
	"sync"

	"scnetbot/scnet"
)

// listView is everything a list reply shows.
type listView struct {
	query Query
	page  *scnet.Page
	// counts holds the number of instances per status, for the summary
	// above an unfiltered listing; nil when there is no summary.
	counts map[scnet.Status]int
	// countsFailed means the summary was wanted but SCNet did not give it.
	countsFailed bool
	shared       bool
	sharedBy     string
	// byEnd means the rows are ordered by end time, newest first, from the
	// whole listing (fetchEnded) rather than by SCNet. ordered is how many
	// instances that listing holds and matches how many SCNet counted,
	// more when the listing was cut (maxEndedFetched).
	byEnd            bool
	ordered, matches int
	// pastEnd is the page number asked for when it was past the last page
	// and query and page are the last page instead; 0 otherwise.
	pastEnd int
}

// list fetches a page and, for an unfiltered query, the status summary. The
// summary costs one Limit-1 listing per status, run concurrently and through
// the cache like any other query; when it fails the page is still shown.
func (h *Handler) list(ctx context.Context, q Query, fresh bool) (listView, error) {
	v := listView{query: q}
	opts := scnet.ListOptions{
		Status:   q.Status,
		TaskType: q.TaskType,
		Name:     q.Name(),
		Start:    (q.PageNumber() - 1) * PageSize,
		Limit:    PageSize,
		Sort:     scnet.SortDesc,
	}
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts map[scnet.Status]int
		cerr   error
	)
	if !q.Filtered() {
		counts = make(map[scnet.Status]int)
		for _, st := range scnet.Statuses() {
			wg.Go(func() {
				p, err := h.cache.List(ctx, scnet.ListOptions{Status: st, Limit: 1, Sort: scnet.SortDesc}, fresh)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					cerr = err
					return
				}
				counts[st] = max(p.Total, len(p.Instances))
			})
		}
	}
	page, err := h.fetchPage(ctx, &v, opts, fresh)
	if err == nil {
		// Past the end, the last page is more use than an empty one; its
		// number is known only when the total is.
		if _, last, _ := pages(q, page); len(page.Instances) == 0 && last > 0 && q.PageNumber() > last {
			opts.Start = (last - 1) * PageSize
			// When that fails too, the empty page still answers the
			// question, and its Prev button leads to the last page. An
			// ordered listing was just read whole: cut from it again.
			if lp, lerr := h.fetchPage(ctx, &v, opts, fresh && !v.byEnd); lerr == nil && len(lp.Instances) > 0 {
				v.query, v.pastEnd, page = q.WithPage(last), q.PageNumber(), lp
			}
		}
	}
	wg.Wait()
	if err != nil {
		return v, err
	}
	v.page = page
	if counts != nil {
		if cerr != nil {
			h.log.Warn("instances status summary failed", "err", cerr)
			v.countsFailed = true
		} else {
			v.counts = counts
		}
	}
	return v, nil
}

// fetchPage fetches the page of a listing that opts.Start begins: from SCNet
// directly in SCNet's order, or cut from the whole listing ordered by end
// time when v's query is byEnd, noting in v how that listing was read.
func (h *Handler) fetchPage(ctx context.Context, v *listView, opts scnet.ListOptions, fresh bool) (*scnet.Page, error) {
	if !byEnd(v.query) {
		return h.cache.List(ctx, opts, fresh)
	}
	all, err := h.cache.Ended(ctx, opts, fresh)
	if err != nil {
		return nil, err
	}
	v.byEnd = true
	v.ordered, v.matches = len(all.Instances), all.Total
	return cutPage(all, opts.Start/PageSize+1), nil
}

// pages works out paging from what SCNet reported. SCNet does not document
// whether total counts all matches or only the page, so a total smaller than
// what has already been seen is treated as unknown (0): the reply then shows
// "Page N" and offers Next whenever the page is full. An empty page past the
// end is the exception: a total that counted only the page would be 0, so a
// positive one counts all matches.
func pages(q Query, p *scnet.Page) (total, last int, hasNext bool) {
	start := (q.PageNumber() - 1) * PageSize
	seen := start + len(p.Instances)
	if p.Total > 0 && (p.Total >= seen || len(p.Instances) == 0) {
		total = p.Total
		// Rounded up without adding first, which could wrap a huge total.
		last = total / PageSize
		if total%PageSize != 0 {
			last++
		}
		return total, last, q.PageNumber() < last
	}
	return 0, 0, len(p.Instances) >= PageSize
}
