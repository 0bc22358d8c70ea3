package scnettest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"scnetbot/scnet"
)

// expected filters the server's own snapshot the simple way, as an oracle
// for the indexed implementation.
func expected(s *Server, status, taskType string, names []string, asc bool) []string {
	recs := s.Records() // oldest first
	if !asc {
		slices.Reverse(recs)
	}
	var out []string
	for _, r := range recs {
		if status != "" && string(r.Status) != status || taskType != "" && string(r.TaskType) != taskType {
			continue
		}
		if len(names) > 0 && !slices.ContainsFunc(names, func(n string) bool {
			return strings.Contains(strings.ToLower(r.Name), strings.ToLower(n))
		}) {
			continue
		}
		out = append(out, r.ID)
	}
	return out
}

func TestListFilters(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(600, 7), WithClock(c.Now))
	tok := s.Token()
	tests := []struct {
		name     string
		status   string
		taskType string
		names    any // nil, string or []string as sent
		want     []string
	}{
		{name: "no filter"},
		{name: "status Running", status: "Running"},
		{name: "status Failed", status: "Failed"},
		{name: "status Waiting", status: "Waiting"},
		{name: "status Deploying", status: "Deploying"},
		{name: "status Completed", status: "Completed"},
		{name: "status Terminated", status: "Terminated"},
		{name: "taskType ssh", taskType: "ssh"},
		{name: "taskType jupyter", taskType: "jupyter"},
		{name: "taskType codeserver", taskType: "codeserver"},
		{name: "taskType rstudio", taskType: "rstudio"},
		{name: "name string, other case", names: "TRAIN-LLM", want: []string{"TRAIN-LLM"}},
		{name: "name array", names: []string{"qwen", "bert"}, want: []string{"qwen", "bert"}},
		{name: "name empty array", names: []string{}},
		{name: "name chinese", names: "实验", want: []string{"实验"}},
		{name: "name no match", names: "no-such-instance", want: []string{"no-such-instance"}},
		{name: "status and taskType", status: "Completed", taskType: "jupyter"},
		{name: "status and name", status: "Failed", names: "llm", want: []string{"llm"}},
		{name: "taskType and name", taskType: "ssh", names: []string{"lora"}, want: []string{"lora"}},
		{name: "all three", status: "Terminated", taskType: "ssh", names: "-0", want: []string{"-0"}},
	}
	for _, tt := range tests {
		for _, sort := range []string{"desc", "asc"} {
			t.Run(tt.name+"/"+sort, func(t *testing.T) {
				params := map[string]any{"status": nil, "taskType": nil, "instanceServiceName": tt.names,
					"start": 0, "limit": 50, "sort": sort}
				if tt.status != "" {
					params["status"] = tt.status
				}
				if tt.taskType != "" {
					params["taskType"] = tt.taskType
				}
				a := listBody(t, s, tok, params)
				want := expected(s, tt.status, tt.taskType, tt.want, sort == "asc")
				if len(want) == 0 && tt.name != "name no match" {
					t.Fatal("the seeded data has no match: the case tests nothing")
				}
				if a.Total == nil || *a.Total != len(want) {
					t.Fatalf("total = %v, want %d", a.Total, len(want))
				}
				got := ids(items(t, a))
				if !slices.Equal(got, want[:min(50, len(want))]) {
					t.Errorf("page = %v\nwant %v", got, want[:min(50, len(want))])
				}
			})
		}
	}
}

func TestListFiltersMatchOnQueryParams(t *testing.T) {
	s := newServer(t, WithInstances(300, 3))
	tok := s.Token()
	q := url.Values{"status": {"Completed"}, "taskType": {"jupyter"}, "instanceServiceName": {"LLM", "bert"},
		"start": {"2"}, "limit": {"5"}, "sort": {"asc"}}
	a := listQueryParams(t, s, tok, q)
	want := expected(s, "Completed", "jupyter", []string{"LLM", "bert"}, true)
	if *a.Total != len(want) {
		t.Fatalf("total = %d, want %d", *a.Total, len(want))
	}
	if got := ids(items(t, a)); !slices.Equal(got, want[2:min(7, len(want))]) {
		t.Errorf("page = %v, want %v", got, want[2:min(7, len(want))])
	}
}

