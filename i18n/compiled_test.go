package i18n

import (
	"testing"
	"time"
)

// TestFastPathMatchesGoI18n: for every message of every language, T's own
// filling gives exactly what go-i18n's templates give, with strings, ints,
// a Stringer and a missing field.
func TestFastPathMatchesGoI18n(t *testing.T) {
	c := mustLoad(t)
	values := []any{"x<y>", 42, 90 * time.Minute}
	checked := 0
	for _, l := range Languages() {
		p := c.Printer(l)
		for _, id := range c.IDs(English) {
			m := c.messages[English][id]
			fs := fields(m)
			for _, v := range values {
				var args []any
				for i, f := range fs {
					if i == len(fs)-1 && len(fs) > 1 {
						break // leave the last one out: "<no value>" both ways
					}
					args = append(args, f, v)
				}
				tpl, ok := p.plain[id]
				if !ok {
					t.Errorf("%s %s: not compiled", l, id)
					continue
				}
				got, ok := tpl.fill(args)
				want := p.localize(id, nil, args)
				if !ok || got != want {
					t.Errorf("%s %s %v: fast path %q, go-i18n %q", l, id, args, got, want)
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("nothing checked")
	}
}

func TestCompileTemplate(t *testing.T) {
	for src, ok := range map[string]bool{
		"plain": true, "a {{.X}} b": true, "{{ .X }}{{.Y}}": true, "": true,
		"{{if .X}}y{{end}}": false, "{{.X | printf \"%d\"}}": false, "a }} b": false,
	} {
		if _, got := compileTemplate(src); got != ok {
			t.Errorf("compileTemplate(%q) = %v, want %v", src, got, ok)
		}
	}
	if _, ok := (compiled{{field: "X"}}).fill([]any{1, "v"}); ok {
		t.Error("a name that is not a string should not fill")
	}
}
