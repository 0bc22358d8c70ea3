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
	// nullRetry is how long a region a login sent as null (the account is
	// suspended there) is answered as such without a new login. Every
	// poll and command in that region would otherwise log in again;
	// a suspension is lifted by people, in hours.
	nullRetry = 5 * time.Minute
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
	// Cluster selects the regions (SCNET_CLUSTER): empty or "all" for
	// every region of the account, or a comma list of names or ids. Token
	// wants it to select exactly one; Regions takes any.
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

// Credentials logs in to SCNet once for every region of the account: a
// login answers with one token per region. Regions hands out each selected
// region's own TokenSource, which renews that region's token before the
// expiry written in it and, when renewal fails or SCNet rejects the token,
// logs in again. One login refreshes every region's token, and concurrent
// callers share it.
//
// Credentials is itself a TokenSource for the one region the
// configuration selects (the setup before scnetbot watched every region):
// Token fails when the selection holds several.
type Credentials struct {
	cfg  CredentialsConfig
	akSK bool
	tr   *transport
	// lock serialises logins; a channel so that waiting respects ctx.
	lock chan struct{}

	mu sync.Mutex
	// logins counts the logins that succeeded, so a caller that waited for
	// the lock can tell that another one logged in meanwhile.
	logins int
	// listed is the last login's answer, in its order.
	listed []regionEntry
	// sources holds one source per region id, kept across logins so that
	// callers keep their source while its token changes.
	sources map[string]*RegionSource
	// single is the source Token uses, once chosen.
	single *RegionSource
}