func TestListPaging(t *testing.T) {
	s := newServer(t, WithInstances(53, 11))
	tok := s.Token()
	for _, sort := range []string{"desc", "asc"} {
		t.Run(sort, func(t *testing.T) {
			var got []string
			for start := 0; ; start += 7 {
				a := listBody(t, s, tok, map[string]any{"start": start, "limit": 7, "sort": sort})
				if *a.Total != 53 {
					t.Fatalf("total = %d at start %d, want 53", *a.Total, start)
				}
				page := items(t, a)
				got = append(got, ids(page)...)
				if len(page) < 7 {
					break
				}
			}
			if want := expected(s, "", "", nil, sort == "asc"); !slices.Equal(got, want) {
				t.Errorf("pages joined = %v\nwant %v", got, want)
			}
		})
	}
}

func TestListOrderIsByCreateTime(t *testing.T) {
	s := newServer(t, WithInstances(200, 5))
	page := items(t, listBody(t, s, s.Token(), map[string]any{"limit": 200}))
	for i := 1; i < len(page); i++ {
		if page[i-1].CreateTime < page[i].CreateTime {
			t.Fatalf("without sort, item %d (%s) is older than item %d (%s): want desc", i-1, page[i-1].CreateTime, i, page[i].CreateTime)
		}
	}
}

func TestListStartPastEnd(t *testing.T) {
	s := newServer(t, WithInstances(10, 1))
	a := listBody(t, s, s.Token(), map[string]any{"start": 10, "limit": 5, "sort": "desc"})
	if *a.Total != 10 || string(a.Data) != "[]" {
		t.Errorf("total %d data %s, want 10 and []", *a.Total, a.Data)
	}
}

func TestListParamErrors(t *testing.T) {
	s := newServer(t, WithInstances(5, 1))
	tok := s.Token()
	tests := []struct {
		name string
		body string
		want string
	}{
		{"no limit", `{"start":0,"sort":"desc"}`, CodeMissingParams},
		{"null limit", `{"limit":null}`, CodeMissingParams},
		{"empty body, no query", ``, CodeMissingParams},
		{"zero limit", `{"limit":0}`, CodeInvalidParams},
		{"negative limit", `{"limit":-5}`, CodeInvalidParams},
		{"absurd limit", `{"limit":100000000}`, CodeInvalidParams},
		{"fractional limit", `{"limit":1.5}`, CodeInvalidParams},
		{"text limit", `{"limit":"many"}`, CodeInvalidParams},
		{"negative start", `{"limit":5,"start":-1}`, CodeInvalidParams},
		{"bad sort", `{"limit":5,"sort":"up"}`, CodeInvalidParams},
		{"lower-case status", `{"limit":5,"status":"running"}`, CodeInvalidParams},
		{"unknown status", `{"limit":5,"status":"Stopped"}`, CodeInvalidParams},
		{"unknown taskType", `{"limit":5,"taskType":"vnc"}`, CodeInvalidParams},
		{"numeric name", `{"limit":5,"instanceServiceName":5}`, CodeInvalidParams},
		{"not JSON", `limit=5`, CodeInvalidParams},
		{"status object", `{"limit":5,"status":{}}`, CodeInvalidParams},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			}
			a := do(t, http.MethodGet, listURL(s), tok, nil, body)
			if a.HTTPStatus != http.StatusOK || a.Code != tt.want || a.Msg != Message(tt.want) || string(a.Data) != "null" {
				t.Errorf("got HTTP %d code %q msg %q data %s, want 200 %q %q null", a.HTTPStatus, a.Code, a.Msg, a.Data, tt.want, Message(tt.want))
			}
		})
	}
}

func TestListAcceptsStringNumbers(t *testing.T) {
	s := newServer(t, WithInstances(20, 1))
	a := listBody(t, s, s.Token(), map[string]any{"limit": "4", "start": "2"})
	if len(items(t, a)) != 4 {
		t.Errorf("got %d items, want 4", len(items(t, a)))
	}
}

