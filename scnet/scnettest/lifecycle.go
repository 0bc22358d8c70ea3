package scnettest

import (
	"time"

	"scnetbot/scnet"
)

// minLive is how many live instances the lifecycle ticker keeps around.
const minLive = 3

// stepMoves is about how many instances one Step moves at most, so a step
// over 100,000 instances stays cheap and a demo changes at a readable pace.
const stepMoves = 25

// Step advances some live instances of the region by one status:
// Waiting→Deploying→Running→Completed, Failed or Terminated (5:3:2). Each
// live instance moves with probability 1/2, or less when that would move more
// than about 25; at least one moves when any is live. Instances restarted
// through the restart endpoint are left to their restart delay. Choices
// come from the seeded generator, so the same seed and the same calls give
// the same outcome. Running instances that
// stay running get their duration and remainingTime refreshed.
func (s *RegionServer) Step() {
	s.settle()
	s.mu.Lock()
	defer s.mu.Unlock()
	var live []*entry
	for _, st := range []scnet.Status{scnet.StatusWaiting, scnet.StatusDeploying, scnet.StatusRunning} {
		// Copied into live: setStatus edits the index while we walk it.
		for _, e := range s.data.candidates(st, "") {
			// A restarted instance keeps to its own delay.
			if _, restarting := s.pending[e.rec.ID]; !restarting {
				live = append(live, e)
			}
		}
	}
	moved := 0
	odds := max(2, len(live)/stepMoves) // one in odds moves
	for _, e := range live {
		if s.rng.IntN(odds) != 0 {
			continue
		}
		s.setStatus(e, s.next(e.rec.Status))
		moved++
	}
	if moved == 0 && len(live) > 0 {
		s.setStatus(live[0], s.next(live[0].rec.Status))
	}
	now := s.now()
	for _, e := range s.data.candidates(scnet.StatusRunning, "") {
		r := e.rec
		refreshTimes(&r, now)
		if r.Duration != e.rec.Duration || r.RemainingTime != e.rec.RemainingTime {
			e.rec = r
			e.enc.Store(nil)
		}
	}
}

// next picks the status after st. Callers hold mu.
func (s *RegionServer) next(st scnet.Status) scnet.Status {
	switch st {
	case scnet.StatusWaiting:
		return scnet.StatusDeploying
	case scnet.StatusDeploying:
		return scnet.StatusRunning
	}
	switch n := s.rng.IntN(10); {
	case n < 5:
		return scnet.StatusCompleted
	case n < 8:
		return scnet.StatusFailed
	default:
		return scnet.StatusTerminated
	}
}

// Spawn creates one new Waiting instance in the region with realistic fields, as a user
// starting a job would, and returns it.
func (s *RegionServer) Spawn() Record {
	s.mu.Lock()
	r := newGenerator(s.rng).record(len(s.data.byID), s.now())
	r.ID, r.Status, r.CreateTime = "", scnet.StatusWaiting, s.now()
	r.StartTime, r.EndTime = timeZero(), timeZero()
	r.HeaderNotebookIP, r.Duration, r.RemainingTime = "", "", ""
	s.mu.Unlock()
	return s.Add(r)
}

func (s *RegionServer) liveCount() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, st := range []scnet.Status{scnet.StatusWaiting, scnet.StatusDeploying, scnet.StatusRunning} {
		n += len(s.data.candidates(st, ""))
	}
	return n
}

// runLifecycle advances every region each tick, each on its own generator,
// and keeps a few instances live in each.
func (s *Server) runLifecycle(tick time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			for _, rs := range s.regions {
				rs.Step()
				if rs.liveCount() < minLive {
					rs.Spawn()
				}
			}
		}
	}
}
