package scnet

import (
	"bytes"
	"encoding/json"
	"errors"
)

// The lenient path runs only after a typed decode failed on a field of an
// unexpected type. SCNet documents few types and "Many are null in
// practice"; one odd field (a numeric id, a duration in seconds, a port
// list sent as "") must cost that field, not the whole page or the
// watcher's whole poll.

// decodeListLenient decodes a list body field by field. ok is false when
// the body is not a successful listing of objects, for the caller to report
// as before.
func decodeListLenient(body []byte) (*Page, bool) {
	var r struct {
		envelope
		Total FlexInt           `json:"total"`
		Data  []json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &r) != nil {
		return nil, false
	}
	if code, ok := parseCode(r.Code); !ok || code != CodeSuccess {
		return nil, false
	}
	p := &Page{Total: int(r.Total), Instances: make([]Instance, 0, len(r.Data))}
	memo := make(fitMemo)
	for _, raw := range r.Data {
		in, err := decodeInstance(raw, memo)
		if err != nil {
			return nil, false
		}
		p.Instances = append(p.Instances, in)
	}
	return p, true
}

// decodeInstance decodes one instance object. A field whose value has the
// wrong type is read as its text when it is a number or a boolean, list
// entries are repaired the same way, and anything else is dropped. A value
// that is not an object at all is an error. memo may be nil.
func decodeInstance(raw []byte, memo fitMemo) (Instance, error) {
	var in Instance
	err := json.Unmarshal(raw, &in)
	var te *json.UnmarshalTypeError
	if err == nil || !errors.As(err, &te) {
		return in, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return Instance{}, err
	}
	for k, v := range fields {
		if memo.fits(k, v) {
			continue
		}
		if fixed := scalarText(v); fixed != nil && fits(k, fixed) {
			fields[k] = fixed
			continue
		}
		if fixed := repairList(v); fixed != nil && fits(k, fixed) {
			fields[k] = fixed
			continue
		}
		delete(fields, k)
	}
	fixed, err := json.Marshal(fields)
	if err != nil {
		return Instance{}, err
	}
	in = Instance{}
	return in, json.Unmarshal(fixed, &in)
}

// fitMemo remembers whether a field takes a scalar of a given kind: that
// depends only on the field's type, and a broken page repeats the same
// breakage in every instance.
type fitMemo map[string]bool

// fits reports whether the single field k: v decodes into an Instance,
// from memory for scalars.
func (m fitMemo) fits(k string, v json.RawMessage) bool {
	v = bytes.TrimSpace(v)
	if m == nil || len(v) == 0 || v[0] == '{' || v[0] == '[' {
		return fits(k, v)
	}
	kind := v[0]
	if kind == '-' || ('0' <= kind && kind <= '9') {
		kind = '0'
	}
	key := string(kind) + k
	ok, seen := m[key]
	if !seen {
		ok = fits(k, v)
		m[key] = ok
	}
	return ok
}

// fits reports whether the single field k: v decodes into an Instance.
func fits(k string, v json.RawMessage) bool {
	one, err := json.Marshal(map[string]json.RawMessage{k: v})
	if err != nil {
		return false
	}
	var probe Instance
	return json.Unmarshal(one, &probe) == nil
}

// scalarText returns a number or boolean as a JSON string of its text, nil
// for anything else.
func scalarText(v json.RawMessage) json.RawMessage {
	v = bytes.TrimSpace(v)
	if len(v) == 0 {
		return nil
	}
	switch c := v[0]; {
	case c == 't' || c == 'f' || c == '-' || ('0' <= c && c <= '9'):
		s, err := json.Marshal(string(v))
		if err != nil {
			return nil
		}
		return s
	}
	return nil
}

// repairList returns a list of objects with every member that is not a
// string turned into its text (scalars) or dropped (anything else), which
// is what Mount and Port accept; nil when v is not a list of objects.
func repairList(v json.RawMessage) json.RawMessage {
	var items []map[string]json.RawMessage
	if json.Unmarshal(v, &items) != nil {
		return nil
	}
	for _, item := range items {
		for k, m := range item {
			m = bytes.TrimSpace(m)
			switch {
			case len(m) > 0 && (m[0] == '"' || string(m) == "null"):
			case scalarText(m) != nil:
				item[k] = scalarText(m)
			default:
				delete(item, k)
			}
		}
	}
	out, err := json.Marshal(items)
	if err != nil {
		return nil
	}
	return out
}