func TestListParamSources(t *testing.T) {
	body := []byte(`{"status":"Running","limit":3,"sort":"desc"}`)
	query := "?status=Completed&limit=2&sort=asc"
	tests := []struct {
		name       string
		src        ParamSource
		body       []byte
		query      string
		wantCode   string
		wantStatus string
		wantLen    int
	}{
		{"either, body only", ParamsEither, body, "", CodeOK, "Running", 3},
		{"either, query only", ParamsEither, nil, query, CodeOK, "Completed", 2},
		{"either, both: body wins", ParamsEither, body, query, CodeOK, "Running", 3},
		{"body only, body sent", ParamsBodyOnly, body, "", CodeOK, "Running", 3},
		{"body only, query sent", ParamsBodyOnly, nil, query, CodeMissingParams, "", 0},
		{"query only, query sent", ParamsQueryOnly, nil, query, CodeOK, "Completed", 2},
		{"query only, body sent", ParamsQueryOnly, body, "", CodeMissingParams, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, WithInstances(300, 2), WithParamSource(tt.src))
			a := do(t, http.MethodGet, listURL(s)+tt.query, s.Token(), nil, tt.body)
			if a.Code != tt.wantCode {
				t.Fatalf("code %q (%s), want %q", a.Code, a.Msg, tt.wantCode)
			}
			if tt.wantCode != CodeOK {
				return
			}
			page := items(t, a)
			if len(page) != tt.wantLen {
				t.Errorf("got %d items, want %d", len(page), tt.wantLen)
			}
			for _, it := range page {
				if it.Status != tt.wantStatus {
					t.Errorf("item %s has status %s, want %s", it.ID, it.Status, tt.wantStatus)
				}
			}
		})
	}
}

// documentedFields are every item field of SCNet's page.
func documentedFields() []string {
	return []string{"acceleratorType", "cpuNumber", "createTime", "currentIndex", "description", "duration",
		"endTime", "gpuNumber", "headerNotebookId", "headerNotebookIp", "id", "imagePath", "instanceServiceName",
		"ramSize", "remainingTime", "resourceGroup", "resourceSpec", "startScriptActionScope", "startScriptPath",
		"startScriptContent", "startTime", "status", "taskNumber", "taskType", "tensorboardId", "tensorboardPath",
		"timeoutLimit", "useStartScript", "userName", "version", "mountInfoList", "containerPortInfoList"}
}

func TestListWireFormat(t *testing.T) {
	c := newClock()
	s := newServer(t, WithClock(c.Now))
	rec := s.Add(Record{Name: "Instances_2204208761", ResourceGroup: "TeslaM40", UseStartScript: true,
		StartScriptContent: "export HF_TOKEN=hf_secret", Ports: []Port{{Name: "ssh", ContainerPort: 22}}})
	a := listBody(t, s, s.Token(), map[string]any{"limit": 20, "sort": "desc", "status": nil,
		"instanceServiceName": nil, "taskType": "ssh", "start": 0})
	if !strings.HasPrefix(string(a.Raw), `{"msg":"success","total":1,"code":"0","data":[{"id":"`+rec.ID+`"`) {
		t.Errorf("envelope does not follow the page's example: %s", a.Raw)
	}
	var got []map[string]json.RawMessage
	if err := json.Unmarshal(a.Data, &got); err != nil || len(got) != 1 {
		t.Fatalf("data %s: %v", a.Data, err)
	}
	for _, f := range documentedFields() {
		if _, ok := got[0][f]; !ok {
			t.Errorf("field %q missing", f)
		}
	}
	if len(got[0]) != len(documentedFields()) {
		t.Errorf("item has %d fields, want the %d documented", len(got[0]), len(documentedFields()))
	}
	wantRaw := map[string]string{
		"status":                `"Waiting"`,
		"startTime":             "null",
		"endTime":               "null",
		"tensorboardId":         "null",
		"headerNotebookIp":      "null",
		"mountInfoList":         "null",
		"containerPortInfoList": "null",
		"duration":              `"--"`,
		"remainingTime":         `"--"`,
		"timeoutLimit":          `"unlimited"`,
		"startScriptContent":    `"export HF_TOKEN=hf_secret"`,
		"createTime":            `"2026-11-27 18:00:00"`,
		"useStartScript":        "true",
	}
	for f, want := range wantRaw {
		if string(got[0][f]) != want {
			t.Errorf("%s = %s, want %s", f, got[0][f], want)
		}
	}
}

