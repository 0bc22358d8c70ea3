package blockkit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Rule names one Block Kit rule a message can break.
type Rule string

// Rules Validate and ValidateMessage check. Every rule except
// RuleMessageTextTooLong and RuleNoContent makes Slack refuse the message
// with "invalid_blocks"; those two are scnetbot's own limits.
const (
	RuleBlocksJSON         Rule = "blocks_json"           // blocks is not a JSON array of objects
	RuleTooManyBlocks      Rule = "too_many_blocks"       // more than MaxBlocks blocks
	RuleBlockType          Rule = "block_type"            // a block without a type
	RuleBlockID            Rule = "block_id"              // block_id too long or not a string
	RuleSectionText        Rule = "section_text"          // section text too long
	RuleSectionEmpty       Rule = "section_empty"         // section with neither text nor fields
	RuleTooManyFields      Rule = "too_many_fields"       // more than MaxSectionFields fields
	RuleFieldText          Rule = "field_text"            // a section field too long
	RuleHeaderText         Rule = "header_text"           // header text too long
	RuleHeaderPlainText    Rule = "header_plain_text"     // header text not plain_text
	RuleActionsElements    Rule = "actions_elements"      // actions block with no or too many elements
	RuleContextElements    Rule = "context_elements"      // context block with no or too many elements
	RuleButtonText         Rule = "button_text"           // button text too long or not plain_text
	RuleButtonValue        Rule = "button_value"          // button value too long
	RuleButtonURL          Rule = "button_url"            // button url too long
	RuleButtonStyle        Rule = "button_style"          // button style other than primary or danger
	RuleActionID           Rule = "action_id"             // action_id too long or not a string
	RuleDuplicateActionID  Rule = "duplicate_action_id"   // the same action_id twice in one message
	RuleDuplicateBlockID   Rule = "duplicate_block_id"    // the same block_id twice in one message
	RuleOptionText         Rule = "option_text"           // option text too long
	RuleOptionValue        Rule = "option_value"          // option value too long
	RuleConfirmTitle       Rule = "confirm_title"         // confirm title missing, too long or not plain_text
	RuleConfirmText        Rule = "confirm_text"          // confirm text missing or too long
	RuleConfirmButton      Rule = "confirm_button"        // confirm/deny button text missing, too long or not plain_text
	RuleTextObject         Rule = "text_object"           // text object malformed: wrong type, not a string
	RuleEmptyText          Rule = "empty_text"            // text object with empty text
	RuleMessageTextTooLong Rule = "message_text_too_long" // message text over MaxMessageText
	RuleNoContent          Rule = "no_content"            // message with neither text nor blocks
)

// Violation is one broken rule and where in the message it was broken.
type Violation struct {
	// Path locates the offending value, e.g. "blocks[2].elements[0].text".
	Path   string
	Rule   Rule
	Detail string
}

// String renders the violation for logs and test failures.
func (v Violation) String() string {
	return v.Path + ": " + v.Detail + " (" + string(v.Rule) + ")"
}

// RejectedBySlack reports whether Slack refuses a message breaking this rule
// (as "invalid_blocks"), as opposed to a limit scnetbot sets itself.
func (r Rule) RejectedBySlack() bool {
	return r != RuleMessageTextTooLong && r != RuleNoContent
}

// ValidateMessage checks a whole message: its fallback text and its blocks.
// blocks may be empty or JSON null for a text-only message.
func ValidateMessage(text string, blocks json.RawMessage) []Violation {
	var vs []Violation
	if n := utf8.RuneCountInString(text); n > MaxMessageText {
		vs = append(vs, Violation{Path: "text", Rule: RuleMessageTextTooLong,
			Detail: fmt.Sprintf("message text is %d characters, limit %d", n, MaxMessageText)})
	}
	if !hasBlocks(blocks) {
		if text == "" {
			vs = append(vs, Violation{Path: "text", Rule: RuleNoContent, Detail: "message has neither text nor blocks"})
		}
		return vs
	}
	return append(vs, Validate(blocks)...)
}

