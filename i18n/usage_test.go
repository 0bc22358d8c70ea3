package i18n

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// messageCall matches a literal message id passed to a Printer: .T("Id"
// or .N("Id", or .T("Id"). An id built at run time ("Status"+s) is not seen here; the
// tests of the code that builds it are its check.
var messageCall = regexp.MustCompile(`\.(?:T|N)\("([A-Za-z0-9]+)"\s*[,)]`)

// TestEveryUsedMessageExists reads scnetbot's Go source and fails for a
// message id the code asks for that the English catalog lacks (and so,
// through TestCatalogsAreComplete, every catalog).
func TestEveryUsedMessageExists(t *testing.T) {
	c := mustLoad(t)
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range messageCall.FindAllStringSubmatch(string(src), -1) {
			seen++
			if _, ok := c.messages[English][m[1]]; !ok {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s asks for message %s, which no catalog has", rel, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen == 0 {
		t.Fatal("found no message ids in the source: the pattern is out of date")
	}
}
