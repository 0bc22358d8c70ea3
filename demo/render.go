package main

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"

	"github.com/slack-go/slack"

	"scnetbot/i18n"
	"scnetbot/internal/slackemu"
)

// emojiGlyphs turns the emoji codes scnetbot uses into characters a terminal
// can show; codes it does not know stay as they are.
func emojiGlyphs() *strings.Replacer {
	return strings.NewReplacer(
		":large_green_circle:", "🟢", ":red_circle:", "🔴", ":white_check_mark:", "✅",
		":hourglass_flowing_sand:", "⏳", ":hourglass:", "⌛", ":black_square_for_stop:", "⏹",
		":warning:", "⚠️", ":rotating_light:", "🚨", ":white_circle:", "⚪", ":zzz:", "💤",
		":eyes:", "👀", ":bell:", "🔔", ":mag:", "🔍", ":arrows_counterclockwise:", "🔄",
		":thinking_face:", "🤔", ":turtle:", "🐢", ":satellite_antenna:", "📡", ":key:", "🔑",
		":no_entry:", "⛔", ":grey_question:", "❔", ":octagonal_sign:", "🛑", ":information_source:", "ℹ️",
		":large_yellow_circle:", "🟡", ":large_blue_circle:", "🔵", ":x:", "❌", ":heavy_check_mark:", "✔",
		":round_pushpin:", "📍", ":skull:", "💀", ":twisted_rightwards_arrows:", "🔀",
		":link:", "🔗", ":wastebasket:", "🗑", ":heavy_multiplication_x:", "✖", ":repeat:", "🔁",
	)
}

// renderMessage shows a message the bot sent as terminal text: what a person
// would read in Slack, with buttons as [labels] they can type to click. Its
// frame says where it went, in tr's language.
func renderMessage(tr *i18n.Printer, m slackemu.Message) string {
	var b strings.Builder
	where := m.Via
	switch {
	case m.Via == "response_url" && m.ResponseType == "in_channel":
		where = tr.T("DemoFrameShared")
	case m.Via == "response_url" && m.ReplaceOriginal:
		where = tr.T("DemoFrameReplaced")
	case m.Via == "response_url":
		where = tr.T("DemoFrameEphemeral")
	case m.ThreadTS != "" && m.ThreadTS != m.TS:
		where = tr.T("DemoFrameThread", "Via", m.Via, "Channel", m.Channel, "Thread", m.ThreadTS)
	case m.Channel != "":
		where = tr.T("DemoFrameChannel", "Via", m.Via, "Channel", m.Channel)
	}
	if m.Edits > 0 {
		where = tr.T("DemoFrameEdited", "Where", where)
	}
	lines := blocksText(m.Blocks)
	if len(lines) == 0 {
		lines = []string{mrkdwnText(m.Text)}
	}
	frame(&b, where, lines)
	b.WriteString("└─\n")
	return b.String()
}

// frame writes the head of a frame and its lines, emoji codes turned into
// glyphs; the caller closes it.
func frame(b *strings.Builder, head string, lines []string) {
	fmt.Fprintf(b, "┌─ %s\n", head)
	glyphs := emojiGlyphs()
	for _, l := range lines {
		for _, part := range strings.Split(glyphs.Replace(l), "\n") {
			fmt.Fprintf(b, "│ %s\n", part)
		}
	}
}

// renderHome shows the Home tab the bot published, framed like a message.
func renderHome(tr *i18n.Printer, v slackemu.View) string {
	var b strings.Builder
	frame(&b, tr.T("DemoFrameHome"), blocksText(v.Blocks))
	b.WriteString("└─\n")
	return b.String()
}

// blocksText renders Block Kit blocks as lines of text.
func blocksText(raw json.RawMessage) []string {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var blocks slack.Blocks
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return []string{"(blocks that could not be read: " + err.Error() + ")"}
	}
	var out []string
	for _, blk := range blocks.BlockSet {
		switch v := blk.(type) {
		case *slack.HeaderBlock:
			out = append(out, "▌"+textOf(v.Text))
		case *slack.DividerBlock:
			out = append(out, strings.Repeat("─", 40))
		case *slack.SectionBlock:
			line := textOf(v.Text)
			if v.Accessory != nil && v.Accessory.ButtonElement != nil {
				line += "  [" + textOf(v.Accessory.ButtonElement.Text) + "]"
			}
			if line != "" {
				out = append(out, line)
			}
			// Slack shows fields as a two-column grid of "label\nvalue";
			// a terminal shows them two to a line as "label value".
			for i := 0; i < len(v.Fields); i += 2 {
				row := []string{strings.ReplaceAll(textOf(v.Fields[i]), "\n", " ")}
				if i+1 < len(v.Fields) {
					row = append(row, strings.ReplaceAll(textOf(v.Fields[i+1]), "\n", " "))
				}
				out = append(out, "  "+strings.Join(row, "   "))
			}
		case *slack.ContextBlock:
			var parts []string
			for _, e := range v.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					parts = append(parts, textOf(t))
				}
			}
			out = append(out, "  "+strings.Join(parts, " · "))
		case *slack.ActionBlock:
			var buttons []string
			for _, e := range v.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					buttons = append(buttons, "["+textOf(btn.Text)+"]")
				}
			}
			out = append(out, strings.Join(buttons, " "))
		case *slack.InputBlock:
			// What a person types into: its label and, for a text input,
			// its placeholder.
			line := textOf(v.Label) + ": ["
			if in, ok := v.Element.(*slack.PlainTextInputBlockElement); ok && in.Placeholder != nil {
				line += textOf(in.Placeholder)
			}
			out = append(out, line+"]")
		case *slack.RichTextBlock:
			out = append(out, "(rich text)")
		default:
			out = append(out, fmt.Sprintf("(%s block)", blk.BlockType()))
		}
	}
	return out
}

