// Package digest posts the daily digest: once a day, at DIGEST_AT in the
// display zone, one channel message that sums up the last 24 hours — the
// incidents opened and resolved and the longest still open, the GPUs in use
// by region and resource group, the top users by GPU-hours, the instances
// close to their time limit and the snoozes longer than a day.
//
// The digest is written to the state store's outbox in the same
// transaction that records the day it covers in the root meta
// (state.Meta.DigestDay), so it is queued once whatever restarts or how
// many replicas run, and the outbox delivers it once. With PostgreSQL the
// store is the leader's fenced one: a deposed leader records nothing.
package digest
