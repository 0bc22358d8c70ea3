// Package lease decides which replica leads: the one whose dedicated
// PostgreSQL session holds an advisory lock, with a fencing epoch that grows
// by one on every takeover.
//
// # How the lease is held
//
// Each replica opens one connection of its own (not a pool, whose sessions
// come and go) and asks pg_try_advisory_lock(Key) every Timeout/4. An
// advisory lock belongs to the session, so PostgreSQL releases it the moment
// the session ends: the process died, an administrator terminated the
// backend, or the server restarted. A session that just stops talking, from
// a process frozen with SIGSTOP or cut off by the network, would otherwise
// keep the lock for as long as TCP keepalive takes to notice (hours by
// default); the session is therefore opened with idle_session_timeout =
// Timeout (PostgreSQL 14 and later), so the server ends it, and frees the
// lease, once it has been silent that long. The leader pings its session
// every Timeout/4 to stay well inside that.
//
// The replica that gets the lock increments the epoch in the scnetbot_lease
// row (created by the state store's migrations) and leads with it. The
// state store's writes and the outbox's claims check that the epoch they
// were given is still the row's, in the same transaction: a new leader has
// always incremented it, so an old leader's writes fail however late they
// arrive.
//
// # Why Timeout/2
//
// A post to Slack cannot be fenced by the database, so the deliverer asks
// Epoch right before sending, and Epoch is valid only while the last
// successful ping was sent less than Timeout/2 ago by the local monotonic
// clock. Another replica can take the lease only after this session ended,
// and the server ends a silent session no sooner than Timeout after the
// last statement it saw, which came after this process sent it. So while
// Epoch is valid, no other replica can have taken the lease through idle
// timeout, and the half of Timeout left over covers the time between the
// check and the send, a ping that is slow to return, and clocks that run at
// slightly different rates. A frozen process that resumes sees a last ping
// older than Timeout/2 on its first look at the clock, before any other of
// its goroutines can act on an old decision, and stops; its ping loop then
// finds the session gone and steps down.
//
// A session killed at once (pg_terminate_backend, a database restart) is
// noticed at the next ping, at most Timeout/4 later; in that window the
// deliverer may still send one message the new leader also sends, which is
// what the outbox's check of the channel's history is for, while every
// state write is already refused by the epoch check.
//
// Stepping down cancels the context given to the lead function, closes the
// session (freeing the lock at once) and waits for lead to return. A
// replica that has just stepped down waits Timeout/2 before campaigning
// again, so a replica that was healthy all along, asking every Timeout/4,
// gets the first chance.
package lease
