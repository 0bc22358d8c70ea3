package bot

import "time"

// Bounds on the memory of envelopes already handled.
const (
	// envelopeMemory is how long an envelope id is remembered. Slack
	// redelivers an envelope whose ack it did not get in time a few times,
	// the last some minutes later; this covers that with room to spare.
	envelopeMemory = 15 * time.Minute
	// envelopeMemorySize caps the ids remembered: about 11 envelopes a
	// second for the whole window, far more than a team's on-call channel
	// sends, in well under a megabyte.
	envelopeMemorySize = 10_000
)

// seenEnvelopes remembers the ids of recent envelopes, so that one Slack
// sends again is acked and not run a second time. Every id is kept for the
// same time, so the first in is always the first to expire: a queue in
// arrival order gives both the time limit and the size bound, with no
// sweeper goroutine. Only the read loop touches it.
type seenEnvelopes struct {
	ttl   time.Duration
	max   int
	at    map[string]time.Time
	order []string // ids in arrival order; order[0] is the oldest
}

func newSeenEnvelopes(ttl time.Duration, max int) *seenEnvelopes {
	return &seenEnvelopes{ttl: ttl, max: max, at: map[string]time.Time{}}
}

// seen reports whether id arrived within the memory, and remembers it if
// not.
func (s *seenEnvelopes) seen(id string, now time.Time) bool {
	for len(s.order) > 0 && now.Sub(s.at[s.order[0]]) >= s.ttl {
		s.forgetOldest()
	}
	if _, ok := s.at[id]; ok {
		return true
	}
	if len(s.order) >= s.max {
		s.forgetOldest()
	}
	s.at[id] = now
	s.order = append(s.order, id)
	return false
}

func (s *seenEnvelopes) forgetOldest() {
	delete(s.at, s.order[0])
	s.order = s.order[1:]
}
