package digest

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
)

// gather computes the report of the window ending at now. Only the store
// failing is an error: SCNet failing in a region leaves that region's
// numbers out and names it, so the digest still goes out on time.
func (d *Digester) gather(ctx context.Context, day string) (Report, error) {
	now := d.cfg.Now()
	r := Report{Day: day, From: now.Add(-Window), To: now, ExpiryWarn: d.cfg.ExpiryWarn}
	if r.ExpiryWarn <= 0 {
		r.ExpiryWarn, r.ExpiryDefault = DefaultExpiryWarn, true
	}

	rctx, cancel := context.WithTimeout(ctx, d.cfg.SCNetTimeout)
	rs, suspended, err := d.cfg.Regions.Regions(rctx)
	cancel()
	if err != nil && ctx.Err() == nil {
		d.cfg.Logger.Warn("digest without SCNet's numbers: the regions are not known", "err", err)
		r.NoRegions = true
	}
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	names := regionNames{}
	for _, reg := range rs {
		names[reg.ID] = reg.Name
	}
	for _, s := range suspended {
		r.Suspended = append(r.Suspended, s.Name)
	}

	var alerts []state.Alert
	snoozes := make([][]state.Snooze, len(rs))
	if err := d.cfg.Store.View(ctx, func(tx state.Tx) error {
		alerts = nil
		return tx.Alerts(func(a state.Alert) error { alerts = append(alerts, a); return nil })
	}); err != nil {
		return Report{}, fmt.Errorf("digest: read alerts: %w", err)
	}
	for i, reg := range rs {
		if err := state.Namespace(d.cfg.Store, reg.ID).View(ctx, func(tx state.Tx) error {
			snoozes[i] = nil
			return tx.Snoozes(func(s state.Snooze) error { snoozes[i] = append(snoozes[i], s); return nil })
		}); err != nil {
			return Report{}, fmt.Errorf("digest: read snoozes of region %s: %w", reg.Name, err)
		}
	}
	r.Incidents = countIncidents(alerts, r.From, r.To, names)
	for i, reg := range rs {
		r.Snoozes = append(r.Snoozes, longSnoozes(reg.Name, snoozes[i], r.To)...)
	}
	sortSnoozes(r.Snoozes, r.To)

	// Every region at once: the slowest bounds the wait, not their sum.
	listed := make([]regionInstances, len(rs))
	partial := make([]bool, len(rs))
	errs := make([]error, len(rs))
	var wg sync.WaitGroup
	for i, reg := range rs {
		wg.Go(func() {
			listed[i].name = reg.Name
			listed[i].instances, partial[i], errs[i] = d.list(ctx, reg)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	var ok []regionInstances
	for i, reg := range rs {
		switch {
		case errs[i] != nil:
			d.cfg.Logger.Warn("digest without a region's numbers: SCNet failed", "region", reg.Name, "err", errs[i])
			r.Missing = append(r.Missing, reg.Name)
			continue
		case partial[i]:
			r.Partial = append(r.Partial, reg.Name)
		}
		ok = append(ok, listed[i])
	}
	r.GPUs, r.TopUsers = usage(ok, r.From, r.To, d.cfg.TopUsers)
	r.Expiring = expiring(ok, r.To, r.ExpiryWarn)
	return r, nil
}

// list reads what the digest needs of one region: every running instance,
// and the newest MaxInstances of all (the ones that ended in the window
// are among the newest, nearly always; a region with more is marked
// partial). It tries again once after RetryDelay, within SCNetTimeout in
// all.
func (d *Digester) list(ctx context.Context, reg *regions.Region) ([]scnet.Instance, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.SCNetTimeout)
	defer cancel()
	var err error
	for attempt := range 2 {
		if attempt > 0 {
			if serr := d.cfg.Sleep(ctx, d.cfg.RetryDelay); serr != nil {
				return nil, false, err
			}
		}
		var ins []scnet.Instance
		var partial bool
		ins, partial, err = d.listOnce(ctx, reg.Client)
		if err == nil {
			return ins, partial, nil
		}
	}
	return nil, false, fmt.Errorf("list instances of region %s: %w", reg.Name, err)
}

func (d *Digester) listOnce(ctx context.Context, c regions.Client) ([]scnet.Instance, bool, error) {
	seen := map[string]bool{}
	var out []scnet.Instance
	add := func(in scnet.Instance) {
		if in.ID != "" && seen[in.ID] {
			return
		}
		seen[in.ID] = true
		out = append(out, in)
	}
	partial := false
	for in, err := range c.All(ctx, scnet.ListOptions{Status: scnet.StatusRunning}) {
		if errors.Is(err, scnet.ErrPageCap) || errors.Is(err, scnet.ErrInstanceCap) {
			partial = true
			break
		}
		if err != nil {
			return nil, false, err
		}
		add(in)
	}
	n := 0
	for in, err := range c.All(ctx, scnet.ListOptions{}) {
		if errors.Is(err, scnet.ErrPageCap) || errors.Is(err, scnet.ErrInstanceCap) {
			partial = true
			break
		}
		if err != nil {
			return nil, false, err
		}
		if n >= d.cfg.MaxInstances {
			partial = true
			break
		}
		n++
		add(in)
	}
	return out, partial, nil
}
