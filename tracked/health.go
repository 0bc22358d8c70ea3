package tracked

import (
	"time"

	"scnetbot/state"
)

// Health is what /instances watch shows and /readyz checks.
type Health struct {
	Enabled bool
	// Channel is where the alerts go; "" over several regions that route
	// to different channels (WATCH_ROUTES), each RegionHealth naming its own.
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
	// Regions is each watched region's own state, in the order they were
	// added; empty for a watcher that is not told its region.
	Regions []RegionHealth
}

// RegionHealth is one region's watcher as /instances regions shows it.
type RegionHealth struct {
	ID, Name    string
	Channel     string    // the channel the region's alerts go to
	LastPoll    time.Time // last attempt, successful or not
	LastSuccess time.Time // last poll that the region's SCNet answered correctly
	Outage      bool      // the region's "SCNet unreachable" notice is open
	TokenExpiry time.Time // the region's token expiry, zero when unknown
	LastCause   error     // the last poll's error, nil when it succeeded
	Tracked     int       // instances of the region the watcher remembers
}
