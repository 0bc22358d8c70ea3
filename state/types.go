package state

import (
	"encoding/json"
	"time"

	"scnetbot/scnet"
)

// Instance is what the watcher remembers of one SCNet instance: enough to
// recognise a change and to name the instance in a message, no more, because
// an account may have hundreds of thousands of them.
type Instance struct {
	ID            string       `json:"id"`
	Name          string       `json:"name,omitempty"`
	Status        scnet.Status `json:"status"`
	ResourceGroup string       `json:"rg,omitempty"`
	CreateTime    time.Time    `json:"created,omitzero"`
	// Changed is when the watcher last saw the status change.
	Changed time.Time `json:"changed,omitzero"`
	// AlertID is the open incident of this instance, "" when none.
	AlertID string `json:"alert,omitempty"`
	// Held is set when the instance entered an alert status while snoozed:
	// the alert is owed once the snooze ends, if the status still holds.
	Held *Held `json:"held,omitempty"`
	// FollowedUp is when an alerted instance in a terminal status was last
	// looked up by id to notice its deletion.
	FollowedUp time.Time `json:"followed,omitzero"`
	// Unsettled is when a lookup last failed to tell whether the instance
	// still exists; it is not asked again for a while.
	Unsettled time.Time `json:"unsettled,omitzero"`
	// NoTimes is set when SCNet listed the instance with neither a
	// createTime nor an endTime. An untracked failure like that is taken
	// for new, so one in an alert status is never forgotten for its age,
	// only once SCNet says it is gone.
	NoTimes bool `json:"no_times,omitempty"`
	// LastAlertID and LastClosed are the instance's latest incident once it
	// closed: one that fails again soon after reopens it (flapping), and an
	// action on the instance is written in its thread.
	LastAlertID string    `json:"last_alert,omitempty"`
	LastClosed  time.Time `json:"last_closed,omitzero"`
	// Expect is an action a person started on the instance, so the status
	// change it causes is news in the alert's thread, not a new alert.
	Expect *Expectation `json:"expect,omitempty"`
	// ExpiryWarned is when the warning that the instance's time limit
	// runs out soon was queued, and ExpiryLeft the time left it said; zero
	// when none is owed. A later time left above ExpiryLeft is a renewed
	// limit, which ends the warning's episode.
	ExpiryWarned time.Time     `json:"expiry_warned,omitzero"`
	ExpiryLeft   time.Duration `json:"expiry_left,omitempty"`
}

// Expectation is an action started on an instance whose effect the watcher
// waits for until Until.
type Expectation struct {
	// Kind is the action: "restart", "stop" or "delete" (tracked.ActionKind).
	Kind string `json:"kind"`
	// User is the Slack user id of the person who acted.
	User  string    `json:"user"`
	Until time.Time `json:"until"`
	// AlertID is the alert whose thread the effect is written in, "" when
	// the instance had none.
	AlertID string `json:"alert,omitempty"`
}

// AlertAction is an action on an alert's instance, as its thread told it.
type AlertAction struct {
	// Kind is tracked.ActionKind, Outcome tracked.ActionOutcome.
	Kind    string    `json:"kind"`
	User    string    `json:"user"`
	At      time.Time `json:"at"`
	Outcome string    `json:"outcome"`
}

// Held is a transition recorded while its instance was snoozed.
type Held struct {
	From scnet.Status `json:"from"`
	To   scnet.Status `json:"to"`
	At   time.Time    `json:"at"`
	// Snapshot is the instance when the transition was seen, for the alert
	// raised when the snooze ends.
	Snapshot json.RawMessage `json:"snapshot,omitempty"`
}

