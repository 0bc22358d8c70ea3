package blockkit

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// js marshals v for building test blocks.
func js(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rep repeats a two-byte character so tests prove characters, not bytes, are counted.
func rep(n int) string { return strings.Repeat("é", n) }

type obj = map[string]any

func plain(s string) obj { return obj{"type": "plain_text", "text": s} }
func md(s string) obj    { return obj{"type": "mrkdwn", "text": s} }

func section(text string) obj { return obj{"type": "section", "text": md(text)} }

func button(id, label string) obj {
	return obj{"type": "button", "action_id": id, "text": plain(label), "value": "v"}
}

func actions(elems ...obj) obj { return obj{"type": "actions", "elements": elems} }

func n[T any](k int, f func(i int) T) []T {
	out := make([]T, k)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

func confirm(title, text, yes, no obj) obj {
	c := obj{}
	for k, v := range map[string]obj{"title": title, "text": text, "confirm": yes, "deny": no} {
		if v != nil {
			c[k] = v
		}
	}
	return obj{"type": "actions", "elements": []obj{{
		"type": "button", "action_id": "a", "text": plain("Go"), "confirm": c,
	}}}
}

func selectWith(opt obj) obj {
	return obj{"type": "actions", "elements": []obj{{
		"type": "static_select", "action_id": "s", "placeholder": plain("Pick"), "options": []obj{opt},
	}}}
}

func TestValidate(t *testing.T) {
	okConfirm := confirm(plain("Sure?"), md("Really"), plain("Yes"), plain("No"))
	tests := []struct {
		name   string
		blocks any    // marshalled unless a string
		want   Rule   // "" means no violation
		path   string // checked when set
	}{
		{"valid message", []obj{section("hi"), actions(button("a", "A"), button("b", "B"))}, "", ""},
		{"not an array", `{"type":"section"}`, RuleBlocksJSON, "blocks"},
		{"not JSON", `[{`, RuleBlocksJSON, "blocks"},
		{"block not an object", `[1]`, RuleBlocksJSON, "blocks[0]"},

		{"50 blocks", n(MaxBlocks, func(int) obj { return obj{"type": "divider"} }), "", ""},
		{"51 blocks", n(MaxBlocks+1, func(int) obj { return obj{"type": "divider"} }), RuleTooManyBlocks, "blocks"},
		{"block without type", []obj{{"text": md("x")}}, RuleBlockType, "blocks[0].type"},

		{"block_id at limit", []obj{{"type": "divider", "block_id": rep(MaxBlockID)}}, "", ""},
		{"block_id over limit", []obj{{"type": "divider", "block_id": rep(MaxBlockID + 1)}}, RuleBlockID, "blocks[0].block_id"},
		{"block_id not string", []obj{{"type": "divider", "block_id": 7}}, RuleBlockID, "blocks[0].block_id"},
		{"duplicate block_id", []obj{{"type": "divider", "block_id": "x"}, {"type": "divider", "block_id": "x"}}, RuleDuplicateBlockID, "blocks[1].block_id"},

		{"section text at limit", []obj{section(rep(MaxSectionText))}, "", ""},
		{"section text over limit", []obj{section(rep(MaxSectionText + 1))}, RuleSectionText, "blocks[0].text.text"},
		{"section empty", []obj{{"type": "section"}}, RuleSectionEmpty, "blocks[0]"},
		{"section text empty", []obj{section("")}, RuleEmptyText, "blocks[0].text.text"},
		{"section text missing text", []obj{{"type": "section", "text": obj{"type": "mrkdwn"}}}, RuleEmptyText, "blocks[0].text.text"},
		{"text object bad type", []obj{{"type": "section", "text": obj{"type": "html", "text": "x"}}}, RuleTextObject, "blocks[0].text.type"},
		{"text object not object", []obj{{"type": "section", "text": "x"}}, RuleTextObject, "blocks[0].text"},
		{"text not string", []obj{{"type": "section", "text": obj{"type": "mrkdwn", "text": 5}}}, RuleTextObject, "blocks[0].text.text"},

		{"10 fields", []obj{{"type": "section", "fields": n(MaxSectionFields, func(int) obj { return md("f") })}}, "", ""},
		{"11 fields", []obj{{"type": "section", "fields": n(MaxSectionFields+1, func(int) obj { return md("f") })}}, RuleTooManyFields, "blocks[0].fields"},
		{"field at limit", []obj{{"type": "section", "fields": []obj{md(rep(MaxFieldText))}}}, "", ""},
		{"field over limit", []obj{{"type": "section", "fields": []obj{md("a"), md(rep(MaxFieldText + 1))}}}, RuleFieldText, "blocks[0].fields[1].text"},

		{"header at limit", []obj{{"type": "header", "text": plain(rep(MaxHeaderText))}}, "", ""},
		{"header over limit", []obj{{"type": "header", "text": plain(rep(MaxHeaderText + 1))}}, RuleHeaderText, "blocks[0].text.text"},
		{"header mrkdwn", []obj{{"type": "header", "text": md("x")}}, RuleHeaderPlainText, "blocks[0].text.type"},
		{"header without text", []obj{{"type": "header"}}, RuleEmptyText, "blocks[0].text"},

		{"25 actions elements", []obj{actions(n(MaxActionsElements, func(i int) obj { return button(fmt.Sprint(i), "x") })...)}, "", ""},
		{"26 actions elements", []obj{actions(n(MaxActionsElements+1, func(i int) obj { return button(fmt.Sprint(i), "x") })...)}, RuleActionsElements, "blocks[0].elements"},
		{"actions without elements", []obj{{"type": "actions"}}, RuleActionsElements, "blocks[0].elements"},

		{"10 context elements", []obj{{"type": "context", "elements": n(MaxContextElements, func(int) obj { return md("c") })}}, "", ""},
		{"11 context elements", []obj{{"type": "context", "elements": n(MaxContextElements+1, func(int) obj { return md("c") })}}, RuleContextElements, "blocks[0].elements"},
		{"context empty text", []obj{{"type": "context", "elements": []obj{md("")}}}, RuleEmptyText, "blocks[0].elements[0].text"},

		{"button text at limit", []obj{actions(button("a", rep(MaxButtonText)))}, "", ""},
		{"button text over limit", []obj{actions(button("a", rep(MaxButtonText+1)))}, RuleButtonText, "blocks[0].elements[0].text.text"},
		{"button text mrkdwn", []obj{actions(obj{"type": "button", "action_id": "a", "text": md("x")})}, RuleButtonText, "blocks[0].elements[0].text.type"},
		{"button text empty", []obj{actions(button("a", ""))}, RuleEmptyText, "blocks[0].elements[0].text.text"},
		{"button value at limit", []obj{actions(obj{"type": "button", "action_id": "a", "text": plain("x"), "value": rep(MaxButtonValue)})}, "", ""},
		{"button value over limit", []obj{actions(obj{"type": "button", "action_id": "a", "text": plain("x"), "value": rep(MaxButtonValue + 1)})}, RuleButtonValue, "blocks[0].elements[0].value"},
		{"button url at limit", []obj{actions(obj{"type": "button", "action_id": "a", "text": plain("x"), "url": rep(MaxButtonURL)})}, "", ""},
		{"button url over limit", []obj{actions(obj{"type": "button", "action_id": "a", "text": plain("x"), "url": rep(MaxButtonURL + 1)})}, RuleButtonURL, "blocks[0].elements[0].url"},
		{"button style danger", []obj{actions(obj{"type": "button", "action_id": "a", "text": plain("x"), "style": "danger"})}, "", ""},
		{"button style bad", []obj{actions(obj{"type": "button", "action_id": "a", "text": plain("x"), "style": "red"})}, RuleButtonStyle, "blocks[0].elements[0].style"},
		{"accessory button over limit", []obj{{"type": "section", "text": md("x"), "accessory": button("a", rep(MaxButtonText+1))}}, RuleButtonText, "blocks[0].accessory.text.text"},

		{"action_id at limit", []obj{actions(button(rep(MaxActionID), "x"))}, "", ""},
		{"action_id over limit", []obj{actions(button(rep(MaxActionID+1), "x"))}, RuleActionID, "blocks[0].elements[0].action_id"},
		{"duplicate action_id across blocks", []obj{actions(button("a", "x")), {"type": "section", "text": md("y"), "accessory": button("a", "y")}}, RuleDuplicateActionID, "blocks[1].accessory.action_id"},

		{"option at limits", []obj{selectWith(obj{"text": plain(rep(MaxOptionText)), "value": rep(MaxOptionValue)})}, "", ""},
		{"option text over limit", []obj{selectWith(obj{"text": plain(rep(MaxOptionText + 1)), "value": "v"})}, RuleOptionText, "blocks[0].elements[0].options[0].text.text"},
		{"option value over limit", []obj{selectWith(obj{"text": plain("t"), "value": rep(MaxOptionValue + 1)})}, RuleOptionValue, "blocks[0].elements[0].options[0].value"},
		{"option group option over limit", []obj{actions(obj{"type": "static_select", "action_id": "s", "option_groups": []obj{{"label": plain("g"), "options": []obj{{"text": plain(rep(MaxOptionText + 1)), "value": "v"}}}}})}, RuleOptionText, "blocks[0].elements[0].option_groups[0].options[0].text.text"},

		{"confirm valid", []obj{okConfirm}, "", ""},
		{"confirm title over limit", []obj{confirm(plain(rep(MaxConfirmTitle+1)), md("t"), plain("y"), plain("n"))}, RuleConfirmTitle, "blocks[0].elements[0].confirm.title.text"},
		{"confirm title missing", []obj{confirm(nil, md("t"), plain("y"), plain("n"))}, RuleConfirmTitle, "blocks[0].elements[0].confirm.title"},
		{"confirm text over limit", []obj{confirm(plain("t"), md(rep(MaxConfirmText+1)), plain("y"), plain("n"))}, RuleConfirmText, "blocks[0].elements[0].confirm.text.text"},
		{"confirm button over limit", []obj{confirm(plain("t"), md("t"), plain(rep(MaxConfirmButton+1)), plain("n"))}, RuleConfirmButton, "blocks[0].elements[0].confirm.confirm.text"},
		{"deny button over limit", []obj{confirm(plain("t"), md("t"), plain("y"), plain(rep(MaxConfirmButton+1)))}, RuleConfirmButton, "blocks[0].elements[0].confirm.deny.text"},
		{"confirm button at limit", []obj{confirm(plain(rep(MaxConfirmTitle)), md(rep(MaxConfirmText)), plain(rep(MaxConfirmButton)), plain(rep(MaxConfirmButton)))}, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var raw json.RawMessage
			if s, ok := tc.blocks.(string); ok {
				raw = json.RawMessage(s)
			} else {
				raw = js(t, tc.blocks)
			}
			got := Validate(raw)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("want no violations, got %v", Strings(got))
				}
				return
			}
			for _, v := range got {
				if v.Rule == tc.want && (tc.path == "" || v.Path == tc.path) {
					return
				}
			}
			t.Fatalf("want %s at %q, got %v", tc.want, tc.path, Strings(got))
		})
	}
}

