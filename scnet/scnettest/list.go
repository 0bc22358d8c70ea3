package scnettest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"scnetbot/scnet"
)

// MaxLimit is the largest page the list endpoint accepts; SCNet documents
// none, so anything above it counts as absurd and answers 10004.
const MaxLimit = 10000

// listQuery is a parsed list request.
type listQuery struct {
	status   scnet.Status
	taskType scnet.TaskType
	names    []string // lower-cased; a record matches when any is a substring
	start    int
	limit    int
	asc      bool
}

// paramError is a list request SCNet would refuse, with the code it answers.
type paramError struct{ code, reason string }

func (e *paramError) Error() string { return e.code + ": " + e.reason }

func missing(name string) *paramError {
	return &paramError{CodeMissingParams, name + " is required"}
}

func invalid(name, value string) *paramError {
	return &paramError{CodeInvalidParams, fmt.Sprintf("%s %q is invalid", name, value)}
}

// rawParams holds each filter as found, before validation; a nil pointer
// means absent or null.
type rawParams struct {
	status, taskType, start, limit, sort *string
	names                                []string
}

// parseListQuery reads the filters from the body or the query string, as src
// says, and validates them.
func parseListQuery(body []byte, q url.Values, src ParamSource) (listQuery, error) {
	var raw rawParams
	useBody := src == ParamsBodyOnly || (src == ParamsEither && hasBody(body))
	if useBody {
		var err error
		if raw, err = bodyParams(body); err != nil {
			return listQuery{}, err
		}
	} else {
		raw = queryParams(q)
	}
	return raw.validate()
}

func bodyParams(body []byte) (rawParams, error) {
	var raw rawParams
	if !hasBody(body) {
		return raw, nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return raw, &paramError{CodeInvalidParams, "body is not a JSON object"}
	}
	fields := []struct {
		name string
		dst  **string
	}{
		{"status", &raw.status}, {"taskType", &raw.taskType}, {"start", &raw.start},
		{"limit", &raw.limit}, {"sort", &raw.sort},
	}
	for _, f := range fields {
		v, err := scalar(f.name, m[f.name])
		if err != nil {
			return raw, err
		}
		*f.dst = v
	}
	names, err := nameList(m["instanceServiceName"])
	if err != nil {
		return raw, err
	}
	raw.names = names
	return raw, nil
}