// Alert is one incident: one top-level Slack message and its thread.
type Alert struct {
	ID         string `json:"id"`
	InstanceID string `json:"instance,omitempty"`
	// Region is the id of the region whose watcher raised the alert, set
	// by the region's Namespace; "" in the one-region layout.
	Region string `json:"region,omitempty"`
	// Storm is true for a storm summary; its members point to it with Parent.
	Storm bool `json:"storm,omitempty"`
	// Parent is the alert whose thread this incident's news goes into when it
	// has no message of its own (a storm member).
	Parent  string `json:"parent,omitempty"`
	Channel string `json:"channel"`
	// MessageTS is the top-level message's ts once Slack confirmed it; it is
	// also the thread ts of every reply.
	MessageTS string `json:"ts,omitempty"`
	// Dead is set when Slack refused the top-level message for good.
	Dead    bool      `json:"dead,omitempty"`
	Created time.Time `json:"created"`
	AckedBy string    `json:"acked_by,omitempty"`
	AckedAt time.Time `json:"acked_at,omitzero"`
	// StatusLine is the latest news shown under the alert.
	StatusLine string `json:"status_line,omitempty"`
	// Snapshot is the instance as it was when the alert was raised, kept to
	// re-render the message on acknowledgement and status changes.
	Snapshot json.RawMessage `json:"snapshot,omitempty"`
	// From and To are the transition that opened the incident.
	From scnet.Status `json:"from,omitempty"`
	To   scnet.Status `json:"to,omitempty"`
	// Closed is when the incident ended (recovered, deleted, completed,
	// resolved by a person).
	Closed time.Time `json:"closed,omitzero"`
	// ResolvedBy is the Slack user who resolved the incident with the
	// Resolve button, "" when it ended on its own.
	ResolvedBy string `json:"resolved_by,omitempty"`
	// Actions are the latest actions people took on the instance since
	// the incident opened (or reopened, flapping), oldest first, so its
	// end can name them.
	Actions []AlertAction `json:"actions,omitempty"`
	// EscalatedAt is when the reply escalating the unacknowledged alert
	// was queued; zero before.
	EscalatedAt time.Time `json:"escalated_at,omitzero"`
	// Failures counts how often the incident's instance failed: 1 when
	// raised, one more each time it failed again soon after it recovered
	// (flapping) and reopened the incident. 0 in older records means 1.
	Failures int `json:"failures,omitempty"`
}

// Kind is what a queued message asks Slack to do.
type Kind string

// The two kinds of outbox messages.
const (
	KindPost   Kind = "post"   // chat.postMessage, top-level or in a thread
	KindUpdate Kind = "update" // chat.update of an alert's top-level message
)

// Message is one outbox entry: a Slack message written down before it is
// sent and removed only when Slack confirms it.
type Message struct {
	Seq  uint64 `json:"seq"`
	Kind Kind   `json:"kind"`
	// ID is unique per message and travels in the message's metadata, so a
	// send whose outcome is unknown can be found in the channel afterwards.
	ID      string          `json:"id"`
	Channel string          `json:"channel"`
	Text    string          `json:"text"`
	Blocks  json.RawMessage `json:"blocks,omitempty"`
	// AlertID is the alert whose ts a top-level post records, or whose
	// message an update rewrites.
	AlertID string `json:"alert,omitempty"`
	// ThreadOf is the alert whose thread a reply goes into; the reply waits
	// until that alert's message has a ts.
	ThreadOf string    `json:"thread_of,omitempty"`
	Created  time.Time `json:"created"`
	// Attempts counts sends started. A message with attempts may already be
	// in Slack (the process died or the call timed out), so the channel is
	// checked before it is sent again.
	Attempts int `json:"attempts,omitempty"`
	// Attempted is when the last send started.
	Attempted time.Time `json:"attempted,omitzero"`
	NotBefore time.Time `json:"not_before,omitzero"`
	LastError string    `json:"last_error,omitempty"`
	// Dead is set when Slack refused the message for good; it stays for an
	// operator to see and is not retried.
	Dead bool `json:"dead,omitempty"`
}

// Snooze silences new alerts for one instance until a time.
type Snooze struct {
	InstanceID   string    `json:"instance"`
	InstanceName string    `json:"name,omitempty"`
	Until        time.Time `json:"until"`
	By           string    `json:"by,omitempty"`
	// Since is when the snooze began: a snooze renewed before it ran
	// out keeps its first start. Zero in records written before it was
	// kept.
	Since time.Time `json:"since,omitzero"`
}

