package scnet

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testToken is recognisable on purpose: leak tests search for it.
const testToken = "TOKEN-CANARY-7f3a9c"

// setup starts a loopback server whose mux serves SCNet's paths under /ai
// and returns a client pointed at it (without /ai, which New adds) with
// tiny backoff so retry tests stay fast.
func setup(t testing.TB, opts ...Option) (*http.ServeMux, *Client) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	all := append([]Option{WithTokenSource(StaticToken(testToken)), WithRetry(4, time.Millisecond)}, opts...)
	c, err := New(srv.URL, all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return mux, c
}

const listPath = "/ai/openapi/v2/instance-service/task"

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ok is a successful list response carrying items.
func ok(items []map[string]any) map[string]any {
	return map[string]any{"msg": "success", "code": "0", "total": len(items), "data": items}
}

// item is a realistic list entry with the given id.
func item(id string) map[string]any {
	return map[string]any{
		"id": id, "instanceServiceName": "inst-" + id, "status": "Running", "taskType": "jupyter",
		"acceleratorType": "gpu", "cpuNumber": 8, "gpuNumber": 1, "ramSize": 65536,
		"resourceGroup": "A800", "resourceSpec": "8 核心; 1 加速器; 64.0G 内存",
		"createTime": "2026-11-27 09:00:00", "startTime": "2026-11-27 09:01:00", "endTime": nil,
		"duration": "1小时", "remainingTime": "--", "timeoutLimit": "unlimited", "userName": "alice",
		"version": "pytorch:2.1", "imagePath": "registry/pytorch:2.1", "description": "",
		"currentIndex": 1, "taskNumber": "1", "headerNotebookId": "nb" + id, "headerNotebookIp": "10.0.0.1",
		"tensorboardId": nil, "tensorboardPath": nil, "useStartScript": true,
		"startScriptContent": "export KEY=SCRIPT-CANARY", "startScriptPath": "/root/start.sh",
		"startScriptActionScope": "all", "mountInfoList": nil, "containerPortInfoList": nil,
	}
}

// pager serves a list of ids with offset paging, like SCNet, reading start
// and limit from the JSON body. It counts requests.
type pager struct {
	mu       sync.Mutex
	ids      []string
	requests atomic.Int32
	// afterServe, when set, runs after each page with its number (1-based)
	// to change the data between pages.
	afterServe func(p *pager, n int)
	// ignoreStart makes the server always serve the first page.
	ignoreStart bool
}

func (p *pager) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(p.requests.Add(1))
	var b struct{ Start, Limit int }
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		writeJSON(w, 200, map[string]any{"code": "10004", "msg": "bad body"})
		return
	}
	if qs, _ := strconv.Atoi(r.URL.Query().Get("start")); qs != b.Start {
		writeJSON(w, 200, map[string]any{"code": "10004", "msg": "query and body disagree"})
		return
	}
	p.mu.Lock()
	start := b.Start
	if p.ignoreStart {
		start = 0
	}
	var items []map[string]any
	for i := start; i < len(p.ids) && i < start+b.Limit; i++ {
		items = append(items, item(p.ids[i]))
	}
	total := len(p.ids)
	p.mu.Unlock()
	resp := ok(items)
	resp["total"] = total
	writeJSON(w, 200, resp)
	if p.afterServe != nil {
		p.mu.Lock()
		p.afterServe(p, n)
		p.mu.Unlock()
	}
}

func ids(n int) []string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprintf("id%05d", i)
	}
	return s
}

// jwt builds an unsigned-looking JWT with the given payload claims.
func jwt(claims map[string]any) string {
	p, _ := json.Marshal(claims)
	return "eyJhbGciOiJIUzI1NiJ9." + base64.RawURLEncoding.EncodeToString(p) + ".c2lnbmF0dXJl"
}
