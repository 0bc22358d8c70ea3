package tracked

import (
	"time"

	"scnetbot/state"
)

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
	Snoozes        []state.Snooze
	TokenExpiresAt time.Time // zero when unknown
	// Regions is each region's own poll, in the order of the region set;
	// empty for a watcher of one region that does not report it.
	Regions []RegionHealth
}

// RegionHealth is one region's part of Health.
type RegionHealth struct {
	ID, Name    string
	LastPoll    time.Time // last attempt, successful or not
	LastSuccess time.Time // last poll that SCNet answered correctly
	Outage      bool      // an "SCNet unreachable" notice is open for this region
	TokenExpiry time.Time // zero when unknown
	// LastCause is the last poll's error, nil when it succeeded; shown in
	// Slack only in words (blockkit.ErrorSummary).
	LastCause error
	Tracked   int // instances of this region the watcher remembers
}
