package main

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProductionBinaryHasNoSimulator builds scnetbot as the Dockerfile and
// the README do and reads its symbol table: the SCNet simulator and the
// Slack emulator are for the demo and the tests, and the binary that runs
// against the real SCNet and Slack must not carry them. The linker keeps
// all the code main can reach, whether or not it ever runs, so this breaks
// as soon as any path from main reaches either of them, as the demo
// subcommand once did.
func TestProductionBinaryHasNoSimulator(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not in PATH: cannot build scnetbot")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := filepath.Join(t.TempDir(), "scnetbot")
	if out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.CommandContext(ctx, goTool, "tool", "nm", bin).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	var all, found int
	for line := range strings.Lines(string(out)) {
		all++
		if strings.Contains(line, "scnettest") || strings.Contains(line, "slackemu") {
			found++
			if found <= 5 {
				t.Errorf("the production binary links %s", strings.TrimSpace(line))
			}
		}
	}
	if all == 0 {
		t.Fatal("go tool nm listed no symbols: cannot tell what the binary links")
	}
	if found > 0 {
		t.Errorf("%d symbols of the simulator or the emulator in the production binary, want 0", found)
	}
}
