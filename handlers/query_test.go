package handlers

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

func TestParse(t *testing.T) {
	id := "0123456789abcdef0123456789ABCDEF"
	tests := []struct {
		in   string
		want Query
	}{
		{"", Query{Kind: KindList}},
		{"   ", Query{Kind: KindList}},
		{"running ssh", Query{Kind: KindList, Status: scnet.StatusRunning, TaskType: scnet.TaskSSH}},
		{"ssh failed", Query{Kind: KindList, Status: scnet.StatusFailed, TaskType: scnet.TaskSSH}},
		{"train-llm", Query{Kind: KindList, Words: []string{"train-llm"}}},
		{"Running SSH page 2", Query{Kind: KindList, Status: scnet.StatusRunning, TaskType: scnet.TaskSSH, Page: 2}},
		{"page 3 jupyter bert", Query{Kind: KindList, TaskType: scnet.TaskJupyter, Words: []string{"bert"}, Page: 3}},
		{"page 1", Query{Kind: KindList}},
		{"running running", Query{Kind: KindList, Status: scnet.StatusRunning}},
		{"llm gpt 7b", Query{Kind: KindList, Words: []string{"llm", "gpt", "7b"}}},
		{"name:help name:running", Query{Kind: KindList, Words: []string{"help", "running"}}},
		{"NAME:runn", Query{Kind: KindList, Words: []string{"runn"}}},
		{"name:" + id, Query{Kind: KindList, Words: []string{id}}},
		{"训练 模型", Query{Kind: KindList, Words: []string{"训练", "模型"}}},
		{"<!channel>", Query{Kind: KindList, Words: []string{"<!channel>"}}},
		{"help", Query{Kind: KindHelp}},
		{"HELP", Query{Kind: KindHelp}},
		{"watch", Query{Kind: KindWatch}},
		{id, Query{Kind: KindDetails, ID: id}},
		{"  " + id + "\t", Query{Kind: KindDetails, ID: id}},
		{"snooze train-llm 4h", Query{Kind: KindSnooze, Target: "train-llm", Duration: 4 * time.Hour}},
		{"snooze " + id + " 90m", Query{Kind: KindSnooze, Target: id, Duration: 90 * time.Minute}},
		{"Snooze x 2d", Query{Kind: KindSnooze, Target: "x", Duration: 48 * time.Hour}},
		{"snooze x 1h30m", Query{Kind: KindSnooze, Target: "x", Duration: 90 * time.Minute}},
		{"snooze x 7d", Query{Kind: KindSnooze, Target: "x", Duration: 7 * 24 * time.Hour}},
		{"snooze x 1w", Query{Kind: KindSnooze, Target: "x", Duration: 7 * 24 * time.Hour}},
		{"snooze x 1m", Query{Kind: KindSnooze, Target: "x", Duration: time.Minute}},
		{"unsnooze train-llm", Query{Kind: KindUnsnooze, Target: "train-llm"}},
		{"restart train-llm", Query{Kind: KindAction, Action: tracked.ActionRestart, Target: "train-llm"}},
		{"STOP " + id, Query{Kind: KindAction, Action: tracked.ActionStop, Target: id}},
		{"Delete 训练", Query{Kind: KindAction, Action: tracked.ActionDelete, Target: "训练"}},
		{"restart help", Query{Kind: KindAction, Action: tracked.ActionRestart, Target: "help"}},
		{"stop Train-LLM", Query{Kind: KindAction, Action: tracked.ActionStop, Target: "Train-LLM"}},
		{"name:restart name:stop", Query{Kind: KindList, Words: []string{"restart", "stop"}}},
		{strings.Repeat("a ", 10), Query{Kind: KindList, Words: strings.Fields(strings.Repeat("a ", 10))}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		in         string
		code       InputErrorCode
		suggestion string
	}{
		{strings.Repeat("x", 201), CodeTooLong, ""},
		{strings.Repeat("a ", 11), CodeTooLong, ""},
		{"runn", CodeUnknownWord, "running"},
		{"runnign", CodeUnknownWord, "running"},
		{"faild ssh", CodeUnknownWord, "failed"},
		{"jupiter", CodeUnknownWord, "jupyter"},
		{"sssh", CodeUnknownWord, "ssh"},
		{"Termnated", CodeUnknownWord, "terminated"},
		{"code", CodeUnknownWord, "codeserver"},
		{"running failed", CodeConflict, ""},
		{"ssh jupyter", CodeConflict, ""},
		{"page 2 page 3", CodeConflict, ""},
		{"page", CodeBadPage, ""},
		{"page two", CodeBadPage, ""},
		{"page 0", CodeBadPage, ""},
		{"page -1", CodeBadPage, ""},
		{"page 1001", CodeBadPage, ""},
		{"help me", CodeUsage, ""},
		{"watch now", CodeUsage, ""},
		{"running help", CodeUsage, ""},
		{"ssh " + id, CodeUsage, ""},
		{"name:", CodeUsage, ""},
		{"snooze", CodeUsage, ""},
		{"snooze x", CodeUsage, ""},
		{"snooze x 4h extra", CodeUsage, ""},
		{"unsnooze", CodeUsage, ""},
		{"unsnooze a b", CodeUsage, ""},
		{"snooze x 30s", CodeBadDuration, ""},
		{"snooze x 8d", CodeBadDuration, ""},
		{"snooze x forever", CodeBadDuration, ""},
		{"snooze x -4h", CodeBadDuration, ""},
		{"snooze x d", CodeBadDuration, ""},
		{"restart", CodeUsage, ""},
		{"stop", CodeUsage, ""},
		{"delete", CodeUsage, ""},
		{"delete my job", CodeUsage, ""},
		{"running restart x", CodeUsage, ""},
		{"train delete", CodeUsage, ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Parse(%q) = %+v, %v; want *InputError code %d", tt.in, q, err, tt.code)
			}
			if ie.Code != tt.code || ie.Suggestion != tt.suggestion {
				t.Errorf("Parse(%q) error code %d suggestion %q, want %d %q (%v)", tt.in, ie.Code, ie.Suggestion, tt.code, tt.suggestion, err)
			}
			if ie.Error() == "" {
				t.Error("empty error text")
			}
		})
	}
}

