package scnet

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDecodeSeedExample decodes the vendor's own example response and checks
// every field of the result.
func TestDecodeSeedExample(t *testing.T) {
	body, err := os.ReadFile("testdata/seed_list.json")
	if err != nil {
		t.Fatal(err)
	}
	page, err := decodeList(body, DefaultPageSize)
	if err != nil {
		t.Fatal(err)
	}
	want := Instance{
		ID:                     "530491fa7c8e47348f01de73e627a6a7",
		Name:                   "Instances_2204208761",
		Status:                 StatusWaiting,
		TaskType:               TaskSSH,
		AcceleratorType:        "gpu",
		CPUNumber:              6,
		GPUNumber:              2,
		RAMSizeMB:              30720,
		ResourceGroup:          "TeslaM40",
		ResourceSpec:           "6 核心; 2 加速器; 30.0G 内存",
		CreateTime:             Time{time.Date(2022, 4, 20, 16, 16, 14, 0, Beijing())},
		StartTime:              Time{},
		EndTime:                Time{},
		Duration:               "--",
		RemainingTime:          "--",
		TimeoutLimit:           "unlimited",
		UserName:               "demo",
		Version:                "pytorch:1.2-py3.6-CUDA10.0",
		ImagePath:              "10.0.35.26:5000/gpu/admin/base/pytorch:1.2-py3.6-CUDA10.0",
		Description:            "",
		CurrentIndex:           1,
		TaskNumber:             1,
		HeaderNotebookID:       "b54439dc621a434a88e8ab37d1897241",
		HeaderNotebookIP:       "",
		TensorboardID:          "",
		TensorboardPath:        "",
		UseStartScript:         false,
		StartScriptPath:        "",
		StartScriptActionScope: "all",
		Mounts:                 nil,
		Ports:                  nil,
	}
	if page.Total != 4 || len(page.Instances) != 1 {
		t.Fatalf("page total %d with %d instances, want 4 and 1", page.Total, len(page.Instances))
	}
	got := page.Instances[0]
	if !got.CreateTime.Equal(want.CreateTime.Time) {
		t.Errorf("CreateTime = %v, want %v", got.CreateTime, want.CreateTime)
	}
	if got.CreateTime.UTC() != time.Date(2022, 4, 20, 8, 16, 14, 0, time.UTC) {
		t.Errorf("CreateTime in UTC = %v, want 08:16:14 (Beijing is UTC+8)", got.CreateTime.UTC())
	}
	gv, wv := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range gv.NumField() {
		f := gv.Type().Field(i)
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s = %#v, want %#v", f.Name, gv.Field(i).Interface(), wv.Field(i).Interface())
		}
	}

	// Every key of the example maps to a field, except the start script's
	// content, which must not.
	var raw struct{ Data []map[string]json.RawMessage }
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	tags := map[string]bool{}
	for i := range reflect.TypeFor[Instance]().NumField() {
		tags[reflect.TypeFor[Instance]().Field(i).Tag.Get("json")] = true
	}
	for key := range raw.Data[0] {
		if key == "startScriptContent" {
			continue
		}
		if !tags[key] {
			t.Errorf("seed key %q has no Instance field", key)
		}
		delete(tags, key)
	}
	for tag := range tags {
		t.Errorf("Instance field tagged %q is not in the seed example", tag)
	}
}

func TestStartScriptContentNeverDecoded(t *testing.T) {
	for i := range reflect.TypeFor[Instance]().NumField() {
		f := reflect.TypeFor[Instance]().Field(i)
		if strings.EqualFold(f.Tag.Get("json"), "startScriptContent") || strings.EqualFold(f.Name, "StartScriptContent") {
			t.Fatalf("Instance has field %s for the start script's content", f.Name)
		}
	}
	const canary = "SCRIPT-CANARY-d41d8"
	body := `{"code":"0","data":[{"id":"a","startScriptContent":"export AK=` + canary + `","useStartScript":true}]}`
	page, err := decodeList([]byte(body), DefaultPageSize)
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(page)
	for _, s := range []string{fmt.Sprintf("%+v", page), fmt.Sprintf("%#v", page.Instances), string(out)} {
		if strings.Contains(s, canary) {
			t.Errorf("start script content came out: %s", s)
		}
	}
	// Nor through the error path of a broken body.
	broken := `{"code":"0","data":[{"id":"a","startScriptContent":"export AK=` + canary + `",`
	_, err = decodeList([]byte(broken), DefaultPageSize)
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want DecodeError", err)
	}
	if strings.Contains(err.Error(), canary) || strings.Contains(err.Error(), "export") {
		t.Errorf("decode error quotes the start script: %v", err)
	}
}

