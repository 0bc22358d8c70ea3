package scnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"scnetbot/secret"
)

// Where SCNet's login and account endpoints live unless configured
// otherwise.
const (
	DefaultAuthBase = "https://api.scnet.cn"
	DefaultACBase   = "https://www.scnet.cn"
	// DefaultRenewBefore is how long before its expiry a token is renewed.
	DefaultRenewBefore = 10 * time.Minute
	// renewWindow is how long after expiry SCNet still renews a token.
	renewWindow = 24 * time.Hour
)

// CredentialsConfig is what NewCredentials needs, typically straight from
// the environment. Give either User+AccessKey+SecretKey (SCNet's
// recommended AK/SK login) or User+Password+OrgID (legacy login); AK/SK
// wins when both are complete.
type CredentialsConfig struct {
	User      string
	AccessKey string
	SecretKey secret.Secret
	Password  secret.Secret
	OrgID     string
	// Cluster picks the region by name or id (SCNET_CLUSTER). It may be
	// empty when the account has exactly one region.
	Cluster string
	// AuthBase is where AK/SK login goes; default DefaultAuthBase.
	AuthBase string
	// ACBase is where legacy login and renewal go; default DefaultACBase.
	ACBase string
	// HTTPClient defaults to a plain client; either way redirects to
	// another host or scheme are not followed. Timeout (default 30 s) bounds each
	// login or renewal request.
	HTTPClient *http.Client
	Timeout    time.Duration
	// RenewBefore is how early to renew; default DefaultRenewBefore.
	RenewBefore time.Duration
	// Observer, when set, is told about each login and renewal attempt
	// (endpoints "login" and "renew").
	Observer Observer
}

// Region is one SCNet region (cluster) of an account.
type Region struct {
	Name string
	ID   string
}

// Credentials is a TokenSource that logs in to SCNet, keeps the region's
// token, renews it before the expiry written in it, and logs in again when
// renewal fails or SCNet rejects the token. Concurrent Token calls share
// one login.
type Credentials struct {
	cfg  CredentialsConfig
	akSK bool
	tr   *transport
	// lock serialises logins; a channel so that waiting respects ctx.
	lock chan struct{}

	mu     sync.Mutex
	token  secret.Secret
	exp    time.Time
	hasExp bool
	region Region
}

// NewCredentials checks cfg and returns a source that logs in on first use.
func NewCredentials(cfg CredentialsConfig) (*Credentials, error) {
	c := &Credentials{cfg: cfg, lock: make(chan struct{}, 1)}
	switch {
	case cfg.User != "" && cfg.AccessKey != "" && cfg.SecretKey != "":
		c.akSK = true
	case cfg.User != "" && cfg.Password != "" && cfg.OrgID != "":
	default:
		return nil, errors.New("scnet credentials: need user, access key and secret key (AK/SK), or user, password and org id (legacy)")
	}
	if c.cfg.AuthBase == "" {
		c.cfg.AuthBase = DefaultAuthBase
	}
	if c.cfg.ACBase == "" {
		c.cfg.ACBase = DefaultACBase
	}
	c.cfg.AuthBase = strings.TrimRight(c.cfg.AuthBase, "/")
	c.cfg.ACBase = strings.TrimRight(c.cfg.ACBase, "/")
	if c.cfg.Timeout <= 0 {
		c.cfg.Timeout = DefaultTimeout
	}
	if c.cfg.RenewBefore <= 0 {
		c.cfg.RenewBefore = DefaultRenewBefore
	}
	c.tr = newTransport()
	// The login headers carry the password or the signature.
	c.tr.useHTTPClient(c.cfg.HTTPClient)
	c.tr.timeout = c.cfg.Timeout
	if c.cfg.Observer != nil {
		c.tr.observe = c.cfg.Observer
	}
	return c, nil
}

