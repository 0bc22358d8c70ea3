package scnet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// collect drains an All iterator.
func collect(t *testing.T, c *Client, opts ListOptions) ([]string, error) {
	t.Helper()
	var got []string
	for in, err := range c.All(context.Background(), opts) {
		if err != nil {
			return got, err
		}
		got = append(got, in.ID)
	}
	return got, nil
}

func TestAllPagesUntilShortPage(t *testing.T) {
	tests := []struct {
		name         string
		n, pageSize  int
		start        int
		wantRequests int32
	}{
		{name: "short last page", n: 25, pageSize: 10, wantRequests: 3},
		{name: "exact multiple needs an empty page", n: 20, pageSize: 10, wantRequests: 3},
		{name: "single short page", n: 3, pageSize: 10, wantRequests: 1},
		{name: "empty", n: 0, pageSize: 10, wantRequests: 1},
		{name: "from an offset", n: 25, pageSize: 10, start: 12, wantRequests: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux, c := setup(t, WithPageSize(tt.pageSize))
			p := &pager{ids: ids(tt.n)}
			mux.Handle(listPath, p)
			got, err := collect(t, c, ListOptions{Start: tt.start})
			if err != nil {
				t.Fatal(err)
			}
			if want := ids(tt.n)[tt.start:]; !slices.Equal(got, want) {
				t.Errorf("got %d ids, want %d in order", len(got), len(want))
			}
			if r := p.requests.Load(); r != tt.wantRequests {
				t.Errorf("requests = %d, want %d", r, tt.wantRequests)
			}
		})
	}
}

func TestAllDedupesWhenPagesShift(t *testing.T) {
	mux, c := setup(t, WithPageSize(10))
	// Newest first: two instances created after each page push every later
	// instance two places down, so the next page repeats two.
	created := 0
	p := &pager{ids: ids(25), afterServe: func(p *pager, n int) {
		for range 2 {
			created++
			p.ids = append([]string{fmt.Sprintf("new%d", created)}, p.ids...)
		}
	}}
	mux.Handle(listPath, p)
	got, err := collect(t, c, ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, id := range got {
		seen[id]++
		if seen[id] > 1 {
			t.Errorf("id %s yielded twice", id)
		}
	}
	for _, id := range ids(25) {
		if seen[id] != 1 {
			t.Errorf("original id %s yielded %d times, want once", id, seen[id])
		}
	}
}

func TestAllStopsAtPageCap(t *testing.T) {
	mux, c := setup(t, WithPageSize(10), WithMaxPages(3))
	p := &pager{ids: ids(1000)}
	mux.Handle(listPath, p)
	got, err := collect(t, c, ListOptions{})
	if !errors.Is(err, ErrPageCap) {
		t.Fatalf("err = %v, want ErrPageCap", err)
	}
	if len(got) != 30 || p.requests.Load() != 3 {
		t.Errorf("got %d instances in %d requests, want 30 in 3", len(got), p.requests.Load())
	}
}

func TestAllDetectsStalledPaging(t *testing.T) {
	mux, c := setup(t, WithPageSize(10))
	p := &pager{ids: ids(50), ignoreStart: true}
	mux.Handle(listPath, p)
	got, err := collect(t, c, ListOptions{})
	if !errors.Is(err, ErrPagingStalled) {
		t.Fatalf("err = %v, want ErrPagingStalled", err)
	}
	if len(got) != 10 || p.requests.Load() != 2 {
		t.Errorf("got %d instances in %d requests, want 10 in 2", len(got), p.requests.Load())
	}
}

func TestAllStopsWhenConsumerBreaks(t *testing.T) {
	mux, c := setup(t, WithPageSize(10))
	p := &pager{ids: ids(100)}
	mux.Handle(listPath, p)
	n := 0
	for _, err := range c.All(context.Background(), ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 15 {
			break
		}
	}
	if p.requests.Load() != 2 {
		t.Errorf("requests = %d, want 2", p.requests.Load())
	}
}

func TestAllYieldsErrorLast(t *testing.T) {
	mux, c := setup(t, WithPageSize(10))
	p := &pager{ids: ids(30)}
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		if p.requests.Load() == 1 {
			p.requests.Add(1)
			writeJSON(w, 200, map[string]any{"code": "10004", "msg": "参数无效"})
			return
		}
		p.ServeHTTP(w, r)
	})
	got, err := collect(t, c, ListOptions{})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != CodeInvalidParams {
		t.Fatalf("err = %v, want code 10004", err)
	}
	if len(got) != 10 {
		t.Errorf("got %d instances before the error, want 10", len(got))
	}
}

func TestListPage(t *testing.T) {
	mux, c := setup(t)
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		resp := ok([]map[string]any{item("a"), item("b")})
		resp["total"] = "57"
		writeJSON(w, 200, resp)
	})
	p, err := c.ListInstances(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 57 || len(p.Instances) != 2 || p.Instances[1].ID != "b" {
		t.Errorf("page = total %d, %d instances", p.Total, len(p.Instances))
	}
}