// Meta is what the watcher knows about its own past.
type Meta struct {
	// Baseline is when the first, silent poll was taken; zero before.
	Baseline time.Time `json:"baseline,omitzero"`
	// LastSuccess is the start of the last poll SCNet answered fully.
	LastSuccess time.Time `json:"last_success,omitzero"`
	// FailingSince is the first failed poll of the current run of failures.
	FailingSince time.Time `json:"failing_since,omitzero"`
	// OutageAlertID is the open "SCNet unreachable" notice, "" when none.
	OutageAlertID string `json:"outage_alert,omitempty"`
	// TokenWarnedFor is the expiry a warning was already posted for.
	TokenWarnedFor time.Time `json:"token_warned_for,omitzero"`
	// FrozenWarned was the per-region "account frozen" notice; the account
	// warning (root meta) replaced it. Kept so older files still decode.
	FrozenWarned bool `json:"frozen_warned,omitempty"`
	// NextID numbers alerts.
	NextID uint64 `json:"next_id"`

	// The root meta only, shared by every region:

	// AdoptedBy is the region the one-region layout's records were moved
	// to (AdoptLegacy), "" before.
	AdoptedBy string `json:"adopted_by,omitempty"`
	// Suspended records, by region id, when the notice that the account
	// is suspended in that region was queued, so it is posted once.
	Suspended map[string]time.Time `json:"suspended,omitempty"`
	// AccountAlertID is the latest account-health warning (frozen, in
	// arrears, balance low), "" before the first; AccountWarned says it is
	// still open, so it is posted once until the account is fine again.
	AccountAlertID string `json:"account_alert,omitempty"`
	AccountWarned  bool   `json:"account_warned,omitempty"`
	// AccountSeen is set while the account check's latest answer found
	// the account in trouble, so that polls answering again in every
	// region do not end an episode the account endpoint still reports.
	AccountSeen bool `json:"account_seen,omitempty"`
	// AccountRefused names, by region id, the regions whose latest poll
	// SCNet refused with code 10007 (user frozen); the open account
	// warning lists them.
	AccountRefused map[string]string `json:"account_refused,omitempty"`
	// LeaderBeat is when the replica leading (STATE_URL) last said it
	// was alive; a leader that takes over long after it posts one notice
	// that alerts were paused, and moves it on in the same transaction,
	// so each gap is noticed once.
	LeaderBeat time.Time `json:"leader_beat,omitzero"`
	// DigestDay is the calendar day (2006-01-02 in DISPLAY_TIMEZONE) whose
	// daily digest was queued, written in the transaction that queues it,
	// so each day's digest is queued once by whichever replica leads.
	DigestDay string `json:"digest_day,omitempty"`
}

// ActionPhase is where one action on an instance stands.
type ActionPhase string

// The phases of an Action. Pending is the only one a confirmation can
// leave by a click: pending → sending (one click wins) → done, failed or
// unknown; pending → cancelled.
const (
	ActionPending   ActionPhase = "pending"
	ActionSending   ActionPhase = "sending"
	ActionDone      ActionPhase = "done"
	ActionFailed    ActionPhase = "failed"
	ActionUnknown   ActionPhase = "unknown"
	ActionCancelled ActionPhase = "cancelled"
)

// Action is one confirmation of an action on an instance and, once
// confirmed, its outcome: the record that makes a confirm click act at most
// once. It lives at the store's root, keyed by its nonce.
type Action struct {
	// ID is the random nonce the confirm button carries.
	ID string `json:"id"`
	// Kind is a tracked.ActionKind ("restart", "stop", "delete"), kept as
	// a string because package tracked imports state.
	Kind         string `json:"kind"`
	InstanceID   string `json:"instance,omitempty"`
	InstanceName string `json:"name,omitempty"`
	// Region and RegionName are the instance's region ("" in the
	// one-region layout, or while a command's target is not resolved).
	Region     string `json:"region,omitempty"`
	RegionName string `json:"region_name,omitempty"`
	// User is the Slack user who asked; only they may confirm.
	User    string `json:"user"`
	Channel string `json:"channel,omitempty"`
	AlertID string `json:"alert,omitempty"`
	// ResponseURL is the one of the click or command that opened the
	// confirmation, for the reply to the delete modal.
	ResponseURL string      `json:"response_url,omitempty"`
	Created     time.Time   `json:"created"`
	Expires     time.Time   `json:"expires"`
	Phase       ActionPhase `json:"phase"`
	// Detail says why it failed, was refused or is unknown, in words.
	Detail   string    `json:"detail,omitempty"`
	Finished time.Time `json:"finished,omitzero"`
}

// ActionRetention is how long an Action is kept after it finished or
// expired; older ones are pruned when a new one is written.
const ActionRetention = 24 * time.Hour