// Ordinary name words must not be mistaken for misspelt keywords.
func TestSuggestLeavesNamesAlone(t *testing.T) {
	for _, w := range []string{"gpt", "llm", "bert", "train", "test", "run2", "resnet", "a", "7b", "v2", "jobs", "data", "sft"} {
		if s := suggest(w); s != "" {
			t.Errorf("suggest(%q) = %q, want a name word", w, s)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"ssh", "ssh", 0}, {"sh", "ssh", 1}, {"runnign", "running", 2},
		{"kitten", "sitting", 3}, {"训练", "训炼", 1},
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b, 10); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
	if got := editDistance("abcdefgh", "zzzzzzzz", 2); got != 3 {
		t.Errorf("editDistance past the limit = %d, want limit+1 = 3", got)
	}
}

func TestStringRoundTrip(t *testing.T) {
	for _, in := range []string{
		"", "Running SSH page 2", "ssh failed", "name:help", "name:page 5", "x page 7", "name:name:x",
		"0123456789abcdef0123456789abcdef", "snooze a 90m", "snooze a 2d", "snooze a 1h30m", "unsnooze b", "help", "watch",
		"restart a", "STOP b", "delete 0123456789abcdef0123456789abcdef", "restart page", "name:delete", "delete name:x",
	} {
		q, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		back, err := Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(%q.String() = %q): %v", in, q.String(), err)
		}
		if !reflect.DeepEqual(back, q) {
			t.Errorf("round trip of %q via %q: got %+v, want %+v", in, q.String(), back, q)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "running ssh", "Running SSH page 2", "runn", "name:help", "snooze x 4h",
		"0123456789abcdef0123456789abcdef", "page 99999999999999999999", "训练 page 2", "<!channel> &amp;", "snooze x 1h30m", "restart x", "delete", "stop a b",
		// Chinese: statuses, kinds, pages, full-width separators, durations.
		"失败 ssh 第2页", "运行中\u3000训练", "name：失败", "名称：帮助", "区域：西北 已终止", "静默 训练 2小时", "静默 x 1天12小时",
		"取消静默 x", "重启 训练", "删除 失败", "帮助", "监控", "区域", "第２页", "终止 第1000页 " + strings.Repeat("训 ", 7)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := Parse(s)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Parse(%q) returned a %T, want *InputError", s, err)
			}
			for _, p := range []*i18n.Printer{en(), zh()} {
				if txt := ie.Text(p); txt == "" || strings.Contains(txt, "<no value>") {
					t.Fatalf("Parse(%q): error %+v reads %q in %s", s, ie, txt, p.Lang())
				}
			}
			return
		}
		canon := q.String()
		// Buttons carry the canonical form and read it back with
		// parseStored: English, it may be longer than Chinese typed, but
		// by no more than parseStored allows.
		if n := utf8.RuneCountInString(canon); n > utf8.RuneCountInString(s)+8*MaxInputWords {
			t.Fatalf("canonical form %q of %q is %d characters longer than the input", canon, s, n-utf8.RuneCountInString(s))
		}
		back, err := parseStored(canon)
		if err != nil {
			t.Fatalf("Parse(%q) ok, but its canonical form %q fails: %v", s, canon, err)
		}
		if !reflect.DeepEqual(back, q) {
			t.Fatalf("round trip %q → %q: got %+v, want %+v", s, canon, back, q)
		}
	})
}

