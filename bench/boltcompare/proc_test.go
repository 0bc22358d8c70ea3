package boltcompare

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"scnetbot/internal/slackemu"
)

// tailBuffer keeps the last bytes a child process wrote, to show when it
// fails; a bot that logs for minutes must not grow the benchmark's memory.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
}

const tailBytes = 16 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - tailBytes; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// botProcess is one bot running as a child process.
type botProcess struct {
	name   string
	cmd    *exec.Cmd
	logs   *tailBuffer
	stdin  io.WriteCloser
	exited chan struct{} // closed when the process has ended
}

// startProcess runs argv with only env (plus PATH and HOME), stopping it with
// an interrupt when the benchmark ends and killing it if that does not work.
func startProcess(tb testing.TB, name, dir string, argv, env []string) *botProcess {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}, env...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	dieWithParent(cmd)
	p := &botProcess{name: name, cmd: cmd, logs: &tailBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.logs, p.logs
	stdin, err := cmd.StdinPipe()
	if err != nil {
		cancel()
		tb.Fatalf("%s: stdin pipe: %v", name, err)
	}
	p.stdin = stdin
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatalf("start %s: %v", name, err)
	}
	go func() {
		_ = cmd.Wait()
		close(p.exited)
	}()
	tb.Cleanup(func() {
		_ = p.stdin.Close()
		cancel()
		select {
		case <-p.exited:
		case <-time.After(30 * time.Second):
			tb.Errorf("%s did not stop", name)
		}
	})
	return p
}

// waitConnected waits until the bot holds a usable socket on emu, giving up
// early if the process ends.
func (p *botProcess) waitConnected(tb testing.TB, emu *slackemu.Server) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		select {
		case <-p.exited:
			cancel()
		case <-ctx.Done():
		}
	}()
	if err := emu.WaitConnected(ctx, 1); err != nil {
		tb.Fatalf("%s did not connect to the Slack emulator: %v\n%s output:\n%s", p.name, err, p.name, p.logs)
	}
}

// fail stops the benchmark with the bot's recent output.
func (p *botProcess) fail(tb testing.TB, format string, args ...any) {
	tb.Helper()
	tb.Fatalf("%s: %s\n%s output:\n%s", p.name, fmt.Sprintf(format, args...), p.name, p.logs)
}

// buildScnetbot builds the bot's binary, so it runs as its own process just
// as the Bolt app does.
func buildScnetbot(tb testing.TB) string {
	tb.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("go tool not in PATH: cannot build scnetbot")
	}
	bin := filepath.Join(tb.TempDir(), "scnetbot")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, goTool, "build", "-o", bin, "scnetbot").CombinedOutput()
	if err != nil {
		tb.Fatalf("build scnetbot: %v\n%s", err, out)
	}
	return bin
}
