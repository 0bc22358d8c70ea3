package blockkit

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/state"
)

// ErrorText says what went wrong and what to do, for the person who asked,
// in p's language: one or two sentences in scnetbot's own words, led by an
// emoji. It and ErrorSummary are the one place an error from SCNet, the
// network or a deadline becomes words for Slack, for command replies, alert
// buttons and notices alike. Neither ever quotes an error's own text, which
// can carry an SCNet URL, an HTML error page, a token or a password: only
// documented codes, HTTP status numbers and scnetbot's sentences. The error
// itself belongs in the log.
func ErrorText(p *i18n.Printer, err error) string { return explain(p, err).text }

// ErrorSummary is the same explanation as a short phrase without advice, for
// a status line such as "Last error: SCNet answered HTTP 503".
func ErrorSummary(p *i18n.Printer, err error) string { return explain(p, err).summary }

// explanation is one error in words: the sentence for a reply and the
// phrase for a status line.
type explanation struct{ text, summary string }

// StateUnavailableText answers a command or button that needs the state
// while its PostgreSQL database (STATE_URL) cannot be reached.
func StateUnavailableText(p *i18n.Printer) string { return p.T("KitErrState") }

// words is the explanation whose sentence is message id and whose phrase
// is id+"Short".
func words(p *i18n.Printer, id string) explanation {
	return explanation{p.T(id), p.T(id + "Short")}
}

// explain classifies err. The order matters: a deadline or a rejected
// token is named as such whatever wraps it.
func explain(p *i18n.Printer, err error) explanation {
	var (
		api *scnet.APIError
		dec *scnet.DecodeError
		tok *scnet.TokenError
		ne  net.Error
	)
	switch {
	case err == nil:
		return words(p, "KitErrNone")
	case errors.Is(err, state.ErrUnavailable):
		// Before the deadline: a database that times out is an outage
		// of the database, not a slow SCNet.
		return words(p, "KitErrState")
	case errors.Is(err, context.DeadlineExceeded):
		return words(p, "KitErrSlow")
	case errors.Is(err, context.Canceled):
		return words(p, "KitErrCancelled")
	case scnet.IsAuthError(err):
		return words(p, "KitErrAuth")
	case errors.As(err, &api):
		return explainAPI(p, api)
	case errors.As(err, &dec):
		return words(p, "KitErrDecode")
	case errors.Is(err, scnet.ErrNotFound):
		return words(p, "KitErrNotFound")
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		return words(p, "KitErrBrokeOff")
	case errors.As(err, &ne):
		if ne.Timeout() {
			return words(p, "KitErrSlow")
		}
		return words(p, "KitErrUnreachable")
	case errors.As(err, &tok):
		return words(p, "KitErrNoToken")
	}
	return words(p, "KitErrOther")
}

// explainAPI words a request SCNet refused. A documented code is named with
// what it means; an undocumented one is SCNet's own text (a misbehaving
// server can put a token there) and is not shown at all.
func explainAPI(p *i18n.Printer, api *scnet.APIError) explanation {
	switch {
	case api.Code == "":
		return explanation{":warning: " + httpDescription(p, api.HTTPStatus), p.T("KitErrHTTPShort", "Status", api.HTTPStatus)}
	case documented(api.Code):
		what := p.T("KitErrCode", "Code", string(api.Code))
		return explanation{":warning: " + what + p.T("KitSentenceEnd") + p.T("KitCode"+string(api.Code)), what}
	}
	return words(p, "KitErrUndocumented")
}

// httpDescription names an HTTP status SCNet answered without a code of its
// own and says what to do (scnet.APIError.Description's meaning, in p's
// language).
func httpDescription(p *i18n.Printer, status int) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return p.T("KitHTTPAuth", "Status", status)
	case status == http.StatusTooManyRequests:
		return p.T("KitHTTPRateLimited")
	case status == http.StatusNotFound:
		return p.T("KitHTTPNotFound")
	case status >= 500:
		return p.T("KitHTTPServer", "Status", status)
	}
	return p.T("KitHTTPOther", "Status", status)
}

// documented reports whether SCNet documents c, so that it is a known
// number and not text a server made up; each has a KitCode<c> message.
func documented(c scnet.Code) bool {
	switch c {
	case scnet.CodeSuccess, scnet.CodeInternal, scnet.CodeMissingParams, scnet.CodeInvalidParams,
		scnet.CodeUserFrozen, scnet.CodePermissionDenied, scnet.CodeNoAPIAccess, scnet.CodeFileCheckFailed,
		scnet.CodeFileTooLarge, scnet.CodeConnectionInterrupted, scnet.CodeDatabaseQuery, scnet.CodeDeleteFailed:
		return true
	}
	return false
}
