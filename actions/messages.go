package actions

import (
	"encoding/json"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// Bounds on SCNet's text in the messages.
const (
	maxNameShown   = 200
	maxRegionShown = 60
)

// The answers shared by several paths, in the reader's language.
func offText(p *i18n.Printer) string      { return p.T("ActOff") }
func forgedText(p *i18n.Printer) string   { return p.T("ActForged") }
func storeText(p *i18n.Printer) string    { return p.T("ActStore") }
func startingText(p *i18n.Printer) string { return p.T("ActStarting") }
func stopNote(p *i18n.Printer) string     { return p.T("ActStopNote") }

func ephemeral(text string) *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: blockkit.Truncate(text, blockkit.MaxMessageText)}
}

// replacing answers a prompt click by replacing the prompt, so it cannot be
// clicked again.
func replacing(msg *slack.WebhookMessage) *slack.WebhookMessage {
	msg.ReplaceOriginal = true
	return msg
}

// button is a button with a label cut to Slack's 75 characters, counted in
// runes: a translation or a name must not make Slack refuse the message.
func button(actionID, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, blockkit.Plain(label, blockkit.MaxButtonText))
}

// kindWords are the message ids that name one kind of action.
type kindWords struct{ verb, noun, past, command string }

// wordsOf is k's message ids; a kind scnetbot does not know gets the
// general ones. TestEveryKindIsWorded holds each id to the catalogs, which
// the catalogs' own check of literal ids cannot see here.
func wordsOf(k tracked.ActionKind) kindWords {
	switch k {
	case tracked.ActionRestart:
		return kindWords{"ActVerbRestart", "ActNounRestart", "ActPastRestart", "ActWordRestart"}
	case tracked.ActionStop:
		return kindWords{"ActVerbStop", "ActNounStop", "ActPastStop", "ActWordStop"}
	case tracked.ActionDelete:
		return kindWords{"ActVerbDelete", "ActNounDelete", "ActPastDelete", "ActWordDelete"}
	}
	return kindWords{"ActVerbOther", "ActNounOther", "ActPastOther", "ActWordAny"}
}

// verb is the action's word on a button and at the start of a sentence.
func verb(p *i18n.Printer, k tracked.ActionKind) string { return p.T(wordsOf(k).verb) }

// noun is the action inside a sentence ("the restart of train").
func noun(p *i18n.Printer, k tracked.ActionKind) string { return p.T(wordsOf(k).noun) }

// past is the action's past participle ("nothing was restarted").
func past(p *i18n.Printer, k tracked.ActionKind) string { return p.T(wordsOf(k).past) }

// commandWord is the word that starts an action's command in p's language
// (the grammar reads either language's); "restart|stop|delete" for none.
func commandWord(p *i18n.Printer, k tracked.ActionKind) string { return p.T(wordsOf(k).command) }

// instancePhrase names an instance in mrkdwn: its name in bold, or its id.
func instancePhrase(name, id string) string {
	if strings.TrimSpace(name) == "" {
		return "`" + blockkit.EscapeTruncate(id, scnet.MaxInstanceIDLen) + "`"
	}
	return "*" + blockkit.EscapeTruncate(name, maxNameShown) + "*"
}

// regionPhrase is " in <region>", or nothing when the region has no name.
func regionPhrase(p *i18n.Printer, name string) string {
	if name == "" {
		return ""
	}
	return p.T("ActInRegion", "Region", blockkit.EscapeTruncate(name, maxRegionShown))
}

// statusPhrase is an instance's status as shown, with its emoji.
func statusPhrase(p *i18n.Printer, st scnet.Status) string {
	return blockkit.StatusEmoji(st) + " " + blockkit.StatusText(p, st)
}

// idCode is an instance id in code, escaped.
func idCode(id string) string { return blockkit.EscapeTruncate(id, scnet.MaxInstanceIDLen) }

// refuseStatus says why the status rule refuses k on an instance in st;
// "" when it allows it.
func refuseStatus(p *i18n.Printer, k tracked.ActionKind, name, id string, st scnet.Status) string {
	if allowedIn(k, st) {
		return ""
	}
	args := []any{"Who", instancePhrase(name, id), "Status", blockkit.StatusText(p, st)}
	switch k {
	case tracked.ActionRestart:
		return p.T("ActRefuseRestart", args...)
	case tracked.ActionStop:
		return p.T("ActRefuseStop", args...)
	}
	return forgedText(p)
}

// allowedIn is the status rule: restart what failed or stopped, stop what
// is live, delete anything.
func allowedIn(k tracked.ActionKind, st scnet.Status) bool {
	switch k {
	case tracked.ActionRestart:
		return st == scnet.StatusFailed || st == scnet.StatusTerminated || st == scnet.StatusCompleted
	case tracked.ActionStop:
		return st.Live()
	case tracked.ActionDelete:
		return true
	}
	return false
}

