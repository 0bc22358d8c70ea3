package scnet

import (
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
)

func TestInstanceFound(t *testing.T) {
	mux, c := setup(t)
	var rawPath string
	mux.HandleFunc("/ai/openapi/v2/instance-service/", func(w http.ResponseWriter, r *http.Request) {
		rawPath = r.URL.EscapedPath()
		it := item("inst-42_a")
		it["containerPortInfoList"] = []map[string]any{{"name": "jupyter", "containerPort": "8888", "protocol": "TCP", "accessUrl": "https://x/lab"}}
		it["mountInfoList"] = []map[string]any{{"source": "/public/home/alice", "target": "/root/private_data"}}
		writeJSON(w, 200, map[string]any{"code": "0", "msg": "success", "data": it})
	})
	in, err := c.Instance(context.Background(), "inst-42_a")
	if err != nil {
		t.Fatal(err)
	}
	if want := "/ai/openapi/v2/instance-service/inst-42_a/detail"; rawPath != want {
		t.Errorf("path = %s, want %s", rawPath, want)
	}
	if in.ID != "inst-42_a" || in.Status != StatusRunning || len(in.Ports) != 1 || in.Ports[0].ContainerPort != 8888 ||
		len(in.Mounts) != 1 || in.Mounts[0].Target != "/root/private_data" {
		t.Errorf("instance = %+v", in)
	}
}

func TestInstanceGoneVersusError(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		body         string
		wantNotFound bool
		wantID       string
	}{
		{name: "data null", status: 200, body: `{"code":"0","msg":"success","data":null}`, wantNotFound: true},
		{name: "data missing", status: 200, body: `{"code":"0","msg":"success"}`, wantNotFound: true},
		{name: "data empty object", status: 200, body: `{"code":"0","data":{}}`, wantNotFound: true},
		{name: "data empty string", status: 200, body: `{"code":"0","data":""}`, wantNotFound: true},
		{name: "data empty array", status: 200, body: `{"code":"0","data":[ ]}`, wantNotFound: true},
		{name: "data one-element array", status: 200, body: `{"code":"0","data":[{"id":"x1","status":"Failed"}]}`, wantID: "x1"},
		{name: "data without id", status: 200, body: `{"code":"0","data":{"status":"Failed"}}`, wantID: "x1"},
		{name: "http 404 is not gone", status: 404, body: `<html>404</html>`},
		{name: "http 500 is not gone", status: 500, body: ``},
		{name: "code 10004 is not gone", status: 200, body: `{"code":"10004","msg":"参数无效","data":null}`},
		{name: "garbage is not gone", status: 200, body: `{"code":"0","data":{"id":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mux, c := setup(t, WithRetry(1, 0))
			mux.HandleFunc("/ai/openapi/v2/instance-service/x1/detail", func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			in, err := c.Instance(context.Background(), "x1")
			if got := errors.Is(err, ErrNotFound); got != tt.wantNotFound {
				t.Fatalf("errors.Is(%v, ErrNotFound) = %v, want %v", err, got, tt.wantNotFound)
			}
			if tt.wantID != "" {
				if err != nil || in.ID != tt.wantID {
					t.Errorf("Instance = %+v, %v; want id %s", in, err, tt.wantID)
				}
			} else if err == nil {
				t.Error("want an error")
			}
		})
	}
}

func TestInstanceEmptyID(t *testing.T) {
	_, c := setup(t)
	if _, err := c.Instance(context.Background(), ""); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("err = %v, want a plain error", err)
	}
}
