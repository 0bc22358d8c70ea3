package blockkit

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"syscall"

	"scnetbot/scnet"
	"scnetbot/state"
)

// ErrorText says what went wrong and what to do, for the person who asked:
// one or two sentences in scnetbot's own words, led by an emoji. It and
// ErrorSummary are the one place an error from SCNet, the network or a
// deadline becomes words for Slack, for command replies, alert buttons and
// notices alike. Neither ever quotes an error's own text, which can carry an
// SCNet URL, an HTML error page, a token or a password: only documented
// codes, HTTP status numbers and scnetbot's sentences. The error itself
// belongs in the log.
func ErrorText(err error) string { return explain(err).text }

// ErrorSummary is the same explanation as a short phrase without advice, for
// a status line such as "Last error: SCNet answered HTTP 503".
func ErrorSummary(err error) string { return explain(err).summary }

// explanation is one error in words: the sentence for a reply and the
// phrase for a status line.
type explanation struct{ text, summary string }

// StateUnavailableText answers a command or button that needs the state
// while its PostgreSQL database (STATE_URL) cannot be reached.
const StateUnavailableText = ":floppy_disk: scnetbot cannot reach its state database right now; try again in a minute."

// Sentences more than one kind of error shares.
const (
	slowText  = ":turtle: SCNet is slow: it did not answer in time. Try again in a minute; if it stays slow, SCNet may be overloaded."
	slowShort = "SCNet did not answer in time"
)

// explain classifies err. The order matters: a deadline or a rejected
// token is named as such whatever wraps it.
func explain(err error) explanation {
	var (
		api *scnet.APIError
		dec *scnet.DecodeError
		tok *scnet.TokenError
		ne  net.Error
	)
	switch {
	case err == nil:
		return explanation{":grey_question: Nothing went wrong.", "none"}
	case errors.Is(err, state.ErrUnavailable):
		// Before the deadline: a database that times out is an outage
		// of the database, not a slow SCNet.
		return explanation{StateUnavailableText, "state database unreachable"}
	case errors.Is(err, context.DeadlineExceeded):
		return explanation{slowText, slowShort}
	case errors.Is(err, context.Canceled):
		return explanation{":octagonal_sign: The request was cancelled (scnetbot may be restarting). Try again in a moment.",
			"the request was cancelled"}
	case scnet.IsAuthError(err):
		return explanation{":key: scnetbot's SCNet token was rejected — ask the bot's operator to renew SCNET_TOKEN (or check the SCNET_* credentials scnetbot logs in with).",
			"SCNet rejected scnetbot's token"}
	case errors.As(err, &api):
		return explainAPI(api)
	case errors.As(err, &dec):
		return explanation{":warning: SCNet sent an answer scnetbot could not read. Try again later; if it keeps happening, tell the bot's operator (the details are in scnetbot's log).",
			"SCNet sent an answer scnetbot could not read"}
	case errors.Is(err, scnet.ErrNotFound):
		return explanation{":mag: SCNet has no such instance. `/instances` lists the ones that exist.", "SCNet has no such instance"}
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED):
		return explanation{":satellite_antenna: The connection to SCNet broke off (network error). Try again in a few minutes; if it lasts, SCNet or the network to it is down.",
			"the connection to SCNet broke off (network error)"}
	case errors.As(err, &ne):
		if ne.Timeout() {
			return explanation{slowText, slowShort}
		}
		return explanation{":satellite_antenna: scnetbot cannot reach SCNet (network error). Try again in a few minutes; if it lasts, SCNet or the network to it is down.",
			"scnetbot cannot reach SCNet (network error)"}
	case errors.As(err, &tok):
		return explanation{":key: scnetbot could not get an SCNet token. Ask the bot's operator to check the SCNet credentials.",
			"scnetbot could not get an SCNet token"}
	}
	return explanation{":warning: Something went wrong while asking SCNet. Try again; if it keeps happening, tell the bot's operator (the details are in scnetbot's log).",
		"an unexpected error (the details are in scnetbot's log)"}
}

// explainAPI words a request SCNet refused. A documented code is named with
// what it means; an undocumented one is SCNet's own text (a misbehaving
// server can put a token there) and is not shown at all.
func explainAPI(api *scnet.APIError) explanation {
	switch {
	case api.Code == "":
		// Description names the HTTP status and says what to do.
		return explanation{":warning: " + api.Description(), "SCNet answered HTTP " + strconv.Itoa(api.HTTPStatus)}
	case documented(api.Code):
		what := "SCNet refused the request (code " + string(api.Code) + ")"
		return explanation{":warning: " + what + ". " + api.Code.Description(), what}
	}
	return explanation{":warning: SCNet refused the request with an undocumented code. Try again later; if it persists, tell the bot's operator (the code is in scnetbot's log).",
		"SCNet refused the request with an undocumented code"}
}

// documented reports whether SCNet documents c, so that it is a known
// number and not text a server made up.
func documented(c scnet.Code) bool {
	switch c {
	case scnet.CodeSuccess, scnet.CodeInternal, scnet.CodeMissingParams, scnet.CodeInvalidParams,
		scnet.CodeUserFrozen, scnet.CodePermissionDenied, scnet.CodeNoAPIAccess, scnet.CodeFileCheckFailed,
		scnet.CodeFileTooLarge, scnet.CodeConnectionInterrupted, scnet.CodeDatabaseQuery, scnet.CodeDeleteFailed:
		return true
	}
	return false
}