// what says what the action will do, for the prompt.
func what(p *i18n.Printer, k tracked.ActionKind) string {
	switch k {
	case tracked.ActionRestart:
		return p.T("ActWhatRestart")
	case tracked.ActionStop:
		return p.T("ActWhatStop", "Note", stopNote(p))
	}
	return ""
}

// prompt is the private confirmation of a restart or stop: what will
// happen, the instance as SCNet shows it now, and the two buttons. The
// acting one carries the nonce only and asks once more with Slack's
// confirm dialog.
func prompt(p *i18n.Printer, a state.Action, in *scnet.Instance, loc *time.Location) *slack.WebhookMessage {
	k := tracked.ActionKind(a.Kind)
	text := p.T("ActPrompt", "Verb", verb(p, k), "Who", instancePhrase(in.Name, in.ID), "ID", idCode(in.ID),
		"Where", regionPhrase(p, a.RegionName), "Status", statusPhrase(p, in.Status))
	act := button(actionConfirm, a.ID, verb(p, k))
	act.Style = slack.StylePrimary
	if k == tracked.ActionStop {
		act.Style = slack.StyleDanger
	}
	act.Confirm = confirmDialog(p, k, in.Name, a.RegionName)
	cancel := button(actionCancel, a.ID, p.T("ActCancel"))
	msg := ephemeral(p.T("ActPromptFallback", "Verb", verb(p, k), "Name", blockkit.EscapeTruncate(nameOrID(in.Name, in.ID), maxNameShown)))
	msg.Blocks = &slack.Blocks{BlockSet: []slack.Block{
		blockkit.Section(text + "\n" + what(p, k)),
		slack.NewActionBlock("", act, cancel),
		blockkit.Context(p.T("ActForOnly", "User", a.User, "At", blockkit.Stamp(a.Expires, loc))),
	}}
	return msg
}

// nameOrID is the instance's name cleaned for plain text, or its id.
func nameOrID(name, id string) string {
	if strings.TrimSpace(name) == "" {
		return id
	}
	return blockkit.PlainText(name, maxNameShown)
}

// confirmDialog is Slack's own "are you sure" on the acting button, naming
// the instance and its region within Slack's limits: the name is cut to
// whatever room the rest of the sentence leaves, counted in characters
// (a Chinese name fills it as fast as a Latin one).
func confirmDialog(p *i18n.Printer, k tracked.ActionKind, name, region string) *slack.ConfirmationBlockObject {
	where := ""
	if region != "" {
		where = p.T("ActInRegionPlain", "Region", blockkit.PlainText(region, maxRegionShown))
	}
	tail := ""
	switch k {
	case tracked.ActionRestart:
		tail = p.T("ActDialogRestart")
	case tracked.ActionStop:
		tail = stopNote(p)
	}
	sentence := func(name string) string {
		return strings.TrimSpace(p.T("ActDialogText", "Verb", verb(p, k), "Name", name, "Where", where, "Tail", tail))
	}
	room := blockkit.MaxConfirmText - utf8.RuneCountInString(sentence(""))
	text := sentence(blockkit.PlainText(name, min(max(room, 1), maxDialogName)))
	c := slack.NewConfirmationBlockObject(
		blockkit.Plain(p.T("ActDialogTitle", "Verb", verb(p, k)), blockkit.MaxConfirmTitle),
		blockkit.Plain(text, blockkit.MaxConfirmText),
		blockkit.Plain(verb(p, k), blockkit.MaxConfirmButton),
		blockkit.Plain(p.T("ActDialogBack"), blockkit.MaxConfirmButton))
	if k == tracked.ActionStop {
		c.WithStyle(slack.StyleDanger)
	}
	return c
}

// maxDialogName bounds the name in the confirm dialog, so a long one leaves
// the region and the warning readable.
const maxDialogName = 120

// Modal limits (Slack's views reference): title, submit and close are
// plain_text of at most 24 characters; private_metadata at most 3000; an
// input's label at most 2000 and its placeholder 150.
const (
	maxViewTitle        = 24
	maxViewMetadata     = 3000
	maxInputLabel       = 2000
	maxInputPlaceholder = 150
)

// viewMeta is the delete modal's private_metadata: the nonce, the word the
// person must type and whether that word is the name or the id.
type viewMeta struct {
	Nonce string `json:"n"`
	Word  string `json:"w"`
	ByID  bool   `json:"id,omitempty"`
}

