package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/regions"
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

// errorRule is one kind of failure a command can meet: how to recognise
// it, how it is counted, and what the person is told.
type errorRule struct {
	match  func(error) bool
	result string             // the commands metric's label
	words  func(error) string // the reply; it never quotes err's own text
}

// Results of a command, for the commands metric.
const (
	resultOK         = "ok"
	resultDenied     = "denied"
	resultBadInput   = "bad_input"
	resultNotFound   = "not_found"
	resultSCNetError = "scnet_error"
)

// errorRules is the one table of the command's failures: userMessage and
// resultOf both read it, first match wins, so a reply and its count cannot
// drift apart. What no rule matches came from SCNet, the network or a
// deadline: it is counted as scnet_error and worded by blockkit.ErrorText,
// the policy alert buttons and notices share.
var errorRules = []errorRule{
	{
		match:  as[*InputError],
		result: resultBadInput,
		words: func(err error) string {
			in, _ := asValue[*InputError](err)
			return ":thinking_face: " + blockkit.EscapeTruncate(in.Error(), 1000) + "\n" + usageHint
		},
	},
	{
		match:  is(errUserNotAllowed),
		result: resultDenied,
		words:  says(":no_entry: You are not allowed to use scnetbot. Ask the bot's operator to add you to ALLOWED_USERS."),
	},
	{
		match:  is(errChannelNotAllowed),
		result: resultDenied,
		words:  says(":no_entry: scnetbot does not answer in this channel. Use it in one of its channels, or ask the bot's operator to add this one to ALLOWED_CHANNELS."),
	},
	{
		match:  is(errStaleButton),
		result: resultBadInput,
		words:  says(":grey_question: That button no longer works (the message is from an older scnetbot). Run the command again."),
	},
	{
		match:  is(errUnknownAction),
		result: resultBadInput,
		words:  says(":grey_question: scnetbot does not know that button. Run the command again."),
	},
	{
		match:  as[*regionError],
		result: resultBadInput,
		words: func(err error) string {
			re, _ := asValue[*regionError](err)
			return regionErrorText(re)
		},
	},
	{
		match:  is(regions.ErrNoRegions),
		result: resultSCNetError,
		words: says(":no_entry: scnetbot has no SCNet region to ask: the account is suspended in every region, or SCNET_CLUSTER names none of them. " +
			"`/instances regions` lists them; ask the bot's operator to check SCNET_CLUSTER or the account's standing on SCNet."),
	},
	{
		// Before slowError: a deadline in every region is named per region.
		match:  as[*regionsError],
		result: resultSCNetError,
		words: func(err error) string {
			re, _ := asValue[*regionsError](err)
			lines := bullets(re.fails, 20, func(f regionFailure) string {
				return "*" + text(f.region.Name, rowShort) + "*: " + blockkit.ErrorSummary(english(), f.err)
			})
			if re.partial {
				return ":mag: The regions that answered have no instance with id `" + blockkit.EscapeTruncate(subjectID(err), 64) + "`, but these could not be asked:\n" + lines + "\nTry again in a minute."
			}
			return ":warning: No SCNet region answered:\n" + lines + "\nTry again in a minute; `/instances regions` shows how each region is doing."
		},
	},
	{
		match:  as[*slowError],
		result: resultSCNetError,
		words: func(err error) string {
			slow, _ := asValue[*slowError](err)
			return ":turtle: SCNet is slow: no answer within " + blockkit.ShortDuration(slow.after) + ". Try again in a minute; if it stays slow, SCNet may be overloaded."
		},
	},
	{
		// SCNet answers an unknown id on the detail endpoint with "invalid
		// parameter" rather than an empty success.
		match: func(err error) bool {
			api, ok := asValue[*scnet.APIError](err)
			subj, byID := asValue[*subjectError](err)
			return ok && api.Code == scnet.CodeInvalidParams && byID && !subj.byName
		},
		result: resultNotFound,
		words: func(err error) string {
			subj, _ := asValue[*subjectError](err)
			return ":mag: SCNet does not know the instance id `" + blockkit.EscapeTruncate(subj.subject, 64) + "` (it answered code 10004, invalid parameter). Check the id; `/instances` lists the instances that exist."
		},
	},
	{
		match:  is(tracked.ErrUnknownInstance),
		result: resultNotFound,
		words: func(err error) string {
			return ":mag: The watcher does not track " + subjectOr(err, "that instance") + ": it knows the instances its polls have seen, by exact name or 32-hex-digit id. Check the name with `/instances &lt;words&gt;` and use the id from there."
		},
	},
	{
		match:  is(tracked.ErrNotSnoozed),
		result: resultNotFound,
		words: func(err error) string {
			return ":information_source: " + subjectOr(err, "That instance") + " is not snoozed, so there is nothing to undo. `/instances watch` lists the snoozes."
		},
	},
	{
		match:  as[*tracked.AmbiguousError],
		result: resultBadInput,
		words: func(err error) string {
			amb, _ := asValue[*tracked.AmbiguousError](err)
			return ":twisted_rightwards_arrows: " + ambiguousText(amb)
		},
	},
	{
		match:  is(scnet.ErrNotFound),
		result: resultNotFound,
		words: func(err error) string {
			subj, ok := asValue[*subjectError](err)
			switch {
			case !ok:
				return blockkit.ErrorText(english(), err)
			case subj.byName:
				return ":mag: No instance called “" + blockkit.EscapeTruncate(subj.subject, 100) + "” is known. Check the name with `/instances " + blockkit.EscapeTruncate(subj.subject, 100) + "`, or use its id."
			}
			return ":mag: SCNet has no instance with id `" + blockkit.EscapeTruncate(subj.subject, 64) + "`. It may have been deleted; `/instances` lists the ones that exist."
		},
	},
}

