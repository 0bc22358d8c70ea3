package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/scnet/scnettest"
	"scnetbot/secret"
)

// benchRegions are the usable regions the multi-region benchmarks serve,
// in login order; the first n of them are used.
func benchRegions(n, instances int) []scnettest.RegionSpec {
	all := []scnettest.RegionSpec{
		{ID: scnettest.KunshanClusterID, Name: "华东一区【昆山】"},
		{ID: scnettest.XianClusterID, Name: "西北一区【西安】"},
		{ID: "13000", Name: "华南一区"},
	}
	rs := slices.Clone(all[:n])
	for i := range rs {
		rs[i].Instances = instances
	}
	return rs
}

// startLoggedIn starts the bot the way a multi-region deployment runs it:
// an AK/SK login with SCNET_CLUSTER empty, so it uses every region the
// login lists, each region's AI base URL from the center endpoint. The
// bot's log is discarded: a benchmark measures the bot, not a log buffer
// growing in the same heap.
func startLoggedIn(b *testing.B, sim *scnettest.Server, emu *slackemu.Server, mutate func(*config.Config)) *e2e {
	b.Helper()
	cred := scnettest.DefaultCredentials()
	cfg := e2eConfig(b, sim, emu)
	cfg.SCNetToken, cfg.SCNetBaseURL = "", ""
	cfg.SCNetUser = cred.User
	cfg.SCNetAccessKey, cfg.SCNetSecretKey = secret.Secret(cred.AccessKey), secret.Secret(cred.SecretKey)
	cfg.SCNetAuthURL, cfg.SCNetACURL = sim.AuthBaseURL(), sim.ACBaseURL()
	cfg.LogLevel = "info"
	if mutate != nil {
		mutate(cfg)
	}
	a, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), "dev")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	e := &e2e{t: b, sim: sim, emu: emu, cfg: cfg, logs: &syncbuf.Buffer{}, app: a, stop: cancel, done: done}
	if err := emu.WaitConnected(timeout(b, 20*time.Second), 1); err != nil {
		cancel()
		b.Fatal(err)
	}
	b.Cleanup(e.shutdown)
	return e
}

// BenchmarkRegionsSlowOne sends one command at a time to the real bot over
// 1 or 3 regions, some of which take 1 s per request, and reports the time
// from the envelope sent to the reply posted. The cache is off
// (CACHE_TTL=0), so every command asks every region. The regions are asked
// at once, so the reply follows the slowest region, not the sum of them.
//
// "running ssh" is one listing per region; the bare command adds the
// status summary (six Limit-1 listings per region), at most
// handlers.MaxInFlightPerRegion of them in flight per region.
func BenchmarkRegionsSlowOne(b *testing.B) {
	for _, cmd := range []struct{ label, text string }{{"running_ssh", "running ssh"}, {"summary", ""}} {
		for _, tc := range []struct{ regions, slow int }{{1, 1}, {3, 1}, {3, 3}} {
			b.Run(fmt.Sprintf("cmd=%s/regions=%d/slow=%d", cmd.label, tc.regions, tc.slow), func(b *testing.B) {
				sim, emu := newSimAndEmu(b, scnettest.WithInstances(300, 7), scnettest.WithRegions(benchRegions(tc.regions, 0)...))
				e := startLoggedIn(b, sim, emu, func(c *config.Config) { c.CacheTTL.D = 0 })
				// The login, the center lookups and the first connections
				// happen once, before any region is slow.
				e.command("running ssh")
				rss := sim.Regions()
				for i := range tc.slow {
					// The last regions are the slow ones, so the first
					// region the merge reads is a fast one.
					rss[len(rss)-1-i].SetLatency(time.Second)
				}
				for _, r := range rss {
					r.ResetRequests()
				}
				var took []time.Duration
				b.ResetTimer()
				for b.Loop() {
					in, err := e.emu.SendSlashCommand(timeout(b, 10*time.Second), slackemu.SlashCommand{
						Command: "/instances", Text: cmd.text, UserID: "U0ONCALL", ChannelID: "C0ONCALL",
					})
					if err != nil {
						b.Fatal(err)
					}
					msgs, err := e.emu.WaitResponses(timeout(b, 30*time.Second), in.ResponseURL, 1)
					if err != nil {
						b.Fatal(err)
					}
					took = append(took, time.Since(in.SentAt))
					all := everything(msgs[0])
					if !strings.Contains(all, "instances") || strings.Contains(all, fmt.Sprintf(" of %d regions", tc.regions)) {
						b.Fatalf("reply is not a listing from every region:\n%.800s", all)
					}
				}
				b.StopTimer()
				requests := 0
				for _, r := range rss {
					requests += r.RequestCount("/ai/openapi/v2/instance-service/task")
				}
				slices.Sort(took)
				ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
				b.ReportMetric(ms(took[len(took)/2]), "reply-p50-ms")
				b.ReportMetric(ms(took[len(took)-1]), "reply-max-ms")
				b.ReportMetric(float64(requests)/float64(len(took)), "scnet-requests/cmd")
			})
		}
	}
}