func (m viewMeta) encode() string {
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeViewMeta(s string) (viewMeta, bool) {
	var m viewMeta
	if len(s) > maxViewMetadata || json.Unmarshal([]byte(s), &m) != nil || !validNonce(m.Nonce) || m.Word == "" {
		return viewMeta{}, false
	}
	return m, true
}

// mismatch is the modal's error when the typed word is wrong.
func (m viewMeta) mismatch(p *i18n.Printer) string {
	if m.ByID {
		return p.T("ActMismatchID", "Word", blockkit.Truncate(m.Word, 150))
	}
	return p.T("ActMismatchName", "Word", blockkit.PlainText(m.Word, 150))
}

// deleteModal asks for the instance's name (or id) before a delete.
func deleteModal(p *i18n.Printer, a state.Action, m viewMeta) slack.ModalViewRequest {
	var text string
	if a.InstanceID != "" {
		text = p.T("ActModalText", "Who", instancePhrase(a.InstanceName, a.InstanceID), "ID", idCode(a.InstanceID), "Where", regionPhrase(p, a.RegionName))
	} else {
		text = p.T("ActModalTextByName", "Who", instancePhrase(a.InstanceName, ""))
	}
	// The ids are written out, so the catalog test sees each one used.
	label := p.T("ActModalLabelName")
	typeIt := p.T("ActModalTypeName", "Word", "*"+blockkit.EscapeTruncate(m.Word, maxNameShown)+"*")
	if m.ByID {
		label = p.T("ActModalLabelID")
		typeIt = p.T("ActModalTypeID", "Word", "`"+blockkit.EscapeTruncate(m.Word, scnet.MaxInstanceIDLen)+"`")
	}
	text += "\n" + typeIt
	input := slack.NewPlainTextInputBlockElement(blockkit.Plain(m.Word, maxInputPlaceholder), NameActionID)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DeleteViewID,
		Title:           blockkit.Plain(p.T("ActModalTitle"), maxViewTitle),
		Submit:          blockkit.Plain(p.T("ActModalSubmit"), maxViewTitle),
		Close:           blockkit.Plain(p.T("ActCancel"), maxViewTitle),
		PrivateMetadata: m.encode(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			blockkit.Section(text),
			slack.NewInputBlock(NameBlockID, blockkit.Plain(label, maxInputLabel), nil, input),
			blockkit.Context(p.T("ActForOnlyIn", "User", a.User, "In", p.Duration(a.Expires.Sub(a.Created)))),
		}},
	}
}

// statusButton looks the instance up again, for an outcome that is not
// known.
func statusButton(p *i18n.Printer, a state.Action) *slack.ButtonBlockElement {
	v := targetValue{R: a.Region, I: a.InstanceID, A: a.AlertID}
	return button(actionStatus, v.encode(), p.T("ActCheckStatus"))
}

// doneText is the answer to an action SCNet accepted.
func doneText(p *i18n.Printer, a state.Action) string {
	k := tracked.ActionKind(a.Kind)
	how := ""
	switch k {
	case tracked.ActionRestart:
		how = p.T("ActHowRestart")
	case tracked.ActionStop:
		how = p.T("ActHowStop")
	case tracked.ActionDelete:
		how = p.T("ActHowDelete")
	}
	return p.T("ActDone", "Verb", verb(p, k), "User", a.User, "Who", instancePhrase(a.InstanceName, a.InstanceID),
		"Where", regionPhrase(p, a.RegionName), "How", how)
}

// failedText is the answer to an action SCNet refused or that could not be
// sent: nothing happened.
func failedText(p *i18n.Printer, a state.Action, err error) string {
	k := tracked.ActionKind(a.Kind)
	return p.T("ActFailed", "Verb", verb(p, k), "Who", instancePhrase(a.InstanceName, a.InstanceID),
		"Where", regionPhrase(p, a.RegionName), "Past", past(p, k), "Error", blockkit.ErrorText(p, err))
}

// unknownMessage is the answer to an action whose outcome SCNet did not
// send: it may have happened. now is the instance looked up after it, nil
// when that failed too.
func unknownMessage(p *i18n.Printer, a state.Action, now *scnet.Instance, lookupErr error) *slack.WebhookMessage {
	k := tracked.ActionKind(a.Kind)
	var status string
	switch {
	case now != nil:
		status = p.T("ActLookedUpIs", "Status", statusPhrase(p, now.Status))
	case errors.Is(lookupErr, scnet.ErrNotFound):
		status = p.T("ActLookedUpGone")
	default:
		status = p.T("ActLookedUpFailed", "Error", blockkit.ErrorSummary(p, lookupErr))
	}
	text := p.T("ActUnknown", "Noun", noun(p, k), "Who", instancePhrase(a.InstanceName, a.InstanceID),
		"Where", regionPhrase(p, a.RegionName), "Status", status)
	msg := ephemeral(text)
	msg.Blocks = &slack.Blocks{BlockSet: []slack.Block{
		blockkit.Section(text),
		slack.NewActionBlock("", statusButton(p, a)),
	}}
	return msg
}
