package blockkit

import "encoding/json"

// EachObject calls f on every JSON object in a document of blocks (or a
// whole message), depth first: the text objects, elements and blocks a
// check wants to read.
func EachObject(doc []byte, f func(map[string]any)) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return err
	}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			f(x)
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return nil
}

// MrkdwnTexts returns every mrkdwn text in a JSON document of blocks (or a
// whole message): the texts Slack parses for mentions, links and
// formatting, which are what an escaping check must read.
func MrkdwnTexts(doc []byte) ([]string, error) {
	var out []string
	err := EachObject(doc, func(o map[string]any) {
		if s, ok := o["text"].(string); ok && o["type"] == "mrkdwn" {
			out = append(out, s)
		}
	})
	return out, err
}
