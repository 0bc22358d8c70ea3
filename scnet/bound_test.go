package scnet

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestPageLongerThanLimitRefused: a server that ignores limit gets its page
// refused, not retried and not paged through.
func TestPageLongerThanLimitRefused(t *testing.T) {
	h := newHostileLister(1000, 1_000_000)
	var requests int
	mux, c := setup(t)
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		requests++
		h.ServeHTTP(w, r)
	})
	_, err := c.ListInstances(context.Background(), ListOptions{Limit: 100})
	var de *DecodeError
	if !errors.Is(err, ErrPageOverLimit) || !errors.As(err, &de) {
		t.Errorf("ListInstances: err = %v, want a *DecodeError wrapping ErrPageOverLimit", err)
	}
	if requests != 1 {
		t.Errorf("ListInstances: %d requests, want 1 (refusal is final)", requests)
	}

	requests = 0
	got, err := collect(t, c, ListOptions{})
	if !errors.Is(err, ErrPageOverLimit) || len(got) != 0 || requests != 1 {
		t.Errorf("All: %d instances after %d requests, err %v; want none after 1 and ErrPageOverLimit", len(got), requests, err)
	}

	// A page of exactly limit is fine, and so is one short of it.
	for _, n := range []int{100, 99} {
		mux, c := setup(t)
		mux.Handle(listPath, newHostileLister(n, n))
		p, err := c.ListInstances(context.Background(), ListOptions{Limit: 100})
		if err != nil || len(p.Instances) != n {
			t.Errorf("page of %d for limit 100: %v", n, err)
		}
	}
}

// TestPageOverLimitDecodesLittle: refusing a long page must not first
// decode all of it; the cost is that of the instances allowed plus one.
func TestPageOverLimitDecodesLittle(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"code":"0","data":[`)
	for i := range 100_000 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"i%d","instanceServiceName":"n%d","status":"Running"}`, i, i)
	}
	b.WriteString(`]}`)
	body := []byte(b.String())
	var err error
	allocs := testing.AllocsPerRun(3, func() { _, err = decodeList(body, 100) })
	t.Logf("refusing a page of 100,000 for limit 100: %.0f allocations", allocs)
	if !errors.Is(err, ErrPageOverLimit) {
		t.Errorf("err = %v, want ErrPageOverLimit", err)
	}
	// Decoding the 100,000 instances takes some 300,000 allocations;
	// refusing them before decoding about 20.
	if allocs > 5000 {
		t.Errorf("refusing a page of 100,000 for limit 100 took %.0f allocations", allocs)
	}
	// The lenient path, taken after a field of the wrong type, refuses
	// the page as well.
	lenient := []byte(strings.Replace(string(body), `"status":"Running"`, `"status":7`, 1))
	if _, err := decodeList(lenient, 100); !errors.Is(err, ErrPageOverLimit) {
		t.Errorf("lenient path: err = %v, want ErrPageOverLimit", err)
	}
}

// TestAllStopsAtInstanceCap: a listing gathers at most the client's cap of
// instances, however many pages SCNet would send, and says it stopped.
func TestAllStopsAtInstanceCap(t *testing.T) {
	mux, c := setup(t, WithPageSize(100), WithMaxInstances(250))
	p := &pager{ids: ids(1000)}
	mux.Handle(listPath, p)
	got, err := collect(t, c, ListOptions{})
	if !errors.Is(err, ErrInstanceCap) || len(got) != 250 {
		t.Errorf("got %d instances, err %v; want 250 and ErrInstanceCap", len(got), err)
	}
	if r := p.requests.Load(); r != 3 {
		t.Errorf("requests = %d, want 3", r)
	}
	// Exactly the cap is a complete listing.
	mux, c = setup(t, WithPageSize(100), WithMaxInstances(250))
	mux.Handle(listPath, &pager{ids: ids(250)})
	if got, err := collect(t, c, ListOptions{}); err != nil || len(got) != 250 {
		t.Errorf("listing of exactly the cap: %d instances, err %v", len(got), err)
	}
	if _, err := New("http://x", WithTokenSource(StaticToken("t")), WithMaxInstances(0)); err == nil {
		t.Error("WithMaxInstances(0) accepted")
	}
}

// TestAllBoundedAgainstEndlessServer: with default options, a server that
// obeys limit but never sends a short page is stopped at
// DefaultMaxInstances, before the page cap.
func TestAllBoundedAgainstEndlessServer(t *testing.T) {
	h := newHostileLister(DefaultPageSize, 1<<40)
	h.tmpl = `{"id":"@ID@"}`
	var requests int
	mux, c := setup(t)
	mux.HandleFunc(listPath, func(w http.ResponseWriter, r *http.Request) {
		requests++
		h.ServeHTTP(w, r)
	})
	got, err := collect(t, c, ListOptions{})
	if !errors.Is(err, ErrInstanceCap) || len(got) != DefaultMaxInstances {
		t.Errorf("got %d instances, err %v; want %d and ErrInstanceCap", len(got), err, DefaultMaxInstances)
	}
	if want := DefaultMaxInstances/DefaultPageSize + 1; requests != want {
		t.Errorf("requests = %d, want %d", requests, want)
	}
}

// TestListLen: the count that refuses a long page before decoding it
// finds the data array the way encoding/json does and counts only its own
// elements.
func TestListLen(t *testing.T) {
	for _, tt := range []struct {
		in    string
		limit int
		want  int
	}{
		{`{"code":"0","data":[]}`, 5, 0},
		{` { "data" : [ ] } `, 5, 0},
		{`{"data":null}`, 5, 0},
		{`{"code":"0"}`, 5, 0},
		{`{"data":{"a":[1,2,3]}}`, 5, 0},
		{`{"data":[1]}`, 5, 1},
		{`{"data":[1, 2 ,3]}`, 5, 3},
		{`{"data":[{"a":[1,2],"b":{"c":","}},["x","y"],"z,\"],"]}`, 5, 3},
		{`{"data":["\\",","]}`, 5, 2},
		{`{"msg":"data","total":[1,2,3,4,5,6,7],"data":[1]}`, 5, 1},
		{`{"x":{"data":[1,2,3,4,5,6,7]},"data":[1]}`, 5, 1},
		{`{"data":[1,2,3,4,5,6,7]}`, 3, 4},
		{`{"DATA":[1,2,3]}`, 5, 3},
		{`{"d\u0061ta":[1,2,3]}`, 5, 3},
		{`{"data":[1],"data":[1,2,3]}`, 5, 3},
		{`{"data":[1,2,3],"data":[1]}`, 5, 3},
	} {
		if got := listLen([]byte(tt.in), tt.limit); got != tt.want {
			t.Errorf("listLen(%s, %d) = %d, want %d", tt.in, tt.limit, got, tt.want)
		}
	}
}