func TestSeededTimesAreBeijingWithoutZone(t *testing.T) {
	s := newServer(t, WithInstances(300, 9))
	layout := regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$`)
	for _, it := range items(t, listBody(t, s, s.Token(), map[string]any{"limit": 300})) {
		for _, v := range []*string{&it.CreateTime, it.StartTime, it.EndTime} {
			if v != nil && !layout.MatchString(*v) {
				t.Fatalf("item %s has time %q, want 2006-01-02 15:04:05", it.ID, *v)
			}
		}
	}
}

func TestHostileNamesAreSentRaw(t *testing.T) {
	s := newServer(t, WithInstances(100, 4), WithHostileNames())
	a := listBody(t, s, s.Token(), map[string]any{"limit": 100})
	for _, want := range []string{`<!channel> ping`, `a&b<c>`, `🔥训练-run-1 🚀`} {
		if !strings.Contains(string(a.Raw), want) {
			t.Errorf("answer lacks %q unescaped", want)
		}
	}
	names := map[string]bool{}
	for _, it := range items(t, a) {
		names[it.Name] = true
	}
	for _, n := range hostileNames() {
		if !names[n] {
			t.Errorf("hostile name %q not seeded", n)
		}
	}
	if !slices.ContainsFunc(hostileNames(), func(n string) bool { return len([]rune(n)) == 300 }) {
		t.Error("no 300-character name among the hostile names")
	}
}

func TestDefaultNamesAreClean(t *testing.T) {
	s := newServer(t, WithInstances(2000, 4))
	for _, r := range s.Records() {
		if strings.ContainsAny(r.Name, "<>&*~`\n") || len([]rune(r.Name)) > 40 {
			t.Fatalf("default data has hostile name %q", r.Name)
		}
	}
}

func TestSeedIsDeterministic(t *testing.T) {
	c := newClock()
	a := New(WithInstances(200, 42), WithClock(c.Now))
	defer a.Close()
	b := New(WithInstances(200, 42), WithClock(c.Now))
	defer b.Close()
	d := New(WithInstances(200, 43), WithClock(c.Now))
	defer d.Close()
	ja, _ := json.Marshal(a.Records())
	jb, _ := json.Marshal(b.Records())
	jd, _ := json.Marshal(d.Records())
	if string(ja) != string(jb) {
		t.Error("same seed and clock gave different records")
	}
	if string(ja) == string(jd) {
		t.Error("different seeds gave the same records")
	}
}

func TestSeedIsRealistic(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(2000, 8), WithClock(c.Now))
	byStatus := map[scnet.Status]int{}
	scripts := 0
	for _, r := range s.Records() {
		byStatus[r.Status]++
		if r.CreateTime.After(testNow) {
			t.Fatalf("%s created in the future: %v", r.ID, r.CreateTime)
		}
		if !r.StartTime.IsZero() && r.StartTime.Before(r.CreateTime) || !r.EndTime.IsZero() && r.EndTime.Before(r.CreateTime) {
			t.Fatalf("%s has times out of order: %v %v %v", r.ID, r.CreateTime, r.StartTime, r.EndTime)
		}
		switch {
		case r.Status.Live() && !r.EndTime.IsZero():
			t.Fatalf("live %s %s has an end time", r.Status, r.ID)
		case r.Status.Terminal() && r.EndTime.IsZero():
			t.Fatalf("%s %s has no end time", r.Status, r.ID)
		case r.Status == scnet.StatusRunning && r.StartTime.IsZero():
			t.Fatalf("running %s has no start time", r.ID)
		case r.Status.Live() && testNow.Sub(r.CreateTime) > 5*24*time.Hour:
			t.Fatalf("live %s is older than five days", r.ID)
		}
		if r.UseStartScript {
			scripts++
			if !strings.Contains(r.StartScriptContent, "export HF_TOKEN=hf_") {
				t.Fatalf("start script of %s holds no token: %q", r.ID, r.StartScriptContent)
			}
		}
		if !strings.Contains(r.ResourceSpec, " 核心; ") || !strings.HasPrefix(r.ImagePath, "10.0.35.26:5000/") {
			t.Fatalf("%s has unrealistic resources: %q %q", r.ID, r.ResourceSpec, r.ImagePath)
		}
	}
	live := byStatus[scnet.StatusRunning] + byStatus[scnet.StatusDeploying] + byStatus[scnet.StatusWaiting]
	if live == 0 || live > 2000/4 {
		t.Errorf("%d of 2000 live, want a minority: %v", live, byStatus)
	}
	for _, st := range scnet.Statuses() {
		if byStatus[st] == 0 {
			t.Errorf("no %s instance among 2000", st)
		}
	}
	if scripts == 0 {
		t.Error("no instance uses a start script")
	}
}
