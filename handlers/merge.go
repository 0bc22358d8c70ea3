package handlers

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"

	"scnetbot/regions"
	"scnetbot/scnet"
)

// Paging a listing over several regions.
//
// Each region lists its own instances newest created first; the reply is
// their k-way merge in the same order (ties go to the region first in the
// set, and within a region to SCNet's order). A page is described by a
// cursor: how many of each region's instances come before it. Next carries
// the cursor where the page ended (each region's position advanced by the
// rows of that region shown), so it costs one request per region for ten
// instances whatever the page number. Prev carries the cursor where the page
// began, marked "before": the previous page is the last ten of the merge of
// the ten instances before each region's position, again one request per
// region, and its own cursor is that position minus what it showed. Going
// forward then back lands on the same page because both directions take
// from the same merged order. A typed "page N" (and Back from a details
// view) has no cursor and reads each region's first N×10 instances once,
// in requests of up to mergeReadLimit, one after another; so it is bounded
// by MaxMergedTypedPage.
//
// As with any offset paging of a live listing, an instance created or
// deleted between two clicks moves the positions after it by one; within
// unchanged listings no instance is shown twice or skipped.

// mergeReadLimit is the most instances one request asks a region for.
const mergeReadLimit = 100

// MaxMergedTypedPage is the deepest page a listing over several regions
// reads without a cursor (a typed "page N", or a button whose cursor did
// not fit): MaxMergedTypedPage×PageSize instances from each region, two
// requests of mergeReadLimit one after the other. MaxPage would be a
// hundred requests per region for one reply, far past QueryTimeout. Deeper
// pages are reached with Next (one request per region each), or typed
// with region:, which pages by SCNet's own offsets.
const MaxMergedTypedPage = 20

// cursor is where a merged page begins (before false) or ends (before true):
// offs[i] instances of region i of the query's targets come before that point.
type cursor struct {
	offs   []int
	before bool
}

// sum is how many instances of all regions come before the cursor.
func (c cursor) sum() int {
	n := 0
	for _, o := range c.offs {
		n += o
	}
	return n
}

// encode writes c against its regions as "~id:off,id:off", the "~" only
// when before.
func (c cursor) encode(rs []*regions.Region) string {
	var b strings.Builder
	if c.before {
		b.WriteByte('~')
	}
	for i, r := range rs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(r.ID + ":" + strconv.Itoa(c.offs[i]))
	}
	return b.String()
}

// decodeCursor reads a cursor written by encode for the regions rs. It must
// name each of them exactly once with an offset no page can exceed, and
// agree with the page it is for: a forward cursor of page p has at most
// (p-1)×PageSize before it (fewer when a region could not be read), a
// backward one of page p at most p×PageSize. Anything else was not written by
// scnetbot for these regions and is refused.
func decodeCursor(s string, rs []*regions.Region, page int) (cursor, bool) {
	var c cursor
	if s, c.before = strings.CutPrefix(s, "~"); s == "" {
		return c, false
	}
	parts := strings.Split(s, ",")
	if len(parts) != len(rs) {
		return c, false
	}
	c.offs = make([]int, len(rs))
	seen := make([]bool, len(rs))
	for _, p := range parts {
		id, off, ok := strings.Cut(p, ":")
		i := slices.IndexFunc(rs, func(r *regions.Region) bool { return r.ID == id })
		if !ok || i < 0 || seen[i] {
			return c, false
		}
		n, err := strconv.Atoi(off)
		if err != nil || n < 0 || n > MaxPage*PageSize || strconv.Itoa(n) != off {
			return c, false
		}
		seen[i], c.offs[i] = true, n
	}
	limit := (page - 1) * PageSize
	if c.before {
		limit = page * PageSize
		if c.sum() == 0 {
			return c, false
		}
	}
	return c, c.sum() <= limit
}

// regionRow is an instance and the index of its region among the targets.
type regionRow struct {
	in scnet.Instance
	ri int
}

// createdFirst reports whether a comes before b in the merged listing:
// newer created first, an unknown time last, ties to the earlier region.
func createdFirst(a, b regionRow) bool {
	if c := a.in.CreateTime.Compare(b.in.CreateTime.Time); c != 0 {
		return c > 0
	}
	return a.ri < b.ri
}

// mergeForward takes n rows from the front of the windows (each region's
// instances from its position on, in its order), skipping the first skip
// rows, and says how many of each region it showed.
func mergeForward(wins [][]scnet.Instance, skip, n int) ([]regionRow, []int) {
	heads := make([]int, len(wins))
	shown := make([]int, len(wins))
	var out []regionRow
	for len(out) < n {
		best := -1
		for i, w := range wins {
			if heads[i] < len(w) && (best < 0 || createdFirst(regionRow{w[heads[i]], i}, regionRow{wins[best][heads[best]], best})) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		row := regionRow{wins[best][heads[best]], best}
		heads[best]++
		if skip > 0 {
			skip--
			continue
		}
		out = append(out, row)
		shown[best]++
	}
	return out, shown
}

// mergeBackward takes the last n rows of the windows (each region's
// instances just before its position, in its order) and says how many of
// each region it took.
func mergeBackward(wins [][]scnet.Instance, n int) ([]regionRow, []int) {
	tails := make([]int, len(wins))
	for i, w := range wins {
		tails[i] = len(w)
	}
	taken := make([]int, len(wins))
	var out []regionRow
	for len(out) < n {
		last := -1
		for i, w := range wins {
			if tails[i] > 0 && (last < 0 || createdFirst(regionRow{wins[last][tails[last]-1], last}, regionRow{w[tails[i]-1], i})) {
				last = i
			}
		}
		if last < 0 {
			break
		}
		tails[last]--
		out = append(out, regionRow{wins[last][tails[last]], last})
		taken[last]++
	}
	slices.Reverse(out)
	return out, taken
}

// fetchWindow reads n instances of a listing from position start in
// requests of at most mergeReadLimit, stopping at a short page unless
// SCNet's total says there is more (a server that caps limit below what
// was asked still pages), at an empty one, and after maxEndedPages
// requests (a server sending a few instances a page). total is SCNet's
// count from the first request.
func fetchWindow(ctx context.Context, c *queryCache, o scnet.ListOptions, start, n int, fresh bool) ([]scnet.Instance, int, error) {
	var out []scnet.Instance
	total := 0
	for i := 0; len(out) < n && i < maxEndedPages; i++ {
		o.Start, o.Limit = start+len(out), min(n-len(out), mergeReadLimit)
		p, err := c.List(ctx, o, fresh)
		if err != nil {
			return nil, 0, err
		}
		if i == 0 {
			total = p.Total
		}
		got := min(len(p.Instances), o.Limit)
		out = append(out, p.Instances[:got]...)
		if got == 0 || got < o.Limit && p.Total <= o.Start+got {
			break
		}
	}
	return out, total, nil
}

// sortRowsByEnd orders a merged listing of ended instances like sortByEnd,
// ties going to the earlier region and then by id.
func sortRowsByEnd(rows []regionRow) {
	slices.SortStableFunc(rows, func(a, b regionRow) int {
		if c := byEndTime(&a.in, &b.in); c != 0 {
			return c
		}
		if c := cmp.Compare(a.ri, b.ri); c != 0 {
			return c
		}
		return cmp.Compare(a.in.ID, b.in.ID)
	})
}
