package i18n

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// compiled is one message form as text and field references, in order.
type compiled []segment

// segment is a run of text, or a reference to a field when field is set.
type segment struct {
	text  string
	field string
}

// fieldRef matches the only template action scnetbot's messages use.
var fieldRef = regexp.MustCompile(`\{\{\s*\.([A-Za-z0-9_]+)\s*\}\}`)

// compileTemplate splits src into text and {{.Field}} references; false
// when src holds any other template action (a pipeline, a condition),
// which only text/template can run.
func compileTemplate(src string) (compiled, bool) {
	var t compiled
	last := 0
	for _, m := range fieldRef.FindAllStringSubmatchIndex(src, -1) {
		if m[0] > last {
			t = append(t, segment{text: src[last:m[0]]})
		}
		t = append(t, segment{field: src[m[2]:m[3]]})
		last = m[1]
	}
	if last < len(src) {
		t = append(t, segment{text: src[last:]})
	}
	for _, s := range t {
		if s.field == "" && (strings.Contains(s.text, "{{") || strings.Contains(s.text, "}}")) {
			return nil, false
		}
	}
	return t, true
}

// fill writes t with args (name, value pairs), each value as text/template
// prints it (fmt's %v) and "<no value>" for a field args lacks, as
// text/template does with a map; false when a name is not a string.
func (t compiled) fill(args []any) (string, bool) {
	if len(t) == 1 && t[0].field == "" {
		return t[0].text, true
	}
	var b strings.Builder
	for _, s := range t {
		if s.field == "" {
			b.WriteString(s.text)
			continue
		}
		v, found := "<no value>", false
		for i := 0; i+1 < len(args); i += 2 {
			k, ok := args[i].(string)
			if !ok {
				return "", false
			}
			if k == s.field && !found {
				v, found = printValue(args[i+1]), true
			}
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// printValue writes a template value as text/template would.
func printValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(v)
}
