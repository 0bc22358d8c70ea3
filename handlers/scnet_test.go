package handlers

import (
	"context"
	"strings"
	"sync"
	"testing"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

const listPath = "/ai/openapi/v2/instance-service/task"

// gatedLister holds calls to a real client until gate is closed, so a test
// can line everyone up on one flight before SCNet answers.
type gatedLister struct {
	Lister
	gate chan struct{}
}

func (g gatedLister) ListInstances(ctx context.Context, o scnet.ListOptions) (*scnet.Page, error) {
	<-g.gate
	return g.Lister.ListInstances(ctx, o)
}

// newSimulated starts the SCNet simulator and a real client for it.
func newSimulated(t *testing.T, opts ...scnettest.Option) (*scnettest.Server, *scnet.Client) {
	t.Helper()
	srv := scnettest.New(opts...)
	t.Cleanup(srv.Close)
	c, err := scnet.New(srv.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(srv.Token())))
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// Fifty identical commands against a real SCNet server cost one request.
func TestSimulatorCoalescing(t *testing.T) {
	srv, c := newSimulated(t, scnettest.WithInstances(300, 7))
	g := gatedLister{Lister: c, gate: make(chan struct{})}
	h := New(oneRegion(g), Config{Location: testNow.Location()})
	const n = 50
	var wg sync.WaitGroup
	texts := make([]string, n)
	for i := range n {
		wg.Go(func() { texts[i] = command(h, "running ssh").Text })
	}
	waitInFlight(t, n)
	close(g.gate)
	wg.Wait()
	if got := srv.RequestCount(listPath); got != 1 {
		t.Errorf("%d identical commands made %d list requests to SCNet, want 1", n, got)
	}
	for _, s := range texts {
		if s != texts[0] || !strings.Contains(s, "Running ssh instances") {
			t.Fatalf("unexpected reply %q (first %q)", s, texts[0])
		}
	}
}

// Whatever the simulator's hostile data holds, every page and details view
// stays inside Slack's limits and pings nobody.
func TestSimulatorHostileData(t *testing.T) {
	_, c := newSimulated(t, scnettest.WithInstances(120, 3), scnettest.WithHostileNames())
	h := New(oneRegion(c), Config{Location: testNow.Location()})
	m := command(h, "")
	if !strings.HasPrefix(m.Text, "All instances — 120 found") {
		t.Fatalf("first page: %q", m.Text)
	}
	assertNoMarkup(t, m)
	pages := 1
	for range 12 {
		for id := range actionsOf(m) {
			if isDetailsAction(id) {
				d, err := click(h, m, id)
				if err != nil {
					t.Fatal(err)
				}
				assertNoMarkup(t, d)
			}
		}
		next, err := click(h, m, actionNext)
		if err != nil {
			break // last page
		}
		assertNoMarkup(t, next)
		m = next
		pages++
	}
	if pages != 12 {
		t.Errorf("walked %d pages with Next, want 12", pages)
	}
}

func TestSimulatorErrors(t *testing.T) {
	srv, c := newSimulated(t, scnettest.WithInstances(5, 1))
	h := New(oneRegion(c), Config{Location: testNow.Location()})
	unknown := command(h, strings.Repeat("ab", 16))
	if !strings.Contains(unknown.Text, "does not know the instance id") && !strings.Contains(unknown.Text, "no instance with id") {
		t.Errorf("unknown id: %q", unknown.Text)
	}
	srv.ExpireTokens()
	m := command(h, "failed")
	if m.Text != userMessage(en(), &scnet.APIError{Code: scnet.CodePermissionDenied}) {
		t.Errorf("expired token: %q", m.Text)
	}
	if strings.Contains(string(messageJSON(t, m)), srv.Token()) {
		t.Error("reply carries the token")
	}
}

// Against a real SCNet server, a failed listing walks with Next from the
// latest failure back, one instance at a time and each once, for the price
// of one read of the whole listing.
func TestSimulatorFailedNewestEndFirst(t *testing.T) {
	srv, c := newSimulated(t, scnettest.WithInstances(600, 11))
	var want []scnet.Instance
	for in, err := range c.All(context.Background(), scnet.ListOptions{Status: scnet.StatusFailed}) {
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, in)
	}
	sortByEnd(want)
	before := srv.RequestCount(listPath)
	h := New(oneRegion(c), Config{Location: testNow.Location()})
	m := command(h, "failed")
	var got []string
	for range len(want)/PageSize + 2 {
		assertNoMarkup(t, m)
		for i := range PageSize {
			if btn, ok := actionsOf(m)[detailsActionID(i)]; ok {
				v, _, err := decodeButtonValue(btn.Value)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, v.ID)
			}
		}
		next, err := click(h, m, actionNext)
		if err != nil {
			break // last page
		}
		m = next
	}
	if len(got) != len(want) {
		t.Fatalf("walked %d failed instances, SCNet has %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i].ID {
			t.Fatalf("row %d is %s, want %s (ended %v)", i, got[i], want[i].ID, want[i].EndTime)
		}
	}
	if n := srv.RequestCount(listPath) - before; n != (len(want)+endedFetchLimit-1)/endedFetchLimit {
		t.Errorf("walking %d pages made %d list requests, want one read of the listing", len(got)/PageSize+1, n)
	}
	t.Logf("%d failed instances, %d pages, %d list requests", len(want), (len(want)+PageSize-1)/PageSize, srv.RequestCount(listPath)-before)
}
