// Package scnet is a client for SCNet's container-instance OpenAPI: listing,
// paging and describing GPU container instances, with tokens (one login for
// every region of the account), retries and typed errors in one place.
package scnet

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Status is the lifecycle state of a container instance as SCNet spells it.
type Status string

// The statuses SCNet documents for container instances.
const (
	StatusWaiting    Status = "Waiting"
	StatusDeploying  Status = "Deploying"
	StatusRunning    Status = "Running"
	StatusCompleted  Status = "Completed"
	StatusFailed     Status = "Failed"
	StatusTerminated Status = "Terminated"
)

// Statuses lists every documented status in lifecycle order.
func Statuses() []Status {
	return []Status{StatusWaiting, StatusDeploying, StatusRunning, StatusCompleted, StatusFailed, StatusTerminated}
}

// Live reports whether an instance in this status can still change on its own.
func (s Status) Live() bool {
	return s == StatusWaiting || s == StatusDeploying || s == StatusRunning
}

// ParseStatus accepts a status in any letter case and rejects unknown values
// with the list of valid ones.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses() {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown status %q: valid statuses are %s", s, joinValues(Statuses()))
}

// TaskType is the kind of workload an instance runs.
type TaskType string

// The task types SCNet documents.
const (
	TaskSSH        TaskType = "ssh"
	TaskJupyter    TaskType = "jupyter"
	TaskCodeServer TaskType = "codeserver"
	TaskRStudio    TaskType = "rstudio"
)

// TaskTypes lists every documented task type.
func TaskTypes() []TaskType {
	return []TaskType{TaskSSH, TaskJupyter, TaskCodeServer, TaskRStudio}
}

// ParseTaskType accepts a task type in any letter case and rejects unknown
// values with the list of valid ones.
func ParseTaskType(s string) (TaskType, error) {
	for _, t := range TaskTypes() {
		if strings.EqualFold(s, string(t)) {
			return t, nil
		}
	}
	return "", fmt.Errorf("unknown task type %q: valid task types are %s", s, joinValues(TaskTypes()))
}

func joinValues[T ~string](vs []T) string {
	ss := make([]string, len(vs))
	for i, v := range vs {
		ss[i] = string(v)
	}
	return strings.Join(ss, ", ")
}

// Sort is the order of a listing by create time.
type Sort string

// The two documented sort orders.
const (
	SortDesc Sort = "desc"
	SortAsc  Sort = "asc"
)

// ListOptions are the documented filters of the list endpoint. Zero values
// mean "no filter"; a zero Limit means the client's default page size and a
// zero Sort means SortDesc (newest first).
type ListOptions struct {
	Status   Status
	TaskType TaskType
	// Name filters by instance name; SCNet matches it on its side.
	Name  string
	Start int
	Limit int
	Sort  Sort
}

// Page is one page of a listing. Total is what SCNet reported; whether it
// counts all matches or only the page is not documented, so callers that need
// every instance page until a short page instead of trusting it.
type Page struct {
	Total     int
	Instances []Instance
}

// Instance is one container instance. The start script's content is
// deliberately not decoded: it can hold credentials and must never reach
// Slack or a log, so the client drops it at the door.
type Instance struct {
	ID                     string   `json:"id"`
	Name                   string   `json:"instanceServiceName"`
	Status                 Status   `json:"status"`
	TaskType               TaskType `json:"taskType"`
	AcceleratorType        string   `json:"acceleratorType"`
	CPUNumber              FlexInt  `json:"cpuNumber"`
	GPUNumber              FlexInt  `json:"gpuNumber"`
	RAMSizeMB              FlexInt  `json:"ramSize"`
	ResourceGroup          string   `json:"resourceGroup"`
	ResourceSpec           string   `json:"resourceSpec"`
	CreateTime             Time     `json:"createTime"`
	StartTime              Time     `json:"startTime"`
	EndTime                Time     `json:"endTime"`
	Duration               string   `json:"duration"`
	RemainingTime          string   `json:"remainingTime"`
	TimeoutLimit           string   `json:"timeoutLimit"`
	UserName               string   `json:"userName"`
	Version                string   `json:"version"`
	ImagePath              string   `json:"imagePath"`
	Description            string   `json:"description"`
	CurrentIndex           FlexInt  `json:"currentIndex"`
	TaskNumber             FlexInt  `json:"taskNumber"`
	HeaderNotebookID       string   `json:"headerNotebookId"`
	HeaderNotebookIP       string   `json:"headerNotebookIp"`
	TensorboardID          string   `json:"tensorboardId"`
	TensorboardPath        string   `json:"tensorboardPath"`
	UseStartScript         FlexBool `json:"useStartScript"`
	StartScriptPath        string   `json:"startScriptPath"`
	StartScriptActionScope string   `json:"startScriptActionScope"`
	Mounts                 []Mount  `json:"mountInfoList"`
	Ports                  []Port   `json:"containerPortInfoList"`
}

