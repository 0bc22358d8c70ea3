package handlers

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"

	"scnetbot/regions"
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

	// regions are the regions the query asked; rowRegion[i] is the index
	// among them of page.Instances[i]'s region. named says whether rows
	// name their region: a bot of one region has nothing to tell apart.
	regions   []*regions.Region
	rowRegion []int
	named     bool
	// byRegion is the summary's number of instances per region, beside
	// counts.
	byRegion []int
	// failures are the regions that did not answer: the reply names them
	// and says why instead of counting their instances as none.
	failures []regionFailure
	// cursors says whether the page was merged by cursor (several regions,
	// not byEnd); from and to are then where it begins and ends.
	cursors  bool
	from, to cursor
}

// list fetches a page and, for an unfiltered query, the status summary,
// from every region the query targets at once. The summary costs one
// Limit-1 listing per status and region, run concurrently and through the
// cache like any other query; when it fails the page is still shown. A
// region that fails is named in the reply; only when none answers is the
// query an error.
func (h *Handler) list(ctx context.Context, q Query, o answerOpts) (listView, error) {
	targets, all, err := h.targets(ctx, q)
	if err != nil {
		return listView{}, err
	}
	if q.Region != "" {
		q.Region = regionWord(all, targets[0])
	}
	v := listView{query: q, regions: targets, named: len(all) > 1}
	states := make([]*regionState, len(targets))
	for i, r := range targets {
		states[i] = h.states.get(r)
	}
	type regionCounts struct {
		counts map[scnet.Status]int
		err    error
	}
	var (
		wg     sync.WaitGroup
		counts = make([]regionCounts, len(targets))
	)
	if !q.Filtered() {
		for i, st := range states {
			wg.Go(func() { counts[i].counts, counts[i].err = h.counts(ctx, st, q, o.fresh) })
		}
	}
	var failed []error
	if len(targets) == 1 {
		err = h.listOne(ctx, &v, states[0], q, o.fresh)
		failed = []error{err}
		if err != nil && v.named {
			// One region of several, picked with region:, did not
			// answer: the reply names it, as it names any region that
			// did not answer.
			err = &regionsError{fails: []regionFailure{{region: targets[0], err: err}}}
		}
	} else {
		failed, err = h.listMerged(ctx, &v, states, q, o)
	}
	wg.Wait()
	if err != nil {
		return v, err
	}
	for i, ferr := range failed {
		if ferr != nil {
			// The reply names the region; why is the operator's business.
			h.log.Warn("instances region did not answer", "region", targets[i].Name, "query", q.String(), "err", ferr)
			v.failures = append(v.failures, regionFailure{region: targets[i], err: ferr})
		}
	}
	if !q.Filtered() {
		total := make(map[scnet.Status]int)
		v.byRegion = make([]int, len(targets))
		for i, c := range counts {
			if failed[i] != nil {
				// Named among the failures already.
				continue
			}
			if c.err != nil {
				h.log.Warn("instances status summary failed", "region", targets[i].Name, "err", c.err)
				v.countsFailed = true
				continue
			}
			for st, n := range c.counts {
				total[st] += n
				v.byRegion[i] += n
			}
		}
		if !v.countsFailed {
			v.counts = total
		}
	}
	return v, nil
}

// counts is one region's number of instances per status.
func (h *Handler) counts(ctx context.Context, st *regionState, q Query, fresh bool) (map[scnet.Status]int, error) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		counts = make(map[scnet.Status]int)
		cerr   error
	)
	for _, s := range scnet.Statuses() {
		wg.Go(func() {
			p, err := st.summary.List(ctx, scnet.ListOptions{Status: s, Limit: 1, Sort: scnet.SortDesc}, fresh)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				cerr = err
				return
			}
			counts[s] = max(p.Total, len(p.Instances))
		})
	}
	wg.Wait()
	return counts, cerr
}

// listOne fetches a page from one region, paging by SCNet's offsets.
func (h *Handler) listOne(ctx context.Context, v *listView, st *regionState, q Query, fresh bool) error {
	opts := scnet.ListOptions{
		Status:   q.Status,
		TaskType: q.TaskType,
		Name:     q.Name(),
		Start:    (q.PageNumber() - 1) * PageSize,
		Limit:    PageSize,
		Sort:     scnet.SortDesc,
	}
	page, err := h.fetchPage(ctx, v, st.cache, opts, fresh)
	if err != nil {
		return err
	}
	// Past the end, the last page is more use than an empty one; its
	// number is known only when the total is.
	if _, last, _ := pages(q, page); len(page.Instances) == 0 && last > 0 && q.PageNumber() > last {
		opts.Start = (last - 1) * PageSize
		// When that fails too, the empty page still answers the
		// question, and its Prev button leads to the last page. An
		// ordered listing was just read whole: cut from it again.
		if lp, lerr := h.fetchPage(ctx, v, st.cache, opts, fresh && !v.byEnd); lerr == nil && len(lp.Instances) > 0 {
			v.query, v.pastEnd, page = q.WithPage(last), q.PageNumber(), lp
		}
	}
	v.page = page
	v.rowRegion = make([]int, len(page.Instances))
	return nil
}

