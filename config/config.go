// Package config reads scnetbot's configuration from the environment,
// validates all of it at once and reports every problem in one message.
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"scnetbot/scnet"
)

// Config is everything scnetbot reads from the environment. The variable
// names are a public contract: operators put them in their deployments.
type Config struct {
	SlackAppToken scnet.Secret `envconfig:"SLACK_APP_TOKEN" desc:"Slack app-level token (xapp-…, scope connections:write) for Socket Mode"`
	SlackBotToken scnet.Secret `envconfig:"SLACK_BOT_TOKEN" desc:"Slack bot token (xoxb-…) for the Web API"`
	SlackAPIURL   string       `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (also used for apps.connections.open)"`

	SCNetBaseURL   string       `envconfig:"SCNET_BASE_URL" desc:"SCNet AI base URL of the region, e.g. https://…/ai; discovered from the center endpoint when empty"`
	SCNetToken     scnet.Secret `envconfig:"SCNET_TOKEN" desc:"SCNet region token (static); or use the credential variables below"`
	SCNetUser      string       `envconfig:"SCNET_USER" desc:"SCNet user name, for AK/SK or legacy login"`
	SCNetAccessKey scnet.Secret `envconfig:"SCNET_ACCESS_KEY" desc:"SCNet access key (AK/SK login)"`
	SCNetSecretKey scnet.Secret `envconfig:"SCNET_SECRET_KEY" desc:"SCNet secret key (AK/SK login)"`
	SCNetPassword  scnet.Secret `envconfig:"SCNET_PASSWORD" desc:"SCNet password (legacy login)"`
	SCNetOrgID     string       `envconfig:"SCNET_ORG_ID" desc:"SCNet organisation id (legacy login)"`
	SCNetCluster   string       `envconfig:"SCNET_CLUSTER" desc:"SCNet region (cluster) name or id whose token to use, with credentials; may be empty when the account has one region"`
	SCNetAuthURL   string       `envconfig:"SCNET_AUTH_URL" default:"https://api.scnet.cn" desc:"SCNet AK/SK token service base URL"`
	SCNetACURL     string       `envconfig:"SCNET_AC_URL" default:"https://www.scnet.cn" desc:"SCNet platform (ac) base URL: legacy login, token renewal, center"`

	AllowedChannels List     `envconfig:"ALLOWED_CHANNELS" desc:"comma-separated channel ids where commands work; empty means everywhere"`
	AllowedUsers    List     `envconfig:"ALLOWED_USERS" desc:"comma-separated user ids who may use the bot; empty means everyone"`
	CacheTTL        Duration `envconfig:"CACHE_TTL" default:"30s" desc:"how long a query result is reused"`
	QueryTimeout    Duration `envconfig:"QUERY_TIMEOUT" default:"8s" desc:"how long a command waits for SCNet before answering that SCNet is slow"`
	DisplayTimezone string   `envconfig:"DISPLAY_TIMEZONE" default:"Asia/Shanghai" desc:"time zone for times shown in Slack"`
	HTTPAddr        string   `envconfig:"HTTP_ADDR" default:":8080" desc:"address for /healthz, /readyz and /metrics; empty disables"`
	LogLevel        string   `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat       string   `envconfig:"LOG_FORMAT" default:"text" desc:"text or json"`

	WatchChannel        string   `envconfig:"WATCH_CHANNEL" desc:"channel id for alerts; empty disables the watcher"`
	WatchInterval       Duration `envconfig:"WATCH_INTERVAL" default:"60s" desc:"how often the watcher polls SCNet"`
	WatchStatuses       List     `envconfig:"WATCH_STATUSES" default:"Failed,Terminated" desc:"statuses that raise an alert"`
	WatchMention        string   `envconfig:"WATCH_MENTION" desc:"mention added to top-level alerts, e.g. <!here> or <!subteam^S0123>"`
	WatchOutageAfter    Duration `envconfig:"WATCH_OUTAGE_AFTER" default:"5m" desc:"failed polls for this long post one 'SCNet unreachable' notice"`
	WatchStormThreshold Int      `envconfig:"WATCH_STORM_THRESHOLD" default:"5" desc:"more changes than this in one poll are posted as one summary"`
	WatchClockSkew      Duration `envconfig:"WATCH_CLOCK_SKEW" default:"10m" desc:"how far SCNet's clock may run behind; failures created earlier than this before the last poll are not news"`
	StatePath           string   `envconfig:"STATE_PATH" default:"scnetbot.db" desc:"file of the watcher's embedded state store"`

	// Location is DISPLAY_TIMEZONE loaded; set by Load.
	Location *time.Location `ignored:"true"`
	// Statuses is WATCH_STATUSES parsed; set by Load.
	Statuses []scnet.Status `ignored:"true"`
}

// Load reads the configuration from the environment and validates it. The
// error, when there is one, names every missing or bad variable.
func Load() (*Config, error) {
	var c Config
	if err := envconfig.Process("", &c); err != nil {
		// Every field decodes leniently, so this is only reachable through a
		// programming error in the struct tags.
		return nil, fmt.Errorf("read environment: %w", err)
	}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return &c, nil
}

// UsesCredentials reports whether SCNet tokens come from a login rather than
// SCNET_TOKEN.
func (c *Config) UsesCredentials() bool { return c.SCNetToken == "" }

// WatchEnabled reports whether the watcher runs.
func (c *Config) WatchEnabled() bool { return c.WatchChannel != "" }

func (c *Config) validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if c.SlackAppToken == "" {
		bad("SLACK_APP_TOKEN is missing: create an app-level token with connections:write under Basic Information")
	} else if !strings.HasPrefix(string(c.SlackAppToken), "xapp-") {
		bad("SLACK_APP_TOKEN must start with xapp- (it is the app-level token, not the bot token)")
	}
	if c.SlackBotToken == "" {
		bad("SLACK_BOT_TOKEN is missing: install the app and copy the Bot User OAuth Token")
	} else if !strings.HasPrefix(string(c.SlackBotToken), "xoxb-") {
		bad("SLACK_BOT_TOKEN must start with xoxb-")
	}
	checkURL := func(name, v string, required bool) {
		if v == "" {
			if required {
				bad("%s is missing", name)
			}
			return
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("%s must be an http(s) URL, got %q", name, v)
		}
	}
	checkURL("SLACK_API_URL", c.SlackAPIURL, true)
	checkURL("SCNET_BASE_URL", c.SCNetBaseURL, false)
	checkURL("SCNET_AUTH_URL", c.SCNetAuthURL, true)
	checkURL("SCNET_AC_URL", c.SCNetACURL, true)

	switch {
	case c.SCNetToken != "":
		// A static token needs nothing else.
	case c.SCNetUser == "":
		bad("SCNet credentials are missing: set SCNET_TOKEN, or SCNET_USER with SCNET_ACCESS_KEY and SCNET_SECRET_KEY (or SCNET_PASSWORD and SCNET_ORG_ID)")
	case c.SCNetAccessKey != "" || c.SCNetSecretKey != "":
		if c.SCNetAccessKey == "" || c.SCNetSecretKey == "" {
			bad("SCNET_ACCESS_KEY and SCNET_SECRET_KEY go together: one of them is missing")
		}
	case c.SCNetPassword != "" || c.SCNetOrgID != "":
		if c.SCNetPassword == "" || c.SCNetOrgID == "" {
			bad("SCNET_PASSWORD and SCNET_ORG_ID go together: one of them is missing")
		}
	default:
		bad("SCNET_USER is set but no key: add SCNET_ACCESS_KEY and SCNET_SECRET_KEY, or SCNET_PASSWORD and SCNET_ORG_ID")
	}

	for _, d := range []struct {
		name string
		v    Duration
		min  time.Duration
	}{
		{"CACHE_TTL", c.CacheTTL, 0},
		{"QUERY_TIMEOUT", c.QueryTimeout, 100 * time.Millisecond},
		{"WATCH_INTERVAL", c.WatchInterval, 5 * time.Second},
		{"WATCH_OUTAGE_AFTER", c.WatchOutageAfter, 0},
		{"WATCH_CLOCK_SKEW", c.WatchClockSkew, time.Minute},
	} {
		switch {
		case d.v.Raw != "" && d.v.Err != nil:
			bad("%s is not a duration (like 30s or 5m): %q", d.name, d.v.Raw)
		case d.v.D < d.min:
			bad("%s must be at least %s", d.name, d.min)
		}
	}
	if c.WatchStormThreshold.Err != nil {
		bad("WATCH_STORM_THRESHOLD is not a whole number: %q", c.WatchStormThreshold.Raw)
	} else if c.WatchStormThreshold.N < 1 {
		bad("WATCH_STORM_THRESHOLD must be at least 1")
	}

	loc, err := time.LoadLocation(c.DisplayTimezone)
	if err != nil {
		bad("DISPLAY_TIMEZONE %q is not a known time zone (use an IANA name such as Asia/Shanghai or UTC)", c.DisplayTimezone)
	}
	c.Location = loc

	c.Statuses = nil
	for _, s := range c.WatchStatuses {
		st, err := scnet.ParseStatus(s)
		if err != nil {
			bad("WATCH_STATUSES: %v", err)
			continue
		}
		c.Statuses = append(c.Statuses, st)
	}
	if c.WatchEnabled() && len(c.Statuses) == 0 && len(c.WatchStatuses) == 0 {
		bad("WATCH_STATUSES is empty: name at least one status to alert on, e.g. Failed,Terminated")
	}
	if c.WatchEnabled() && c.StatePath == "" {
		bad("STATE_PATH is empty: the watcher needs a file for its state")
	}

	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "warning", "error":
	default:
		bad("LOG_LEVEL must be debug, info, warn or error, got %q", c.LogLevel)
	}
	switch strings.ToLower(c.LogFormat) {
	case "text", "json":
	default:
		bad("LOG_FORMAT must be text or json, got %q", c.LogFormat)
	}

	if len(problems) > 0 {
		return &Error{Problems: problems}
	}
	return nil
}

// Error lists every configuration problem found.
type Error struct{ Problems []string }

func (e *Error) Error() string {
	return "configuration is not valid:\n  - " + strings.Join(e.Problems, "\n  - ") + "\nrun scnetbot -h for the list of variables"
}

// SlogLevel returns LOG_LEVEL as a slog level.
func (c *Config) SlogLevel() slog.Level {
	switch strings.ToLower(c.LogLevel) {
	case "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// LogValue lets the configuration be logged once at start: secrets print as
// *** because of their type.
func (c *Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("slack_api_url", c.SlackAPIURL),
		slog.Any("slack_app_token", c.SlackAppToken),
		slog.Any("slack_bot_token", c.SlackBotToken),
		slog.String("scnet_base_url", c.SCNetBaseURL),
		slog.Any("scnet_token", c.SCNetToken),
		slog.String("scnet_user", c.SCNetUser),
		slog.String("scnet_cluster", c.SCNetCluster),
		slog.Any("allowed_channels", []string(c.AllowedChannels)),
		slog.Any("allowed_users", []string(c.AllowedUsers)),
		slog.Duration("cache_ttl", c.CacheTTL.D),
		slog.Duration("query_timeout", c.QueryTimeout.D),
		slog.String("display_timezone", c.DisplayTimezone),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("watch_channel", c.WatchChannel),
		slog.Duration("watch_interval", c.WatchInterval.D),
		slog.Any("watch_statuses", []string(c.WatchStatuses)),
		slog.Duration("watch_clock_skew", c.WatchClockSkew.D),
		slog.String("state_path", c.StatePath),
	)
}

// Usage writes every variable with its default and description.
func Usage(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scnetbot is configured only through the environment:")
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "VARIABLE\tDEFAULT\tDESCRIPTION")
	err := envconfig.Usagef("", &Config{}, tw, "{{range .}}{{usage_key .}}\t{{usage_default .}}\t{{usage_description .}}\n{{end}}")
	if err != nil {
		return err
	}
	return tw.Flush()
}

// List is a comma-separated list; blanks around items are dropped.
type List []string

// Decode implements envconfig.Decoder.
func (l *List) Decode(v string) error {
	*l = nil
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// Duration decodes leniently: a bad value is kept with its error so that
// validation can report it together with every other problem.
type Duration struct {
	D   time.Duration
	Raw string
	Err error
}

// Decode implements envconfig.Decoder.
func (d *Duration) Decode(v string) error {
	d.Raw = v
	d.D, d.Err = time.ParseDuration(strings.TrimSpace(v))
	if d.Err == nil && d.D < 0 {
		d.Err = errors.New("negative duration")
	}
	return nil
}

// Int decodes leniently, like Duration.
type Int struct {
	N   int
	Raw string
	Err error
}

// Decode implements envconfig.Decoder.
func (n *Int) Decode(v string) error {
	n.Raw = v
	n.N, n.Err = strconv.Atoi(strings.TrimSpace(v))
	return nil
}

// Defaults returns the configuration that an environment with no variables
// set would give, with Location and Statuses filled in, for callers that
// build a configuration in code (the demo). A test holds it equal to the
// struct tags' defaults.
func Defaults() *Config {
	d := func(s string) Duration {
		var v Duration
		_ = v.Decode(s)
		return v
	}
	n := func(s string) Int {
		var v Int
		_ = v.Decode(s)
		return v
	}
	return &Config{
		SlackAPIURL:         "https://slack.com/api/",
		SCNetAuthURL:        "https://api.scnet.cn",
		SCNetACURL:          "https://www.scnet.cn",
		CacheTTL:            d("30s"),
		QueryTimeout:        d("8s"),
		DisplayTimezone:     "Asia/Shanghai",
		HTTPAddr:            ":8080",
		LogLevel:            "info",
		LogFormat:           "text",
		WatchInterval:       d("60s"),
		WatchStatuses:       List{"Failed", "Terminated"},
		WatchOutageAfter:    d("5m"),
		WatchStormThreshold: n("5"),
		WatchClockSkew:      d("10m"),
		StatePath:           "scnetbot.db",
		Location:            scnet.HomeLocation(),
		Statuses:            []scnet.Status{scnet.StatusFailed, scnet.StatusTerminated},
	}
}
