package scnettest

import (
	"slices"
	"time"

	"scnetbot/scnet"
)

// Record is one simulated container instance with every field SCNet's page
// documents. Empty strings of nullable fields and zero times are sent as
// null, the way SCNet sends them; StartScriptContent is sent as is, because
// the real service sends it too.
type Record struct {
	ID                     string
	Name                   string // instanceServiceName
	Status                 scnet.Status
	TaskType               scnet.TaskType
	AcceleratorType        string
	CPUNumber              int
	GPUNumber              int
	RAMSize                int // MB
	ResourceGroup          string
	ResourceSpec           string
	CreateTime             time.Time
	StartTime              time.Time // zero: null
	EndTime                time.Time // zero: null
	Duration               string    // empty: "--"
	RemainingTime          string    // empty: "--"
	TimeoutLimit           string
	UserName               string
	Version                string // image name
	ImagePath              string
	Description            string
	CurrentIndex           int
	TaskNumber             int
	HeaderNotebookID       string // empty: null
	HeaderNotebookIP       string // empty: null
	TensorboardID          string // empty: null
	TensorboardPath        string // empty: null
	UseStartScript         bool
	StartScriptPath        string // empty: null
	StartScriptContent     string
	StartScriptActionScope string
	Mounts                 []Mount // nil: null
	Ports                  []Port  // nil: null
}

// Port is one entry of containerPortInfoList.
type Port struct {
	Name          string `json:"name"`
	ContainerPort int    `json:"containerPort"`
	Protocol      string `json:"protocol"`
	AccessURL     string `json:"accessUrl"`
}

// Mount is one entry of mountInfoList.
type Mount struct {
	Source   string `json:"source"`
	Target   string `json:"target"`
	ReadOnly bool   `json:"readOnly"`
}

// MarshalJSON writes the record as the detail endpoint sends it, port and
// mount lists included.
func (r Record) MarshalJSON() ([]byte, error) { return r.encode(true), nil }

// encode writes the record; the list endpoint leaves out the port and mount
// lists (null), as the page's example shows.
func (r *Record) encode(withLists bool) []byte {
	return r.appendJSON(make([]byte, 0, 1536), withLists)
}

// clone returns a copy that shares no slices with r.
func (r Record) clone() Record {
	r.Mounts = slices.Clone(r.Mounts)
	r.Ports = slices.Clone(r.Ports)
	return r
}
