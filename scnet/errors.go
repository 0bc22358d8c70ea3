package scnet

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Code is an SCNet response code. SCNet sends it as a string ("0"); the
// client also accepts a JSON number.
type Code string

// The codes SCNet documents for the container API.
const (
	CodeSuccess               Code = "0"
	CodeInternal              Code = "10001"
	CodeMissingParams         Code = "10003"
	CodeInvalidParams         Code = "10004"
	CodeUserFrozen            Code = "10007"
	CodePermissionDenied      Code = "10008"
	CodeNoAPIAccess           Code = "10009"
	CodeFileCheckFailed       Code = "10010"
	CodeFileTooLarge          Code = "10011"
	CodeConnectionInterrupted Code = "10012"
	// CodeDatabaseQuery (查询数据库错误, "database query error") is listed
	// by the delete and execute-script pages.
	CodeDatabaseQuery Code = "716020"
	// CodeDeleteFailed (删除任务失败, "deleting the task failed") is listed
	// by the delete page; the page does not say when SCNet sends it.
	CodeDeleteFailed Code = "716866"
)

// documented reports whether SCNet documents c, i.e. whether it is one of
// the constants above.
func (c Code) documented() bool {
	switch c {
	case CodeSuccess, CodeInternal, CodeMissingParams, CodeInvalidParams, CodeUserFrozen,
		CodePermissionDenied, CodeNoAPIAccess, CodeFileCheckFailed, CodeFileTooLarge, CodeConnectionInterrupted,
		CodeDatabaseQuery, CodeDeleteFailed:
		return true
	}
	return false
}

// Description says in English what a code means and what to do about it.
// Unknown codes get a generic sentence that still names the code.
func (c Code) Description() string {
	switch c {
	case CodeSuccess:
		return "SCNet reported success."
	case CodeInternal:
		return "SCNet had an internal error; the request was retried and can be tried again later."
	case CodeMissingParams:
		return "SCNet says required parameters are missing; this is a scnetbot bug, please report it."
	case CodeInvalidParams:
		return "SCNet rejected a parameter as invalid; check the filter values (status, task type, name) and try again."
	case CodeUserFrozen:
		return "The SCNet account is frozen; the account owner must contact SCNet support to unfreeze it."
	case CodePermissionDenied:
		return "SCNet denied permission, which usually means the token expired or belongs to another region; scnetbot logs in again automatically, and if this persists check the SCNet credentials and SCNET_CLUSTER."
	case CodeNoAPIAccess:
		return "The SCNet account has no access to this API; ask SCNet to enable OpenAPI access for it."
	case CodeFileCheckFailed:
		return "SCNet's file check failed; verify the file and try again."
	case CodeFileTooLarge:
		return "The file is too large for SCNet; use a smaller file."
	case CodeConnectionInterrupted:
		return "SCNet's connection was interrupted; the request was retried and can be tried again later."
	case CodeDatabaseQuery:
		return "SCNet could not look the instance up in its database; check the instance's status and try again later."
	case CodeDeleteFailed:
		return "SCNet could not delete the instance; check its status (SCNet may refuse to delete an instance that is still live: stop it first) and try again."
	}
	// The code is the server's text: quote it, bounded, so an odd one
	// cannot pass for part of the sentence or make it huge.
	return fmt.Sprintf("SCNet answered with undocumented code %s; try again later and report it if it persists.", quoteBounded(string(c), maxCode))
}

// quoteBounded quotes s as a Go string, cut to max characters first.
func quoteBounded(s string, max int) string {
	if utf8.RuneCountInString(s) > max {
		s = string([]rune(s)[:max]) + "…"
	}
	return strconv.Quote(s)
}

// APIError is a failed SCNet request: HTTP 200 with a code other than "0",
// or a non-2xx status (Code is then whatever the body carried, possibly
// empty). Msg is SCNet's own message, usually Chinese. The client cleans
// both before building the error: secrets and JWTs removed, control
// characters dropped, Code cut to 20 characters and Msg to 300.
type APIError struct {
	Code       Code
	Msg        string
	HTTPStatus int
	// RetryAfter is the server's Retry-After, zero when it sent none.
	RetryAfter time.Duration
}

// Error implements error.
func (e *APIError) Error() string {
	switch {
	case e.Code != "" && e.HTTPStatus != 0 && e.HTTPStatus != http.StatusOK:
		return fmt.Sprintf("scnet http %d code %s: %s", e.HTTPStatus, e.Code, e.Msg)
	case e.Code != "":
		return fmt.Sprintf("scnet code %s: %s", e.Code, e.Msg)
	case e.Msg != "":
		return fmt.Sprintf("scnet http %d: %s", e.HTTPStatus, e.Msg)
	}
	return fmt.Sprintf("scnet http %d", e.HTTPStatus)
}

