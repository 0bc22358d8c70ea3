package scnettest

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// checkGolden compares got, indented, with testdata/name.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("answer is not JSON: %v\n%s", err, got)
	}
	pretty.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(pretty.Bytes(), want) {
		t.Errorf("%s differs from the golden file; run with -update if the change is intended\ngot:\n%s", path, pretty.Bytes())
	}
}

// TestWireGolden pins the exact wire format of a seeded page and detail, so
// a change to field names, order or null handling shows up in review.
func TestWireGolden(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(4, 1), WithClock(c.Now))
	tok := s.Token()
	checkGolden(t, "list_page.golden", listBody(t, s, tok, map[string]any{"limit": 4, "sort": "desc"}).Raw)
	id := s.Records()[0].ID
	checkGolden(t, "detail.golden", do(t, http.MethodGet, detailURL(s, id), tok, nil, nil).Raw)
	checkGolden(t, "detail_unknown.golden", do(t, http.MethodGet, detailURL(s, "0"), tok, nil, nil).Raw)
	checkGolden(t, "expired_token.golden", do(t, http.MethodGet, listURL(s)+"?limit=1", "stale", nil, nil).Raw)
}
