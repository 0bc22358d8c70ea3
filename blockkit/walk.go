package blockkit

import "encoding/json"

// MrkdwnTexts returns every mrkdwn text in a JSON document of blocks (or a
// whole message): the texts Slack parses for mentions, links and
// formatting, which are what an escaping check must read.
func MrkdwnTexts(doc []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, err
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok && x["type"] == "mrkdwn" {
				out = append(out, s)
			}
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
	return out, nil
}
