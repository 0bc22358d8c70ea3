package scnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"scnetbot/retry"
)

// exchange sends req and returns the body of a 2xx response, read through
// MaxBodyBytes. A non-2xx status becomes an *APIError carrying whatever code
// and message the body had; secrets are scrubbed from anything quoted.
//
// The body is read into buf (reset first) when buf is not nil, so the
// returned slice is valid only until buf is reused.
func exchange(hc *http.Client, req *http.Request, endpoint string, secrets []string, buf *bytes.Buffer) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	buf.Reset()
	if n := resp.ContentLength; n > 0 && n <= MaxBodyBytes {
		buf.Grow(int(n) + bytes.MinRead)
	}
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, MaxBodyBytes+1)); err != nil {
		return nil, &readError{endpoint: endpoint, err: err}
	}
	body := buf.Bytes()
	if len(body) > MaxBodyBytes {
		return nil, &DecodeError{Endpoint: endpoint, Excerpt: excerpt(body, secrets...), Err: fmt.Errorf("body exceeds %d bytes", MaxBodyBytes)}
	}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return body, nil
	}
	ae := &APIError{HTTPStatus: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())}
	var env envelope
	if json.Unmarshal(body, &env) == nil {
		// A failure status with code "0" is still a failure; keep only a
		// code that says what went wrong.
		if code, ok := parseCode(env.Code); ok && code != CodeSuccess {
			ae.Code = cleanCode(code, secrets...)
		}
		ae.Msg = cleanMsg(rawText(env.Msg), secrets...)
	} else {
		ae.Msg = excerpt(body, secrets...)
	}
	return nil, ae
}

// readError is a response cut off mid-read; the classifier retries it like
// any other network failure, whatever the reader's own error type.
type readError struct {
	endpoint string
	err      error
}

func (e *readError) Error() string {
	return fmt.Sprintf("read scnet %s response: %v", e.endpoint, e.err)
}
func (e *readError) Unwrap() error { return e.err }

// parseRetryAfter reads Retry-After as seconds or an HTTP date; zero when
// absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// maxPooledBuffer keeps an occasional huge response from pinning its buffer.
const maxPooledBuffer = 4 << 20

// transport is the one way every SCNet request is built and sent (list,
// detail, url, restart, stop, delete, center, login, renew): the
// User-Agent, the per-attempt timeout, the redirect policy (sameOrigin),
// the body size limit and the scrubbing of secrets from errors (exchange),
// and the observer all live here.
type transport struct {
	hc        *http.Client // redirects limited by sameOrigin
	timeout   time.Duration
	userAgent string
	observe   Observer
	// Pages are read into reused buffers: a full listing reads thousands
	// of them, and decoding copies everything it keeps.
	bufs sync.Pool
}

// newTransport returns a transport with the package defaults; fields may
// be changed until its first request.
func newTransport() *transport {
	return &transport{
		hc:        newHTTPClient(),
		timeout:   DefaultTimeout,
		userAgent: DefaultUserAgent,
		observe:   func(string, string, time.Duration) {},
	}
}

// useHTTPClient sends through hc (a plain client when nil), never
// following a redirect to another host or scheme (see sameOrigin).
func (t *transport) useHTTPClient(hc *http.Client) { t.hc = sameOrigin(hc) }

