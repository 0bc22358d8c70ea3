// Package state is the watcher's memory: the instances it tracks, the alerts
// it posted, the outbox of Slack messages not yet confirmed, snoozes and a few
// facts about the watcher itself. Store hides the engine so an embedded bbolt
// file can later be replaced by a store shared between replicas.
package state

import (
	"context"
	"errors"
)

// Store runs transactions. Everything one poll decides (new statuses, new
// alerts, the messages announcing them) is written in one Update, so a crash
// leaves either all of it or none of it.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed when fn returns
	// nil and rolled back otherwise.
	//
	// fn may run more than once: PostgreSQL aborts a transaction that
	// conflicts with another replica's (a serialization failure or a
	// deadlock) and Update then runs fn again from the start, in a new
	// transaction. So fn must have no effect outside the transaction before
	// Update returns (no Slack call, no metric, no change to memory a later
	// attempt or the caller relies on), and must compute everything it
	// writes from what it reads in the transaction. Effects belong after
	// Update returned nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// Close releases the store.
	Close() error
}

// Tx is one transaction. Values are copies: changing one changes nothing
// until it is put back.
type Tx interface {
	Instance(id string) (Instance, bool, error)
	PutInstance(Instance) error
	DeleteInstance(id string) error
	// Instances calls fn for every tracked instance until fn returns an error.
	Instances(fn func(Instance) error) error

	Alert(id string) (Alert, bool, error)
	PutAlert(Alert) error
	DeleteAlert(id string) error
	// Alerts calls fn for every alert until fn returns an error.
	Alerts(fn func(Alert) error) error

	// Enqueue adds m to the outbox and returns its sequence number. An update
	// (KindUpdate) replaces any queued update of the same alert, so only the
	// newest rendering is sent.
	Enqueue(m Message) (uint64, error)
	// PutMessage rewrites a queued message (its Seq must exist).
	PutMessage(m Message) error
	// DeleteMessage removes a message from the outbox; deleting a missing
	// one is not an error, because the sender may race an Enqueue that
	// replaced it.
	DeleteMessage(seq uint64) error
	// Outbox calls fn for every queued message in the order they were queued.
	Outbox(fn func(Message) error) error
	// ClaimMessage reads the queued message seq for sending it. On
	// PostgreSQL it locks the message's row until the transaction ends and
	// reports false when another transaction holds it (SELECT … FOR UPDATE
	// SKIP LOCKED), so two deliverers never send one message at once; on
	// bbolt, whose writes are serial anyway, it is a plain read. false, nil
	// also when the message is gone.
	ClaimMessage(seq uint64) (Message, bool, error)

	Snooze(instanceID string) (Snooze, bool, error)
	PutSnooze(Snooze) error
	DeleteSnooze(instanceID string) error
	Snoozes(fn func(Snooze) error) error

	Meta() (Meta, error)
	PutMeta(Meta) error

	// Action reads a confirmation by its nonce. Actions live at the
	// store's root only: in a region's Namespace these four methods fail
	// with ErrRootOnly.
	Action(id string) (Action, bool, error)
	// PutAction writes a; writing a new one first prunes those finished
	// or expired more than ActionRetention before it was created.
	PutAction(a Action) error
	DeleteAction(id string) error
	// Actions calls fn for every kept action until fn returns an error.
	Actions(fn func(Action) error) error
}

// ErrStop ends an iteration early without failing the transaction.
var ErrStop = errors.New("stop iteration")

// ErrRootOnly is returned by the Action methods of a region's Namespace:
// a confirmation belongs to no region's watcher, so it is kept at the
// store's root, where the actions read it whatever region it names.
var ErrRootOnly = errors.New("actions are kept at the store's root, not in a region's namespace")

// ErrNotQueued is returned by PutMessage when the message left the outbox
// (sent, or replaced by a newer update) in the meantime.
var ErrNotQueued = errors.New("message not in outbox")
