// Package selfexec runs a test binary's own main() in a child process, so
// that a command's tests (scnetbot's and the demo's) exercise it the way a
// person or a container runtime does: arguments, standard input, exit code,
// signals. It is imported by tests only.
package selfexec

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// EnvRunMain, set to "1" in a child's environment, makes Main run main()
// instead of the tests.
const EnvRunMain = "SCNETBOT_TEST_RUN_MAIN"

// runBound is how long Run lets a child run before killing it: a bound
// against a hung test, not a speed target.
const runBound = 90 * time.Second

// Main is the body of a command package's TestMain: in a child started by
// Command or Run it runs main, else the tests.
func Main(m *testing.M, main func()) {
	if os.Getenv(EnvRunMain) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// Command is the test binary as its own main() with args. env is the
// child's whole environment (nil: this process's), with EnvRunMain added.
func Command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], args...)
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(env, EnvRunMain+"=1")
	return cmd
}

// Run runs main() with args and stdin in a child with this process's
// environment and returns what it printed and its exit code. A child still
// running after 90 s is killed and fails t.
func Run(t testing.TB, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := Command(nil, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(runBound):
		_ = cmd.Process.Kill()
		<-done
		t.Fatalf("%s %v did not exit within %v; stdout so far:\n%s", os.Args[0], args, runBound, out.String())
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}
