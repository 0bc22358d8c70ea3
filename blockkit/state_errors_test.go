package blockkit

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"scnetbot/state"
)

// An outage of the state database is told as such, even when the
// database timed out, and not as a slow SCNet.
func TestErrorTextStateUnavailable(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("acknowledge alert %q: %w", "a1", state.ErrUnavailable),
		fmt.Errorf("begin write: %w: %w", state.ErrUnavailable, context.DeadlineExceeded),
	} {
		if got := ErrorText(english, err); got != StateUnavailableText(english) {
			t.Errorf("ErrorText(%v) = %q, want %q", err, got, StateUnavailableText(english))
		}
	}
	if !strings.Contains(StateUnavailableText(english), "cannot reach its state database right now; try again in a minute") {
		t.Errorf("StateUnavailableText = %q", StateUnavailableText(english))
	}
}