// hasBlocks reports whether blocks holds anything but nothing, null or [].
func hasBlocks(blocks json.RawMessage) bool {
	t := bytes.TrimSpace(blocks)
	if len(t) == 0 || string(t) == "null" {
		return false
	}
	var arr []json.RawMessage
	if err := json.Unmarshal(t, &arr); err == nil && len(arr) == 0 {
		return false
	}
	return true
}

// Validate checks a blocks array against Block Kit's limits and returns every
// rule it breaks, in document order. Characters are counted as runes, as
// Slack counts them. It never panics, whatever the input.
func Validate(blocks json.RawMessage) []Violation {
	v := &validator{actionIDs: map[string]string{}, blockIDs: map[string]string{}}
	var arr []json.RawMessage
	if err := json.Unmarshal(blocks, &arr); err != nil {
		v.add("blocks", RuleBlocksJSON, "blocks is not a JSON array: %v", err)
		return v.out
	}
	if len(arr) > MaxBlocks {
		v.add("blocks", RuleTooManyBlocks, "%d blocks, limit %d", len(arr), MaxBlocks)
	}
	for i, raw := range arr {
		v.block(fmt.Sprintf("blocks[%d]", i), raw)
	}
	return v.out
}

// validator collects violations and the ids already seen in one message.
type validator struct {
	out       []Violation
	actionIDs map[string]string // action_id → path where first seen
	blockIDs  map[string]string
}

func (v *validator) add(path string, r Rule, format string, args ...any) {
	v.out = append(v.out, Violation{Path: path, Rule: r, Detail: fmt.Sprintf(format, args...)})
}

// object decodes raw as a JSON object, reporting a violation when it is not.
func (v *validator) object(path string, raw json.RawMessage, r Rule) (map[string]json.RawMessage, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		v.add(path, r, "not a JSON object")
		return nil, false
	}
	return obj, true
}

// str reads obj[key] as a string. present is false when the key is absent or
// null; a present value of another type is reported under rule r.
func (v *validator) str(path string, obj map[string]json.RawMessage, key string, r Rule) (s string, present bool) {
	raw, ok := obj[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return "", false
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		v.add(path+"."+key, r, "%s is not a string", key)
		return "", false
	}
	return s, true
}

// array reads obj[key] as a JSON array; present is false when absent or null.
func (v *validator) array(path string, obj map[string]json.RawMessage, key string, r Rule) (arr []json.RawMessage, present bool) {
	raw, ok := obj[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return nil, false
	}
	if err := json.Unmarshal(raw, &arr); err != nil {
		v.add(path+"."+key, r, "%s is not an array", key)
		return nil, false
	}
	return arr, true
}

// limit reports s when it is longer than max characters.
func (v *validator) limit(path string, s string, max int, r Rule, what string) {
	if n := utf8.RuneCountInString(s); n > max {
		v.add(path, r, "%s is %d characters, limit %d", what, n, max)
	}
}

// uniqueID checks an optional id field (block_id, action_id): its length,
// and that no other block or element of the message already uses it. seen
// maps each id to where it was first used.
func (v *validator) uniqueID(path string, obj map[string]json.RawMessage, key string, max int, rule, dupRule Rule, seen map[string]string) {
	id, ok := v.str(path, obj, key, rule)
	if !ok {
		return
	}
	v.limit(path+"."+key, id, max, rule, key)
	if first, dup := seen[id]; dup {
		v.add(path+"."+key, dupRule, "%s %q already used at %s", key, Truncate(id, 40), first)
		return
	}
	seen[id] = path
}

