package actions

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// Bounds of a command's target resolution.
const (
	// resolveParallel is how many regions are asked at once: SCNet's own
	// limit is a few requests in flight.
	resolveParallel = 3
	// maxScanned bounds the listing records read per region for a name:
	// SCNet's name filter may match loosely, and exact matches are kept.
	maxScanned = 2000
	// maxHits bounds the exact matches kept and listed.
	maxHits = 10
)

// hit is one instance a command's target names.
type hit struct {
	r  *regions.Region
	in *scnet.Instance
}

// resolve finds the one instance a command names: by id (32 hex digits) in
// every region, or by exact name with SCNet's name filter in every region.
// None, several, or a region that could not be asked while the answer
// depends on it: the answer says so, and no instance is returned.
func (s *Service) resolve(ctx context.Context, k tracked.ActionKind, target string) (hit, *slack.WebhookMessage) {
	p := s.printer(ctx)
	if s.cfg.Regions == nil {
		return hit{}, ephemeral(startingText(p))
	}
	rs, _, err := s.cfg.Regions.Regions(ctx)
	if err != nil {
		return hit{}, ephemeral(regionsErrorText(p, err))
	}
	byID := looksLikeID(target)
	type result struct {
		hits []hit
		err  error
	}
	results := make([]result, len(rs))
	sem := make(chan struct{}, resolveParallel)
	var wg sync.WaitGroup
	for i, r := range rs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i].hits, results[i].err = s.find(ctx, r, target, byID)
		})
	}
	wg.Wait()
	var (
		hits   []hit
		failed []*regions.Region
		first  error
	)
	for i, res := range results {
		hits = append(hits, res.hits...)
		if res.err != nil {
			failed = append(failed, rs[i])
			if first == nil {
				first = res.err
			}
			s.log.Warn("resolve action target", "region", rs[i].ID, "err", res.err)
		}
	}
	named := p.T("ActNamed", "Who", instancePhrase(target, ""))
	if byID {
		named = p.T("ActWithID", "ID", idCode(target))
	}
	switch {
	case len(hits) == 1 && (first == nil || byID):
		// An id is one instance: a region that could not be asked cannot
		// hold a second one worth telling apart.
		return hits[0], nil
	case len(hits) > 1:
		lines := blockkit.Bullets(p, hits, maxHits, func(h hit) string {
			return "`" + idCode(h.in.ID) + "`" + regionPhrase(p, h.r.Name) + " · " + statusPhrase(p, h.in.Status)
		})
		return hit{}, ephemeral(p.T("ActSeveral", "Named", named, "Lines", lines, "Kind", commandWord(p, k)))
	case len(hits) == 1:
		return hit{}, ephemeral(p.T("ActFoundOneOfSome", "Named", named, "Where", regionPhrase(p, hits[0].r.Name), "ID", idCode(hits[0].in.ID),
			"Failed", regionList(p, failed), "Error", blockkit.ErrorSummary(p, first)))
	case first != nil && len(failed) == len(rs):
		return hit{}, ephemeral(blockkit.ErrorText(p, first))
	case first != nil:
		return hit{}, ephemeral(p.T("ActNoneOfSome", "Named", named, "Failed", regionList(p, failed), "Error", blockkit.ErrorSummary(p, first)))
	}
	return hit{}, ephemeral(p.T("ActNone", "Named", named))
}

// regionList names regions in a sentence.
func regionList(p *i18n.Printer, rs []*regions.Region) string {
	if len(rs) == 1 {
		return p.T("ActRegionOne", "Region", blockkit.EscapeTruncate(rs[0].Name, maxRegionShown))
	}
	return p.N("ActRegions", len(rs))
}

// find looks for target in one region.
func (s *Service) find(ctx context.Context, r *regions.Region, target string, byID bool) ([]hit, error) {
	if byID {
		in, err := s.lookup(ctx, r, target)
		if errors.Is(err, scnet.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return []hit{{r: r, in: in}}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	var hits []hit
	n := 0
	for in, err := range r.Client.All(ctx, scnet.ListOptions{Name: target}) {
		if err != nil {
			return hits, fmt.Errorf("list instances named %q in region %s: %w", target, r.ID, err)
		}
		if in.Name == target && scnet.ValidInstanceID(in.ID) {
			c := in
			hits = append(hits, hit{r: r, in: &c})
		}
		if n++; n >= maxScanned || len(hits) > maxHits {
			break
		}
	}
	return hits, nil
}
