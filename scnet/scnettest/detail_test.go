package scnettest

import (
	"encoding/json"
	"net/http"
	"testing"
)

func TestDetail(t *testing.T) {
	s := newServer(t, WithInstances(50, 6))
	rec := s.Records()[17]
	a := do(t, http.MethodGet, detailURL(s, rec.ID), s.Token(), nil, nil)
	if a.Code != CodeOK {
		t.Fatalf("code %q msg %q", a.Code, a.Msg)
	}
	var got map[string]json.RawMessage
	if err := json.Unmarshal(a.Data, &got); err != nil {
		t.Fatal(err)
	}
	for _, f := range documentedFields() {
		if _, ok := got[f]; !ok {
			t.Errorf("field %q missing", f)
		}
	}
	var d struct {
		ID    string  `json:"id"`
		Ports []Port  `json:"containerPortInfoList"`
		Mount []Mount `json:"mountInfoList"`
	}
	if err := json.Unmarshal(a.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d.ID != rec.ID || len(d.Ports) == 0 || len(d.Mount) == 0 {
		t.Errorf("detail %+v, want id %s with ports and mounts", d, rec.ID)
	}
	if d.Ports[0] != rec.Ports[0] {
		t.Errorf("first port %+v, want %+v", d.Ports[0], rec.Ports[0])
	}
	want, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	if string(a.Data) != string(want) {
		t.Errorf("detail data\n%s\nwant the record's own encoding\n%s", a.Data, want)
	}
}

func TestDetailUnknownID(t *testing.T) {
	tests := []struct {
		name     string
		opts     []Option
		wantCode string
		wantMsg  string
	}{
		{"default", nil, CodeInvalidParams, "参数无效"},
		{"as null", []Option{WithUnknownIDAsNull()}, CodeOK, "success"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, append(tt.opts, WithInstances(5, 6))...)
			for _, action := range []string{"detail", "url"} {
				u := s.AIBaseURL() + "/openapi/v2/instance-service/ffffffffffffffffffffffffffffffff/" + action
				a := do(t, http.MethodGet, u, s.Token(), nil, nil)
				if a.HTTPStatus != http.StatusOK || a.Code != tt.wantCode || a.Msg != tt.wantMsg || string(a.Data) != "null" {
					t.Errorf("%s: HTTP %d code %q msg %q data %s, want 200 %q %q null", action, a.HTTPStatus, a.Code, a.Msg, a.Data, tt.wantCode, tt.wantMsg)
				}
			}
		})
	}
}

func TestUnknownPathsAndMethods(t *testing.T) {
	s := newServer(t)
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/ai/openapi/v2/nothing", http.StatusNotFound},
		{http.MethodGet, "/ai/openapi/v2/instance-service/abc/logs", http.StatusNotFound},
		{http.MethodPost, "/ai/openapi/v2/instance-service/task", http.StatusMethodNotAllowed},
		{http.MethodGet, "/api/user/v3/tokens", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		a := do(t, tt.method, s.URL()+tt.path, s.Token(), nil, nil)
		if a.HTTPStatus != tt.want {
			t.Errorf("%s %s: HTTP %d, want %d", tt.method, tt.path, a.HTTPStatus, tt.want)
		}
	}
}
