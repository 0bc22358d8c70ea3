package boltcompare

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/slackemu"
	"scnetbot/scnet/scnettest"
)

// enableEnv must be 1 for the comparison to run: it needs node and an npm
// install, which CI does not have.
const enableEnv = "SCNETBOT_BOLT_COMPARE"

// boltDir is the Bolt app's folder, relative to this package.
const boltDir = "bolt"

// contender is one bot with its own emulator and simulator, so neither bot
// sees the other's envelopes or SCNet requests.
type contender struct {
	name string
	emu  *slackemu.Server
	sim  *scnettest.Server
	proc *botProcess
	page int // the last page asked for
	// ackOnly is set for a bot that acks and does no work: it neither asks
	// SCNet nor replies.
	ackOnly bool

	acks      []time.Duration
	roundMaxs []time.Duration // each recorded round's slowest ack
	late      int
	requests  int
	rounds    int
}

// newBackends starts an emulator and a simulator whose every answer takes
// scnetLatency, as in scnetbot's own BenchmarkAck50Concurrent.
func newBackends(tb testing.TB) (*slackemu.Server, *scnettest.Server) {
	emu := slackemu.New()
	tb.Cleanup(emu.Close)
	sim := scnettest.New(scnettest.WithInstances(simInstances, 7))
	tb.Cleanup(sim.Close)
	sim.SetLatency(scnetLatency)
	return emu, sim
}

// startScnetbot runs the scnetbot binary with production settings (info
// logs, no watcher) against fresh backends.
func startScnetbot(tb testing.TB, bin string) *contender {
	tb.Helper()
	emu, sim := newBackends(tb)
	c := &contender{name: "scnetbot", emu: emu, sim: sim}
	c.proc = startProcess(tb, c.name, tb.TempDir(), []string{bin}, []string{
		"SLACK_APP_TOKEN=" + emu.AppToken(), "SLACK_BOT_TOKEN=" + emu.BotToken(), "SLACK_API_URL=" + emu.APIURL(),
		"SCNET_BASE_URL=" + sim.AIBaseURL(), "SCNET_TOKEN=" + sim.Token(), "SCNET_AC_URL=" + sim.ACBaseURL(),
		"HTTP_ADDR=127.0.0.1:0", "STATE_PATH=" + filepath.Join(tb.TempDir(), "scnetbot.db"), "LOG_LEVEL=info",
	})
	c.proc.waitConnected(tb, emu)
	return c
}

// startBolt runs the Bolt app with node against fresh backends; with
// ackOnly it only acks.
func startBolt(tb testing.TB, node string, ackOnly bool) *contender {
	tb.Helper()
	emu, sim := newBackends(tb)
	c := &contender{name: "bolt-js", emu: emu, sim: sim, ackOnly: ackOnly}
	ackOnlyEnv := "ACK_ONLY=0"
	if ackOnly {
		c.name, ackOnlyEnv = "bolt-js-ack-only", "ACK_ONLY=1"
	}
	dir, err := filepath.Abs(boltDir)
	if err != nil {
		tb.Fatal(err)
	}
	c.proc = startProcess(tb, c.name, dir, []string{node, "app.js"}, []string{
		"SLACK_APP_TOKEN=" + emu.AppToken(), "SLACK_BOT_TOKEN=" + emu.BotToken(), "SLACK_API_URL=" + emu.APIURL(),
		"SCNET_BASE_URL=" + sim.AIBaseURL(), "SCNET_TOKEN=" + sim.Token(),
		"LOG_LEVEL=info", "NODE_ENV=production", "EXIT_ON_STDIN_EOF=1", ackOnlyEnv,
	})
	c.proc.waitConnected(tb, emu)
	return c
}

// requireBolt skips unless the comparison was asked for and can run, and
// returns node's path.
func requireBolt(tb testing.TB) string {
	tb.Helper()
	if os.Getenv(enableEnv) != "1" {
		tb.Skipf("set %s=1 to compare with Bolt for JavaScript (needs node and npm install; see README.md)", enableEnv)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		tb.Skip("node not in PATH")
	}
	if _, err := os.Stat(filepath.Join(boltDir, "node_modules", "@slack", "bolt", "package.json")); err != nil {
		tb.Skipf("Bolt is not installed: run npm install --prefix %s (%v)", boltDir, err)
	}
	return node
}

// versions names what is being compared, for the results.
func versions(tb testing.TB, node string) (nodeVersion, boltVersion string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		tb.Fatalf("node --version: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(boltDir, "node_modules", "@slack", "bolt", "package.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var pkg struct{ Version string }
	if err := json.Unmarshal(raw, &pkg); err != nil {
		tb.Fatalf("read Bolt's package.json: %v", err)
	}
	return strings.TrimSpace(string(out)), pkg.Version
}
