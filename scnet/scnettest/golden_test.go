package scnettest

import (
	"net/http"
	"testing"

	"scnetbot/internal/golden"
)

// TestWireGolden pins the exact wire format of a seeded page and detail, so
// a change to field names, order or null handling shows up in review.
func TestWireGolden(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(4, 1), WithClock(c.Now))
	tok := s.Token()
	golden.AssertJSON(t, "list_page.golden", listBody(t, s, tok, map[string]any{"limit": 4, "sort": "desc"}).Raw)
	id := s.Records()[0].ID
	golden.AssertJSON(t, "detail.golden", do(t, http.MethodGet, detailURL(s, id), tok, nil, nil).Raw)
	golden.AssertJSON(t, "detail_unknown.golden", do(t, http.MethodGet, detailURL(s, "0"), tok, nil, nil).Raw)
	golden.AssertJSON(t, "expired_token.golden", do(t, http.MethodGet, listURL(s)+"?limit=1", "stale", nil, nil).Raw)
}
