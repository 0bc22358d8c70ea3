// Package watcher polls SCNet on its own and turns instances that move into
// an alert status (Failed, Terminated by default) into one Slack alert per
// incident, queued in the state store for delivery.
//
// A poll costs what the live instances cost, not history: it pages through
// Waiting, Deploying and Running in full, reads the alert statuses only back
// to the last successful poll (which catches an instance created and failed
// in between), and looks up by id each tracked live instance the listings no
// longer show. A poll SCNet did not answer in full (or within OutageAfter)
// changes nothing; only a successful lookup answering "not found", or a
// complete listing of the instance's name without it, counts as deleted. A
// lookup SCNet answers without settling either way leaves that one instance
// as it was and is asked again after FollowUpEvery. Everything one poll
// decides is written in one store transaction together with the messages
// announcing it, which outbox.Deliverer then sends.
package watcher

import "time"

// Health is what /instances watch shows and /readyz checks.
type Health struct {
	Enabled     bool
	Channel     string
	Interval    time.Duration
	LastPoll    time.Time // last attempt, successful or not
	LastSuccess time.Time // last poll that SCNet answered correctly
	LastError   string    // the last poll's error, "" when it succeeded; for operators, never for Slack
	// LastCause is the same error, nil when the poll succeeded. Slack is
	// shown it only in words (blockkit.ErrorSummary): its text can carry
	// SCNet's URLs and status pages.
	LastCause error
	// StateError is why the last poll could not read or write the store,
	// "" when it could: the watcher is blind until it is fixed, whatever
	// SCNet does.
	StateError     string
	Outage         bool // an "SCNet unreachable" notice is open
	Tracked        int  // instances whose status the watcher remembers
	PendingAlerts  int  // messages in the outbox not yet confirmed by Slack
	Snoozes        []Snooze
	TokenExpiresAt time.Time // zero when unknown
}

// Snooze silences alerts for one instance until a time.
type Snooze struct {
	InstanceID   string
	InstanceName string
	Until        time.Time
	By           string // Slack user id
}
