package scnettest

import "time"

// Option configures a Server at New.
type Option func(*config)

// ParamSource says where the list endpoint reads its filters from.
type ParamSource int

// The places a server (or a proxy in front of it) may read list filters from.
const (
	// ParamsEither reads the JSON body when one is sent and the query
	// parameters otherwise.
	ParamsEither ParamSource = iota
	// ParamsBodyOnly reads only the JSON body, as SCNet's own page documents.
	ParamsBodyOnly
	// ParamsQueryOnly reads only the query parameters, as the alternate
	// /task/list path used by a public client does.
	ParamsQueryOnly
)

type config struct {
	instances      int
	seed           int64
	hostile        bool
	latency        time.Duration
	now            func() time.Time
	tokenLifetime  time.Duration
	creds          Credentials
	tick           time.Duration
	params         ParamSource
	centerAISuffix bool
	suspended      bool
	unknownAsNull  bool
	restartDelay   time.Duration
	regions        []RegionSpec // nil: one region on the Server's listener
}

func defaultConfig() config {
	return config{
		seed:          1,
		now:           time.Now,
		tokenLifetime: 12 * time.Hour,
		creds:         DefaultCredentials(),
		restartDelay:  DefaultRestartDelay,
	}
}

// WithInstances seeds n realistic instances. The same seed and clock give the
// same records.
func WithInstances(n int, seed int64) Option {
	return func(c *config) { c.instances, c.seed = n, seed }
}

// WithHostileNames mixes names that try to break Slack formatting (mentions,
// markup, a 300-character name, emoji) into the seeded instances, so the
// default data stays clean for demos.
func WithHostileNames() Option {
	return func(c *config) { c.hostile = true }
}

// WithLatency delays every answer by d.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// WithClock replaces the clock used for token expiry, timestamps of new
// records and lifecycle transitions.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithTokenLifetime sets how long issued tokens stay valid (default 12h,
// what public clients assume).
func WithTokenLifetime(d time.Duration) Option {
	return func(c *config) { c.tokenLifetime = d }
}

// WithCredentials sets the account the token endpoints accept.
func WithCredentials(cr Credentials) Option {
	return func(c *config) { c.creds = cr }
}

// WithLifecycle advances instances every tick on the wall clock and creates a
// new Waiting instance when fewer than three are live, so a demo never runs
// dry. Zero (the default) moves instances only on Step.
func WithLifecycle(tick time.Duration) Option {
	return func(c *config) { c.tick = tick }
}

// WithParamSource makes the list endpoint read its filters from only one
// place, to prove a client sends them both ways.
func WithParamSource(p ParamSource) Option {
	return func(c *config) { c.params = p }
}

// WithCenterAISuffix makes the center's aiUrls entry end in "/ai", the other
// reading public clients disagree on.
func WithCenterAISuffix() Option {
	return func(c *config) { c.centerAISuffix = true }
}

// WithSuspendedAccount makes the token endpoints answer the way SCNet does
// for a suspended account: success, but every region's token is null (the
// platform token is still issued).
func WithSuspendedAccount() Option {
	return func(c *config) { c.suspended = true }
}

// WithUnknownIDAsNull makes detail and url answer an unknown instance id with
// code "0" and data null instead of the default code "10004" (参数无效): SCNet
// documents neither, so a client should handle both.
func WithUnknownIDAsNull() Option {
	return func(c *config) { c.unknownAsNull = true }
}

// WithRestartDelay sets how long a restarted instance stays Deploying
// before it is Running, on the simulator's clock (WithClock); the default
// is DefaultRestartDelay. Zero makes it Running on the next look.
func WithRestartDelay(d time.Duration) Option {
	return func(c *config) { c.restartDelay = max(d, 0) }
}
