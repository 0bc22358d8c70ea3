package watcher_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"scnetbot/alerts"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/state"
	"scnetbot/watcher"
)

// BenchmarkPollRegions measures one steady-state poll of each region's
// watcher, as the app runs them (one watcher per region over its namespace
// of one store), in one simulator serving three regions of 100,000
// instances each with 1,000, 10,000 and 100 of them live. Each region's
// requests and CPU per poll should follow its own live instances, not the
// other regions' nor the history. CPU counts the simulator too: it runs in
// this process.
func BenchmarkPollRegions(b *testing.B) {
	const history = 100_000
	specs := []scnettest.RegionSpec{
		{ID: scnettest.KunshanClusterID, Name: "华东一区【昆山】"},
		{ID: scnettest.XianClusterID, Name: "西北一区【西安】"},
		{ID: "13000", Name: "华南一区"},
	}
	lives := []int{1000, 10_000, 100}
	sim := scnettest.New(scnettest.WithInstances(history, 11), scnettest.WithRegions(specs...))
	b.Cleanup(sim.Close)
	st, err := state.Open(filepath.Join(b.TempDir(), "s.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = st.Close() })
	ctx := context.Background()
	rss := sim.Regions()
	ws := make([]*watcher.Watcher, len(rss))
	for i, r := range rss {
		r.KeepLive(lives[i])
		c, err := scnet.New(r.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(r.Token())))
		if err != nil {
			b.Fatal(err)
		}
		ws[i] = watcher.New(c, state.Namespace(st, r.ID()), watcher.Config{
			Region: r.ID(), RegionName: r.Name(), Channel: "C1", Render: alerts.NewRenderer(alerts.Config{}),
		})
		if err := ws[i].Poll(ctx); err != nil { // baseline
			b.Fatal(err)
		}
	}
	for i, r := range rss {
		b.Run(fmt.Sprintf("region=%s/history=%d/live=%d", r.ID(), history, lives[i]), func(b *testing.B) {
			for _, o := range rss {
				o.ResetRequests()
			}
			cpu := cpuTime()
			for b.Loop() {
				if err := ws[i].Poll(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			others := 0
			for j, o := range rss {
				if j != i {
					others += o.RequestCount(instancePath)
				}
			}
			if others != 0 {
				b.Fatalf("polling region %s sent %d requests to the other regions", r.ID(), others)
			}
			b.ReportMetric(float64(r.RequestCount(instancePath))/float64(b.N), "requests/poll")
			b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N)/1e6, "cpu-ms/poll")
		})
	}
}
