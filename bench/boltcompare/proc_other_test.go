//go:build !linux

package boltcompare

import "os/exec"

// dieWithParent does nothing where there is no parent-death signal; the
// Bolt app still exits when its stdin closes.
func dieWithParent(*exec.Cmd) {}
