package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/selfexec"
)

// TestMain lets a test run this binary's main() in a child process.
func TestMain(m *testing.M) { selfexec.Main(m, main) }

func timeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func TestDemoPipedMode(t *testing.T) {
	stdout, stderr, code := selfexec.Run(t, "/instances failed\n/instances help\nNext ▶\n")
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
	stdout, stderr, code := selfexec.Run(t, "/instances running\n", "--json")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	for _, want := range []string{`"type": "header"`, "https://app.slack.com/block-kit-builder/#"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("demo --json output lacks %q", want)
		}
	}
}