func TestCommandTextUnescapes(t *testing.T) {
	q, err := Parse(commandText("a&amp;b &lt;!channel&gt; running"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"a&b", "<!channel>"}; !reflect.DeepEqual(q.Words, want) || q.Status != scnet.StatusRunning {
		t.Errorf("got %+v, want words %q and running", q, want)
	}
}

// "page" may appear once, whatever number the first one named.
func TestParsePageTwice(t *testing.T) {
	for _, in := range []string{"page 1 page 3", "page 2 page 2", "page 1 page 1"} {
		if q, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %+v, want a conflict error", in, q)
		}
	}
}

// A literal entity typed by a person reaches scnetbot escaped once more
// ("&amp;lt;"); un-escaping must give back what was typed, not "<".
func TestCommandTextLiteralEntity(t *testing.T) {
	q, err := Parse(commandText("&amp;lt;x&amp;gt; a&amp;amp;b"))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"&lt;x&gt;", "a&amp;b"}; !reflect.DeepEqual(q.Words, want) {
		t.Errorf("words %q, want %q", q.Words, want)
	}
}

// The region: word and the regions command.
func TestParseRegion(t *testing.T) {
	tests := []struct {
		in   string
		want Query
		code InputErrorCode // 0: parses
	}{
		{in: "region:西北", want: Query{Kind: KindList, Region: "西北"}},
		{in: "failed REGION:华东一区 page 2", want: Query{Kind: KindList, Status: scnet.StatusFailed, Region: "华东一区", Page: 2}},
		{in: "Region:12 ssh", want: Query{Kind: KindList, TaskType: scnet.TaskSSH, Region: "12"}},
		{in: "region:a region:a", want: Query{Kind: KindList, Region: "a"}},
		{in: "name:region:x", want: Query{Kind: KindList, Words: []string{"region:x"}}},
		{in: "regions", want: Query{Kind: KindRegions}},
		{in: "REGIONS", want: Query{Kind: KindRegions}},
		{in: "region:", code: CodeUsage},
		{in: "region:a region:b", code: CodeConflict},
		{in: "regions 2", code: CodeUsage},
		{in: "running regions", code: CodeUsage},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.code != 0 {
				var in *InputError
				if !errors.As(err, &in) || in.Code != tt.code {
					t.Fatalf("Parse(%q) = %+v, %v; want input error %d", tt.in, got, err, tt.code)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			// Written back and read again, it is the same query.
			if again, err := Parse(got.String()); err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("Parse(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

// TestParseActionUsage: a missing or extra target says how to write the
// command, with an example, and how to name an instance whose name has
// spaces.
func TestParseActionUsage(t *testing.T) {
	tests := []struct{ in, want string }{
		{"restart", "write `restart <name|id>`, e.g. `/instances restart train-llm`"},
		{"Stop", "write `stop <name|id>`, e.g. `/instances stop train-llm`"},
		{"delete my job", "takes one instance name or id, e.g. `/instances delete train-llm`; for a name with spaces in it use the instance's id"},
		{"train stop", "`stop` must come first, followed by one instance name or id (`/instances stop train-llm`); to search names for that word write `name:stop`"},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%q) error = %v, want it to say %q", tt.in, err, tt.want)
		}
	}
}