// NewCredentials checks cfg and returns a source that logs in on first use.
func NewCredentials(cfg CredentialsConfig) (*Credentials, error) {
	c := &Credentials{cfg: cfg, lock: make(chan struct{}, 1), sources: map[string]*RegionSource{}}
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

// RegionToken is one usable region of the account and its own token
// source.
type RegionToken struct {
	Region
	Tokens *RegionSource
}

// Regions logs in if no login has succeeded yet and returns the regions
// the configuration selects (CredentialsConfig.Cluster): with Cluster empty
// or "all", every region whose token is not null except the platform entry
// (clusterId "0", clusterName "ac"), in the login's order; with a comma
// list of names (any case) or ids, just those, in the list's order. A
// selected region whose token SCNet sent as null (the account is suspended
// there) is returned in suspended, not as an error. A name that is not the
// account's is an error naming the regions there are. Repeated calls
// return the same source for a region.
//
// For every usable region the caller builds a client with that region's
// token source; see the package example.
func (c *Credentials) Regions(ctx context.Context) (usable []RegionToken, suspended []Region, err error) {
	if _, err := c.loginAfter(ctx, 0); err != nil {
		return nil, nil, err
	}
	c.mu.Lock()
	listed := c.listed
	c.mu.Unlock()
	picked, suspended, err := selectRegions(listed, c.cfg.Cluster)
	if err != nil {
		return nil, nil, fmt.Errorf("scnet regions: %w", err)
	}
	for _, e := range picked {
		usable = append(usable, RegionToken{Region: e.region, Tokens: c.source(e.region)})
	}
	return usable, suspended, nil
}

// Relogin logs in again now, whatever the tokens' expiry, so that the next
// Regions lists what SCNet says now: a region the account was suspended in
// at the first login has a token once the suspension is lifted, and one it
// is suspended in since has none. Every region's source takes its new
// token. Callers at the same time share one login.
func (c *Credentials) Relogin(ctx context.Context) error {
	c.mu.Lock()
	seen := c.logins
	c.mu.Unlock()
	_, err := c.loginAfter(ctx, seen)
	return err
}

// source returns the one source of region r, made on first use.
func (c *Credentials) source(r Region) *RegionSource {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sourceLocked(r)
}

func (c *Credentials) sourceLocked(r Region) *RegionSource {
	s, ok := c.sources[r.ID]
	if !ok {
		s = &RegionSource{c: c, region: r, lock: make(chan struct{}, 1)}
		for _, e := range c.listed {
			if e.region.ID == r.ID {
				s.setLocked(e.token)
				break
			}
		}
		c.sources[r.ID] = s
	}
	return s
}

// loginAfter logs in unless more than seen logins have already succeeded:
// callers that found a token missing or rejected at the same time share
// one login. It reports whether this call logged in.
func (c *Credentials) loginAfter(ctx context.Context, seen int) (bool, error) {
	c.mu.Lock()
	done := c.logins > seen
	c.mu.Unlock()
	if done {
		return false, nil
	}
	select {
	case c.lock <- struct{}{}:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	defer func() { <-c.lock }()
	c.mu.Lock()
	done = c.logins > seen
	c.mu.Unlock()
	if done {
		return false, nil
	}
	list, err := c.login(ctx)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logins++
	c.listed = list
	// One login brings every region a fresh token; a region that is gone
	// or suspended now has none.
	for id, s := range c.sources {
		var tok secret.Secret
		for _, e := range list {
			if e.region.ID == id {
				tok = e.token
				break
			}
		}
		s.setLocked(tok)
	}
	return true, nil
}

// pick returns the source Token uses: the configuration's one selected
// region. When this call logged in, it also returns the login's token,
// which is the answer however soon it expires.
func (c *Credentials) pick(ctx context.Context) (*RegionSource, secret.Secret, error) {
	c.mu.Lock()
	s := c.single
	c.mu.Unlock()
	if s != nil {
		return s, "", nil
	}
	did, err := c.loginAfter(ctx, 0)
	if err != nil {
		return nil, "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	tok, r, err := pickOne(c.listed, c.cfg.Cluster)
	if err != nil {
		return nil, "", fmt.Errorf("scnet login (%s) as %q: %w", c.mode(), c.cfg.User, err)
	}
	c.single = c.sourceLocked(r)
	if !did {
		tok = ""
	}
	return c.single, tok, nil
}

// Token implements TokenSource for the one selected region: the cached
// token while it is fresh, otherwise a renewed one, otherwise a new login.
func (c *Credentials) Token(ctx context.Context) (string, error) {
	s, tok, err := c.pick(ctx)
	if err != nil {
		return "", err
	}
	if tok != "" {
		return tok.Reveal(), nil
	}
	return s.Token(ctx)
}

// Invalidate implements TokenSource for the one selected region; see
// (*RegionSource).Invalidate.
func (c *Credentials) Invalidate(token string) bool {
	c.mu.Lock()
	s := c.single
	c.mu.Unlock()
	if s == nil {
		return true
	}
	return s.Invalidate(token)
}

// ExpiresAt returns the selected region's token expiry, if there is a
// token and its JWT payload carries one.
func (c *Credentials) ExpiresAt() (time.Time, bool) {
	c.mu.Lock()
	s := c.single
	c.mu.Unlock()
	if s == nil {
		return time.Time{}, false
	}
	return s.ExpiresAt()
}

// Region returns the region Token uses (zero before the first Token call).
func (c *Credentials) Region() Region {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.single == nil {
		return Region{}
	}
	return c.single.region
}

// RegionSource is the TokenSource of one region of a Credentials login.
// Its token is renewed (tokens/next) before the expiry written in it; when
// renewal fails or SCNet rejects the token, the account logs in again,
// once for all regions.
type RegionSource struct {
	c      *Credentials
	region Region
	// lock serialises this region's renewals; a channel so that waiting
	// respects ctx. It is taken before Credentials.lock, never after.
	lock chan struct{}

	// Guarded by c.mu.
	token  secret.Secret
	exp    time.Time
	hasExp bool
	// null is when a login last sent this region's token as null; zero
	// while the region has a token, or lost it by rejection.
	null time.Time
}

// Region returns the region the source belongs to.
func (s *RegionSource) Region() Region { return s.region }

// Token implements TokenSource: the cached token while it is fresh,
// otherwise a renewed one, otherwise the one a new login brings.
func (s *RegionSource) Token(ctx context.Context) (string, error) {
	if tok, ok := s.fresh(); ok {
		return tok, nil
	}
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-s.lock }()
	// Another caller may have renewed or logged in while this one waited.
	if tok, ok := s.fresh(); ok {
		return tok, nil
	}
	c := s.c
	c.mu.Lock()
	old, exp, hasExp, seen, null := s.token, s.exp, s.hasExp, c.logins, s.null
	c.mu.Unlock()
	if old == "" && !null.IsZero() && time.Since(null) < nullRetry {
		return "", s.noToken()
	}

	if old != "" && hasExp && time.Now().Before(exp.Add(renewWindow)) {
		if tok, err := c.renew(ctx, old); err == nil {
			c.mu.Lock()
			s.setLocked(tok)
			c.mu.Unlock()
			return tok.Reveal(), nil
		}
		// Renewal is an optimisation; a fresh login is the fallback.
	}
	if _, err := c.loginAfter(ctx, seen); err != nil {
		if old != "" && hasExp && time.Now().Before(exp) {
			// Still valid for a while: better than nothing until the next try.
			return old.Reveal(), nil
		}
		return "", err
	}
	c.mu.Lock()
	tok := s.token
	c.mu.Unlock()
	if tok == "" {
		return "", s.noToken()
	}
	return tok.Reveal(), nil
}

// noToken is the error of a region the login sent no token for.
func (s *RegionSource) noToken() error {
	c := s.c
	return fmt.Errorf("scnet login (%s) as %q: region %q returned no token: the account may be suspended or lack access to it", c.mode(), c.cfg.User, s.region.Name)
}

// Invalidate implements TokenSource: a rejected token is dropped, so the
// next Token call logs in again rather than renewing it. It reports true:
// a login can always bring a different token (or, when another caller has
// already replaced the rejected one, that one is different).
func (s *RegionSource) Invalidate(token string) bool {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if token != "" && s.token.Reveal() == token {
		s.token, s.hasExp = "", false
	}
	return true
}

// ExpiresAt returns the current token's expiry, if there is a token and
// its JWT payload carries one.
func (s *RegionSource) ExpiresAt() (time.Time, bool) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.token == "" {
		return time.Time{}, false
	}
	return s.exp, s.hasExp
}

// Format implements fmt.Formatter: fmt cannot see the Secret methods of
// unexported fields, so the source prints only what is safe.
func (s *RegionSource) Format(f fmt.State, _ rune) {
	_, _ = fmt.Fprintf(f, "scnet.RegionSource(%q, id %q, ***)", s.region.Name, s.region.ID)
}

func (s *RegionSource) fresh() (string, bool) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if s.token == "" {
		return "", false
	}
	if s.hasExp && !time.Now().Before(s.exp.Add(-s.c.cfg.RenewBefore)) {
		return "", false
	}
	return s.token.Reveal(), true
}

// setLocked keeps tok ("" when the login sent none) and its expiry; c.mu
// must be held.
func (s *RegionSource) setLocked(tok secret.Secret) {
	exp, ok := jwtExpiry(tok.Reveal())
	s.token, s.exp, s.hasExp = tok, exp, ok && tok != ""
	s.null = time.Time{}
	if tok == "" {
		s.null = time.Now()
	}
}

func (c *Credentials) mode() string {
	if c.akSK {
		return "ak/sk"
	}
	return "legacy"
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
	_, _ = fmt.Fprintf(f, "scnet.Credentials(%s, user %q, cluster %q, ***)", c.mode(), c.cfg.User, c.cfg.Cluster)
}
