package regions

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestByName(t *testing.T) {
	rs := []*Region{{ID: "11250", Name: "西北一区"}, {ID: "11276", Name: "西北二区"}, {ID: "12001", Name: "华东一区"}, {ID: "13000", Name: "Kunshan"}}
	for _, tt := range []struct {
		word    string
		want    string
		matches int
	}{
		{"11250", "11250", 1}, {"西北一区", "11250", 1}, {"西北一", "11250", 1}, {"华", "12001", 1},
		{"kun", "13000", 1}, {"KUNSHAN", "13000", 1},
		{"西北", "", 2}, {"南", "", 0}, {"", "", 0}, {"1125", "", 0},
	} {
		r, matches, ok := ByName(rs, tt.word)
		if got := ""; ok {
			got = r.ID
			if got != tt.want {
				t.Errorf("ByName(%q) = %s, want %q", tt.word, got, tt.want)
			}
		} else if tt.want != "" {
			t.Errorf("ByName(%q) found nothing, want %s", tt.word, tt.want)
		}
		if len(matches) != tt.matches {
			t.Errorf("ByName(%q) matches %d, want %d", tt.word, len(matches), tt.matches)
		}
	}
}

// Until a discovery succeeds every caller tries again, one attempt at a
// time; after it, SCNet is not asked again.
func TestSetRetriesUntilFoundThenKeeps(t *testing.T) {
	var calls atomic.Int32
	fail := true
	s := New(func(context.Context) ([]*Region, []Suspended, error) {
		calls.Add(1)
		if fail {
			return nil, nil, errors.New("scnet down")
		}
		return []*Region{{ID: "1", Name: "a"}}, []Suspended{{ID: "2", Name: "b"}}, nil
	})
	if _, _, err := s.Regions(context.Background()); err == nil {
		t.Fatal("want the discovery error")
	}
	if _, _, ok := s.Known(); ok {
		t.Error("known after a failed discovery")
	}
	fail = false
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			rs, sus, err := s.Regions(context.Background())
			if err != nil || len(rs) != 1 || len(sus) != 1 {
				t.Errorf("Regions = %v %v %v", rs, sus, err)
			}
		})
	}
	wg.Wait()
	if n := calls.Load(); n != 2 {
		t.Errorf("discovery ran %d times, want 2 (one failure, one success)", n)
	}
}

func TestSetWithNoUsableRegion(t *testing.T) {
	s := New(func(context.Context) ([]*Region, []Suspended, error) {
		return nil, []Suspended{{ID: "2", Name: "b"}}, nil
	})
	_, sus, err := s.Regions(context.Background())
	if !errors.Is(err, ErrNoRegions) || len(sus) != 1 {
		t.Errorf("Regions = %v, %v; want ErrNoRegions and the suspended region", sus, err)
	}
}

// Rediscover adds the regions SCNet lists since, keeps the ones it had
// (the same *Region, even when no longer listed), and reports a newly
// suspended region once; a failure or a Fixed set changes nothing.
func TestSetRediscoverAddsNewRegions(t *testing.T) {
	a, b, c := &Region{ID: "1", Name: "a"}, &Region{ID: "2", Name: "b"}, &Region{ID: "3", Name: "c"}
	var (
		rs  []*Region
		sus []Suspended
		err error
	)
	s := New(func(context.Context) ([]*Region, []Suspended, error) { return rs, sus, err })
	ctx := context.Background()
	if _, _, e := s.Rediscover(ctx); !errors.Is(e, ErrNotDiscovered) {
		t.Fatalf("before the first discovery: %v, want ErrNotDiscovered", e)
	}
	rs, sus = []*Region{a}, []Suspended{{ID: "2", Name: "b"}}
	if _, _, e := s.Regions(ctx); e != nil {
		t.Fatal(e)
	}
	// b's suspension is lifted, c is suspended: b is added, c reported.
	rs, sus = []*Region{{ID: "1", Name: "a"}, b}, []Suspended{{ID: "3", Name: "c"}}
	added, newSus, e := s.Rediscover(ctx)
	if e != nil || len(added) != 1 || added[0] != b || len(newSus) != 1 || newSus[0].ID != "3" {
		t.Fatalf("Rediscover = %v %v %v; want b added and c suspended", added, newSus, e)
	}
	got, gotSus, _ := s.Regions(ctx)
	if len(got) != 2 || got[0] != a || got[1] != b || len(gotSus) != 1 || gotSus[0].ID != "3" {
		t.Fatalf("Regions = %v %v; want a (the same), b; c suspended", got, gotSus)
	}
	// c usable, a no longer listed; then SCNet fails: nothing else changes.
	rs, sus = []*Region{b, c}, nil
	if added, newSus, e = s.Rediscover(ctx); e != nil || len(added) != 1 || added[0] != c || len(newSus) != 0 {
		t.Fatalf("Rediscover = %v %v %v; want c added", added, newSus, e)
	}
	err = errors.New("scnet down")
	if _, _, e := s.Rediscover(ctx); e == nil {
		t.Fatal("want the discovery error")
	}
	if got, gotSus, _ = s.Regions(ctx); len(got) != 3 || len(gotSus) != 0 {
		t.Fatalf("Regions = %v %v; want a, b, c and none suspended", got, gotSus)
	}
	if added, _, e := Fixed(a).Rediscover(ctx); e != nil || added != nil {
		t.Errorf("Fixed: %v %v", added, e)
	}
}

// A region id that could not key the watcher's state stops the discovery
// with the region named, rather than mixing regions' records.
func TestSetRefusesUnusableRegionIDs(t *testing.T) {
	for _, tt := range []struct {
		name string
		rs   []*Region
		sus  []Suspended
	}{
		{"empty id", []*Region{{ID: "", Name: "西北一区"}}, nil},
		{"a slash", []*Region{{ID: "11/250", Name: "西北一区"}}, nil},
		{"repeated", []*Region{{ID: "1", Name: "a"}, {ID: "1", Name: "b"}}, nil},
		{"suspended with a bad id", []*Region{{ID: "1", Name: "a"}}, []Suspended{{ID: "../x", Name: "b"}}},
		{"usable and suspended share an id", []*Region{{ID: "1", Name: "a"}}, []Suspended{{ID: "1", Name: "b"}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := New(func(context.Context) ([]*Region, []Suspended, error) { return tt.rs, tt.sus, nil })
			if _, _, err := s.Regions(context.Background()); err == nil {
				t.Error("discovery accepted it")
			}
			if _, _, ok := s.Known(); ok {
				t.Error("the set kept regions from a refused answer")
			}
		})
	}
	ok := New(func(context.Context) ([]*Region, []Suspended, error) {
		return []*Region{{ID: "11250", Name: "a"}, {ID: "x_1-2", Name: "b"}}, []Suspended{{ID: "12001", Name: "c"}}, nil
	})
	if _, _, err := ok.Regions(context.Background()); err != nil {
		t.Errorf("usable ids refused: %v", err)
	}
}