// Mount is one entry of mountInfoList. Its shape is not documented; the
// fields below are the ones public clients read, and the rest is dropped.
type Mount struct {
	Source string `json:"source"`
	Target string `json:"target"`
}

// Port is one entry of containerPortInfoList. Its shape is not documented;
// these are the fields seen in public clients.
type Port struct {
	Name          string  `json:"name"`
	ContainerPort FlexInt `json:"containerPort"`
	Protocol      string  `json:"protocol"`
	AccessURL     string  `json:"accessUrl"`
}

// FlexInt decodes a JSON number, a numeric string, "", "--" or null. SCNet's
// table says string where its example sends a number, so both must decode.
// Anything unparseable decodes as 0 rather than failing the whole page.
type FlexInt int

// UnmarshalJSON implements json.Unmarshaler.
func (n *FlexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		*n = 0
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		*n = FlexInt(i)
		return nil
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		*n = FlexInt(int64(f))
		return nil
	}
	*n = 0
	return nil
}

// FlexBool decodes true/false, "true"/"false", 0/1 and null.
type FlexBool bool

// UnmarshalJSON implements json.Unmarshaler.
func (v *FlexBool) UnmarshalJSON(b []byte) error {
	s := strings.Trim(strings.TrimSpace(string(b)), `"`)
	switch strings.ToLower(s) {
	case "true", "1", "yes":
		*v = true
	default:
		*v = false
	}
	return nil
}

// beijing is the zone SCNet's zoneless timestamps are written in. A fixed
// offset (China has no daylight saving) keeps the client independent of the
// host's tzdata.
var beijing = time.FixedZone("CST", 8*60*60)

// Beijing returns the zone SCNet's zoneless timestamps are written in.
func Beijing() *time.Location { return beijing }

// HomeLocation is Asia/Shanghai, SCNet's home zone and scnetbot's default
// display zone, or Beijing when the host has no tzdata (the two agree).
func HomeLocation() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return beijing
}

// TimeLayout is how SCNet writes times: Beijing time with no zone.
const TimeLayout = "2006-01-02 15:04:05"

// Time is an SCNet timestamp. The zero value means SCNet sent null, "" or
// "--".
type Time struct{ time.Time }

// UnmarshalJSON implements json.Unmarshaler. It accepts SCNet's zoneless
// layout (as Beijing time), RFC 3339, and epoch milliseconds.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	t.Time = time.Time{}
	if len(b) == 0 || string(b) == "null" {
		return nil
	}
	if b[0] != '"' {
		ms, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			// Tolerant by design: one odd field must not fail a whole page.
			return nil
		}
		t.Time = time.UnixMilli(ms).In(beijing)
		return nil
	}
	s, err := unquote(b)
	if err != nil {
		return err
	}
	s = strings.TrimSpace(s)
	if s == "" || s == "--" {
		return nil
	}
	for _, layout := range []string{TimeLayout, "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if v, err := time.ParseInLocation(layout, s, beijing); err == nil {
			t.Time = v
			return nil
		}
	}
	if v, err := time.Parse(time.RFC3339, s); err == nil {
		t.Time = v
		return nil
	}
	// An unknown layout decodes as "no time" rather than failing the page.
	return nil
}

// MarshalJSON writes the time in SCNet's own layout, or null when zero.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + t.In(beijing).Format(TimeLayout) + `"`), nil
}

// Terminal reports whether s can no longer change on its own.
func (s Status) Terminal() bool {
	return slices.Contains([]Status{StatusCompleted, StatusFailed, StatusTerminated}, s)
}

// unquote returns a JSON value's text: a string without its quotes (through
// encoding/json only when it has escapes, which SCNet's numbers and times
// never do), anything else as written. It keeps the per-field cost of
// decoding a large listing low.
func unquote(b []byte) (string, error) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return string(b), nil
	}
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return "", err
	}
	return s, nil
}
