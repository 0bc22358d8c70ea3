package scnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// envelope is the part every SCNet response shares. Code and msg stay raw
// because servers have been seen sending the code as a number; both are
// cleaned (cleanCode, cleanMsg) before an error carries them.
type envelope struct {
	Code json.RawMessage `json:"code"`
	Msg  json.RawMessage `json:"msg"`
}

// parseCode reads a code sent as "0" or 0; ok is false when there is none.
func parseCode(raw json.RawMessage) (Code, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", false
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", false
		}
		return Code(s), true
	}
	if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
		return "", false
	}
	return Code(raw), true
}

// rawText turns a raw JSON value into text: strings unquoted, anything else
// as written.
func rawText(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	if raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	return string(raw)
}

// check turns the envelope of a 200 response into an error unless it says
// success. A missing code is a decode error, not success: a proxy's "{}"
// must never read as an empty, successful listing.
func (e *envelope) check(endpoint string, body []byte, secrets []string) error {
	code, ok := parseCode(e.Code)
	if !ok {
		return &DecodeError{Endpoint: endpoint, Excerpt: excerpt(body, secrets...), Err: errors.New("response has no code")}
	}
	if code == CodeSuccess {
		return nil
	}
	return &APIError{Code: cleanCode(code, secrets...), Msg: cleanMsg(rawText(e.Msg), secrets...), HTTPStatus: http.StatusOK}
}

// checkOnly is the slow path after a typed decode failed: if the body at
// least has an envelope with a failure code, that code is the real error.
func checkOnly(endpoint string, body []byte, decodeErr error, secrets []string) error {
	var env envelope
	if err := json.Unmarshal(body, &env); err == nil {
		if code, ok := parseCode(env.Code); ok && code != CodeSuccess {
			return env.check(endpoint, body, secrets)
		}
	}
	return &DecodeError{Endpoint: endpoint, Excerpt: excerpt(body, secrets...), Err: decodeErr}
}

// listResponse is the list endpoint's answer, decoded in one pass.
type listResponse struct {
	envelope
	Total FlexInt    `json:"total"`
	Data  []Instance `json:"data"`
}

// decodeList decodes a list response body that answers a request for at
// most limit instances. It never panics; its errors are *APIError or
// *DecodeError, which wraps ErrPageOverLimit when the page holds more than
// limit instances. Such a page is refused before any of it is decoded: a
// server that ignores limit must not make the client decode (and hold)
// everything it sends.
func decodeList(body []byte, limit int, secrets ...string) (*Page, error) {
	if n := listLen(body, limit); n > limit {
		return nil, checkOnly("list", body, fmt.Errorf("page holds more than the %d instances asked for: %w", limit, ErrPageOverLimit), secrets)
	}
	var r listResponse
	if err := json.Unmarshal(body, &r); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			if p, ok := decodeListLenient(body); ok {
				return p, nil
			}
		}
		return nil, checkOnly("list", body, err, secrets)
	}
	if err := r.check("list", body, secrets); err != nil {
		return nil, err
	}
	if r.Data == nil {
		r.Data = []Instance{}
	}
	return &Page{Total: int(r.Total), Instances: r.Data}, nil
}

// listLen returns how many elements the "data" array of a list body holds
// (the most, if the key repeats), counting no further than past limit. It
// matches the key the way encoding/json matches a field, without regard to
// case, but does not validate the body: what it makes of a malformed one
// does not matter, as json.Unmarshal rejects that anyway. One pass over the
// bytes costs far less than decoding them.
func listLen(body []byte, limit int) int {
	depth := 0
	var key []byte      // the last string seen at depth 1
	dataNext := false   // a "data" key and its colon were seen
	inData := false     // inside the data array, whose elements are at depth 2
	n, most := 0, 0     // elements of the current data array, and the most
	element := func() { // a value starts
		if inData && depth == 2 && n == 0 {
			n = 1
		}
	}
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case ' ', '\t', '\n', '\r':
		case '"':
			end := stringEnd(body, i)
			if depth == 1 {
				key = body[i:end]
			}
			element()
			dataNext = false
			i = end - 1
		case ':':
			dataNext = depth == 1 && isDataKey(key)
		case ',':
			if inData && depth == 2 {
				if n++; n > limit {
					return n
				}
			}
		case '[', '{':
			if c == '[' && dataNext {
				inData, n = true, 0
			} else {
				element()
			}
			dataNext = false
			depth++
		case ']', '}':
			depth--
			if inData && depth == 1 {
				inData, most = false, max(most, n)
			}
		default:
			element()
			dataNext = false
		}
	}
	return max(most, n)
}

// stringEnd returns the index just past the JSON string that starts at
// body[i], or len(body) when it is not closed.
func stringEnd(body []byte, i int) int {
	for j := i + 1; j < len(body); j++ {
		switch body[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(body)
}

// isDataKey reports whether the quoted key names the data field.
func isDataKey(quoted []byte) bool {
	if len(quoted) < 2 {
		return false
	}
	if bytes.IndexByte(quoted, '\\') < 0 {
		return strings.EqualFold(string(quoted[1:len(quoted)-1]), "data")
	}
	var s string
	return json.Unmarshal(quoted, &s) == nil && strings.EqualFold(s, "data")
}

// detailResponse is the detail endpoint's answer; data stays raw so that
// "no instance" can be told from "an instance".
type detailResponse struct {
	envelope
	Data json.RawMessage `json:"data"`
}

// decodeDetail decodes a detail response body. Success without an instance
// (data null, "", {} or []) is ErrNotFound; other errors are *APIError or
// *DecodeError.
func decodeDetail(body []byte, secrets ...string) (*Instance, error) {
	var r detailResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, checkOnly("detail", body, err, secrets)
	}
	if err := r.check("detail", body, secrets); err != nil {
		return nil, err
	}
	data := bytes.TrimSpace(r.Data)
	switch string(data) {
	case "", "null", `""`, "{}", "[]":
		return nil, ErrNotFound
	}
	// Tolerate a one-element array where an object is documented.
	if data[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, &DecodeError{Endpoint: "detail", Excerpt: excerpt(body, secrets...), Err: err}
		}
		if len(list) == 0 {
			return nil, ErrNotFound
		}
		data = list[0]
	}
	in, err := decodeInstance(data, nil)
	if err != nil {
		return nil, &DecodeError{Endpoint: "detail", Excerpt: excerpt(body, secrets...), Err: err}
	}
	return &in, nil
}