func TestValidateMessage(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		blocks json.RawMessage
		want   []Rule
	}{
		{"text only", "hello", nil, nil},
		{"text at limit", rep(MaxMessageText), nil, nil},
		{"text over limit", rep(MaxMessageText + 1), nil, []Rule{RuleMessageTextTooLong}},
		{"nothing", "", nil, []Rule{RuleNoContent}},
		{"null blocks and no text", "", json.RawMessage("null"), []Rule{RuleNoContent}},
		{"empty blocks and no text", "", json.RawMessage("[]"), []Rule{RuleNoContent}},
		{"blocks without text", "", json.RawMessage(`[{"type":"divider"}]`), nil},
		{"text and bad blocks", rep(MaxMessageText + 1), json.RawMessage(`[{"type":"header","text":{"type":"mrkdwn","text":"x"}}]`), []Rule{RuleMessageTextTooLong, RuleHeaderPlainText}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := ValidateMessage(tc.text, tc.blocks)
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want rules %v", Strings(got), tc.want)
			}
			for i, v := range got {
				if v.Rule != tc.want[i] {
					t.Errorf("violation %d: got %s, want %s", i, v, tc.want[i])
				}
			}
		})
	}
}

func TestRejectedBySlack(t *testing.T) {
	tests := []struct {
		rule Rule
		want bool
	}{
		{RuleSectionText, true},
		{RuleDuplicateActionID, true},
		{RuleMessageTextTooLong, false},
		{RuleNoContent, false},
	}
	for _, tc := range tests {
		if got := tc.rule.RejectedBySlack(); got != tc.want {
			t.Errorf("%s.RejectedBySlack() = %v, want %v", tc.rule, got, tc.want)
		}
	}
}

func TestViolationString(t *testing.T) {
	got := Validate(json.RawMessage(`[{"type":"header","text":{"type":"plain_text","text":""}}]`))
	if len(got) != 1 {
		t.Fatalf("got %v", Strings(got))
	}
	want := "blocks[0].text.text: text is empty (empty_text)"
	if s := got[0].String(); s != want {
		t.Errorf("String() = %q, want %q", s, want)
	}
	if j := Join(append(got, got...)); j != want+"; "+want {
		t.Errorf("Join() = %q", j)
	}
}

func FuzzValidate(f *testing.F) {
	seeds := []string{
		`[]`, `null`, `{}`, `[1,"a",null]`, `[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]`,
		`[{"type":"section","fields":[null,1,{"type":"plain_text"}],"accessory":[]}]`,
		`[{"type":"actions","elements":[{"type":"button","confirm":{"title":5},"options":[1],"option_groups":[{"options":{}}]}]}]`,
		`[{"type":"context","elements":[{"type":7}]},{"type":"header","text":null}]`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vs := ValidateMessage(s, json.RawMessage(s))
		for _, v := range vs {
			if v.Path == "" || v.Rule == "" || v.Detail == "" {
				t.Fatalf("incomplete violation %+v", v)
			}
		}
	})
}
