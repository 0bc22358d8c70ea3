package scnettest

import (
	"net/url"
	"testing"
)

// FuzzParseListQuery feeds arbitrary bodies and query strings to the list
// parser: it must never panic, and whatever it accepts must be in range.
func FuzzParseListQuery(f *testing.F) {
	f.Add([]byte(`{"status":null,"instanceServiceName":null,"taskType":"ssh","start":0,"limit":20,"sort":"desc"}`), "")
	f.Add([]byte(``), "limit=5&status=Running&instanceServiceName=a&instanceServiceName=b")
	f.Add([]byte(`{"limit":"7","instanceServiceName":["x",null]}`), "")
	f.Add([]byte(`{"limit":1e3}`), "sort=asc")
	f.Add([]byte(`[1,2]`), "")
	f.Fuzz(func(t *testing.T, body []byte, rawQuery string) {
		q, _ := url.ParseQuery(rawQuery)
		for _, src := range []ParamSource{ParamsEither, ParamsBodyOnly, ParamsQueryOnly} {
			lq, err := parseListQuery(body, q, src)
			if err != nil {
				if _, ok := err.(*paramError); !ok {
					t.Fatalf("error %T is not a paramError", err)
				}
				continue
			}
			if lq.limit < 1 || lq.limit > MaxLimit || lq.start < 0 {
				t.Fatalf("accepted limit %d start %d", lq.limit, lq.start)
			}
			if lq.status != "" && !validStatus(string(lq.status)) || lq.taskType != "" && !validTaskType(string(lq.taskType)) {
				t.Fatalf("accepted status %q task type %q", lq.status, lq.taskType)
			}
		}
	})
}
