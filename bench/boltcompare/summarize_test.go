package boltcompare

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		// Reversed, so summarize must sort.
		hundred[i] = time.Duration(100-i) * ms
	}
	tests := []struct {
		name string
		in   []time.Duration
		want summary
	}{
		{"empty", nil, summary{}},
		{"one", []time.Duration{7 * ms}, summary{7 * ms, 7 * ms, 7 * ms}},
		{"unsorted", []time.Duration{3 * ms, 1 * ms, 2 * ms}, summary{2 * ms, 2 * ms, 3 * ms}},
		{"hundred", hundred, summary{50 * ms, 99 * ms, 100 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tt.in...)
			if got := summarize(tt.in); got != tt.want {
				t.Errorf("summarize = %+v, want %+v", got, tt.want)
			}
			for i := range in {
				if in[i] != tt.in[i] {
					t.Fatal("summarize reordered its input")
				}
			}
		})
	}
}
