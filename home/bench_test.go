package home

import (
	"context"
	"fmt"
	"testing"
	"time"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
)

// benchStore is a bbolt store with 3,000 tracked instances over three
// regions and 50 open incidents, as a busy account has, plus the closed
// incidents a day's retention keeps.
func benchStore(b *testing.B) state.Store {
	st := openStore(b)
	for r := range 3 {
		var ins []state.Instance
		var alerts []state.Alert
		for i := range 1000 {
			id := fmt.Sprintf("r%d-inst-%04d", r, i)
			in := state.Instance{ID: id, Name: fmt.Sprintf("训练任务-%d-%d", r, i), Status: scnet.StatusRunning,
				ResourceGroup: "gpu-a800", CreateTime: now.Add(-time.Duration(i) * time.Minute), Changed: now}
			switch {
			case i < 17:
				in.Status = scnet.StatusFailed
				a := state.Alert{ID: fmt.Sprintf("a%d-%d", r, i), InstanceID: id, Created: now.Add(-time.Hour), To: scnet.StatusFailed,
					Snapshot: []byte(`{"id":"` + id + `","instanceServiceName":"` + in.Name + `"}`)}
				in.AlertID = a.ID
				alerts = append(alerts, a)
			case i%7 == 0:
				in.Status = scnet.StatusCompleted
			case i < 60:
				alerts = append(alerts, state.Alert{ID: fmt.Sprintf("c%d-%d", r, i), InstanceID: id, Created: now.Add(-2 * time.Hour), Closed: now})
			}
			ins = append(ins, in)
		}
		put(b, st, fmt.Sprintf("r%d", r), ins, alerts, nil)
	}
	return st
}

// BenchmarkOverview is the cost of one overview of 3,000 instances and
// 50 open incidents (51 here: 17 per region), which Run pays every Every
// while anyone looks at the tab.
func BenchmarkOverview(b *testing.B) {
	st := benchStore(b)
	src := StoreSource{Store: st, Health: regionHealth(now, "r0", "西北一区", "r1", "华东一区", "r2", "华南一区"), Now: func() time.Time { return now }}
	ctx := context.Background()
	o, err := src.Overview(ctx)
	if err != nil || len(o.Incidents) != 51 || o.Regions[0].Total() != 1000 {
		b.Fatalf("overview: %d incidents, %v", len(o.Incidents), err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := src.Overview(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRender is the cost of rendering that overview for one viewer.
func BenchmarkRender(b *testing.B) {
	src := StoreSource{Store: benchStore(b), Health: regionHealth(now, "r0", "西北一区", "r1", "华东一区", "r2", "华南一区")}
	o, err := src.Overview(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	p := i18n.MustLoad().Printer(i18n.Chinese)
	b.ReportAllocs()
	for b.Loop() {
		_ = Render(p, o, now, time.UTC)
		_ = o.Key()
	}
}