func (v *validator) block(path string, raw json.RawMessage) {
	b, ok := v.object(path, raw, RuleBlocksJSON)
	if !ok {
		return
	}
	v.uniqueID(path, b, "block_id", MaxBlockID, RuleBlockID, RuleDuplicateBlockID, v.blockIDs)
	typ, _ := v.str(path, b, "type", RuleBlockType)
	switch typ {
	case "":
		v.add(path+".type", RuleBlockType, "block has no type")
	case "section":
		v.section(path, b)
	case "header":
		v.header(path, b)
	case "actions":
		elems, _ := v.array(path, b, "elements", RuleActionsElements)
		if len(elems) == 0 || len(elems) > MaxActionsElements {
			v.add(path+".elements", RuleActionsElements, "actions block has %d elements, want 1 to %d", len(elems), MaxActionsElements)
		}
		for i, e := range elems {
			v.element(fmt.Sprintf("%s.elements[%d]", path, i), e)
		}
	case "context":
		elems, _ := v.array(path, b, "elements", RuleContextElements)
		if len(elems) == 0 || len(elems) > MaxContextElements {
			v.add(path+".elements", RuleContextElements, "context block has %d elements, want 1 to %d", len(elems), MaxContextElements)
		}
		for i, e := range elems {
			p := fmt.Sprintf("%s.elements[%d]", path, i)
			obj, ok := v.object(p, e, RuleTextObject)
			if !ok {
				continue
			}
			if t, _ := v.str(p, obj, "type", RuleTextObject); t == "plain_text" || t == "mrkdwn" {
				v.textObject(p, e, 0, RuleTextObject, false)
			}
		}
	}
}

func (v *validator) section(path string, b map[string]json.RawMessage) {
	_, hasText := b["text"]
	fields, hasFields := v.array(path, b, "fields", RuleTooManyFields)
	if !hasText && len(fields) == 0 {
		v.add(path, RuleSectionEmpty, "section has neither text nor fields")
	}
	if hasText {
		v.textObject(path+".text", b["text"], MaxSectionText, RuleSectionText, false)
	}
	if hasFields && len(fields) > MaxSectionFields {
		v.add(path+".fields", RuleTooManyFields, "section has %d fields, limit %d", len(fields), MaxSectionFields)
	}
	for i, f := range fields {
		v.textObject(fmt.Sprintf("%s.fields[%d]", path, i), f, MaxFieldText, RuleFieldText, false)
	}
	if acc, ok := b["accessory"]; ok {
		v.element(path+".accessory", acc)
	}
}

func (v *validator) header(path string, b map[string]json.RawMessage) {
	raw, ok := b["text"]
	if !ok {
		v.add(path+".text", RuleEmptyText, "header has no text")
		return
	}
	v.textObject(path+".text", raw, MaxHeaderText, RuleHeaderText, true)
}

// textObject checks a text object {type, text}. max 0 means no length limit;
// plainOnly reports mrkdwn under RuleHeaderPlainText or limitRule.
func (v *validator) textObject(path string, raw json.RawMessage, max int, limitRule Rule, plainOnly bool) {
	obj, ok := v.object(path, raw, RuleTextObject)
	if !ok {
		return
	}
	typ, _ := v.str(path, obj, "type", RuleTextObject)
	switch {
	case typ != "plain_text" && typ != "mrkdwn":
		v.add(path+".type", RuleTextObject, "text object type %q, want plain_text or mrkdwn", Truncate(typ, 40))
	case plainOnly && typ != "plain_text":
		r := limitRule
		if limitRule == RuleHeaderText {
			r = RuleHeaderPlainText
		}
		v.add(path+".type", r, "text must be plain_text, not %s", typ)
	}
	text, present := v.str(path, obj, "text", RuleTextObject)
	if !present || text == "" {
		v.add(path+".text", RuleEmptyText, "text is empty")
		return
	}
	if max > 0 {
		v.limit(path+".text", text, max, limitRule, "text")
	}
}

