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
