package scnettest

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"scnetbot/scnet"
)

// wireRecord is the record as SCNet's page shows it, encoded by
// encoding/json: the reference the hand-written encoder must match.
type wireRecord struct {
	ID                     string  `json:"id"`
	HeaderNotebookID       *string `json:"headerNotebookId"`
	InstanceServiceName    string  `json:"instanceServiceName"`
	CurrentIndex           int     `json:"currentIndex"`
	GPUNumber              int     `json:"gpuNumber"`
	CPUNumber              int     `json:"cpuNumber"`
	RAMSize                int     `json:"ramSize"`
	AcceleratorType        string  `json:"acceleratorType"`
	ResourceGroup          string  `json:"resourceGroup"`
	ResourceSpec           string  `json:"resourceSpec"`
	TaskNumber             int     `json:"taskNumber"`
	TimeoutLimit           string  `json:"timeoutLimit"`
	UserName               string  `json:"userName"`
	Version                string  `json:"version"`
	ImagePath              string  `json:"imagePath"`
	Status                 string  `json:"status"`
	TaskType               string  `json:"taskType"`
	Description            string  `json:"description"`
	CreateTime             *string `json:"createTime"`
	StartTime              *string `json:"startTime"`
	EndTime                *string `json:"endTime"`
	Duration               string  `json:"duration"`
	RemainingTime          string  `json:"remainingTime"`
	TensorboardID          *string `json:"tensorboardId"`
	TensorboardPath        *string `json:"tensorboardPath"`
	MountInfoList          []Mount `json:"mountInfoList"`
	ContainerPortInfoList  []Port  `json:"containerPortInfoList"`
	UseStartScript         bool    `json:"useStartScript"`
	StartScriptContent     string  `json:"startScriptContent"`
	StartScriptPath        *string `json:"startScriptPath"`
	StartScriptActionScope string  `json:"startScriptActionScope"`
	HeaderNotebookIP       *string `json:"headerNotebookIp"`
}

func referenceEncode(t testing.TB, r Record, withLists bool) []byte {
	t.Helper()
	null := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	tm := func(v time.Time) *string {
		if v.IsZero() {
			return nil
		}
		s := v.In(scnet.Beijing()).Format(scnet.TimeLayout)
		return &s
	}
	dash := func(s string) string {
		if s == "" {
			return "--"
		}
		return s
	}
	w := wireRecord{
		ID: r.ID, HeaderNotebookID: null(r.HeaderNotebookID), InstanceServiceName: r.Name,
		CurrentIndex: r.CurrentIndex, GPUNumber: r.GPUNumber, CPUNumber: r.CPUNumber, RAMSize: r.RAMSize,
		AcceleratorType: r.AcceleratorType, ResourceGroup: r.ResourceGroup, ResourceSpec: r.ResourceSpec,
		TaskNumber: r.TaskNumber, TimeoutLimit: r.TimeoutLimit, UserName: r.UserName, Version: r.Version,
		ImagePath: r.ImagePath, Status: string(r.Status), TaskType: string(r.TaskType), Description: r.Description,
		CreateTime: tm(r.CreateTime), StartTime: tm(r.StartTime), EndTime: tm(r.EndTime),
		Duration: dash(r.Duration), RemainingTime: dash(r.RemainingTime),
		TensorboardID: null(r.TensorboardID), TensorboardPath: null(r.TensorboardPath),
		UseStartScript: r.UseStartScript, StartScriptContent: r.StartScriptContent,
		StartScriptPath: null(r.StartScriptPath), StartScriptActionScope: r.StartScriptActionScope,
		HeaderNotebookIP: null(r.HeaderNotebookIP),
	}
	if withLists {
		w.MountInfoList, w.ContainerPortInfoList = r.Mounts, r.Ports
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(w); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimRight(buf.Bytes(), "\n")
}

func TestEncoderMatchesEncodingJSON(t *testing.T) {
	s := newServer(t, WithInstances(500, 13), WithHostileNames())
	recs := append(s.Records(), Record{}, Record{Mounts: []Mount{}, Ports: []Port{}})
	for _, r := range recs {
		for _, lists := range []bool{false, true} {
			got, want := r.encode(lists), referenceEncode(t, r, lists)
			if !bytes.Equal(got, want) {
				t.Fatalf("record %s (lists %v):\ngot  %s\nwant %s", r.ID, lists, got, want)
			}
		}
	}
}

// FuzzAppendString holds the string quoting to encoding/json's on any input,
// invalid UTF-8 and control characters included.
func FuzzAppendString(f *testing.F) {
	for _, s := range append(hostileNames(), "", "\x00\x1f\"\\\b\f\n\r\t", "\u2028\u2029", "\xff\xfe", "中文 🚀") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := Record{Name: s, Description: s, Status: scnet.Status(s), Ports: []Port{{AccessURL: s}}}
		if got, want := r.encode(true), referenceEncode(t, r, true); !bytes.Equal(got, want) {
			t.Fatalf("%q:\ngot  %s\nwant %s", s, got, want)
		}
	})
}
