package wait

import (
	"sync/atomic"
	"testing"
	"time"
)

type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestForReturnsOnceTheConditionHolds(t *testing.T) {
	var n atomic.Int32
	ft := &fakeT{TB: t}
	For(ft, time.Minute, "three asks", func() bool { return n.Add(1) == 3 })
	if ft.failed || n.Load() != 3 {
		t.Errorf("failed = %v after %d asks, want a pass after 3", ft.failed, n.Load())
	}
}

func TestForFailsWhenTheConditionNeverHolds(t *testing.T) {
	ft := &fakeT{TB: t}
	For(ft, 20*time.Millisecond, "never", func() bool { return false })
	if !ft.failed {
		t.Error("a condition that never holds did not fail the test")
	}
}
