package scnet

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
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

// decodeList decodes a list response body. It never panics; its errors are
// *APIError or *DecodeError.
func decodeList(body []byte, secrets ...string) (*Page, error) {
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
