package scnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
)

// What SCNet documents about the calls below, and what scnetbot assumes
// (see also ../shared/docs/scnet-api.md):
//
//   - Restart: SCNet's page documents POST
//     /instance-service/task/actions/restart?instanceServiceId={id}, answering
//     data = the id. Any answer with code "0" is taken as success.
//   - Delete: SCNet's page documents DELETE /instance-service/task?ids=…
//     (ids repeated), answering data null, with the specific codes 716020
//     (查询数据库错误, database query error) and 716866 (删除任务失败,
//     deleting the task failed). When SCNet sends which is not documented.
//   - Stop: no official page. Public client code calls POST
//     /instance-service/task/actions/stop?ids={id}; the answer's data is
//     not relied on, any answer with code "0" is success.
//   - Access URL: SCNet's page lists GET /instance-service/{id}/url with
//     data = a URL string. That the string is an absolute http(s) URL, and
//     that it may carry secrets (a Jupyter ?token=), is assumed; callers
//     strip the secret parts before showing it.
//   - Whether SCNet acts on a request whose answer was lost is not
//     documented, nor whether repeating one is harmless, so a state-changing
//     request is never sent twice (see act).

// Restart asks SCNet to start instance id again. It returns an error
// wrapping ErrOutcomeUnknown when the request may have reached SCNet
// without a usable answer, and an *APIError when SCNet refused it.
func (c *Client) Restart(ctx context.Context, id string) error {
	return c.act(ctx, "restart", id, http.MethodPost, "/openapi/v2/instance-service/task/actions/restart",
		url.Values{"instanceServiceId": {id}})
}

// Stop asks SCNet to stop instance id, through the undocumented endpoint
// public clients use. Errors are as for Restart.
func (c *Client) Stop(ctx context.Context, id string) error {
	return c.act(ctx, "stop", id, http.MethodPost, "/openapi/v2/instance-service/task/actions/stop",
		url.Values{"ids": {id}})
}

// Delete asks SCNet to delete instance id. Errors are as for Restart;
// SCNet's refusals include CodeDatabaseQuery and CodeDeleteFailed.
func (c *Client) Delete(ctx context.Context, id string) error {
	return c.act(ctx, "delete", id, http.MethodDelete, "/openapi/v2/instance-service/task",
		url.Values{"ids": {id}})
}

// AccessURL returns instance id's access URL exactly as SCNet gives it,
// which may carry secrets such as a Jupyter token: callers strip them
// before showing it. The URL must be an absolute http(s) URL; success
// without one (data null or "") is ErrNoAccessURL, anything else a
// *DecodeError that quotes nothing of the answer. As a read, it is retried
// like Instance.
func (c *Client) AccessURL(ctx context.Context, id string) (string, error) {
	if !ValidInstanceID(id) {
		return "", fmt.Errorf("get access url of instance %.20q: %w", id, ErrInvalidInstanceID)
	}
	r := request{
		endpoint: "url",
		method:   http.MethodGet,
		path:     "/openapi/v2/instance-service/" + url.PathEscape(id) + "/url",
	}
	var u string
	err := c.call(ctx, r, func(body []byte, tok string) error {
		v, err := decodeAccessURL(body, tok)
		u = v
		return err
	})
	if err != nil {
		return "", fmt.Errorf("get access url of instance %q: %w", id, err)
	}
	return u, nil
}

// act sends one state-changing request. Failures before the request is
// written (no base URL yet, no token, a refused dial) are retried like a
// read's, since SCNet has seen nothing. Once an attempt has written the
// request it is the last: a second restart could restart twice. Its
// failure is then either definite (SCNet's code, or an HTTP status below
// 500: a redirect not followed, a rejected token) or wraps
// ErrOutcomeUnknown. A rejected token is invalidated, so the next request
// gets a fresh one, but this one is not resent.
func (c *Client) act(ctx context.Context, endpoint, id, method, path string, q url.Values) error {
	if !ValidInstanceID(id) {
		return fmt.Errorf("%s instance %.20q: %w", endpoint, id, ErrInvalidInstanceID)
	}
	base, err := c.base(ctx)
	if err != nil {
		return fmt.Errorf("%s instance %q: %w", endpoint, id, err)
	}
	r := request{endpoint: endpoint, method: method, path: path + "?" + q.Encode(), wrote: new(atomic.Bool)}
	r.url = base + r.path
	var used string
	op := func(ctx context.Context) error {
		tok, err := c.once(ctx, r, func(body []byte, tok string) error { return decodeAction(endpoint, body, tok) })
		used = tok
		if err != nil && r.wrote.Load() {
			return &sentError{err: err}
		}
		return err
	}
	err = settle(c.retry(ctx, endpoint, op))
	if IsAuthError(err) && used != "" {
		c.tokens.Invalidate(used)
	}
	if err != nil {
		return fmt.Errorf("%s instance %q: %w", endpoint, id, err)
	}
	return nil
}

// sentError is the failure of an attempt that wrote its request. It has
// no Unwrap on purpose: the retry classifier, which allows only what it
// recognises, then sees it as final whatever its cause. settle unpacks it.
type sentError struct{ err error }

func (e *sentError) Error() string { return e.err.Error() }

// settle turns the failure of a sent request into what the caller may
// conclude from it: SCNet's refusal as is, or ErrOutcomeUnknown wrapping
// the cause. Other errors (nothing was sent) pass unchanged.
func settle(err error) error {
	var se *sentError
	if !errors.As(err, &se) {
		return err
	}
	var ae *APIError
	if errors.As(se.err, &ae) && (ae.Code != "" || ae.HTTPStatus < 500) {
		return se.err
	}
	return fmt.Errorf("%w: %w", ErrOutcomeUnknown, se.err)
}

// decodeAction checks the answer to a state-changing request: code "0" is
// success whatever data holds; another code is an *APIError; anything
// else a *DecodeError.
func decodeAction(endpoint string, body []byte, tok string) error {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return &DecodeError{Endpoint: endpoint, Excerpt: excerpt(body, tok), Err: err}
	}
	return env.check(endpoint, body, []string{tok})
}

// withheld stands in for the body in a url decode error: the body holds
// the access URL, whose query can carry a secret no sanitiser knows.
const withheld = "(withheld: it may carry the instance's access token)"

// decodeAccessURL decodes an access-URL answer. Its errors are *APIError,
// ErrNoAccessURL or a *DecodeError that quotes nothing of the body.
func decodeAccessURL(body []byte, secrets ...string) (string, error) {
	var r struct {
		envelope
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		err = checkOnly("url", body, err, secrets)
		var de *DecodeError
		if errors.As(err, &de) {
			de.Excerpt = withheld
		}
		return "", err
	}
	if err := r.check("url", body, secrets); err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			de.Excerpt = withheld
		}
		return "", err
	}
	data := bytes.TrimSpace(r.Data)
	switch string(data) {
	case "", "null", `""`:
		return "", ErrNoAccessURL
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return "", &DecodeError{Endpoint: "url", Excerpt: withheld, Err: errors.New("data is not a string")}
	}
	if err := checkAccessURL(s); err != nil {
		return "", &DecodeError{Endpoint: "url", Excerpt: withheld, Err: err}
	}
	return s, nil
}

// checkAccessURL accepts an absolute http(s) URL with a host. Its errors
// never quote the URL.
func checkAccessURL(s string) error {
	if strings.TrimSpace(s) == "" {
		return ErrNoAccessURL
	}
	u, err := url.Parse(s)
	if err != nil {
		return errors.New("data is not a URL")
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("data is not an absolute http(s) URL")
	}
	return nil
}
