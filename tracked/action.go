package tracked

import "time"

// ActionKind is what a person asked scnetbot to do to an instance.
type ActionKind string

// The actions people can take from Slack.
const (
	ActionRestart ActionKind = "restart"
	ActionStop    ActionKind = "stop"
	ActionDelete  ActionKind = "delete"
)

// ActionOutcome is where an action stands.
type ActionOutcome string

// The outcomes an ActionRecord reports.
const (
	// ActionStarted is reported just before the request goes to SCNet, so
	// the watcher expects the status change it causes (a stop's
	// Terminated is not a new failure).
	ActionStarted ActionOutcome = "started"
	// ActionDone: SCNet accepted the request.
	ActionDone ActionOutcome = "done"
	// ActionFailed: SCNet refused it, or it could not be sent; nothing
	// happened.
	ActionFailed ActionOutcome = "failed"
	// ActionUnknown: the request may have reached SCNet but no answer came
	// back; the action may have happened.
	ActionUnknown ActionOutcome = "unknown"
)

// ActionRecord is one action on one instance as the watcher is told of it,
// for the instance's alert thread and the incident's end ("Running again
// after restart by @x").
type ActionRecord struct {
	// Region is the id of the instance's region ("" in the one-region
	// layout).
	Region       string
	InstanceID   string
	InstanceName string
	Kind         ActionKind
	// User is the Slack user id of the person who acted.
	User    string
	At      time.Time
	Outcome ActionOutcome
	// Detail says, in words for Slack, why it failed or why its outcome
	// is unknown; "" otherwise.
	Detail string
}
