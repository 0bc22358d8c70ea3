package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/selfexec"
)

// BenchmarkIdleMemory runs the real binary against the emulator and a
// simulator (both in this process, so they do not count) and reads the
// bot process's resident memory after it has been idle for a while.
func BenchmarkIdleMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	for range b.N {
		sim, emu := newSimAndEmu(b)
		cmd := selfexec.Command(binaryEnv(sim, emu, filepath.Join(b.TempDir(), "scnetbot.db")))
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		if err := emu.WaitConnected(timeout(b, 20*time.Second), 1); err != nil {
			b.Fatal(err)
		}
		time.Sleep(6 * time.Second) // one watcher poll, then idle
		rss := rssKB(b, cmd.Process.Pid)
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.ReportMetric(float64(rss)/1024, "idle-rss-MiB")
	}
}

func rssKB(b testing.TB, pid int) int {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(v)[0])
			return n
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
