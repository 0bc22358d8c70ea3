package app

import (
	"context"
	"iter"
	"log/slog"
	"path/filepath"
	"testing"

	"scnetbot/config"
	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/state"
)

// knows is a region's client that knows some instance ids and answers
// every other lookup with err (scnet.ErrNotFound unless set).
type knows struct {
	ids   map[string]bool
	err   error
	asked int
}

func (k *knows) ListInstances(context.Context, scnet.ListOptions) (*scnet.Page, error) {
	return &scnet.Page{}, nil
}

func (k *knows) All(context.Context, scnet.ListOptions) iter.Seq2[scnet.Instance, error] {
	return func(func(scnet.Instance, error) bool) {}
}

func (k *knows) Instance(_ context.Context, id string) (*scnet.Instance, error) {
	k.asked++
	if k.ids[id] {
		return &scnet.Instance{ID: id}, nil
	}
	if k.err != nil {
		return nil, k.err
	}
	return nil, scnet.ErrNotFound
}

// TestLegacyRegion: the one-region state goes to the region that knows its
// instances, to the first region when none can tell or there is nothing to
// move, and no region is asked once the state was adopted.
func TestLegacyRegion(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	ctx := context.Background()
	for _, tt := range []struct {
		name   string
		legacy bool   // the file holds a one-region instance
		a, b   *knows // the two regions
		want   string
	}{
		{"second region knows it", true, &knows{}, &knows{ids: map[string]bool{id: true}}, "b"},
		{"first region knows it", true, &knows{ids: map[string]bool{id: true}}, &knows{}, "a"},
		{"no region can tell", true, &knows{err: scnet.ErrNotFound}, &knows{err: context.DeadlineExceeded}, "a"},
		{"nothing to move", false, &knows{}, &knows{}, "a"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st, err := state.Open(filepath.Join(t.TempDir(), "s.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if tt.legacy {
				if err := st.Update(ctx, func(tx state.Tx) error {
					return tx.PutInstance(state.Instance{ID: id, Status: scnet.StatusRunning})
				}); err != nil {
					t.Fatal(err)
				}
			}
			a := &App{store: st, log: slog.New(slog.DiscardHandler)}
			rs := []*regions.Region{{ID: "a", Name: "华东一区", Client: tt.a}, {ID: "b", Name: "西北一区", Client: tt.b}}
			if got := a.legacyRegion(ctx, rs); got != tt.want {
				t.Errorf("legacy region = %q, want %q", got, tt.want)
			}
			if got := a.legacyRegion(ctx, rs[:1]); got != "a" {
				t.Errorf("with one region: %q", got)
			}
			if err := state.AdoptLegacy(ctx, st, tt.want); err != nil {
				t.Fatal(err)
			}
			asked := tt.a.asked + tt.b.asked
			a.legacyRegion(ctx, rs)
			if n := tt.a.asked + tt.b.asked; n != asked {
				t.Errorf("an adopted file asked SCNet %d more times", n-asked)
			}
		})
	}
}

// TestRoutesNameRegionsAsRegionWordsDo: a WATCH_ROUTES entry names its
// region as region: does: the id, the whole name in any case, or a start
// of the name no other region has ("西北一区" for SCNet's 西北一区【西安】,
// the README's example). A start two regions share routes neither; a
// region no route names alerts in WATCH_CHANNEL.
func TestRoutesNameRegionsAsRegionWordsDo(t *testing.T) {
	cfg := config.Defaults()
	cfg.WatchChannel = "C0MAIN"
	if err := cfg.WatchRoutes.Decode("西北一区=C0XIAN, 11250=C0KS, 华北=C0HB, 东=C0NONE, kun=C0SHAN"); err != nil {
		t.Fatal(err)
	}
	set := regions.Fixed(
		&regions.Region{ID: "11250", Name: "华东一区【昆山】"},
		&regions.Region{ID: "11276", Name: "西北一区【西安】"},
		&regions.Region{ID: "13000", Name: "东北一区"},
		&regions.Region{ID: "13001", Name: "东北二区"},
		&regions.Region{ID: "14000", Name: "Kunming"},
	)
	a := &App{cfg: cfg, log: slog.New(slog.DiscardHandler), regions: &regionSource{set: set}}
	for id, want := range map[string]string{
		"11276": "C0XIAN", "11250": "C0KS", "13000": "C0MAIN", "13001": "C0MAIN", "14000": "C0SHAN", "12001": "C0MAIN",
	} {
		if got := a.watcherConfig(id, "", nil).Channel; got != want {
			t.Errorf("region %s alerts in %s, want %s", id, got, want)
		}
	}
}