// listMerged fetches a page of the merge of several regions' listings. It
// returns each region's failure; err is set only when none answered.
func (h *Handler) listMerged(ctx context.Context, v *listView, states []*regionState, q Query, o answerOpts) (failed []error, err error) {
	opts := scnet.ListOptions{Status: q.Status, TaskType: q.TaskType, Name: q.Name(), Sort: scnet.SortDesc}
	type window struct {
		ins   []scnet.Instance
		total int
	}
	n := len(states)
	var wins []window
	if byEnd(q) {
		// Each region's whole ordered listing, merged and cut by page
		// number: every page comes from the same snapshots (see Ended).
		wins, failed = eachRegion(v.regions, func(i int, _ *regions.Region) (window, error) {
			p, err := states[i].cache.Ended(ctx, opts, o.fresh)
			if err != nil {
				return window{}, err
			}
			return window{p.Instances, p.Total}, nil
		})
		if err := allFailed(v.regions, failed); err != nil {
			return failed, err
		}
		var rows []regionRow
		for i, w := range wins {
			for _, in := range w.ins {
				rows = append(rows, regionRow{in, i})
			}
			v.ordered += len(w.ins)
			v.matches += max(w.total, len(w.ins))
		}
		v.byEnd = true
		sortRowsByEnd(rows)
		page := q.PageNumber()
		if last := (len(rows) + PageSize - 1) / PageSize; page > last && last > 0 {
			v.query, v.pastEnd, page = q.WithPage(last), q.PageNumber(), last
		}
		start := (page - 1) * PageSize
		v.setRows(rows[min(start, len(rows)):min(start+PageSize, len(rows))], len(rows))
		return failed, nil
	}

	cur := o.cursor
	if cur == nil {
		if q.PageNumber() > MaxMergedTypedPage {
			return nil, inputError(CodeBadPage, strconv.Itoa(q.PageNumber()), "CmdInputMergedPage", "Max", MaxMergedTypedPage, "MaxPage", MaxPage)
		}
		cur = &cursor{offs: make([]int, n)}
	}
	skip := 0
	wins, failed = eachRegion(v.regions, func(i int, _ *regions.Region) (window, error) {
		start, count := cur.offs[i], PageSize
		switch {
		case o.cursor == nil:
			// A typed page: read from the top.
			count = q.PageNumber() * PageSize
		case cur.before:
			start, count = max(0, cur.offs[i]-PageSize), cur.offs[i]-max(0, cur.offs[i]-PageSize)
		}
		if count == 0 {
			return window{}, nil
		}
		ins, total, err := fetchWindow(ctx, states[i].cache, opts, start, count, o.fresh)
		return window{ins, total}, err
	})
	if err := allFailed(v.regions, failed); err != nil {
		return failed, err
	}
	ins := make([][]scnet.Instance, n)
	total := 0
	for i, w := range wins {
		ins[i] = w.ins
		total += w.total
	}
	var (
		rows  []regionRow
		shown []int
		from  = slices.Clone(cur.offs)
	)
	switch {
	case o.cursor == nil:
		skip = (q.PageNumber() - 1) * PageSize
		rows, shown = mergeForward(ins, skip, PageSize)
		if len(rows) == 0 && skip > 0 {
			// Every region was read to its end: the last page is in
			// what was read.
			all := 0
			for _, w := range ins {
				all += len(w)
			}
			if last := (all + PageSize - 1) / PageSize; last > 0 {
				v.query, v.pastEnd = q.WithPage(last), q.PageNumber()
				skip = (last - 1) * PageSize
				rows, shown = mergeForward(ins, skip, PageSize)
			}
		}
		// Where this page began: what the merge passed over.
		_, passed := mergeForward(ins, 0, skip)
		copy(from, passed)
	case cur.before:
		rows, shown = mergeBackward(ins, PageSize)
		for i := range from {
			from[i] -= shown[i]
		}
	default:
		rows, shown = mergeForward(ins, 0, PageSize)
	}
	to := slices.Clone(from)
	for i := range to {
		to[i] += shown[i]
	}
	v.from, v.to = cursor{offs: from}, cursor{offs: to}
	// An id that would not read back (SCNet's are digits and letters)
	// gets no cursor: its buttons read from the top instead.
	v.cursors = !slices.ContainsFunc(v.regions, func(r *regions.Region) bool { return r.ID == "" || strings.ContainsAny(r.ID, ":,~") })
	// A region that could not be read showed nothing and keeps its
	// position: its instances are shown once it answers, not skipped.
	v.setRows(rows, total)
	return failed, nil
}

// allFailed is the query's error when no region answered, nil otherwise.
// With one region its own error is the answer.
func allFailed(rs []*regions.Region, errs []error) error {
	var fails []regionFailure
	for i, err := range errs {
		if err == nil {
			return nil
		}
		fails = append(fails, regionFailure{region: rs[i], err: err})
	}
	if len(fails) == 1 {
		return fails[0].err
	}
	return &regionsError{fails: fails}
}

// setRows makes rows the view's page; total is how many instances the
// regions that answered hold.
func (v *listView) setRows(rows []regionRow, total int) {
	p := &scnet.Page{Total: total, Instances: make([]scnet.Instance, len(rows))}
	v.rowRegion = make([]int, len(rows))
	for i, r := range rows {
		p.Instances[i], v.rowRegion[i] = r.in, r.ri
	}
	v.page = p
}

// fetchPage fetches the page of a listing that opts.Start begins: from SCNet
// directly in SCNet's order, or cut from the whole listing ordered by end
// time when v's query is byEnd, noting in v how that listing was read.
func (h *Handler) fetchPage(ctx context.Context, v *listView, c *queryCache, opts scnet.ListOptions, fresh bool) (*scnet.Page, error) {
	if !byEnd(v.query) {
		return c.List(ctx, opts, fresh)
	}
	all, err := c.Ended(ctx, opts, fresh)
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
