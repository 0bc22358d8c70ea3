package home

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"scnetbot/scnet"
)

// Source builds the Overview the Home tab shows. It is read-only and may
// be called often (every Config.Every while someone looks at the tab).
type Source interface {
	Overview(ctx context.Context) (Overview, error)
}

// SourceFunc adapts a function to Source.
type SourceFunc func(ctx context.Context) (Overview, error)

// Overview implements Source.
func (f SourceFunc) Overview(ctx context.Context) (Overview, error) { return f(ctx) }

// Overview is the state of things the Home tab shows. It holds data only,
// no rendering, so that two Overviews can be compared (Key) whatever the
// viewer's language.
type Overview struct {
	// Watching is false when the watcher is off (WATCH_CHANNEL empty):
	// nothing is tracked, and the tab says how to turn it on.
	Watching bool `json:"watching"`
	// Regions are the instance counts of each watched region, in the
	// watcher's order; one entry with an empty name in the one-region
	// layout.
	Regions []RegionCounts `json:"regions,omitempty"`
	// Incidents are every open incident, unacknowledged first, then the
	// oldest first: what needs someone now leads. The renderer caps them.
	Incidents []Incident `json:"incidents,omitempty"`
	// Snoozes are the active snoozes, the soonest to end first.
	Snoozes []Snooze `json:"snoozes,omitempty"`
	Health  Health   `json:"health"`
	// StoreTrouble is set when the state database could not be read for
	// this overview: what it shows may be incomplete.
	StoreTrouble bool `json:"store_trouble,omitempty"`
}

// RegionCounts is how many tracked instances a region has in each status.
type RegionCounts struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
	// Counts are by status in statusOrder, then any status SCNet sent
	// that scnetbot does not know, by name; zero counts are left out.
	Counts []StatusCount `json:"counts,omitempty"`
}

// Total is the number of tracked instances of the region.
func (r RegionCounts) Total() int {
	n := 0
	for _, c := range r.Counts {
		n += c.N
	}
	return n
}

// StatusCount is one status and how many instances have it.
type StatusCount struct {
	Status scnet.Status `json:"status"`
	N      int          `json:"n"`
}

// Incident is one open incident of one instance.
type Incident struct {
	AlertID    string `json:"alert"`
	InstanceID string `json:"instance"`
	Name       string `json:"name,omitempty"`
	// Status is the instance's status now as the watcher tracks it, the
	// status that opened the incident when the instance is not tracked.
	Status scnet.Status `json:"status"`
	Region string       `json:"region,omitempty"` // the region's name
	Opened time.Time    `json:"opened"`
	// AckedBy is the Slack user who acknowledged the incident, or its
	// storm summary, the message people saw; "" when nobody did.
	AckedBy string `json:"acked_by,omitempty"`
}

// Snooze is one active snooze.
type Snooze struct {
	InstanceID string    `json:"instance"`
	Name       string    `json:"name,omitempty"`
	Region     string    `json:"region,omitempty"`
	Until      time.Time `json:"until"`
	By         string    `json:"by,omitempty"`
}

// Health is the watcher's health as the Home tab shows it; the meaning
// of /instances watch, in fewer words.
type Health struct {
	// Unknown is set when the watcher could not say (its lock or the
	// store did not answer in time).
	Unknown     bool          `json:"unknown,omitempty"`
	Interval    time.Duration `json:"interval,omitempty"`
	LastPoll    time.Time     `json:"last_poll,omitzero"`
	LastSuccess time.Time     `json:"last_success,omitzero"`
	// Outage is set while an "SCNet unreachable" notice is open;
	// OutageRegions name the regions when there are several.
	Outage        bool     `json:"outage,omitempty"`
	OutageRegions []string `json:"outage_regions,omitempty"`
	// Failing is set when the last poll failed (in FailingRegions, when
	// there are several regions).
	Failing        bool     `json:"failing,omitempty"`
	FailingRegions []string `json:"failing_regions,omitempty"`
	// StateTrouble is set when the watcher cannot read or write the
	// state database: it is blind until that is fixed.
	StateTrouble bool `json:"state_trouble,omitempty"`
	// TokenExpiresAt is the soonest expiry of a static SCNet token, zero
	// when unknown or when tokens renew themselves (a login).
	TokenExpiresAt time.Time `json:"token_expires,omitzero"`
	// PendingAlerts are messages in the outbox not yet confirmed by Slack.
	PendingAlerts int `json:"pending,omitempty"`
}

// Key identifies what o shows, without the times every poll moves on
// (last poll, last success): two overviews with the same Key render the
// same tab but for those times and the ages, so a viewer's tab is
// published again only when its Key changes, not after every poll.
func (o Overview) Key() string {
	// A first success is news, though: it ends "no successful poll yet".
	polled := !o.Health.LastSuccess.IsZero()
	o.Health.LastPoll, o.Health.LastSuccess = time.Time{}, time.Time{}
	b, _ := json.Marshal(struct {
		O      Overview
		Polled bool
	}{o, polled})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