func textOf(t *slack.TextBlockObject) string {
	if t == nil {
		return ""
	}
	if t.Type == slack.PlainTextType {
		return t.Text
	}
	return mrkdwnText(t.Text)
}

// mrkdwnText undoes mrkdwn's escaping and shows links as "label (url)".
func mrkdwnText(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(s[i:], '>')
		if j < 0 {
			break
		}
		b.WriteString(html.UnescapeString(s[:i]))
		inner := s[i+1 : i+j]
		if target, label, ok := strings.Cut(inner, "|"); ok {
			fmt.Fprintf(&b, "%s (%s)", html.UnescapeString(label), target)
		} else {
			b.WriteString(inner)
		}
		s = s[i+j+1:]
	}
	b.WriteString(html.UnescapeString(s))
	return b.String()
}

// builderLink opens the message in Slack's Block Kit Builder.
func builderLink(blocks json.RawMessage) string {
	if len(blocks) == 0 {
		return ""
	}
	payload := `{"blocks":` + string(blocks) + `}`
	return "https://app.slack.com/block-kit-builder/#" + url.PathEscape(payload)
}

// demoButton is one button of a message, for "type a label to click".
type demoButton struct {
	ActionID string
	Label    string // as shown, emoji codes turned into glyphs
	Row      string // the text of the section the button sits on; "" in an actions block
	// URL is a link button's link, which Slack opens in the browser.
	URL string
}

// messageButtons lists the buttons of a message in the order Slack shows
// them.
func messageButtons(raw json.RawMessage) []demoButton {
	var blocks slack.Blocks
	if json.Unmarshal(raw, &blocks) != nil {
		return nil
	}
	glyphs := emojiGlyphs()
	var out []demoButton
	add := func(btn *slack.ButtonBlockElement, row string) {
		out = append(out, demoButton{ActionID: btn.ActionID, Label: glyphs.Replace(textOf(btn.Text)), Row: row, URL: btn.URL})
	}
	for _, blk := range blocks.BlockSet {
		switch v := blk.(type) {
		case *slack.ActionBlock:
			for _, e := range v.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok {
					add(btn, "")
				}
			}
		case *slack.SectionBlock:
			if v.Accessory != nil && v.Accessory.ButtonElement != nil {
				add(v.Accessory.ButtonElement, textOf(v.Text))
			}
		}
	}
	return out
}

// renderConfirm shows the confirm dialog Slack puts up before it sends a
// click: its title, its text and its two buttons, the deny one first as
// Slack places it.
func renderConfirm(tr *i18n.Printer, c *slackemu.Confirm) string {
	var b strings.Builder
	fmt.Fprintf(&b, "┌─ %s\n", tr.T("DemoFrameConfirm", "Title", c.Title))
	for _, part := range strings.Split(c.Text, "\n") {
		fmt.Fprintf(&b, "│ %s\n", part)
	}
	fmt.Fprintf(&b, "│ [%s] [%s]\n└─\n", c.DenyLabel, c.ConfirmLabel)
	return b.String()
}

// renderView shows a modal the bot opened: its title, its blocks (the
// input as its label and placeholder), the errors Slack shows under an
// input, and its two buttons.
func renderView(tr *i18n.Printer, v slackemu.View) string {
	var b strings.Builder
	frame(&b, tr.T("DemoFrameModal", "Title", v.Title), blocksText(v.Blocks))
	for _, in := range v.Inputs {
		if e, ok := v.Errors[in.BlockID]; ok {
			fmt.Fprintf(&b, "│ ⚠️ %s\n", e)
		}
	}
	close, submit := orWord(v.Close, tr.T("DemoModalClose")), v.Submit
	buttons := "[" + close + "]"
	if submit != "" {
		buttons += " [" + submit + "]"
	}
	fmt.Fprintf(&b, "│ %s\n└─\n", buttons)
	return b.String()
}
