package actions

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// Bounds on SCNet's text in the messages.
const (
	maxNameShown   = 200
	maxRegionShown = 60
)

// Texts shared by several answers.
const (
	offText = ":no_entry: Actions are off: nobody may restart, stop or delete instances from Slack. " +
		"To turn them on, the bot's operator sets ACTION_USERS (Slack user ids) or ACTION_USERGROUP (a user group id); see the README's \"Actions\" section."
	forgedText   = ":grey_question: That is not a scnetbot button. Use the buttons scnetbot posts, or `/instances restart|stop|delete &lt;name|id&gt;`."
	storeText    = ":warning: scnetbot cannot keep confirmations right now (its state store cannot be read or written). Nothing was sent to SCNet; tell the bot's operator (the details are in scnetbot's log)."
	startingText = ":hourglass_flowing_sand: scnetbot is still finding SCNet's regions; try again in a minute. Nothing was sent to SCNet."
	stopNote     = "SCNet documents no stop endpoint; scnetbot calls the one SCNet's own clients use."
)

func ephemeral(text string) *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: blockkit.Truncate(text, blockkit.MaxMessageText)}
}

// replacing answers a prompt click by replacing the prompt, so it cannot be
// clicked again.
func replacing(msg *slack.WebhookMessage) *slack.WebhookMessage {
	msg.ReplaceOriginal = true
	return msg
}

// verb is the action's word at the start of a sentence.
func verb(k tracked.ActionKind) string {
	switch k {
	case tracked.ActionRestart:
		return "Restart"
	case tracked.ActionStop:
		return "Stop"
	case tracked.ActionDelete:
		return "Delete"
	}
	return "Act on"
}

// past is the action's past participle ("nothing was restarted").
func past(k tracked.ActionKind) string {
	switch k {
	case tracked.ActionRestart:
		return "restarted"
	case tracked.ActionStop:
		return "stopped"
	case tracked.ActionDelete:
		return "deleted"
	}
	return "changed"
}

// instancePhrase names an instance in mrkdwn: its name in bold, or its id.
func instancePhrase(name, id string) string {
	if strings.TrimSpace(name) == "" {
		return "`" + blockkit.EscapeTruncate(id, scnet.MaxInstanceIDLen) + "`"
	}
	return "*" + blockkit.EscapeTruncate(name, maxNameShown) + "*"
}

// regionPhrase is " in <region>", or nothing when the region has no name.
func regionPhrase(name string) string {
	if name == "" {
		return ""
	}
	return " in *" + blockkit.EscapeTruncate(name, maxRegionShown) + "*"
}

// statusPhrase is an instance's status as shown, with its emoji.
func statusPhrase(st scnet.Status) string {
	return blockkit.StatusEmoji(st) + " " + blockkit.StatusText(english(), st)
}

