package handlers

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
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
	result string // the commands metric's label
	// words is the reply in p's language; it never quotes err's own text.
	words func(p *i18n.Printer, err error) string
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
		words: func(p *i18n.Printer, err error) string {
			in, _ := asValue[*InputError](err)
			// The whole sentence is escaped: it quotes what was typed.
			return ":thinking_face: " + blockkit.EscapeTruncate(in.Text(p), 1000) + "\n" + usageHint(p)
		},
	},
	{
		match:  is(errUserNotAllowed),
		result: resultDenied,
		words:  says("CmdErrUserNotAllowed"),
	},
	{
		match:  is(errChannelNotAllowed),
		result: resultDenied,
		words:  says("CmdErrChannelNotAllowed"),
	},
	{
		match:  is(errStaleButton),
		result: resultBadInput,
		words:  says("CmdErrStaleButton"),
	},
	{
		match:  is(errUnknownAction),
		result: resultBadInput,
		words:  says("CmdErrUnknownButton"),
	},
	{
		match:  as[*regionError],
		result: resultBadInput,
		words: func(p *i18n.Printer, err error) string {
			re, _ := asValue[*regionError](err)
			return regionErrorText(p, re)
		},
	},
	{
		match:  is(regions.ErrNoRegions),
		result: resultSCNetError,
		words:  says("CmdErrNoRegions"),
	},
	{
		// Before slowError: a deadline in every region is named per region.
		match:  as[*regionsError],
		result: resultSCNetError,
		words: func(p *i18n.Printer, err error) string {
			re, _ := asValue[*regionsError](err)
			lines := blockkit.Bullets(p, re.fails, 20, func(f regionFailure) string {
				return p.T("CmdRegionWhy", "Region", text(f.region.Name, rowShort), "Why", blockkit.ErrorSummary(p, f.err))
			})
			if re.partial {
				return p.T("CmdErrRegionsPartial", "ID", blockkit.EscapeTruncate(subjectID(err), 64), "Lines", lines)
			}
			return p.T("CmdErrRegionsNone", "Lines", lines)
		},
	},
	{
		match:  as[*slowError],
		result: resultSCNetError,
		words: func(p *i18n.Printer, err error) string {
			slow, _ := asValue[*slowError](err)
			return p.T("CmdErrSlow", "After", blockkit.ShortDuration(slow.after))
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
		words: func(p *i18n.Printer, err error) string {
			subj, _ := asValue[*subjectError](err)
			return p.T("CmdErrUnknownID", "ID", blockkit.EscapeTruncate(subj.subject, 64))
		},
	},
	{
		match:  is(tracked.ErrUnknownInstance),
		result: resultNotFound,
		words: func(p *i18n.Printer, err error) string {
			if subj, ok := asValue[*subjectError](err); ok {
				return p.T("CmdErrNotTracked", "Name", blockkit.EscapeTruncate(subj.subject, 100))
			}
			return p.T("CmdErrNotTrackedAny")
		},
	},
	{
		match:  is(tracked.ErrNotSnoozed),
		result: resultNotFound,
		words: func(p *i18n.Printer, err error) string {
			if subj, ok := asValue[*subjectError](err); ok {
				return p.T("CmdErrNotSnoozed", "Name", blockkit.EscapeTruncate(subj.subject, 100))
			}
			return p.T("CmdErrNotSnoozedAny")
		},
	},
	{
		match:  as[*tracked.AmbiguousError],
		result: resultBadInput,
		words: func(p *i18n.Printer, err error) string {
			amb, _ := asValue[*tracked.AmbiguousError](err)
			return ":twisted_rightwards_arrows: " + ambiguousText(p, amb)
		},
	},
	{
		match:  is(scnet.ErrNotFound),
		result: resultNotFound,
		words: func(p *i18n.Printer, err error) string {
			subj, ok := asValue[*subjectError](err)
			switch {
			case !ok:
				return blockkit.ErrorText(p, err)
			case subj.byName:
				return p.T("CmdErrNoSuchName", "Name", blockkit.EscapeTruncate(subj.subject, 100))
			}
			return p.T("CmdErrNoSuchID", "ID", blockkit.EscapeTruncate(subj.subject, 64))
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
func userMessage(p *i18n.Printer, err error) string {
	if r := ruleFor(err); r != nil {
		return r.words(p, err)
	}
	return blockkit.ErrorText(p, err)
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

// says is the words of a failure that is always told the same: message id.
func says(id string) func(*i18n.Printer, error) string {
	return func(p *i18n.Printer, _ error) string { return p.T(id) }
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
func regionErrorText(p *i18n.Printer, e *regionError) string {
	name := func(r *regions.Region) string {
		return p.T("CmdRegionNameID", "Name", text(r.Name, rowShort), "ID", text(r.ID, rowShort))
	}
	if len(e.matches) > 1 {
		return p.T("CmdErrRegionAmbiguous", "Word", text(e.word, 60), "Lines", blockkit.Bullets(p, e.matches, 20, name))
	}
	if s := e.suspended; s != nil {
		return p.T("CmdErrRegionSuspended", "Name", text(s.Name, rowShort), "ID", text(s.ID, rowShort), "Lines", blockkit.Bullets(p, e.all, 20, name))
	}
	return p.T("CmdErrRegionUnknown", "Word", text(e.word, 60), "Lines", blockkit.Bullets(p, e.all, 20, name))
}

// errorMessage is the ephemeral reply for err, in p's language.
func errorMessage(p *i18n.Printer, err error) *slack.WebhookMessage {
	t := userMessage(p, err)
	return message(t, section(t))
}

// maxCandidates bounds the instances listed for an ambiguous name.
const maxCandidates = 10

// ambiguousText lists the instances a snooze target could mean, by id.
func ambiguousText(p *i18n.Printer, e *tracked.AmbiguousError) string {
	var b strings.Builder
	b.WriteString(p.N("CmdAmbiguous", len(e.Candidates), "Name", blockkit.EscapeTruncate(e.Name, 100)))
	for i, c := range e.Candidates {
		if i == maxCandidates {
			b.WriteString("\n• " + p.T("KitMore", "N", len(e.Candidates)-maxCandidates))
			break
		}
		b.WriteString("\n• `" + blockkit.EscapeTruncate(c.ID, 64) + "` " + text(c.Name, 100) + " (" + candidateStatus(p, c.Status) + ")")
	}
	return b.String()
}

// candidateStatus is a candidate's status, which the watcher keeps as
// SCNet's word, in p's language.
func candidateStatus(p *i18n.Printer, s string) string {
	if st, err := scnet.ParseStatus(s); err == nil {
		return blockkit.StatusText(p, st)
	}
	return text(s, 30)
}
