// Package tracked holds what the watcher tells the UIs that show it about
// the instances it tracks: its Health, and the errors of finding a tracked
// instance by id or name (ErrUnknownInstance, ErrNotSnoozed,
// *AmbiguousError).
//
// They live apart from package watcher so that /instances (package
// handlers) can show them without importing the poller, and apart from
// package state because none of them is stored: they are answers, not
// records. A snooze itself is a record, state.Snooze.
package tracked
