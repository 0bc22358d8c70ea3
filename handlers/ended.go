package handlers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

	"scnetbot/scnet"
)

// Bounds on reading a whole listing of ended instances to order it by end
// time. SCNet orders only by creation, so the newest failure can be the
// oldest-created one: the bot reads the whole listing and sorts it itself.
// 1,000 instances at 100 a page is ten requests, in five rounds of a
// region's requests in flight (fetchEnded reads ahead); the page cap also stops a server that sends a few instances per page (or
// ignores start) from costing more requests than that.
const (
	endedFetchLimit = 100
	maxEndedFetched = 1000
	maxEndedPages   = 20
)

// byEnd reports whether a list query is ordered by end time: a listing of
// one ended status, where "when did it end" is what the reader wants.
// Other listings keep SCNet's order, newest created first.
func byEnd(q Query) bool { return q.Status.Terminal() }

// fetchEnded reads every instance matching o (Start, Limit and Sort are its
// own), up to maxEndedFetched of the newest created, and returns them
// ordered by end time. Total is SCNet's count of all matches, which is more
// than len(Instances) when the cap cut the listing.
//
// Read one after another, the ten pages of a long listing would take ten
// times SCNet's latency and pass QueryTimeout at under a second each. So
// once two pages have come back as the total says (the second one new, so
// the server does page), the rest that the total and the cap call for are
// asked at once, and the region's bound on requests in flight spaces them;
// they are then taken in order as if read one by one. A page that does not
// start where the previous one ended (the listing moved, or the server
// answered short) drops what was read ahead, and reading goes on one page
// at a time from there.
func fetchEnded(ctx context.Context, l Lister, o scnet.ListOptions) (*scnet.Page, error) {
	o.Start, o.Limit, o.Sort = 0, endedFetchLimit, scnet.SortDesc
	out := &scnet.Page{}
	seen := make(map[string]struct{})
	var ahead []endedPage
	for n := range maxEndedPages {
		var (
			p   *scnet.Page
			err error
		)
		if len(ahead) > 0 && ahead[0].start == o.Start {
			p, err = ahead[0].page, ahead[0].err
			ahead = ahead[1:]
		} else {
			ahead = nil
			p, err = l.ListInstances(ctx, o)
		}
		if err != nil {
			return nil, fmt.Errorf("list %s instances to order by end time (start %d): %w", o.Status, o.Start, err)
		}
		if p == nil || len(p.Instances) == 0 {
			break
		}
		if o.Start == 0 {
			out.Total = p.Total
		}
		fresh := 0
		for _, in := range p.Instances {
			// Offset paging repeats an instance when one is created
			// mid-listing; a repeat must not show twice.
			if in.ID != "" {
				if _, dup := seen[in.ID]; dup {
					continue
				}
				seen[in.ID] = struct{}{}
			}
			if len(out.Instances) < maxEndedFetched {
				out.Instances = append(out.Instances, in)
			}
			fresh++
		}
		o.Start += len(p.Instances)
		// A short page ends the listing, unless SCNet's total says there is
		// more: a server that caps limit below what was asked still pages.
		if fresh == 0 || len(out.Instances) >= maxEndedFetched ||
			len(p.Instances) < o.Limit && p.Total <= o.Start {
			break
		}
		if n == 1 && ahead == nil && p.Total > o.Start {
			stride := len(p.Instances)
			want := min(p.Total-o.Start, maxEndedFetched-len(out.Instances))
			ahead = readAhead(ctx, l, o, stride, min((want+stride-1)/stride, maxEndedPages-n-1))
		}
	}
	out.Total = max(out.Total, len(out.Instances))
	sortByEnd(out.Instances)
	return out, nil
}

// endedPage is a page of an ended listing read ahead, and where it starts.
type endedPage struct {
	start int
	page  *scnet.Page
	err   error
}

// readAhead asks for count pages of stride instances from o.Start on, all at
// once, and waits for them.
func readAhead(ctx context.Context, l Lister, o scnet.ListOptions, stride, count int) []endedPage {
	pages := make([]endedPage, max(count, 0))
	var wg sync.WaitGroup
	for i := range pages {
		po := o
		po.Start = o.Start + i*stride
		pages[i].start = po.Start
		wg.Go(func() { pages[i].page, pages[i].err = l.ListInstances(ctx, po) })
	}
	wg.Wait()
	return pages
}

// sortByEnd orders instances newest end first; an unknown end time sorts
// last, and ties go by id so that every page of the same snapshot cuts the
// order in the same place.
func sortByEnd(ins []scnet.Instance) {
	slices.SortStableFunc(ins, func(a, b scnet.Instance) int {
		if c := byEndTime(&a, &b); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
}

// byEndTime compares two instances newest end first, an unknown end time
// last; 0 when they ended at the same time (or both at none).
func byEndTime(a, b *scnet.Instance) int {
	az, bz := a.EndTime.IsZero(), b.EndTime.IsZero()
	switch {
	case az != bz:
		if az {
			return 1
		}
		return -1
	case !az:
		return b.EndTime.Compare(a.EndTime.Time)
	}
	return 0
}

// cutPage cuts page n (1-based) out of a whole ordered listing. Total is the
// listing's length: pages exist only within it.
func cutPage(all *scnet.Page, n int) *scnet.Page {
	p := &scnet.Page{Total: len(all.Instances)}
	start := (n - 1) * PageSize
	if start < len(all.Instances) {
		p.Instances = all.Instances[start:min(start+PageSize, len(all.Instances))]
	}
	return p
}
