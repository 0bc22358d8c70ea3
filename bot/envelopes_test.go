package bot

import (
	"strconv"
	"testing"
	"time"
)

func TestSeenEnvelopes(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	type arrival struct {
		id    string
		after time.Duration // since t0
		want  bool          // seen before
	}
	tests := []struct {
		name     string
		max      int
		arrivals []arrival
	}{
		{"a redelivery is seen", 10, []arrival{{"a", 0, false}, {"b", time.Second, false}, {"a", time.Minute, true}, {"a", 2 * time.Minute, true}}},
		{"an id is forgotten after the memory", 10, []arrival{{"a", 0, false}, {"a", 10 * time.Minute, true}, {"a", 15 * time.Minute, false}}},
		{"the oldest goes when full", 2, []arrival{{"a", 0, false}, {"b", 0, false}, {"c", 0, false}, {"b", 0, true}, {"c", 0, true}, {"a", 0, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSeenEnvelopes(15*time.Minute, tt.max)
			for i, a := range tt.arrivals {
				if got := s.seen(a.id, t0.Add(a.after)); got != a.want {
					t.Errorf("arrival %d (%s at +%s): seen = %v, want %v", i, a.id, a.after, got, a.want)
				}
			}
		})
	}
}

// TestSeenEnvelopesStaysBounded: a stream of distinct ids never holds more
// than the cap, however long it runs.
func TestSeenEnvelopesStaysBounded(t *testing.T) {
	s := newSeenEnvelopes(time.Hour, 100)
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 10_000 {
		s.seen(strconv.Itoa(i), t0.Add(time.Duration(i)*time.Millisecond))
		if len(s.at) > 100 || len(s.order) > 100 {
			t.Fatalf("after %d ids: %d in the map, %d in the queue; cap 100", i+1, len(s.at), len(s.order))
		}
	}
}