// Token implements TokenSource: the cached token while it is fresh,
// otherwise a renewed one, otherwise a new login.
func (c *Credentials) Token(ctx context.Context) (string, error) {
	if tok, ok := c.fresh(); ok {
		return tok, nil
	}
	select {
	case c.lock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-c.lock }()
	// Another caller may have logged in while this one waited.
	if tok, ok := c.fresh(); ok {
		return tok, nil
	}
	c.mu.Lock()
	old, exp, hasExp := c.token, c.exp, c.hasExp
	c.mu.Unlock()

	if old != "" && hasExp && time.Now().Before(exp.Add(renewWindow)) {
		if tok, err := c.renew(ctx, old); err == nil {
			c.set(tok, c.Region())
			return tok.Reveal(), nil
		}
		// Renewal is an optimisation; a fresh login is the fallback.
	}
	tok, region, err := c.login(ctx)
	if err != nil {
		if old != "" && hasExp && time.Now().Before(exp) {
			// Still valid for a while: better than nothing until the next try.
			return old.Reveal(), nil
		}
		return "", err
	}
	c.set(tok, region)
	return tok.Reveal(), nil
}

// Invalidate implements TokenSource: a rejected token is dropped, so the
// next Token call logs in again rather than renewing it. It reports true:
// a login can always bring a different token (or, when another caller has
// already replaced the rejected one, that one is different).
func (c *Credentials) Invalidate(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if token != "" && c.token.Reveal() == token {
		c.token, c.hasExp = "", false
	}
	return true
}

// ExpiresAt returns the current token's expiry, if there is a token and
// its JWT payload carries one.
func (c *Credentials) ExpiresAt() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" {
		return time.Time{}, false
	}
	return c.exp, c.hasExp
}

// Region returns the region the last login picked (zero before the first).
func (c *Credentials) Region() Region {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.region
}

func (c *Credentials) fresh() (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == "" {
		return "", false
	}
	if c.hasExp && !time.Now().Before(c.exp.Add(-c.cfg.RenewBefore)) {
		return "", false
	}
	return c.token.Reveal(), true
}

func (c *Credentials) set(tok secret.Secret, r Region) {
	exp, ok := jwtExpiry(tok.Reveal())
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token, c.exp, c.hasExp, c.region = tok, exp, ok, r
}

// secrets lists what must never appear in an error from this source.
func (c *Credentials) secrets(extra ...string) []string {
	return append([]string{c.cfg.SecretKey.Reveal(), c.cfg.Password.Reveal()}, extra...)
}

// post sends an empty-bodied POST with headers and returns the 2xx body.
func (c *Credentials) post(ctx context.Context, endpoint, url string, header map[string]string, secrets []string) ([]byte, error) {
	req, err := c.tr.newRequest(endpoint, http.MethodPost, url, nil, header)
	if err != nil {
		return nil, err
	}
	var body []byte
	err = c.tr.do(ctx, endpoint, req, secrets, func(b []byte) error {
		body = bytes.Clone(b)
		return nil
	})
	return body, err
}

// renew trades a token that is about to expire for a new one.
func (c *Credentials) renew(ctx context.Context, old secret.Secret) (secret.Secret, error) {
	secrets := c.secrets(old.Reveal())
	body, err := c.post(ctx, "renew", c.cfg.ACBase+"/ac/openapi/v2/tokens/next", map[string]string{"token": old.Reveal()}, secrets)
	if err != nil {
		return "", fmt.Errorf("renew scnet token: %w", err)
	}
	var r struct {
		envelope
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("renew scnet token: %w", checkOnly("renew", body, err, secrets))
	}
	// data is documented as the token; accept {"token": ...} as well.
	var tok string
	if json.Unmarshal(r.Data, &tok) != nil {
		var obj struct {
			Token string `json:"token"`
		}
		if json.Unmarshal(r.Data, &obj) == nil {
			tok = obj.Token
		}
	}
	if err := r.check("renew", body, append(append(secrets, tok), tokensIn(r.Data)...)); err != nil {
		return "", fmt.Errorf("renew scnet token: %w", err)
	}
	if tok == "" {
		return "", errors.New("renew scnet token: response carried no token")
	}
	return secret.Secret(tok), nil
}

// Format implements fmt.Formatter: fmt cannot see the Secret methods of
// unexported fields, so the source prints only what is safe.
func (c *Credentials) Format(f fmt.State, _ rune) {
	mode := "legacy"
	if c.akSK {
		mode = "ak/sk"
	}
	_, _ = fmt.Fprintf(f, "scnet.Credentials(%s, user %q, cluster %q, ***)", mode, c.cfg.User, c.cfg.Cluster)
}
