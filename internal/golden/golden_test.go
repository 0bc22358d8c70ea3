package golden

import (
	"os"
	"path/filepath"
	"testing"
)

// fakeT records failures instead of failing the real test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Helper()               {}
func (f *fakeT) Name() string          { return "TestX" }
func (f *fakeT) Errorf(string, ...any) { f.failed = true }
func (f *fakeT) Fatalf(string, ...any) { f.failed = true }

func TestAssert(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", "a.golden"), []byte("{\n  \"a\": 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		got    string
		json   bool
		failed bool
	}{
		{"a.golden", "{\n  \"a\": 1\n}\n", false, false},
		{"a.golden", `{"a":1}`, true, false},
		{"a.golden", `{"a":2}`, true, true},
		{"a.golden", `not json`, true, true},
		{"missing.golden", `{}`, true, true},
	} {
		ft := &fakeT{TB: t}
		if tt.json {
			AssertJSON(ft, tt.name, []byte(tt.got))
		} else {
			Assert(ft, tt.name, []byte(tt.got))
		}
		if ft.failed != tt.failed {
			t.Errorf("%s with %q: failed = %v, want %v", tt.name, tt.got, ft.failed, tt.failed)
		}
	}
}