// Description says in English what went wrong and what to do, for showing
// to people; Msg keeps SCNet's own words.
func (e *APIError) Description() string {
	if e.Code != "" {
		return e.Code.Description()
	}
	switch {
	case e.HTTPStatus == http.StatusUnauthorized || e.HTTPStatus == http.StatusForbidden:
		return "SCNet rejected the token (HTTP " + strconv.Itoa(e.HTTPStatus) + "); check the SCNet credentials."
	case e.HTTPStatus == http.StatusTooManyRequests:
		return "SCNet is rate limiting scnetbot; wait a little and try again."
	case e.HTTPStatus == http.StatusNotFound:
		return "SCNet answered 404; the AI base URL is probably wrong (it should end in /ai)."
	case e.HTTPStatus >= 500:
		return "SCNet is having trouble (HTTP " + strconv.Itoa(e.HTTPStatus) + "); try again later."
	}
	return "SCNet answered with unexpected HTTP status " + strconv.Itoa(e.HTTPStatus) + "; try again later."
}

// outcomeOther is the observer label of every undocumented code: a label
// per code would let a server grow the metrics without bound (and carry
// whatever it put in the code).
const outcomeOther = "other"

// outcome is the observer label for this error.
func (e *APIError) outcome() string {
	switch {
	case e.HTTPStatus != 0 && (e.HTTPStatus < 200 || e.HTTPStatus > 299):
		return "http_" + strconv.Itoa(e.HTTPStatus)
	case e.Code.documented():
		return string(e.Code)
	}
	return outcomeOther
}

// retryable reports whether the same request can succeed later: server
// trouble and throttling, but never a request SCNet judged wrong or
// unauthorised.
func (e *APIError) retryable() bool {
	switch e.Code {
	case CodeInternal, CodeConnectionInterrupted:
		return true
	case "":
	default:
		return false
	}
	return e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests
}

// DecodeError is a response that was not the JSON SCNet documents. Excerpt
// is a short, sanitized start of the body (control characters dropped,
// tokens and start scripts cut) for the log.
type DecodeError struct {
	Endpoint string
	Excerpt  string
	Err      error
}

// Error implements error.
func (e *DecodeError) Error() string {
	return fmt.Sprintf("decode scnet %s response %q: %v", e.Endpoint, e.Excerpt, e.Err)
}

// Unwrap returns the underlying parse error.
func (e *DecodeError) Unwrap() error { return e.Err }

// TokenError means no token could be obtained (login or renewal failed), as
// opposed to SCNet rejecting a request made with one.
type TokenError struct{ Err error }

// Error implements error.
func (e *TokenError) Error() string { return "get scnet token: " + e.Err.Error() }

// Unwrap returns the cause.
func (e *TokenError) Unwrap() error { return e.Err }

// ErrNotFound means SCNet answered successfully but without the instance:
// it is gone. Other failures are never reported as ErrNotFound, so a
// watcher can tell "gone" from "could not ask".
var ErrNotFound = errors.New("instance not found")

// ErrOutcomeUnknown means a request that changes an instance (restart,
// stop, delete) may have reached SCNet but no usable answer came back: the
// attempt timed out or its connection broke after the request was written,
// SCNet answered HTTP 5xx without a code of its own, or the answer could not
// be read. The action may or may not have happened, so the client does not
// send it again; look at the instance's status before anyone retries. The
// error wrapping it also wraps the cause.
var ErrOutcomeUnknown = errors.New("no usable answer from SCNet after the request was sent, the action may or may not have happened")

// ErrNoAccessURL means SCNet answered the access-URL request successfully
// but without a URL (data null or ""), which an instance that is not
// running may get.
var ErrNoAccessURL = errors.New("SCNet gave no access URL")

// ErrPageCap means a listing stopped at the client's page cap before SCNet
// sent a short page, so the result is incomplete.
var ErrPageCap = errors.New("page cap reached, listing incomplete")

// ErrInstanceCap means a listing stopped after gathering the client's cap
// of instances while SCNet had more, so the result is incomplete.
var ErrInstanceCap = errors.New("instance cap reached, listing incomplete")

// ErrPageOverLimit means SCNet answered with more instances than the limit
// asked for. The page is refused whole: a server that ignores limit cannot
// be paged through reliably, and must not make the client hold whatever it
// sends.
var ErrPageOverLimit = errors.New("page longer than the requested limit")

// ErrPagingStalled means a full page brought no instance not already seen,
// which happens when a server ignores the offset; paging further would only
// repeat it.
var ErrPagingStalled = errors.New("paging stalled, listing incomplete")

// IsAuthError reports whether err means the token was rejected: code 10008
// (which SCNet also uses for an expired token) or HTTP 401/403.
func IsAuthError(err error) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	return ae.Code == CodePermissionDenied || ae.HTTPStatus == http.StatusUnauthorized || ae.HTTPStatus == http.StatusForbidden
}

// IsFrozen reports whether err means the SCNet account is frozen: code
// 10007 on any call, login included. Unlike a rejected token, logging in
// again does not help; the account owner must act, so a watcher should say
// so about the account rather than about one region or instance.
func IsFrozen(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Code == CodeUserFrozen
}