// refuseStatus says why the status rule refuses k on an instance in st;
// "" when it allows it.
func refuseStatus(k tracked.ActionKind, name, id string, st scnet.Status) string {
	if allowedIn(k, st) {
		return ""
	}
	who := instancePhrase(name, id)
	switch k {
	case tracked.ActionRestart:
		return fmt.Sprintf(":no_entry: %s is %s; restart is for failed or stopped instances. Nothing was sent to SCNet.", who, blockkit.StatusText(english(), st))
	case tracked.ActionStop:
		return fmt.Sprintf(":no_entry: %s is %s; stop is for waiting, deploying or running instances. Nothing was sent to SCNet.", who, blockkit.StatusText(english(), st))
	}
	return forgedText
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
func what(k tracked.ActionKind) string {
	switch k {
	case tracked.ActionRestart:
		return "scnetbot asks SCNet to start it again."
	case tracked.ActionStop:
		return "SCNet stops it: whatever runs in it ends, and it stays stopped until someone restarts or deletes it. " + stopNote
	}
	return ""
}

// prompt is the private confirmation of a restart or stop: what will
// happen, the instance as SCNet shows it now, and the two buttons. The
// acting one carries the nonce only and asks once more with Slack's
// confirm dialog.
func prompt(a state.Action, in *scnet.Instance, loc *time.Location) *slack.WebhookMessage {
	k := tracked.ActionKind(a.Kind)
	text := fmt.Sprintf("%s %s (`%s`)%s? It is %s now.", verb(k), instancePhrase(in.Name, in.ID),
		blockkit.EscapeTruncate(in.ID, scnet.MaxInstanceIDLen), regionPhrase(a.RegionName), statusPhrase(in.Status))
	act := slack.NewButtonBlockElement(actionConfirm, a.ID, slack.NewTextBlockObject(slack.PlainTextType, verb(k), false, false))
	act.Style = slack.StylePrimary
	if k == tracked.ActionStop {
		act.Style = slack.StyleDanger
	}
	act.Confirm = confirmDialog(k, in.Name, a.RegionName)
	cancel := slack.NewButtonBlockElement(actionCancel, a.ID, slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false))
	msg := ephemeral(verb(k) + " " + blockkit.EscapeTruncate(nameOrID(in.Name, in.ID), maxNameShown) + "? Confirm or cancel in the message.")
	msg.Blocks = &slack.Blocks{BlockSet: []slack.Block{
		blockkit.Section(text + "\n" + what(k)),
		slack.NewActionBlock("", act, cancel),
		blockkit.Context(fmt.Sprintf("For <@%s> only · expires %s", a.User, blockkit.Stamp(a.Expires, loc))),
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
// whatever room the rest of the sentence leaves.
func confirmDialog(k tracked.ActionKind, name, region string) *slack.ConfirmationBlockObject {
	title := verb(k) + " this instance?"
	rest := "?"
	if region != "" {
		rest = " in " + blockkit.PlainText(region, maxRegionShown) + "?"
	}
	tail := ""
	switch k {
	case tracked.ActionRestart:
		tail = " SCNet starts it again."
	case tracked.ActionStop:
		tail = " " + stopNote
	}
	head := verb(k) + " "
	room := blockkit.MaxConfirmText - utf8.RuneCountInString(head+rest+tail)
	text := head + blockkit.PlainText(name, min(max(room, 1), maxDialogName)) + rest + tail
	c := slack.NewConfirmationBlockObject(
		slack.NewTextBlockObject(slack.PlainTextType, blockkit.Truncate(title, blockkit.MaxConfirmTitle), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, blockkit.Truncate(text, blockkit.MaxConfirmText), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, verb(k), false, false),
		slack.NewTextBlockObject(slack.PlainTextType, "Back", false, false))
	if k == tracked.ActionStop {
		c.WithStyle(slack.StyleDanger)
	}
	return c
}

// maxDialogName bounds the name in the confirm dialog, so a long one leaves
// the region and the warning readable.
const maxDialogName = 120

// Modal limits (Slack's views reference): title, submit and close are
// plain_text of at most 24 characters; private_metadata at most 3000.
const (
	maxViewTitle    = 24
	maxViewMetadata = 3000
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
func (m viewMeta) mismatch() string {
	if m.ByID {
		return "Type the instance's id exactly: " + blockkit.Truncate(m.Word, 150)
	}
	return "Type the instance's name exactly: " + blockkit.PlainText(m.Word, 150)
}

// deleteModal asks for the instance's name (or id) before a delete.
func deleteModal(a state.Action, m viewMeta) slack.ModalViewRequest {
	var text string
	if a.InstanceID != "" {
		text = fmt.Sprintf(":warning: Delete %s (`%s`)%s? SCNet deletes it; this cannot be undone.",
			instancePhrase(a.InstanceName, a.InstanceID), blockkit.EscapeTruncate(a.InstanceID, scnet.MaxInstanceIDLen), regionPhrase(a.RegionName))
	} else {
		text = fmt.Sprintf(":warning: Delete the instance named %s? scnetbot looks it up in every region when you submit. SCNet deletes it; this cannot be undone.",
			instancePhrase(a.InstanceName, ""))
	}
	what, word := "name", "*"+blockkit.EscapeTruncate(m.Word, maxNameShown)+"*"
	if m.ByID {
		what, word = "id", "`"+blockkit.EscapeTruncate(m.Word, scnet.MaxInstanceIDLen)+"`"
	}
	text += "\nType its " + what + " below to confirm: " + word
	label := "Type its " + what + " to confirm"
	input := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, blockkit.PlainText(m.Word, 150), false, false), NameActionID)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      DeleteViewID,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Delete instance", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Delete", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		PrivateMetadata: m.encode(),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			blockkit.Section(text),
			slack.NewInputBlock(NameBlockID, slack.NewTextBlockObject(slack.PlainTextType, label, false, false), nil, input),
			blockkit.Context(fmt.Sprintf("For <@%s> only · expires %s", a.User, "in "+blockkit.ShortDuration(a.Expires.Sub(a.Created)))),
		}},
	}
}

// statusButton looks the instance up again, for an outcome that is not
// known.
func statusButton(a state.Action) *slack.ButtonBlockElement {
	v := targetValue{R: a.Region, I: a.InstanceID, A: a.AlertID}
	return slack.NewButtonBlockElement(actionStatus, v.encode(), slack.NewTextBlockObject(slack.PlainTextType, "Check status", false, false))
}

// doneText is the answer to an action SCNet accepted.
func doneText(a state.Action) string {
	k := tracked.ActionKind(a.Kind)
	how := map[tracked.ActionKind]string{
		tracked.ActionRestart: "SCNet is bringing it up.",
		tracked.ActionStop:    "SCNet is stopping it.",
		tracked.ActionDelete:  "SCNet is deleting it.",
	}[k]
	return fmt.Sprintf(":white_check_mark: %s requested by <@%s> for %s%s: %s", verb(k), a.User,
		instancePhrase(a.InstanceName, a.InstanceID), regionPhrase(a.RegionName), how)
}

// failedText is the answer to an action SCNet refused or that could not be
// sent: nothing happened.
func failedText(a state.Action, err error) string {
	k := tracked.ActionKind(a.Kind)
	return fmt.Sprintf(":x: %s of %s%s did not happen: nothing was %s.\n%s", verb(k),
		instancePhrase(a.InstanceName, a.InstanceID), regionPhrase(a.RegionName), past(k), blockkit.ErrorText(english(), err))
}

// unknownMessage is the answer to an action whose outcome SCNet did not
// send: it may have happened. now is the instance looked up after it, nil
// when that failed too.
func unknownMessage(a state.Action, now *scnet.Instance, lookupErr error) *slack.WebhookMessage {
	k := tracked.ActionKind(a.Kind)
	status := "scnetbot could not look it up either (" + blockkit.ErrorSummary(english(), lookupErr) + ")"
	switch {
	case now != nil:
		status = "it is " + statusPhrase(now.Status)
	case errors.Is(lookupErr, scnet.ErrNotFound):
		status = "SCNet no longer lists it"
	}
	text := fmt.Sprintf(":grey_question: SCNet did not answer the %s request for %s%s, so it may or may not have happened. Looked up just now, %s. Check its status before anyone tries again.",
		strings.ToLower(verb(k)), instancePhrase(a.InstanceName, a.InstanceID), regionPhrase(a.RegionName), status)
	msg := ephemeral(text)
	msg.Blocks = &slack.Blocks{BlockSet: []slack.Block{
		blockkit.Section(text),
		slack.NewActionBlock("", statusButton(a)),
	}}
	return msg
}