// scalar reads a JSON string or number as text; null or absent gives nil.
func scalar(name string, v json.RawMessage) (*string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	var s string
	if v[0] == '"' {
		if err := json.Unmarshal(v, &s); err != nil {
			return nil, invalid(name, string(v))
		}
		return &s, nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err != nil {
		return nil, invalid(name, string(v))
	}
	s = n.String()
	return &s, nil
}

// nameList accepts null, a string or an array of strings, the two shapes
// SCNet's page and examples disagree on.
func nameList(v json.RawMessage) ([]string, error) {
	v = bytes.TrimSpace(v)
	if len(v) == 0 || string(v) == "null" {
		return nil, nil
	}
	var one string
	if err := json.Unmarshal(v, &one); err == nil {
		return []string{one}, nil
	}
	var many []*string
	if err := json.Unmarshal(v, &many); err != nil {
		return nil, invalid("instanceServiceName", string(v))
	}
	var out []string
	for _, s := range many {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out, nil
}

func queryParams(q url.Values) rawParams {
	get := func(k string) *string {
		if !q.Has(k) {
			return nil
		}
		v := q.Get(k)
		return &v
	}
	return rawParams{
		status: get("status"), taskType: get("taskType"), start: get("start"),
		limit: get("limit"), sort: get("sort"), names: q["instanceServiceName"],
	}
}

func (raw rawParams) validate() (listQuery, error) {
	var lq listQuery
	if raw.limit == nil || *raw.limit == "" {
		return lq, missing("limit")
	}
	limit, err := strconv.ParseFloat(*raw.limit, 64)
	if err != nil || limit != math.Trunc(limit) || limit < 1 || limit > MaxLimit {
		return lq, invalid("limit", *raw.limit)
	}
	lq.limit = int(limit)
	if raw.start != nil && *raw.start != "" {
		start, err := strconv.ParseFloat(*raw.start, 64)
		if err != nil || start != math.Trunc(start) || start < 0 || start > math.MaxInt32 {
			return lq, invalid("start", *raw.start)
		}
		lq.start = int(start)
	}
	if raw.sort != nil && *raw.sort != "" {
		switch *raw.sort {
		case "desc":
		case "asc":
			lq.asc = true
		default:
			return lq, invalid("sort", *raw.sort)
		}
	}
	if raw.status != nil && *raw.status != "" {
		if !validStatus(*raw.status) {
			return lq, invalid("status", *raw.status)
		}
		lq.status = scnet.Status(*raw.status)
	}
	if raw.taskType != nil && *raw.taskType != "" {
		if !validTaskType(*raw.taskType) {
			return lq, invalid("taskType", *raw.taskType)
		}
		lq.taskType = scnet.TaskType(*raw.taskType)
	}
	for _, n := range raw.names {
		if n != "" {
			lq.names = append(lq.names, strings.ToLower(n))
		}
	}
	return lq, nil
}

// validStatus accepts only SCNet's exact spelling, as a Java enum would.
func validStatus(s string) bool {
	for _, st := range scnet.Statuses() {
		if s == string(st) {
			return true
		}
	}
	return false
}

func validTaskType(s string) bool {
	for _, t := range scnet.TaskTypes() {
		if s == string(t) {
			return true
		}
	}
	return false
}

func (lq *listQuery) matchName(e *entry) bool {
	if len(lq.names) == 0 {
		return true
	}
	for _, n := range lq.names {
		if strings.Contains(e.lname, n) {
			return true
		}
	}
	return false
}

// page returns the total number of matches and the requested page. Without
// a name filter that is two slice operations on an index; with one, the
// index for status and task type is scanned once.
func (lq *listQuery) page(st *store) (int, []*entry) {
	cands := st.candidates(lq.status, lq.taskType)
	at := func(i int) *entry {
		if lq.asc {
			return cands[i]
		}
		return cands[len(cands)-1-i]
	}
	if len(lq.names) == 0 {
		total := len(cands)
		if lq.start >= total {
			return total, nil
		}
		end := min(total, lq.start+lq.limit)
		out := make([]*entry, 0, end-lq.start)
		for i := lq.start; i < end; i++ {
			out = append(out, at(i))
		}
		return total, out
	}
	total := 0
	var out []*entry
	for i := range cands {
		e := at(i)
		if !lq.matchName(e) {
			continue
		}
		if total >= lq.start && len(out) < lq.limit {
			out = append(out, e)
		}
		total++
	}
	return total, out
}

// handleList serves the list endpoint at both of its paths.
func (s *RegionServer) handleList(w http.ResponseWriter, r *http.Request, body []byte) {
	if !s.authorize(w, r) {
		return
	}
	lq, err := parseListQuery(body, r.URL.Query(), s.srv.cfg.params)
	if err != nil {
		code := CodeInvalidParams
		if pe := (*paramError)(nil); errors.As(err, &pe) {
			code = pe.code
		}
		writeError(w, code)
		return
	}
	s.mu.RLock()
	total, es := lq.page(s.data)
	// Cached encodings are never modified once made (a change makes a new
	// entry or drops the cache), so the page can be written after the lock
	// is released: a slow client does not hold up writers.
	head := `{"msg":"success","total":` + strconv.Itoa(total) + `,"code":"0","data":[`
	pieces := make([][]byte, len(es))
	size := len(head) + max(len(es)-1, 0) + len("]}")
	for i, e := range es {
		pieces[i] = e.listJSON(&s.data.scratch)
		size += len(pieces[i])
	}
	s.mu.RUnlock()

	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(size))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, head)
	for i, p := range pieces {
		if i > 0 {
			_, _ = io.WriteString(w, ",")
		}
		_, _ = w.Write(p)
	}
	_, _ = io.WriteString(w, "]}")
}
