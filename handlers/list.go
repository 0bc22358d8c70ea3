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
	page, err := h.cache.List(ctx, opts, fresh)
	if err == nil {
		// Past the end, the last page is more use than an empty one; its
		// number is known only when SCNet's total is.
		if _, last, _ := pages(q, page); len(page.Instances) == 0 && last > 0 && q.PageNumber() > last {
			lq := q.WithPage(last)
			opts.Start = (last - 1) * PageSize
			// When that fails too, the empty page still answers the
			// question, and its Prev button leads to the last page.
			if lp, lerr := h.cache.List(ctx, opts, fresh); lerr == nil && len(lp.Instances) > 0 {
				v.query, v.pastEnd, page = lq, q.PageNumber(), lp
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
