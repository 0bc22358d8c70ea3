package slackemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"scnetbot/blockkit"
)

// Limits of a modal view object and its input blocks (Slack's "Modal views",
// "Input block" and "Plain-text input element" references).
const (
	MaxViewBlocks          = 100
	MaxViewButtonText      = 24 // title, submit and close
	MaxViewCallbackID      = 255
	MaxViewExternalID      = 255
	MaxViewPrivateMetadata = 3000
	MaxInputLabel          = 2000
	MaxInputHint           = 2000
	MaxInputPlaceholder    = 150
	MaxInputLength         = 3000 // plain_text_input min_length and max_length
	maxViewBytes           = 250 << 10
)

// Rules a view breaks, beside the Block Kit ones blockkit.Validate checks
// in its blocks. Slack refuses a view breaking any of them with
// invalid_arguments.
const (
	ruleViewJSON     blockkit.Rule = "view_json"         // view is not a JSON object
	ruleViewType     blockkit.Rule = "view_type"         // type is not modal (home for views.publish)
	ruleViewTitle    blockkit.Rule = "view_title"        // title missing, not plain_text, empty or too long
	ruleViewButton   blockkit.Rule = "view_button"       // submit or close not plain_text, empty or too long
	ruleViewSubmit   blockkit.Rule = "view_submit"       // input blocks without a submit button
	ruleViewBlocks   blockkit.Rule = "view_blocks"       // blocks missing or more than MaxViewBlocks
	ruleViewID       blockkit.Rule = "view_id"           // callback_id or external_id too long or not a string
	ruleViewMetadata blockkit.Rule = "view_metadata"     // private_metadata too long or not a string
	ruleInputLabel   blockkit.Rule = "input_label"       // input label missing, not plain_text, empty or too long
	ruleInputHint    blockkit.Rule = "input_hint"        // input hint not plain_text or too long
	ruleInputElement blockkit.Rule = "input_element"     // input block without an element
	ruleInputLength  blockkit.Rule = "input_length"      // min_length or max_length out of range
	ruleInputText    blockkit.Rule = "input_placeholder" // placeholder not plain_text or too long
	ruleViewResponse blockkit.Rule = "view_response"     // a view_submission ack Slack cannot apply
)

// parsedView is a view object as Slack holds it once accepted: missing
// block_ids and input action_ids filled in, as Slack fills them in.
type parsedView struct {
	obj                                     map[string]json.RawMessage
	blocks                                  json.RawMessage
	title, submit, close                    string
	callbackID, privateMetadata, externalID string
	inputs                                  []ViewInput
}

// View types the emulator accepts: views.open takes a modal,
// views.publish a Home tab.
const (
	viewModal = "modal"
	viewHome  = "home"
)

// parseView checks a view object against Slack's rules for modals and
// returns it normalised. fatal is set when it cannot be shown at all.
func parseView(raw []byte) (pv *parsedView, vs []blockkit.Violation, fatal bool) {
	return parseViewOf(raw, viewModal)
}

// parseViewOf checks a view object of type kind. A Home tab has no title
// and no buttons of its own (Slack ignores them there), so only a modal's
// are checked; the limits on blocks, callback_id, external_id and
// private_metadata are the same for both.
func parseViewOf(raw []byte, kind string) (pv *parsedView, vs []blockkit.Violation, fatal bool) {
	add := func(path string, r blockkit.Rule, format string, args ...any) {
		vs = append(vs, blockkit.Violation{Path: path, Rule: r, Detail: fmt.Sprintf(format, args...)})
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		add("view", ruleViewJSON, "view is not a JSON object")
		return nil, vs, true
	}
	pv = &parsedView{obj: obj}
	if typ, _ := jsonString(obj["type"]); typ != kind {
		add("type", ruleViewType, "view type %q, want %s", blockkit.Truncate(typ, 40), kind)
	}
	if kind == viewModal {
		if t, ok := obj["title"]; ok {
			pv.title = checkPlain(&vs, "title", t, MaxViewButtonText, ruleViewTitle)
		} else {
			add("title", ruleViewTitle, "missing required field: title")
		}
		if t, ok := obj["submit"]; ok && !isNull(t) {
			pv.submit = checkPlain(&vs, "submit", t, MaxViewButtonText, ruleViewButton)
		}
		if t, ok := obj["close"]; ok && !isNull(t) {
			pv.close = checkPlain(&vs, "close", t, MaxViewButtonText, ruleViewButton)
		}
	}
	strField := func(key string, max int, r blockkit.Rule) string {
		raw, ok := obj[key]
		if !ok || isNull(raw) {
			return ""
		}
		s, ok := jsonString(raw)
		if !ok {
			add(key, r, "%s is not a string", key)
			return ""
		}
		if n := utf8.RuneCountInString(s); n > max {
			add(key, r, "%s is %d characters, limit %d", key, n, max)
		}
		return s
	}
	pv.callbackID = strField("callback_id", MaxViewCallbackID, ruleViewID)
	pv.externalID = strField("external_id", MaxViewExternalID, ruleViewID)
	pv.privateMetadata = strField("private_metadata", MaxViewPrivateMetadata, ruleViewMetadata)

	var blocks []map[string]json.RawMessage
	if err := json.Unmarshal(obj["blocks"], &blocks); err != nil || isNull(obj["blocks"]) {
		add("blocks", ruleViewBlocks, "blocks is missing or not an array of objects")
		return pv, vs, true
	}
	if len(blocks) > MaxViewBlocks {
		add("blocks", ruleViewBlocks, "%d blocks, limit %d", len(blocks), MaxViewBlocks)
	}
	// Block Kit's own rules, except the 50-block limit of messages.
	for _, v := range blockkit.Validate(obj["blocks"]) {
		if v.Rule != blockkit.RuleTooManyBlocks {
			vs = append(vs, v)
		}
	}
	for i, b := range blocks {
		path := fmt.Sprintf("blocks[%d]", i)
		if id, _ := jsonString(b["block_id"]); id == "" {
			b["block_id"] = mustJSON("emu-block-" + strconv.Itoa(i))
		}
		if typ, _ := jsonString(b["type"]); typ == "input" {
			pv.inputs = append(pv.inputs, checkInput(&vs, path, i, b))
		}
	}
	if kind == viewModal && len(pv.inputs) > 0 && pv.submit == "" {
		add("submit", ruleViewSubmit, "must define submit to use input block")
	}
	pv.blocks = mustJSON(blocks)
	obj["blocks"] = pv.blocks
	return pv, vs, false
}

