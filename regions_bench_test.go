package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/selfexec"
	"scnetbot/scnet/scnettest"
)

// BenchmarkRegionsBinaryMemory runs the real binary, logged in with AK/SK
// to every region of a simulator whose regions hold 100,000 instances each
// (100 of them live, the rest in terminal statuses), with the watcher on.
// The simulator and emulator run in this process, so they do not count.
// After three polls of every region it reads the bot's own Go heap
// (go_memstats_heap_inuse_bytes and heap_alloc from its /metrics, garbage
// not yet collected included) and its resident memory.
func BenchmarkRegionsBinaryMemory(b *testing.B) {
	if runtime.GOOS != "linux" {
		b.Skip("reads /proc")
	}
	const history, live, polls, interval = 100_000, 100, 3, 5 * time.Second
	specs := []scnettest.RegionSpec{
		{ID: scnettest.KunshanClusterID, Name: "华东一区【昆山】"},
		{ID: scnettest.XianClusterID, Name: "西北一区【西安】"},
		{ID: "13000", Name: "华南一区"},
	}
	for _, n := range []int{1, 3} {
		b.Run(fmt.Sprintf("regions=%d/history=%d/live=%d", n, history, live), func(b *testing.B) {
			for b.Loop() {
				sim, emu := newSimAndEmu(b, scnettest.WithInstances(history, 11), scnettest.WithRegions(specs[:n]...))
				for _, r := range sim.Regions() {
					r.KeepLive(live)
				}
				addr := freeAddr(b)
				cred := scnettest.DefaultCredentials()
				cmd := selfexec.Command([]string{
					"SLACK_APP_TOKEN=" + emu.AppToken(), "SLACK_BOT_TOKEN=" + emu.BotToken(), "SLACK_API_URL=" + emu.APIURL(),
					"SCNET_USER=" + cred.User, "SCNET_ACCESS_KEY=" + cred.AccessKey, "SCNET_SECRET_KEY=" + cred.SecretKey,
					"SCNET_AUTH_URL=" + sim.AuthBaseURL(), "SCNET_AC_URL=" + sim.ACBaseURL(),
					"WATCH_CHANNEL=C0ALERTS", "WATCH_INTERVAL=" + interval.String(),
					"STATE_PATH=" + filepath.Join(b.TempDir(), "scnetbot.db"), "HTTP_ADDR=" + addr,
				})
				if err := cmd.Start(); err != nil {
					b.Fatal(err)
				}
				if err := emu.WaitConnected(timeout(b, 20*time.Second), 1); err != nil {
					b.Fatal(err)
				}
				for _, r := range sim.Regions() {
					r.ResetRequests()
				}
				// The first poll runs at start; this waits for polls more.
				time.Sleep(polls*interval + time.Second)
				for _, r := range sim.Regions() {
					if r.RequestCount("/ai/openapi/v2/instance-service") == 0 {
						b.Fatalf("region %s was not polled", r.Name())
					}
				}
				m := metrics(b, "http://"+addr+"/metrics")
				rss := rssKB(b, cmd.Process.Pid)
				_ = cmd.Process.Signal(os.Interrupt)
				_ = cmd.Wait()
				b.ReportMetric(m["go_memstats_heap_inuse_bytes"]/(1<<20), "bot-heap-inuse-MiB")
				b.ReportMetric(m["go_memstats_heap_alloc_bytes"]/(1<<20), "bot-heap-alloc-MiB")
				b.ReportMetric(float64(rss)/1024, "bot-rss-MiB")
			}
		})
	}
}

// freeAddr is a loopback address no one listens on right now, for the
// child's health server.
func freeAddr(b *testing.B) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// metrics reads the unlabelled samples of a Prometheus text page.
func metrics(b *testing.B, url string) map[string]float64 {
	resp, err := http.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || strings.HasPrefix(f[0], "#") || strings.Contains(f[0], "{") {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			out[f[0]] = v
		}
	}
	return out
}
