package scnet

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// One field of an unexpected type must not fail a whole page (or the
// watcher's whole poll): scalars are read as their text, anything else is
// dropped, and every other field still decodes.
func TestDecodeListToleratesOddFieldTypes(t *testing.T) {
	tests := []struct {
		name, item string
		want       Instance
	}{
		{"number id", `{"id":12345,"instanceServiceName":"a"}`, Instance{ID: "12345", Name: "a"}},
		{"number user", `{"id":"x","userName":123,"gpuNumber":2}`, Instance{ID: "x", UserName: "123", GPUNumber: 2}},
		{"number duration", `{"id":"x","duration":3600,"status":"Running"}`, Instance{ID: "x", Duration: "3600", Status: StatusRunning}},
		{"bool description", `{"id":"x","description":false}`, Instance{ID: "x", Description: "false"}},
		{"object name", `{"id":"x","instanceServiceName":{"zh":"训练"},"userName":"bob"}`, Instance{ID: "x", UserName: "bob"}},
		{"string mounts", `{"id":"x","mountInfoList":"","userName":"bob"}`, Instance{ID: "x", UserName: "bob"}},
		{"object ports", `{"id":"x","containerPortInfoList":{},"userName":"bob"}`, Instance{ID: "x", UserName: "bob"}},
		{"odd port field", `{"id":"x","containerPortInfoList":[{"name":1,"containerPort":"8888","accessUrl":null}]}`,
			Instance{ID: "x", Ports: []Port{{Name: "1", ContainerPort: 8888}}}},
		{"start script content never kept", `{"id":1,"startScriptContent":"export KEY=SCRIPT-CANARY"}`, Instance{ID: "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"code":"0","total":2,"data":[{"id":"ok","userName":"alice"},` + tt.item + `]}`
			p, err := decodeList([]byte(body), DefaultPageSize)
			if err != nil {
				t.Fatalf("decodeList: %v", err)
			}
			if len(p.Instances) != 2 || p.Instances[0].UserName != "alice" {
				t.Fatalf("instances %+v, want the good one kept", p.Instances)
			}
			if got := p.Instances[1]; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			in, err := decodeDetail([]byte(`{"code":"0","data":` + tt.item + `}`))
			if err != nil {
				t.Fatalf("decodeDetail: %v", err)
			}
			if !reflect.DeepEqual(*in, tt.want) {
				t.Errorf("detail got %+v\nwant %+v", *in, tt.want)
			}
		})
	}
}

// Leniency is for fields: a body that is not SCNet's JSON, an item that is
// not an object or a failure code are still errors.
func TestDecodeListLenientStillFails(t *testing.T) {
	tests := []struct {
		body    string
		wantAPI bool
	}{
		{`{"code":"0","data":[{"id":"a"},5]}`, false},
		{`{"code":"0","data":{"id":"a"}}`, false},
		{`{"code":"0","data":["a"]}`, false},
		{`{"data":[{"id":1}]}`, false},
		{`{"code":"10004","msg":"bad","data":[{"id":1}]}`, true},
	}
	for _, tt := range tests {
		_, err := decodeList([]byte(tt.body), DefaultPageSize)
		var ae *APIError
		var de *DecodeError
		switch {
		case tt.wantAPI && !errors.As(err, &ae):
			t.Errorf("%s: err = %v, want *APIError", tt.body, err)
		case !tt.wantAPI && !errors.As(err, &de):
			t.Errorf("%s: err = %v, want *DecodeError", tt.body, err)
		}
	}
}

// FuzzDecodeDetail feeds arbitrary bodies to the detail decoder, whose
// instance goes through the lenient path: it must never panic, success
// always carries an instance, and errors are the typed ones.
func FuzzDecodeDetail(f *testing.F) {
	for _, s := range []string{
		`{"code":"0","data":{"id":"a","containerPortInfoList":[{"name":1,"containerPort":"80"}]}}`,
		`{"code":"0","data":[{"id":7,"userName":true}]}`, `{"code":"0","data":[]}`, `{"code":"0","data":"x"}`,
		`{"code":"10004","data":null}`, `{"code":0,"data":{"mountInfoList":"","description":{}}}`, `[]`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		in, err := decodeDetail(body, testToken)
		if err == nil {
			if in == nil {
				t.Fatal("success without an instance")
			}
			return
		}
		var ae *APIError
		var de *DecodeError
		if !errors.As(err, &ae) && !errors.As(err, &de) && !errors.Is(err, ErrNotFound) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if strings.Contains(err.Error(), testToken) {
			t.Fatal("error carries the token")
		}
	})
}