// checkInput checks one input block, fills in its element's action_id if
// missing, and describes it.
func checkInput(vs *[]blockkit.Violation, path string, i int, b map[string]json.RawMessage) ViewInput {
	add := func(path string, r blockkit.Rule, format string, args ...any) {
		*vs = append(*vs, blockkit.Violation{Path: path, Rule: r, Detail: fmt.Sprintf(format, args...)})
	}
	in := ViewInput{}
	in.BlockID, _ = jsonString(b["block_id"])
	_ = json.Unmarshal(b["optional"], &in.Optional)
	if l, ok := b["label"]; ok {
		in.Label = checkPlain(vs, path+".label", l, MaxInputLabel, ruleInputLabel)
	} else {
		add(path+".label", ruleInputLabel, "missing required field: label")
	}
	if h, ok := b["hint"]; ok && !isNull(h) {
		checkPlain(vs, path+".hint", h, MaxInputHint, ruleInputHint)
	}
	var e map[string]json.RawMessage
	if err := json.Unmarshal(b["element"], &e); err != nil || e == nil {
		add(path+".element", ruleInputElement, "missing required field: element")
		return in
	}
	in.Type, _ = jsonString(e["type"])
	if in.Type == "" {
		add(path+".element.type", ruleInputElement, "element has no type")
	}
	in.ActionID, _ = jsonString(e["action_id"])
	if in.ActionID == "" {
		in.ActionID = "emu-action-" + strconv.Itoa(i)
		e["action_id"] = mustJSON(in.ActionID)
	} else if n := utf8.RuneCountInString(in.ActionID); n > blockkit.MaxActionID {
		add(path+".element.action_id", blockkit.RuleActionID, "action_id is %d characters, limit %d", n, blockkit.MaxActionID)
	}
	if in.Type == "plain_text_input" {
		in.InitialValue, _ = jsonString(e["initial_value"])
		if p, ok := e["placeholder"]; ok && !isNull(p) {
			checkPlain(vs, path+".element.placeholder", p, MaxInputPlaceholder, ruleInputText)
		}
		in.MinLength = lengthField(vs, path+".element", e, "min_length", 0)
		in.MaxLength = lengthField(vs, path+".element", e, "max_length", 1)
		if in.MaxLength > 0 && in.MinLength > in.MaxLength {
			add(path+".element.min_length", ruleInputLength, "min_length %d is above max_length %d", in.MinLength, in.MaxLength)
		}
	}
	b["element"] = mustJSON(e)
	return in
}

// lengthField reads min_length or max_length, which Slack accepts from min
// to MaxInputLength inclusive.
func lengthField(vs *[]blockkit.Violation, path string, e map[string]json.RawMessage, key string, min int) int {
	raw, ok := e[key]
	if !ok || isNull(raw) {
		return 0
	}
	var n int
	if err := json.Unmarshal(raw, &n); err != nil || n < min || n > MaxInputLength {
		*vs = append(*vs, blockkit.Violation{Path: path + "." + key, Rule: ruleInputLength,
			Detail: fmt.Sprintf("%s must be a whole number from %d to %d", key, min, MaxInputLength)})
		return 0
	}
	return n
}

// checkPlain checks a plain_text text object of at most max characters and
// returns its text.
func checkPlain(vs *[]blockkit.Violation, path string, raw json.RawMessage, max int, r blockkit.Rule) string {
	var t struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &t); err != nil {
		*vs = append(*vs, blockkit.Violation{Path: path, Rule: r, Detail: "not a text object"})
		return ""
	}
	switch n := utf8.RuneCountInString(t.Text); {
	case t.Type != "plain_text":
		*vs = append(*vs, blockkit.Violation{Path: path + ".type", Rule: r,
			Detail: fmt.Sprintf("text must be plain_text, not %q", blockkit.Truncate(t.Type, 40))})
	case n == 0:
		*vs = append(*vs, blockkit.Violation{Path: path + ".text", Rule: r, Detail: "text is empty"})
	case n > max:
		*vs = append(*vs, blockkit.Violation{Path: path + ".text", Rule: r,
			Detail: fmt.Sprintf("must be less than %d characters, is %d", max+1, n)})
	}
	return t.Text
}

// slackMessages words violations as Slack's invalid_arguments answer does:
// "[ERROR] <reason> [json-pointer:/view/<path>]".
func slackMessages(vs []blockkit.Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		ptr := strings.NewReplacer("[", "/", "]", "", ".", "/").Replace(v.Path)
		if ptr == "view" {
			ptr = ""
		} else {
			ptr = "/" + ptr
		}
		out[i] = fmt.Sprintf("[ERROR] %s [json-pointer:/view%s]", v.Detail, ptr)
	}
	return out
}

func jsonString(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

// mustJSON encodes values that always encode: strings, and maps and
// slices of raw JSON that was decoded a moment ago.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("slackemu: encode " + err.Error())
	}
	return b
}
