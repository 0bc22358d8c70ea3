package home

import (
	"sync"
	"time"
)

// bucket is a token bucket bounding the publishes of one replica: Burst
// at once, PerMinute over time, none before a Retry-After Slack gave has
// passed. golang.org/x/time/rate would do, but it is not a dependency
// yet and this is all of it that is needed.
type bucket struct {
	mu     sync.Mutex
	now    func() time.Time
	perSec float64
	burst  float64
	tokens float64
	last   time.Time
	until  time.Time // no publish before this
}

func newBucket(perMinute, burst int, now func() time.Time) *bucket {
	return &bucket{now: now, perSec: float64(perMinute) / 60, burst: float64(burst), tokens: float64(burst), last: now()}
}

// take takes a token and returns 0, or returns how long until one is
// there and takes none.
func (b *bucket) take() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if now.Before(b.until) {
		return b.until.Sub(now)
	}
	if now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.perSec)
		b.last = now
	}
	if b.tokens >= 1 {
		b.tokens--
		return 0
	}
	return time.Duration((1 - b.tokens) / b.perSec * float64(time.Second))
}

// pause takes no token for d: Slack said to retry after it.
func (b *bucket) pause(d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if u := b.now().Add(d); u.After(b.until) {
		b.until = u
	}
}
