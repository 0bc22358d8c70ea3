package boltcompare

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child if the benchmark process
// dies, so an interrupted run leaves no bot behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