// element checks an interactive element: a button, a select, an overflow menu,
// or anything else carrying an action_id, options or a confirm dialog.
func (v *validator) element(path string, raw json.RawMessage) {
	e, ok := v.object(path, raw, RuleBlocksJSON)
	if !ok {
		return
	}
	typ, _ := v.str(path, e, "type", RuleBlockType)
	if typ == "" {
		v.add(path+".type", RuleBlockType, "element has no type")
	}
	v.uniqueID(path, e, "action_id", MaxActionID, RuleActionID, RuleDuplicateActionID, v.actionIDs)
	if typ == "button" {
		v.button(path, e)
	}
	if typ == "image" {
		return
	}
	if opts, ok := v.array(path, e, "options", RuleOptionText); ok {
		v.options(path+".options", opts)
	}
	if groups, ok := v.array(path, e, "option_groups", RuleOptionText); ok {
		for i, g := range groups {
			p := fmt.Sprintf("%s.option_groups[%d]", path, i)
			obj, ok := v.object(p, g, RuleOptionText)
			if !ok {
				continue
			}
			if opts, ok := v.array(p, obj, "options", RuleOptionText); ok {
				v.options(p+".options", opts)
			}
		}
	}
	if c, ok := e["confirm"]; ok && string(bytes.TrimSpace(c)) != "null" {
		v.confirm(path+".confirm", c)
	}
}

func (v *validator) button(path string, e map[string]json.RawMessage) {
	raw, ok := e["text"]
	if !ok {
		v.add(path+".text", RuleEmptyText, "button has no text")
	} else {
		v.textObject(path+".text", raw, MaxButtonText, RuleButtonText, true)
	}
	if val, ok := v.str(path, e, "value", RuleButtonValue); ok {
		v.limit(path+".value", val, MaxButtonValue, RuleButtonValue, "button value")
	}
	if u, ok := v.str(path, e, "url", RuleButtonURL); ok {
		v.limit(path+".url", u, MaxButtonURL, RuleButtonURL, "button url")
	}
	if st, ok := v.str(path, e, "style", RuleButtonStyle); ok && st != "primary" && st != "danger" {
		v.add(path+".style", RuleButtonStyle, "button style %q, want primary or danger", Truncate(st, 40))
	}
}

func (v *validator) options(path string, opts []json.RawMessage) {
	for i, o := range opts {
		p := fmt.Sprintf("%s[%d]", path, i)
		obj, ok := v.object(p, o, RuleOptionText)
		if !ok {
			continue
		}
		if raw, ok := obj["text"]; ok {
			v.textObject(p+".text", raw, MaxOptionText, RuleOptionText, false)
		} else {
			v.add(p+".text", RuleEmptyText, "option has no text")
		}
		if val, ok := v.str(p, obj, "value", RuleOptionValue); ok {
			v.limit(p+".value", val, MaxOptionValue, RuleOptionValue, "option value")
		}
	}
}

func (v *validator) confirm(path string, raw json.RawMessage) {
	c, ok := v.object(path, raw, RuleConfirmTitle)
	if !ok {
		return
	}
	parts := []struct {
		key       string
		max       int
		rule      Rule
		plainOnly bool
	}{
		{"title", MaxConfirmTitle, RuleConfirmTitle, true},
		{"text", MaxConfirmText, RuleConfirmText, false},
		{"confirm", MaxConfirmButton, RuleConfirmButton, true},
		{"deny", MaxConfirmButton, RuleConfirmButton, true},
	}
	for _, p := range parts {
		raw, ok := c[p.key]
		if !ok {
			v.add(path+"."+p.key, p.rule, "confirm dialog has no %s", p.key)
			continue
		}
		v.textObject(path+"."+p.key, raw, p.max, p.rule, p.plainOnly)
	}
}

// Strings renders violations one per line, for logs and test output.
func Strings(vs []Violation) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

// Join renders violations as one "; "-separated line.
func Join(vs []Violation) string { return strings.Join(Strings(vs), "; ") }