// newRequest builds a request to url with SCNet's JSON headers, the
// User-Agent and header (token, login credentials); body may be nil.
func (t *transport) newRequest(endpoint, method, url string, body []byte, header map[string]string) (*http.Request, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return nil, fmt.Errorf("build scnet %s request: %w", endpoint, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if t.userAgent != "" {
		req.Header.Set("User-Agent", t.userAgent)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	return req, nil
}

// do sends req as one attempt bounded by the timeout, hands a 2xx body to
// decode (valid only during the call) and tells the observer how the
// attempt went. Errors quote nothing in secrets.
func (t *transport) do(ctx context.Context, endpoint string, req *http.Request, secrets []string, decode func([]byte) error) error {
	actx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	buf, _ := t.bufs.Get().(*bytes.Buffer)
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	defer func() {
		if buf.Cap() <= maxPooledBuffer {
			t.bufs.Put(buf)
		}
	}()
	start := time.Now()
	body, err := exchange(t.hc, req.WithContext(actx), endpoint, secrets, buf)
	if err == nil && decode != nil {
		err = decode(body)
	}
	t.observe(endpoint, outcome(ctx, err), time.Since(start))
	return err
}

// request describes one SCNet container call; it is rebuilt into an
// *http.Request for every attempt because a body can be read only once.
type request struct {
	endpoint string
	method   string
	path     string // below the AI base URL
	url      string // set by call from the base URL and path
	body     []byte
	// wrote, when set, is set once an attempt has written the request's
	// headers: from then on SCNet may have received it (see act).
	wrote *atomic.Bool
}

// call runs r with retries and, when SCNet rejects the token and the token
// source can renew it, once more with a fresh token. decode gets each 2xx
// body and the token it was fetched with (to scrub it from errors).
func (c *Client) call(ctx context.Context, r request, decode func(body []byte, token string) error) error {
	base, err := c.base(ctx)
	if err != nil {
		return err
	}
	r.url = base + r.path
	var used string
	op := func(ctx context.Context) error {
		tok, err := c.once(ctx, r, decode)
		used = tok
		return err
	}
	err = c.retry(ctx, r.endpoint, op)
	var te *TokenError
	if IsAuthError(err) && !errors.As(err, &te) && used != "" {
		// One client reports an expired token as 10008: get a new one once,
		// unless the caller has given up meanwhile. A source that cannot
		// renew would only hand out the rejected token again.
		if !c.tokens.Invalidate(used) {
			return err
		}
		if ctx.Err() != nil {
			return retry.Stopped(ctx, err)
		}
		err = c.retry(ctx, r.endpoint, op)
	}
	return err
}

// once makes a single attempt: token, a slot among MaxInFlight, then the
// exchange and decode through the transport.
func (c *Client) once(ctx context.Context, r request, decode func([]byte, string) error) (string, error) {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return "", &TokenError{Err: err}
	}
	select {
	case c.inFlight <- struct{}{}:
	case <-ctx.Done():
		return tok, ctx.Err()
	}
	defer func() { <-c.inFlight }()
	// The detail GET has no body but has always said it speaks JSON.
	req, err := c.tr.newRequest(r.endpoint, r.method, r.url, r.body, map[string]string{"token": tok, "Content-Type": "application/json"})
	if err != nil {
		return tok, err
	}
	dctx := ctx
	if r.wrote != nil {
		// Traced here and not by the caller: the token source's own
		// requests (a login) must not count as this one being sent.
		dctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteHeaders: func() { r.wrote.Store(true) }})
	}
	return tok, c.tr.do(dctx, r.endpoint, req, []string{tok}, func(b []byte) error { return decode(b, tok) })
}

// outcome is the observer label for an attempt's result.
func outcome(ctx context.Context, err error) string {
	var ae *APIError
	var de *DecodeError
	switch {
	case err == nil, errors.Is(err, ErrNotFound), errors.Is(err, ErrNoAccessURL):
		// SCNet answered with success, only without what was asked for.
		return string(CodeSuccess)
	case errors.As(err, &ae):
		return ae.outcome()
	case errors.As(err, &de):
		return "decode"
	case ctx.Err() != nil:
		return "canceled"
	}
	return "network"
}

// newHTTPClient is the default HTTP client: a plain one that follows
// redirects only to the same scheme and host (see sameOrigin).
func newHTTPClient() *http.Client { return sameOrigin(&http.Client{}) }

// sameOrigin returns hc, or a copy of it that follows redirects only to the
// same scheme and host when hc has no redirect policy of its own. Go drops
// Authorization on a cross-host redirect but not SCNet's custom "token",
// "password" or "signature" headers, which would otherwise travel to
// whatever host a redirect names, or in clear text when a redirect goes
// from https to http. A redirect not followed is answered with the
// redirect itself, which the caller reports as an HTTP error. The caller's
// client is not modified.
func sameOrigin(hc *http.Client) *http.Client {
	if hc == nil {
		hc = &http.Client{}
	}
	if hc.CheckRedirect != nil {
		return hc
	}
	cp := *hc
	cp.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if req.URL.Scheme != via[0].URL.Scheme || req.URL.Host != via[0].URL.Host {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &cp
}
