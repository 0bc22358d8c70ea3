// Package boltcompare measures scnetbot's Socket Mode ack latency against a
// Bolt for JavaScript app doing the same /instances work, both as separate
// processes against the same kind of loopback Slack emulator and SCNet
// simulator. It holds only a benchmark, which skips unless
// SCNETBOT_BOLT_COMPARE=1 and the Bolt app's node_modules are installed, so
// CI never needs npm; README.md says how to run it.
package boltcompare
