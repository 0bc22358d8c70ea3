package boltcompare

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"scnetbot/internal/slackemu"
)

const (
	// commandsPerRound identical slash commands arrive at once in a round.
	commandsPerRound = 50
	// scnetLatency is how long SCNet takes to answer each request.
	scnetLatency = time.Second
	simInstances = 300
	// listPath is SCNet's list endpoint, as the simulator logs it.
	listPath = "/ai/openapi/v2/instance-service/task"
	// roundTimeout bounds one round: 50 acks plus 50 replies that each wait
	// scnetLatency, with room for a slow machine.
	roundTimeout = time.Minute
)

// BenchmarkAckVersusBolt sends rounds of 50 concurrent /instances commands,
// SCNet taking 1 s per request, to scnetbot and to a Bolt for JavaScript app
// doing the same work, rotating which goes first each round so machine noise
// falls on all. A third contender, the same Bolt app told only to ack, shows
// how much of Bolt's latency is its own dispatch rather than the work it
// starts. Each runs as a child process against its own emulator and
// simulator, and gets one unrecorded warm-up round. It reports each bot's ack
// latency as Slack sees it (envelope sent → ack read) and the SCNet requests
// each spends per round. Every iteration is one round of each bot: run it
// with -benchtime=Nx.
func BenchmarkAckVersusBolt(b *testing.B) {
	node := requireBolt(b)
	nodeVersion, boltVersion := versions(b, node)
	bin := buildScnetbot(b)
	bots := []*contender{startScnetbot(b, bin), startBolt(b, node, false), startBolt(b, node, true)}
	for _, c := range bots {
		if reply := c.round(b, false); reply != "" {
			b.Logf("%s warm-up reply: %.120q", c.name, reply)
		}
	}
	for i := 0; b.Loop(); i++ {
		for j := range bots {
			bots[(i+j)%len(bots)].round(b, true)
		}
	}
	var table strings.Builder
	fmt.Fprintf(&table, "%s/%s, %d CPUs, %s, @slack/bolt %s; %d commands per round, SCNet latency %s\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), nodeVersion, boltVersion, commandsPerRound, scnetLatency)
	fmt.Fprintf(&table, "| bot | rounds | acks | ack p50 ms | ack p99 ms | ack max ms | round max ms, median | late (>3 s) | SCNet requests/round | auth.test calls | socket opens |\n")
	fmt.Fprintf(&table, "|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range bots {
		s := summarize(c.acks)
		fmt.Fprintf(&table, "| %s | %d | %d | %.2f | %.2f | %.2f | %.2f | %d | %.1f | %d | %d |\n",
			c.name, c.rounds, len(c.acks), ms(s.p50), ms(s.p99), ms(s.max), ms(summarize(c.roundMaxs).p50),
			c.late, float64(c.requests)/float64(c.rounds), c.emu.Calls("auth.test"), c.emu.ConnectionsOpened())
		b.ReportMetric(ms(s.p50), c.name+"-ack-p50-ms")
		b.ReportMetric(ms(s.p99), c.name+"-ack-p99-ms")
		b.ReportMetric(ms(s.max), c.name+"-ack-max-ms")
		b.ReportMetric(float64(c.requests)/float64(c.rounds), c.name+"-scnet-requests/round")
	}
	for _, c := range bots {
		fmt.Fprintf(&table, "%s round maxima, ms:", c.name)
		for _, d := range c.roundMaxs {
			fmt.Fprintf(&table, " %.1f", ms(d))
		}
		table.WriteString("\n")
	}
	b.Log("\n" + table.String())
}

// round sends commandsPerRound identical commands at once, waits for every
// ack and (unless the bot only acks) every reply, and records the acks when
// record is set. It returns the text of the first reply, for a look at what
// the bot answered.
func (c *contender) round(tb testing.TB, record bool) string {
	tb.Helper()
	// A new page each round, so no round is answered from scnetbot's cache
	// of the one before.
	c.page++
	text := fmt.Sprintf("running ssh page %d", c.page)
	c.sim.ResetRequests()
	ctx, cancel := context.WithTimeout(context.Background(), roundTimeout)
	defer cancel()

	ins := make([]*slackemu.Interaction, commandsPerRound)
	errs := make([]error, commandsPerRound)
	var wg sync.WaitGroup
	for j := range ins {
		wg.Go(func() {
			ins[j], errs[j] = c.emu.SendSlashCommand(ctx, slackemu.SlashCommand{
				Command: "/instances", Text: text, UserID: fmt.Sprintf("U%03d", j), ChannelID: "C0BENCH",
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		c.proc.fail(tb, "send commands: %v", err)
	}

	acks := make([]time.Duration, 0, commandsPerRound)
	late := 0
	for _, in := range ins {
		ack, err := c.emu.WaitAck(ctx, in.EnvelopeID)
		if err != nil {
			c.proc.fail(tb, "ack: %v", err)
		}
		acks = append(acks, ack.Latency)
		if ack.Late {
			late++
		}
	}
	var first string
	requests := 0
	if !c.ackOnly {
		first = c.awaitReplies(ctx, tb, ins)
		if requests = c.sim.RequestCount(listPath); requests == 0 {
			c.proc.fail(tb, "answered %d commands without asking SCNet", commandsPerRound)
		}
	}
	if record {
		c.acks = append(c.acks, acks...)
		c.roundMaxs = append(c.roundMaxs, slices.Max(acks))
		c.late += late
		c.requests += requests
		c.rounds++
	}
	return first
}

// awaitReplies waits for a reply to every command and returns the first
// reply's text.
func (c *contender) awaitReplies(ctx context.Context, tb testing.TB, ins []*slackemu.Interaction) string {
	tb.Helper()
	var first string
	for i, in := range ins {
		msgs, err := c.emu.WaitResponses(ctx, in.ResponseURL, 1)
		if err != nil {
			c.proc.fail(tb, "reply: %v", err)
		}
		if i == 0 {
			first = msgs[0].Text
		}
	}
	return first
}

// summary is the spread of a set of latencies.
type summary struct{ p50, p99, max time.Duration }

// summarize takes nearest-rank percentiles, as scnetbot's other ack
// benchmarks do, so the numbers compare.
func summarize(d []time.Duration) summary {
	if len(d) == 0 {
		return summary{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	at := func(p float64) time.Duration { return s[int(p*float64(len(s)-1))] }
	return summary{p50: at(0.50), p99: at(0.99), max: s[len(s)-1]}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
