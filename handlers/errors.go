package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// Errors of the command itself, shown through errorMessage.
var (
	errUserNotAllowed    = errors.New("user not allowed")
	errChannelNotAllowed = errors.New("channel not allowed")
	errStaleButton       = errors.New("button value unreadable")
	errUnknownAction     = errors.New("unknown action")
)

// subjectError remembers which instance a failed query was about, so "not
// found" can name it.
type subjectError struct {
	subject string
	byName  bool
	err     error
}

func (e *subjectError) Error() string {
	return "instance " + strconv.Quote(e.subject) + ": " + e.err.Error()
}
func (e *subjectError) Unwrap() error { return e.err }

func withID(err error, id string) error { return &subjectError{subject: id, err: err} }
func withTarget(err error, name string) error {
	return &subjectError{subject: name, byName: true, err: err}
}

// slowError is a query that ran out of QueryTimeout, with the timeout so
// the reply can say how long scnetbot waited.
type slowError struct {
	after time.Duration
	err   error
}

func (e *slowError) Error() string {
	return "no answer from scnet within " + e.after.String() + ": " + e.err.Error()
}
func (e *slowError) Unwrap() error { return e.err }

// userMessage says what happened and what to do, for any error a reply can
// meet. It never quotes an error's own text, which could carry a URL or a
// secret: the command's own failures are worded here, with the user's
// (escaped) input, and everything from SCNet, the network or a deadline
// goes through blockkit.ErrorText, the policy alert buttons and notices
// share.
func userMessage(err error) string {
	var (
		in   *InputError
		api  *scnet.APIError
		subj *subjectError
		amb  *tracked.AmbiguousError
		slow *slowError
	)
	switch {
	case errors.As(err, &in):
		return ":thinking_face: " + blockkit.EscapeTruncate(in.Error(), 1000) + "\n" + usageHint
	case errors.Is(err, errUserNotAllowed):
		return ":no_entry: You are not allowed to use scnetbot. Ask the bot's operator to add you to ALLOWED_USERS."
	case errors.Is(err, errChannelNotAllowed):
		return ":no_entry: scnetbot does not answer in this channel. Use it in one of its channels, or ask the bot's operator to add this one to ALLOWED_CHANNELS."
	case errors.Is(err, errStaleButton):
		return ":grey_question: That button no longer works (the message is from an older scnetbot). Run the command again."
	case errors.Is(err, errUnknownAction):
		return ":grey_question: scnetbot does not know that button. Run the command again."
	case errors.As(err, &slow):
		return ":turtle: SCNet is slow: no answer within " + blockkit.ShortDuration(slow.after) + ". Try again in a minute; if it stays slow, SCNet may be overloaded."
	case errors.As(err, &api) && api.Code == scnet.CodeInvalidParams && errors.As(err, &subj) && !subj.byName:
		// SCNet answers an unknown id on the detail endpoint with "invalid
		// parameter" rather than an empty success.
		return ":mag: SCNet does not know the instance id `" + blockkit.EscapeTruncate(subj.subject, 64) + "` (it answered code 10004, invalid parameter). Check the id; `/instances` lists the instances that exist."
	case errors.Is(err, tracked.ErrUnknownInstance):
		name := "that instance"
		if errors.As(err, &subj) {
			name = "“" + blockkit.EscapeTruncate(subj.subject, 100) + "”"
		}
		return ":mag: The watcher does not track " + name + ": it knows the instances its polls have seen, by exact name or 32-hex-digit id. Check the name with `/instances &lt;words&gt;` and use the id from there."
	case errors.Is(err, tracked.ErrNotSnoozed):
		name := "That instance"
		if errors.As(err, &subj) {
			name = "“" + blockkit.EscapeTruncate(subj.subject, 100) + "”"
		}
		return ":information_source: " + name + " is not snoozed, so there is nothing to undo. `/instances watch` lists the snoozes."
	case errors.As(err, &amb):
		return ":twisted_rightwards_arrows: " + ambiguousText(amb)
	case errors.Is(err, scnet.ErrNotFound) && errors.As(err, &subj):
		if subj.byName {
			return ":mag: No instance called “" + blockkit.EscapeTruncate(subj.subject, 100) + "” is known. Check the name with `/instances " + blockkit.EscapeTruncate(subj.subject, 100) + "`, or use its id."
		}
		return ":mag: SCNet has no instance with id `" + blockkit.EscapeTruncate(subj.subject, 64) + "`. It may have been deleted; `/instances` lists the ones that exist."
	}
	return blockkit.ErrorText(err)
}

// resultOf names how a command ended, for the commands metric: ok, denied,
// bad_input (the user's to fix), not_found, or scnet_error (SCNet or the
// network failed, slow, or refused).
func resultOf(err error) string {
	var (
		in   *InputError
		subj *subjectError
		amb  *tracked.AmbiguousError
		api  *scnet.APIError
	)
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, errUserNotAllowed), errors.Is(err, errChannelNotAllowed):
		return "denied"
	case errors.As(err, &in), errors.Is(err, errStaleButton), errors.Is(err, errUnknownAction), errors.As(err, &amb):
		return "bad_input"
	case errors.Is(err, scnet.ErrNotFound), errors.Is(err, tracked.ErrUnknownInstance), errors.Is(err, tracked.ErrNotSnoozed),
		errors.As(err, &api) && api.Code == scnet.CodeInvalidParams && errors.As(err, &subj) && !subj.byName:
		return "not_found"
	default:
		return "scnet_error"
	}
}

// errorMessage is the ephemeral reply for err.
func errorMessage(err error) *slack.WebhookMessage {
	t := userMessage(err)
	return message(t, section(t))
}

// maxCandidates bounds the instances listed for an ambiguous name.
const maxCandidates = 10

// ambiguousText lists the instances a snooze target could mean, by id.
func ambiguousText(e *tracked.AmbiguousError) string {
	var b strings.Builder
	b.WriteString("“" + blockkit.EscapeTruncate(e.Name, 100) + "” matches " + strconv.Itoa(len(e.Candidates)) + " instances; repeat the command with the id of the one you mean:")
	for i, c := range e.Candidates {
		if i == maxCandidates {
			b.WriteString("\n• … and " + strconv.Itoa(len(e.Candidates)-maxCandidates) + " more")
			break
		}
		b.WriteString("\n• `" + blockkit.EscapeTruncate(c.ID, 64) + "` " + text(c.Name, 100) + " (" + text(c.Status, 30) + ")")
	}
	return b.String()
}
