package actions

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
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
	if s.cfg.Regions == nil {
		return hit{}, ephemeral(startingText)
	}
	rs, _, err := s.cfg.Regions.Regions(ctx)
	if err != nil {
		return hit{}, ephemeral(regionsErrorText(err))
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
	named := "named " + instancePhrase(target, "")
	if byID {
		named = "with id `" + blockkit.EscapeTruncate(target, scnet.MaxInstanceIDLen) + "`"
	}
	switch {
	case len(hits) == 1 && (first == nil || byID):
		// An id is one instance: a region that could not be asked cannot
		// hold a second one worth telling apart.
		return hits[0], nil
	case len(hits) > 1:
		lines := blockkit.Bullets(english(), hits, maxHits, func(h hit) string {
			return fmt.Sprintf("`%s`%s · %s", blockkit.EscapeTruncate(h.in.ID, scnet.MaxInstanceIDLen), regionPhrase(h.r.Name), statusPhrase(h.in.Status))
		})
		return hit{}, ephemeral(fmt.Sprintf(":mag: Several instances are %s:\n%s\nName one by its id: `/instances %s &lt;id&gt;`. Nothing was sent to SCNet.", named, lines, k))
	case len(hits) == 1:
		return hit{}, ephemeral(fmt.Sprintf(":mag: Found an instance %s%s (`%s`), but %s could not be asked (%s), so it may not be the only one. Name it by its id to act on it. Nothing was sent to SCNet.",
			named, regionPhrase(hits[0].r.Name), blockkit.EscapeTruncate(hits[0].in.ID, scnet.MaxInstanceIDLen), regionList(failed), blockkit.ErrorSummary(english(), first)))
	case first != nil && len(failed) == len(rs):
		return hit{}, ephemeral(blockkit.ErrorText(english(), first))
	case first != nil:
		return hit{}, ephemeral(fmt.Sprintf(":mag: The regions that answered have no instance %s, but %s could not be asked (%s). Try again in a minute.",
			named, regionList(failed), blockkit.ErrorSummary(english(), first)))
	}
	return hit{}, ephemeral(fmt.Sprintf(":mag: No instance %s in any region. `/instances` lists the ones that exist.", named))
}

// regionList names regions in a sentence.
func regionList(rs []*regions.Region) string {
	if len(rs) == 1 {
		return "region *" + blockkit.EscapeTruncate(rs[0].Name, maxRegionShown) + "*"
	}
	return fmt.Sprintf("%d regions", len(rs))
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
