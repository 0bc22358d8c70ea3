package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMain lets a test run this binary's main() in a child process, so the
// demo's piped mode is tested the way a person runs it.
func TestMain(m *testing.M) {
	if os.Getenv("SCNETBOT_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// runBinary runs the demo with args and stdin in a child process.
func runBinary(t *testing.T, stdin string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "SCNETBOT_TEST_RUN_MAIN=1")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("demo %v did not exit; stdout so far:\n%s", args, out.String())
	}
	return out.String(), errb.String(), cmd.ProcessState.ExitCode()
}

// syncBuffer collects a child's output from many goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestDemoPipedMode(t *testing.T) {
	stdout, stderr, code := runBinary(t, "/instances failed\n/instances help\nNext ▶\n")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{
		"reply, only visible to you",
		"Failed instances",
		"Page 1 of",
		"/instances",                        // the help text
		"reply, replacing the previous one", // the click on Next
		"Page 2 of",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo output lacks %q:\n%s", want, stdout)
		}
	}
}

func TestDemoJSONMode(t *testing.T) {
	stdout, stderr, code := runBinary(t, "/instances running\n", "--json")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{`"type": "header"`, "https://app.slack.com/block-kit-builder/#"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo --json output lacks %q", want)
		}
	}
}
