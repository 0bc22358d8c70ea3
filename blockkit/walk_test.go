package blockkit

import (
	"slices"
	"testing"
)

func TestMrkdwnTexts(t *testing.T) {
	doc := `{"text":"fallback","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"a"},
		"fields":[{"type":"plain_text","text":"p"},{"type":"mrkdwn","text":"b"}]},
		{"type":"context","elements":[{"type":"mrkdwn","text":"c"}]}]}`
	got, err := MrkdwnTexts([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("MrkdwnTexts = %q, want a, b, c and no plain_text", got)
	}
	if _, err := MrkdwnTexts([]byte("not json")); err == nil {
		t.Error("want an error for a document that is not JSON")
	}
}