func TestDecodeListVariants(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantN     int
		wantTotal int
		wantCode  Code
		check     func(t *testing.T, p *Page)
	}{
		{name: "data null", body: `{"code":"0","msg":"success","total":0,"data":null}`},
		{name: "data missing", body: `{"code":"0"}`},
		{name: "numeric code", body: `{"code":0,"data":[{"id":"a"}]}`, wantN: 1},
		{name: "total as string", body: `{"code":"0","total":"12","data":[]}`, wantTotal: 12},
		{name: "msg null and nulls everywhere", body: `{"code":"0","msg":null,"total":null,"data":[{"id":"a","instanceServiceName":null,"status":null,"cpuNumber":null,"gpuNumber":null,"ramSize":null,"createTime":null,"startTime":null,"endTime":null,"taskNumber":null,"useStartScript":null,"mountInfoList":null,"containerPortInfoList":null}]}`, wantN: 1},
		{name: "taskNumber string", body: `{"code":"0","data":[{"id":"a","taskNumber":"3","cpuNumber":"8"}]}`, wantN: 1,
			check: func(t *testing.T, p *Page) {
				if p.Instances[0].TaskNumber != 3 || p.Instances[0].CPUNumber != 8 {
					t.Errorf("taskNumber %d cpu %d, want 3 and 8", p.Instances[0].TaskNumber, p.Instances[0].CPUNumber)
				}
			}},
		{name: "failure code with odd data", body: `{"code":"10001","msg":"内部异常","data":{"x":1}}`, wantCode: CodeInternal},
		{name: "failure code numeric", body: `{"code":10009,"msg":"no"}`, wantCode: CodeNoAPIAccess},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := decodeList([]byte(tt.body), DefaultPageSize)
			if tt.wantCode != "" {
				var ae *APIError
				if !errors.As(err, &ae) || ae.Code != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Instances == nil || len(p.Instances) != tt.wantN || p.Total != tt.wantTotal {
				t.Errorf("page = %d instances (nil %v), total %d; want %d, %d", len(p.Instances), p.Instances == nil, p.Total, tt.wantN, tt.wantTotal)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in   string
		want FlexInt
	}{
		{`1`, 1}, {`"1"`, 1}, {`" 42 "`, 42}, {`-3`, -3}, {`""`, 0}, {`"--"`, 0}, {`null`, 0},
		{`1.9`, 1}, {`"2.5"`, 2}, {`1e3`, 1000}, {`"abc"`, 0}, {`true`, 0}, {`30720`, 30720},
	}
	for _, tt := range tests {
		var n FlexInt = 99
		if err := json.Unmarshal([]byte(tt.in), &n); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if n != tt.want {
			t.Errorf("FlexInt(%s) = %d, want %d", tt.in, n, tt.want)
		}
	}
}

func TestFlexBool(t *testing.T) {
	tests := []struct {
		in   string
		want FlexBool
	}{
		{`true`, true}, {`"true"`, true}, {`1`, true}, {`"1"`, true}, {`"TRUE"`, true},
		{`false`, false}, {`"false"`, false}, {`0`, false}, {`null`, false}, {`""`, false},
	}
	for _, tt := range tests {
		var b FlexBool = !tt.want
		if err := json.Unmarshal([]byte(tt.in), &b); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if b != tt.want {
			t.Errorf("FlexBool(%s) = %v, want %v", tt.in, b, tt.want)
		}
	}
}

func TestTime(t *testing.T) {
	bj := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, Beijing())
	}
	tests := []struct {
		in   string
		want time.Time // zero means "no time"
	}{
		{`"2022-04-20 16:16:14"`, bj(2022, 4, 20, 16, 16, 14, 0)},
		{`"2022-04-20T16:16:14"`, bj(2022, 4, 20, 16, 16, 14, 0)},
		{`"2022-04-20 16:16"`, bj(2022, 4, 20, 16, 16, 0, 0)},
		{`"2022-04-20 16:16:14.250"`, bj(2022, 4, 20, 16, 16, 14, 250e6)},
		{`" 2022-04-20 16:16:14 "`, bj(2022, 4, 20, 16, 16, 14, 0)},
		{`"2022-04-20T08:16:14Z"`, bj(2022, 4, 20, 16, 16, 14, 0)},
		{`"2022-04-20T16:16:14+08:00"`, bj(2022, 4, 20, 16, 16, 14, 0)},
		{`1650442574000`, bj(2022, 4, 20, 16, 16, 14, 0)},
		{`null`, time.Time{}},
		{`""`, time.Time{}},
		{`"--"`, time.Time{}},
		{`"yesterday"`, time.Time{}},
		{`12.5`, time.Time{}},
	}
	for _, tt := range tests {
		tm := Time{time.Now()}
		if err := json.Unmarshal([]byte(tt.in), &tm); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if tt.want.IsZero() {
			if !tm.IsZero() {
				t.Errorf("Time(%s) = %v, want zero", tt.in, tm)
			}
			continue
		}
		if !tm.Equal(tt.want) {
			t.Errorf("Time(%s) = %v, want %v", tt.in, tm.Time, tt.want)
		}
	}
	// Round trip through SCNet's own layout.
	in := Time{bj(2026, 11, 27, 9, 30, 0, 0)}
	b, _ := json.Marshal(in)
	if string(b) != `"2026-11-27 09:30:00"` {
		t.Errorf("Marshal = %s", b)
	}
	if b, _ := json.Marshal(Time{}); string(b) != "null" {
		t.Errorf("Marshal(zero) = %s, want null", b)
	}
}

// FuzzDecodeList feeds arbitrary bodies to the list decoder: it must never
// panic, and its errors must be the typed ones callers branch on.
func FuzzDecodeList(f *testing.F) {
	seed, err := os.ReadFile("testdata/seed_list.json")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	for _, s := range []string{
		`{"code":"0","data":null}`, `{"code":0,"total":"3","data":[{"id":1}]}`, `{"code":"10001"}`, `{}`, `[]`, `null`, ``,
		`{"code":"0","data":[{"taskNumber":"x","createTime":123,"cpuNumber":"--","useStartScript":"1"}]}`,
		`{"code":"0","data":{"id":"a"}}`, `<html>`, `{"code":"0","data":[{"createTime":"2022-13-45 99:99:99"}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := decodeList(body, DefaultPageSize, testToken)
		if err == nil {
			if p == nil || p.Instances == nil {
				t.Fatal("success without a page")
			}
			return
		}
		var ae *APIError
		var de *DecodeError
		if !errors.As(err, &ae) && !errors.As(err, &de) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if ae != nil && ae.Code == CodeSuccess {
			t.Fatal("APIError with success code")
		}
		if strings.Contains(err.Error(), testToken) {
			t.Fatal("error carries the token")
		}
	})
}