// ruleFor is the first rule err matches, nil for none.
func ruleFor(err error) *errorRule {
	for i := range errorRules {
		if errorRules[i].match(err) {
			return &errorRules[i]
		}
	}
	return nil
}

// userMessage says what happened and what to do, for any error a reply can
// meet. It never quotes an error's own text, which could carry a URL or a
// secret: the command's own failures are worded by errorRules, with the
// user's (escaped) input, and everything else by blockkit.ErrorText.
func userMessage(err error) string {
	if r := ruleFor(err); r != nil {
		return r.words(err)
	}
	return blockkit.ErrorText(english(), err)
}

// resultOf names how a command ended, for the commands metric: ok, denied,
// bad_input (the user's to fix), not_found, or scnet_error (SCNet or the
// network failed, slow, or refused).
func resultOf(err error) string {
	if err == nil {
		return resultOK
	}
	if r := ruleFor(err); r != nil {
		return r.result
	}
	return resultSCNetError
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

func as[T error](err error) bool {
	_, ok := asValue[T](err)
	return ok
}

func asValue[T error](err error) (T, bool) {
	var v T
	ok := errors.As(err, &v)
	return v, ok
}

func says(s string) func(error) string { return func(error) string { return s } }

// subjectOr names the instance err is about, quoted and escaped, or
// fallback when it names none.
func subjectOr(err error, fallback string) string {
	if subj, ok := asValue[*subjectError](err); ok {
		return "“" + blockkit.EscapeTruncate(subj.subject, 100) + "”"
	}
	return fallback
}

// subjectID is the instance id err is about, "" for none.
func subjectID(err error) string {
	if subj, ok := asValue[*subjectError](err); ok {
		return subj.subject
	}
	return ""
}

// regionErrorText answers a region: word that names no region or several,
// listing the regions to pick from.
func regionErrorText(e *regionError) string {
	name := func(r *regions.Region) string {
		return "`" + text(r.Name, rowShort) + "` (id `" + text(r.ID, rowShort) + "`)"
	}
	if len(e.matches) > 1 {
		return ":twisted_rightwards_arrows: “" + text(e.word, 60) + "” could be any of these regions; write more of the name:\n" + bullets(e.matches, 20, name)
	}
	if s := e.suspended; s != nil {
		return ":no_entry: The account is suspended in *" + text(s.Name, rowShort) + "* (id `" + text(s.ID, rowShort) + "`): SCNet gives no token for it, so its instances cannot be read. Ask the account's owner to settle it on SCNet. The regions in use are:\n" + bullets(e.all, 20, name)
	}
	return ":thinking_face: There is no region “" + text(e.word, 60) + "”. The regions are:\n" + bullets(e.all, 20, name) + "\n`region:` takes a name, the start of one, or an id."
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
