// Package wait lets a test wait for something another goroutine or process
// makes true: a reply posted, an alert delivered, a metric moved. It polls
// a condition instead of sleeping a guessed time, so a test is as fast as
// the machine allows and fails with what it waited for when the condition
// never holds. It is imported by tests only.
package wait

import (
	"testing"
	"time"
)

// Timeout is how long Until waits. It is a bound against a hung test, not
// a speed target: a busy CI machine under -race needs the slack.
const Timeout = 20 * time.Second

// pollEvery is how often the condition is asked again.
const pollEvery = 5 * time.Millisecond

// Until polls cond until it holds and fails t, naming what, if it does not
// within Timeout.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	For(t, Timeout, what, cond)
}

// For is Until with its own bound, for waits that include starting a
// process.
func For(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
			return
		}
		time.Sleep(pollEvery)
	}
}
