package scnettest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// SCNet's result codes, as its page lists them.
const (
	CodeOK              = "0"
	CodeInternal        = "10001"
	CodeMissingParams   = "10003"
	CodeInvalidParams   = "10004"
	CodeUserFrozen      = "10007"
	CodeNoPermission    = "10008"
	CodeNoAPIAccess     = "10009"
	CodeFileCheckFailed = "10010"
	CodeFileTooLarge    = "10011"
	CodeDisconnected    = "10012"
	// CodeDatabaseQuery and CodeDeleteFailed are listed by SCNet's delete
	// page; when the simulator sends them is its own choice (see
	// handleDelete).
	CodeDatabaseQuery = "716020"
	CodeDeleteFailed  = "716866"
)

// Message returns the vendor's Chinese message for a result code.
func Message(code string) string {
	switch code {
	case CodeOK:
		return "success"
	case CodeInternal:
		return "内部异常"
	case CodeMissingParams:
		return "参数不全"
	case CodeInvalidParams:
		return "参数无效"
	case CodeUserFrozen:
		return "用户已被冻结"
	case CodeNoPermission:
		return "权限不足"
	case CodeNoAPIAccess:
		return "没有权限访问接口"
	case CodeFileCheckFailed:
		return "文件校验失败"
	case CodeFileTooLarge:
		return "文件过大"
	case CodeDisconnected:
		return "连接中断"
	case CodeDatabaseQuery:
		return "查询数据库错误"
	case CodeDeleteFailed:
		return "删除任务失败"
	default:
		return "操作失败"
	}
}

func writeJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// envelope is SCNet's answer shape; data is always present, null on errors.
type envelope struct {
	Msg  string `json:"msg"`
	Code string `json:"code"`
	Data any    `json:"data"`
}

func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own fixed shapes reach here.
		panic(fmt.Sprintf("scnettest: encode answer: %v", err))
	}
	return b
}

// writeOK answers HTTP 200, code "0", with data.
func writeOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, marshal(envelope{Msg: Message(CodeOK), Code: CodeOK, Data: data}))
}

// writeError answers the way SCNet reports failures: HTTP 200, a non-zero
// code, its Chinese message and data null.
func writeError(w http.ResponseWriter, code string) {
	writeErrorMsg(w, code, Message(code))
}

func writeErrorMsg(w http.ResponseWriter, code, msg string) {
	writeJSON(w, http.StatusOK, marshal(envelope{Msg: msg, Code: code}))
}

// writeProxyError answers the way the gateway in front of SCNet does when
// the service behind it is unavailable: an HTML page, not JSON.
func writeProxyError(w http.ResponseWriter, status int) {
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", text, text)
}

// writeGarbage answers HTTP 200 with JSON cut off mid-record, as a dropped
// upstream connection leaves it.
func writeGarbage(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, []byte(`{"msg":"success","total":12,"code":"0","data":[{"id":"530491fa7c8e4734`))
}

// writeStatusJSON answers an unknown path or method the way SCNet's Spring
// stack does.
func writeStatusJSON(w http.ResponseWriter, r *http.Request, status int, errText string, now time.Time) {
	b := marshal(struct {
		Timestamp string `json:"timestamp"`
		Status    int    `json:"status"`
		Error     string `json:"error"`
		Path      string `json:"path"`
	}{now.UTC().Format("2006-01-02T15:04:05.000+00:00"), status, errText, r.URL.Path})
	writeJSON(w, status, b)
}

func writeNotFound(w http.ResponseWriter, r *http.Request, now time.Time) {
	writeStatusJSON(w, r, http.StatusNotFound, "Not Found", now)
}
