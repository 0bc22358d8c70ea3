// Package golden compares what a test produced with a file under the
// package's testdata/ directory: Block Kit messages, SCNet answers, anything
// whose exact bytes a reviewer should see change. Run the tests with
// -update to rewrite the files from the current output, then read the diff.
//
// It is imported by tests only. The -update flag is the package's one
// variable, as the testing package's own flags are: go test parses flags
// that packages register before the tests run.
package golden

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ from the current output")

// Updating reports whether this run rewrites golden files (-update).
func Updating() bool { return *update }

// Assert compares got with testdata/name. With -update it writes got there
// instead, creating testdata/ if needed.
func Assert(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test -run '%s' -update` to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file; if the change is intended, run `go test -run '%s' -update` and review the diff\ngot:\n%s", path, t.Name(), got)
	}
}

// AssertJSON indents the JSON document got, ends it with a newline, and
// compares it with testdata/name as Assert does.
func AssertJSON(t testing.TB, name string, got []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatalf("%s: not JSON: %v\n%s", name, err, got)
	}
	pretty.WriteByte('\n')
	Assert(t, name, pretty.Bytes())
}
