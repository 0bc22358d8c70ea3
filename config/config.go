// Package config reads scnetbot's configuration from the environment,
// validates all of it at once and reports every problem in one message.
package config

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kelseyhightower/envconfig"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/secret"
)

// Config is everything scnetbot reads from the environment. The variable
// names are a public contract: operators put them in their deployments.
type Config struct {
	SlackAppToken secret.Secret `envconfig:"SLACK_APP_TOKEN" desc:"Slack app-level token (xapp-…, scope connections:write) for Socket Mode"`
	SlackBotToken secret.Secret `envconfig:"SLACK_BOT_TOKEN" desc:"Slack bot token (xoxb-…) for the Web API"`
	SlackAPIURL   string        `envconfig:"SLACK_API_URL" default:"https://slack.com/api/" desc:"Slack Web API base URL (also used for apps.connections.open); a missing trailing slash is added"`

	SCNetBaseURL   string        `envconfig:"SCNET_BASE_URL" desc:"SCNet AI base URL of the region, ending in /ai (e.g. https://…/ai); discovered from the center endpoint when empty"`
	SCNetToken     secret.Secret `envconfig:"SCNET_TOKEN" desc:"SCNet region token (static), or a comma list of region tokens, one per region; or use the credential variables below"`
	SCNetUser      string        `envconfig:"SCNET_USER" desc:"SCNet user name, for AK/SK or legacy login"`
	SCNetAccessKey secret.Secret `envconfig:"SCNET_ACCESS_KEY" desc:"SCNet access key (AK/SK login)"`
	SCNetSecretKey secret.Secret `envconfig:"SCNET_SECRET_KEY" desc:"SCNet secret key (AK/SK login)"`
	SCNetPassword  secret.Secret `envconfig:"SCNET_PASSWORD" desc:"SCNet password (legacy login)"`
	SCNetOrgID     string        `envconfig:"SCNET_ORG_ID" desc:"SCNet organisation id (legacy login)"`
	SCNetCluster   string        `envconfig:"SCNET_CLUSTER" desc:"with credentials: the regions (cluster names or ids, comma list) to use; empty or all uses every region of the account"`
	SCNetAuthURL   string        `envconfig:"SCNET_AUTH_URL" default:"https://api.scnet.cn" desc:"SCNet AK/SK token service base URL"`
	SCNetACURL     string        `envconfig:"SCNET_AC_URL" default:"https://www.scnet.cn" desc:"SCNet platform (ac) base URL: legacy login, token renewal, center"`

	AllowedChannels List     `envconfig:"ALLOWED_CHANNELS" desc:"comma-separated channel ids (C…, G…) where commands work; empty means everywhere"`
	AllowedUsers    List     `envconfig:"ALLOWED_USERS" desc:"comma-separated user ids (U…, W…) who may use the bot; empty means everyone"`
	CacheTTL        Duration `envconfig:"CACHE_TTL" default:"30s" desc:"how long a query result is reused; 0 means no cache"`
	QueryTimeout    Duration `envconfig:"QUERY_TIMEOUT" default:"8s" desc:"how long a command waits for SCNet before answering that SCNet is slow"`
	DisplayTimezone string   `envconfig:"DISPLAY_TIMEZONE" default:"Asia/Shanghai" desc:"time zone for times shown in Slack"`
	HTTPAddr        string   `envconfig:"HTTP_ADDR" default:":8080" desc:"address for /healthz, /readyz and /metrics; empty disables"`
	LogLevel        string   `envconfig:"LOG_LEVEL" default:"info" desc:"debug, info, warn or error"`
	LogFormat       string   `envconfig:"LOG_FORMAT" default:"text" desc:"text or json"`

	// ActionUsers may restart, stop and delete instances from Slack; so
	// may the members of ActionUserGroup. Neither set: actions are off and
	// their buttons are not shown. Reading stays open to everyone
	// ALLOWED_USERS lets in.
	ActionUsers List `envconfig:"ACTION_USERS" desc:"comma-separated user ids (U…, W…) who may restart, stop and delete instances; with ACTION_USERGROUP empty too, actions are off"`
	// ActionUserGroup is a Slack user group id (S…) whose members may act,
	// read with usergroups.users.list (scope usergroups:read).
	ActionUserGroup string `envconfig:"ACTION_USERGROUP" desc:"Slack user group id (S…) whose members may restart, stop and delete instances"`

	WatchChannel        string   `envconfig:"WATCH_CHANNEL" desc:"channel id (C…) for alerts, in ALLOWED_CHANNELS when that is set; empty disables the watcher"`
	WatchInterval       Duration `envconfig:"WATCH_INTERVAL" default:"60s" desc:"how often the watcher polls SCNet"`
	WatchStatuses       List     `envconfig:"WATCH_STATUSES" default:"Failed,Terminated" desc:"statuses that raise an alert"`
	WatchMention        string   `envconfig:"WATCH_MENTION" desc:"mention added to top-level alerts, e.g. <!here> or <!subteam^S0123>"`
	WatchOutageAfter    Duration `envconfig:"WATCH_OUTAGE_AFTER" default:"5m" desc:"failed polls for this long post one 'SCNet unreachable' notice; 0 posts it at the first failed poll"`
	WatchStormThreshold Int      `envconfig:"WATCH_STORM_THRESHOLD" default:"5" desc:"more changes than this in one poll are posted as one summary"`
	WatchRoutes         Routes   `envconfig:"WATCH_ROUTES" desc:"region=channel pairs (comma list, e.g. 西北一区=C0123,华东一区=C0456): a region's alerts go to its own channel; other regions use WATCH_CHANNEL"`
	WatchBalanceBelow   Float    `envconfig:"WATCH_BALANCE_BELOW" desc:"warn once when the SCNet account balance falls below this amount, in the account's currency; empty: no balance threshold (a frozen account or one in arrears is warned about anyway)"`
	WatchClockSkew      Duration `envconfig:"WATCH_CLOCK_SKEW" default:"10m" desc:"how far SCNet's clock may run behind; failures created earlier than this before the last poll are not news"`
	StatePath           string   `envconfig:"STATE_PATH" default:"scnetbot.db" desc:"file of the watcher's embedded state store"`
	// StateURL moves the state from the STATE_PATH file to PostgreSQL,
	// shared by every replica; its password never prints.
	StateURL DatabaseURL `envconfig:"STATE_URL" desc:"postgres:// or postgresql:// URL of a PostgreSQL database for the state instead of STATE_PATH (the schema is created and migrated on start); empty: the embedded file"`
	// StateLeaseTimeout is how long a leader that stops answering keeps
	// the lease on STATE_URL's database (lease.Config.Timeout).
	StateLeaseTimeout Duration `envconfig:"STATE_LEASE_TIMEOUT" default:"10s" desc:"with STATE_URL: how long a replica that stops answering keeps the lead (polls and alert delivery) before another takes over; at least 1s"`

	// The incident lifecycle (see the watcher).
	WatchEscalateAfter   Duration `envconfig:"WATCH_ESCALATE_AFTER" desc:"an alert nobody acknowledged within this gets one reply in its thread that mentions WATCH_ESCALATE_MENTION; empty or 0: no escalation"`
	WatchEscalateMention string   `envconfig:"WATCH_ESCALATE_MENTION" desc:"whom an escalation mentions: a user id (U…, W…), a user group id (S…), here or channel"`
	WatchFlapWindow      Duration `envconfig:"WATCH_FLAP_WINDOW" default:"30m" desc:"an instance that fails again this soon after its incident ended reopens that incident in its thread, with a count, instead of a new alert; 0: every failure is a new alert"`
	WatchExpiryWarn      Duration `envconfig:"WATCH_EXPIRY_WARN" desc:"warn once when a live instance's time left before SCNet stops it for its time limit (remainingTime, timeoutLimit) falls below this; empty or 0: no warning"`

	// BotLanguage is the language of channel messages (alerts, notices, the
	// digest); what a person asks for is answered in their own Slack
	// locale.
	BotLanguage string `envconfig:"BOT_LANGUAGE" default:"en" desc:"language of channel messages (alerts, notices, the digest): en or zh; replies to a person follow their Slack language"`
	// DigestAt is the time of day, in DISPLAY_TIMEZONE, of the daily digest.
	DigestAt string `envconfig:"DIGEST_AT" desc:"time of day (HH:MM in DISPLAY_TIMEZONE) of the daily digest of the last 24 hours; empty: no digest"`
	// DigestChannel is where the digest goes, WATCH_CHANNEL when empty.
	DigestChannel string `envconfig:"DIGEST_CHANNEL" desc:"channel id (C…) for the daily digest; empty: WATCH_CHANNEL"`

	// Language is BOT_LANGUAGE parsed; set by Load.
	Language i18n.Lang `ignored:"true"`
	// Digest is DIGEST_AT parsed, the digest's time after midnight; zero
	// with DigestEnabled false when there is none. Set by Load.
	Digest time.Duration `ignored:"true"`

	// Location is DISPLAY_TIMEZONE loaded; set by Load.
	Location *time.Location `ignored:"true"`
	// Statuses is WATCH_STATUSES parsed; set by Load.
	Statuses []scnet.Status `ignored:"true"`
	// EscalateMention is WATCH_ESCALATE_MENTION as the watcher takes it
	// ("U0123", "S0123", "here", "channel"), whichever way it was written
	// ("<!subteam^S0123>", "@here"); set by Load.
	EscalateMention string `ignored:"true"`
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

// SCNetTokens returns the static region tokens of SCNET_TOKEN, one per
// region, in the order given; none when tokens come from a login.
func (c *Config) SCNetTokens() []secret.Secret {
	var out []secret.Secret
	for _, t := range strings.Split(c.SCNetToken.Reveal(), ",") {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, secret.Secret(t))
		}
	}
	return out
}

// SCNetClusters returns the regions SCNET_CLUSTER names, by name or id;
// nil means every region of the account (SCNET_CLUSTER empty or "all").
func (c *Config) SCNetClusters() []string {
	v := strings.TrimSpace(c.SCNetCluster)
	if v == "" || strings.EqualFold(v, "all") {
		return nil
	}
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Warnings lists settings that are valid but likely not what the operator
// meant, for the log at start. Both logins complete is one: the AK/SK
// login is used (SCNet recommends it), and the password and org id are
// ignored, which an operator rotating the password would not guess.
func (c *Config) Warnings() []string {
	var w []string
	if c.UsesCredentials() && c.SCNetAccessKey != "" && c.SCNetSecretKey != "" && (c.SCNetPassword != "" || c.SCNetOrgID != "") {
		w = append(w, "SCNET_ACCESS_KEY and SCNET_SECRET_KEY are set, and so is SCNET_PASSWORD or SCNET_ORG_ID: scnetbot logs in with AK/SK and ignores the password login; unset SCNET_PASSWORD and SCNET_ORG_ID to silence this")
	}
	if c.WatchEscalateMention != "" && c.WatchEscalateAfter.D <= 0 {
		w = append(w, "WATCH_ESCALATE_MENTION is set but WATCH_ESCALATE_AFTER is not: no alert is escalated; set WATCH_ESCALATE_AFTER (e.g. 15m) to turn escalation on")
	}
	for _, d := range []struct {
		name string
		v    time.Duration
		why  string
	}{
		{"WATCH_ESCALATE_AFTER", c.WatchEscalateAfter.D, "escalations are checked once a poll, so one may come up to an interval late"},
		{"WATCH_EXPIRY_WARN", c.WatchExpiryWarn.D, "an instance may reach its limit before a poll sees it close to it"},
	} {
		if d.v > 0 && d.v < c.WatchInterval.D {
			w = append(w, fmt.Sprintf("%s (%s) is shorter than WATCH_INTERVAL (%s): %s", d.name, d.v, c.WatchInterval.D, d.why))
		}
	}
	return w
}

// mentionID matches the ids an escalation can mention: users (U…, W…)
// and user groups (S…).
var mentionID = regexp.MustCompile(`^[UWS][A-Z0-9]{1,20}$`)

// parseMention reads WATCH_ESCALATE_MENTION written as an id ("S0123"),
// as Slack's mention markup ("<!subteam^S0123>", "<@U0123>", "<!here>")
// or as typed in Slack ("@here").
func parseMention(s string) (string, bool) {
	s = strings.TrimPrefix(strings.TrimSuffix(s, ">"), "<")
	s = strings.TrimPrefix(strings.TrimPrefix(s, "!subteam^"), "!")
	s = strings.TrimPrefix(s, "@")
	if i := strings.IndexByte(s, '|'); i >= 0 {
		s = s[:i] // <!subteam^S0123|@oncall>
	}
	switch {
	case s == "here" || s == "channel":
		return s, true
	case mentionID.MatchString(s):
		return s, true
	}
	return "", false
}

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
	for _, u := range []struct {
		name     string
		v        *string
		required bool
	}{
		{"SLACK_API_URL", &c.SlackAPIURL, true},
		{"SCNET_BASE_URL", &c.SCNetBaseURL, false},
		{"SCNET_AUTH_URL", &c.SCNetAuthURL, true},
		{"SCNET_AC_URL", &c.SCNetACURL, true},
	} {
		if *u.v == "" {
			if u.required {
				bad("%s is missing", u.name)
			}
			continue
		}
		problems = append(problems, checkBaseURL(u.name, *u.v)...)
	}
	// slack-go appends method names to the base as they are, so
	// https://slack.com/api would call https://slack.com/apichat.postMessage.
	if c.SlackAPIURL != "" && !strings.HasSuffix(c.SlackAPIURL, "/") {
		c.SlackAPIURL += "/"
	}
	if tokens := c.SCNetTokens(); len(tokens) > 1 && c.SCNetBaseURL != "" {
		bad("SCNET_BASE_URL is set with %d tokens in SCNET_TOKEN: one base URL cannot serve several regions; leave SCNET_BASE_URL empty so each token finds its region's URL", len(tokens))
	}
	if strings.Contains(c.SCNetToken.Reveal(), ",") {
		for i, t := range strings.Split(c.SCNetToken.Reveal(), ",") {
			if strings.TrimSpace(t) == "" {
				bad("SCNET_TOKEN: entry %d of the comma list is empty", i+1)
			}
		}
	}
	if c.SCNetCluster != "" && c.SCNetToken != "" {
		bad("SCNET_CLUSTER picks regions of a login; with SCNET_TOKEN each token is its own region: leave SCNET_CLUSTER empty")
	}
	if c.SCNetBaseURL != "" {
		if u, err := url.Parse(c.SCNetBaseURL); err == nil && u.User == nil && !strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/ai") {
			bad("SCNET_BASE_URL must end in /ai, the region's AI API (e.g. https://region.example/ai), got %s", shownURL(c.SCNetBaseURL))
		}
	}

	switch {
	case c.SCNetToken != "":
		// A static token needs nothing else; mixing it with credentials is
		// refused below.
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

	// Two ways to reach SCNet at once would leave it to scnetbot to guess
	// which one the operator meant.
	if c.SCNetToken != "" {
		var also []string
		for _, v := range []struct {
			name string
			set  bool
		}{
			{"SCNET_USER", c.SCNetUser != ""},
			{"SCNET_ACCESS_KEY", c.SCNetAccessKey != ""},
			{"SCNET_SECRET_KEY", c.SCNetSecretKey != ""},
			{"SCNET_PASSWORD", c.SCNetPassword != ""},
			{"SCNET_ORG_ID", c.SCNetOrgID != ""},
		} {
			if v.set {
				also = append(also, v.name)
			}
		}
		if len(also) > 0 {
			bad("SCNET_TOKEN and %s are all set: use either a static SCNET_TOKEN or SCNET_USER credentials, not both", strings.Join(also, ", "))
		}
	}

	for _, d := range []struct {
		name string
		v    Duration
		min  time.Duration
		zero string // what 0 means, where min is 0
	}{
		{"CACHE_TTL", c.CacheTTL, 0, "no cache"},
		{"QUERY_TIMEOUT", c.QueryTimeout, 100 * time.Millisecond, ""},
		{"WATCH_INTERVAL", c.WatchInterval, 5 * time.Second, ""},
		{"WATCH_OUTAGE_AFTER", c.WatchOutageAfter, 0, "a notice at the first failed poll"},
		{"WATCH_CLOCK_SKEW", c.WatchClockSkew, time.Minute, ""},
		{"WATCH_ESCALATE_AFTER", c.WatchEscalateAfter, 0, "no escalation"},
		{"WATCH_FLAP_WINDOW", c.WatchFlapWindow, 0, "every failure is a new alert"},
		{"WATCH_EXPIRY_WARN", c.WatchExpiryWarn, 0, "no warning"},
		{"STATE_LEASE_TIMEOUT", c.StateLeaseTimeout, time.Second, ""},
	} {
		switch {
		case d.v.Raw != "" && d.v.Err != nil:
			bad("%s is not a duration (like 30s or 5m): %q", d.name, d.v.Raw)
		case d.v.D < 0 && d.min == 0:
			bad("%s must not be negative (0 is allowed: %s)", d.name, d.zero)
		case d.v.D <= 0 && d.min > 0:
			bad("%s must be positive (at least %s)", d.name, d.min)
		case d.v.D < d.min:
			bad("%s must be at least %s", d.name, d.min)
		}
	}
	c.EscalateMention = ""
	if m := strings.TrimSpace(c.WatchEscalateMention); m != "" {
		if id, ok := parseMention(m); ok {
			c.EscalateMention = id
		} else {
			bad("WATCH_ESCALATE_MENTION %q is not a user id (U…, W…), a user group id (S…, under the group's profile in Slack), here or channel", m)
		}
	}
	if c.WatchEscalateAfter.D > 0 && strings.TrimSpace(c.WatchEscalateMention) == "" {
		bad("WATCH_ESCALATE_AFTER is set but WATCH_ESCALATE_MENTION is empty: name whom an unacknowledged alert is escalated to (a user id U…, a user group id S…, here or channel), or unset WATCH_ESCALATE_AFTER")
	}
	if c.WatchStormThreshold.Err != nil {
		bad("WATCH_STORM_THRESHOLD is not a whole number: %q", c.WatchStormThreshold.Raw)
	} else if c.WatchStormThreshold.N < 1 {
		bad("WATCH_STORM_THRESHOLD must be at least 1")
	}

	if b := c.WatchBalanceBelow; b.Err != nil {
		bad("WATCH_BALANCE_BELOW is not a number: %q", b.Raw)
	} else if b.Set && b.V < 0 {
		bad("WATCH_BALANCE_BELOW must not be negative (a balance below zero is warned about anyway)")
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
	problems = append(problems, c.checkIDs()...)
	if c.WatchEnabled() && c.StatePath == "" && c.StateURL == "" {
		bad("STATE_PATH is empty: the watcher needs a file for its state (or set STATE_URL)")
	}
	if p := checkDatabaseURL(c.StateURL); p != "" {
		bad("%s", p)
	}

	if l, err := i18n.ParseLang(c.BotLanguage); err != nil {
		bad("BOT_LANGUAGE: %v", err)
	} else {
		c.Language = l
	}
	problems = append(problems, c.checkDigest()...)

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

// checkBaseURL lists what is wrong with a base URL. A URL that carries a
// user name or password is refused without showing either: this message is
// printed, and the configuration is logged at start.
func checkBaseURL(name, v string) []string {
	u, err := url.Parse(v)
	if err != nil {
		return []string{fmt.Sprintf("%s must be an http(s) URL, got %s", name, shownURL(v))}
	}
	var problems []string
	if u.User != nil {
		problems = append(problems, fmt.Sprintf("%s must not contain a user name or password (user:password@): put credentials in their own variables", name))
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		problems = append(problems, fmt.Sprintf("%s must be an http(s) URL, got %s", name, shownURL(v)))
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		problems = append(problems, fmt.Sprintf("%s must not carry a ?query or #fragment: it is a base URL that paths are added to", name))
	}
	return problems
}

// shownURL is a URL as it may appear in an error: quoted, with any user
// information dropped, or not at all when it cannot be parsed and might
// hold some.
func shownURL(v string) string {
	u, err := url.Parse(v)
	if err != nil {
		if strings.Contains(v, "@") {
			return "a value that is not a URL (not shown: it may hold a password)"
		}
		return strconv.Quote(v)
	}
	u.User = nil
	return strconv.Quote(u.String())
}

// Slack ids: an upper-case letter saying what the id is, then upper-case
// letters and digits. U and W are users (W in Enterprise Grid); C, G and D
// are public, private and direct-message channels.
var (
	userID      = regexp.MustCompile(`^[UW][A-Z0-9]+$`)
	channelID   = regexp.MustCompile(`^[CGD][A-Z0-9]+$`)
	userGroupID = regexp.MustCompile(`^S[A-Z0-9]+$`)
)

const (
	userIDHint      = "a user id looks like U0123ABCDEF (in Slack: open the person's profile, ⋮ More, Copy member ID)"
	channelIDHint   = "a channel id looks like C0123ABCDEF (in Slack: click the channel's name; the id is at the bottom of About)"
	userGroupIDHint = "a user group id looks like S0123ABCDEF, the id in the group's mention <!subteam^S0123ABCDEF> (Slack's usergroups.list lists them)"
)

// checkIDs lists the ids that are not Slack ids, lists that are set but
// hold none, and a watch channel whose alert buttons would be refused.
func (c *Config) checkIDs() []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	list := func(name string, l List, re *regexp.Regexp, kind, hint string) {
		// A set value that holds no id would otherwise read as "everyone".
		if l != nil && len(l) == 0 {
			bad("%s is set but holds no %s id: leave it empty to allow everyone, or list ids; %s", name, kind, hint)
		}
		for _, id := range l {
			if !re.MatchString(id) {
				bad("%s: %q is not a %s id: %s", name, id, kind, hint)
			}
		}
	}
	list("ALLOWED_USERS", c.AllowedUsers, userID, "user", userIDHint)
	list("ALLOWED_CHANNELS", c.AllowedChannels, channelID, "channel", channelIDHint)
	problems = append(problems, c.checkActionIDs()...)
	if c.WatchRoutes.Err != nil {
		bad("WATCH_ROUTES: %v", c.WatchRoutes.Err)
	}
	for _, r := range c.WatchRoutes.Routes {
		if !channelID.MatchString(r.Channel) {
			bad("WATCH_ROUTES: %q for region %q is not a channel id: %s", r.Channel, r.Region, channelIDHint)
		} else if len(c.AllowedChannels) > 0 && !slices.Contains(c.AllowedChannels, r.Channel) {
			bad("WATCH_ROUTES: channel %s (region %q) is not in ALLOWED_CHANNELS: every button on its alerts would be refused; add it there", r.Channel, r.Region)
		}
	}
	if len(c.WatchRoutes.Routes) > 0 && c.WatchChannel == "" {
		bad("WATCH_ROUTES is set but WATCH_CHANNEL is empty: the watcher is off; set WATCH_CHANNEL for the regions the routes do not name")
	}
	if c.WatchChannel == "" {
		return problems
	}
	if !channelID.MatchString(c.WatchChannel) {
		bad("WATCH_CHANNEL: %q is not a channel id: %s", c.WatchChannel, channelIDHint)
	} else if len(c.AllowedChannels) > 0 && !slices.Contains(c.AllowedChannels, c.WatchChannel) {
		bad("WATCH_CHANNEL %s is not in ALLOWED_CHANNELS: every button on its alerts would be refused; add it there", c.WatchChannel)
	}
	return problems
}

// checkActionIDs lists what is wrong with ACTION_USERS and
// ACTION_USERGROUP: ids that are not Slack ids, a list set but empty (which
// would read as "actions off" while the operator meant some people), and
// action users ALLOWED_USERS keeps out, who could not even reach the
// buttons.
func (c *Config) checkActionIDs() []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if c.ActionUsers != nil && len(c.ActionUsers) == 0 {
		bad("ACTION_USERS is set but holds no user id: leave it empty to turn actions off, or list ids; %s", userIDHint)
	}
	for _, id := range c.ActionUsers {
		switch {
		case !userID.MatchString(id):
			bad("ACTION_USERS: %q is not a user id: %s", id, userIDHint)
		case len(c.AllowedUsers) > 0 && !slices.Contains(c.AllowedUsers, id):
			bad("ACTION_USERS: %s is not in ALLOWED_USERS: they could not use scnetbot at all; add them there", id)
		}
	}
	c.ActionUserGroup = strings.TrimSpace(c.ActionUserGroup)
	if g := c.ActionUserGroup; g != "" && !userGroupID.MatchString(g) {
		bad("ACTION_USERGROUP: %q is not a user group id: %s", g, userGroupIDHint)
	}
	return problems
}

// ActionsEnabled reports whether anyone may restart, stop or delete
// instances from Slack.
func (c *Config) ActionsEnabled() bool { return len(c.ActionUsers) > 0 || c.ActionUserGroup != "" }

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
		slog.Any("action_users", []string(c.ActionUsers)),
		slog.String("action_usergroup", c.ActionUserGroup),
		slog.Duration("cache_ttl", c.CacheTTL.D),
		slog.Duration("query_timeout", c.QueryTimeout.D),
		slog.String("display_timezone", c.DisplayTimezone),
		slog.String("http_addr", c.HTTPAddr),
		slog.String("watch_channel", c.WatchChannel),
		slog.Duration("watch_interval", c.WatchInterval.D),
		slog.Any("watch_statuses", []string(c.WatchStatuses)),
		slog.Duration("watch_clock_skew", c.WatchClockSkew.D),
		slog.String("watch_balance_below", c.WatchBalanceBelow.Raw),
		slog.String("bot_language", string(c.Language)),
		slog.String("digest_at", c.DigestAt),
		slog.String("digest_channel", c.DigestChannel),
		slog.String("state_path", c.StatePath),
		slog.String("state_url", c.StateURL.Redacted()),
		slog.Duration("state_lease_timeout", c.StateLeaseTimeout.D),
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

// List is a comma-separated list; blanks around items are dropped. A value
// that is not blank but holds no item (" , ") decodes to an empty, non-nil
// List, so that validation can tell it from an empty or unset one.
type List []string

// Decode implements envconfig.Decoder.
func (l *List) Decode(v string) error {
	*l = nil
	if strings.TrimSpace(v) != "" {
		*l = List{}
	}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	return nil
}

// Route sends one region's alerts to a channel of its own.
type Route struct {
	// Region names a region as a region: word does (its id, its name,
	// or a start of the name only it has); matched when the regions are
	// known.
	Region  string
	Channel string
}

// Routes decodes WATCH_ROUTES ("西北一区=C0123,华东一区=C0456") leniently,
// keeping a bad value's error for validation to report with the rest.
type Routes struct {
	Routes []Route
	Err    error
}

// Decode implements envconfig.Decoder.
func (r *Routes) Decode(v string) error {
	*r = Routes{}
	seen := map[string]bool{}
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		region, channel, ok := strings.Cut(p, "=")
		region, channel = strings.TrimSpace(region), strings.TrimSpace(channel)
		switch {
		case !ok || region == "" || channel == "":
			r.Err = fmt.Errorf("%q is not region=channel (e.g. 西北一区=C0123ABCDEF)", p)
			return nil
		case seen[region]:
			r.Err = fmt.Errorf("region %q is routed twice", region)
			return nil
		}
		seen[region] = true
		r.Routes = append(r.Routes, Route{Region: region, Channel: channel})
	}
	return nil
}

// Duration decodes leniently: a bad value is kept with its error so that
// validation can report it together with every other problem. A negative
// duration is a duration: validation says it must not be negative.
type Duration struct {
	D   time.Duration
	Raw string
	Err error
}

// Decode implements envconfig.Decoder.
func (d *Duration) Decode(v string) error {
	d.Raw = v
	d.D, d.Err = time.ParseDuration(strings.TrimSpace(v))
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

// Float decodes leniently, like Duration; Set is false when the variable
// is empty, which means "no threshold".
type Float struct {
	V   float64
	Set bool
	Raw string
	Err error
}

// Decode implements envconfig.Decoder.
func (f *Float) Decode(v string) error {
	*f = Float{Raw: v}
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	f.V, f.Err = strconv.ParseFloat(v, 64)
	if f.Err == nil && (math.IsNaN(f.V) || math.IsInf(f.V, 0)) {
		f.Err = errors.New("not a finite number")
	}
	f.Set = f.Err == nil
	return nil
}

// Ptr is the value, or nil when unset.
func (f Float) Ptr() *float64 {
	if !f.Set {
		return nil
	}
	v := f.V
	return &v
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
		WatchFlapWindow:     d("30m"),
		StatePath:           "scnetbot.db",
		StateLeaseTimeout:   d("10s"),
		BotLanguage:         "en",
		Language:            i18n.English,
		Location:            scnet.HomeLocation(),
		Statuses:            []scnet.Status{scnet.StatusFailed, scnet.StatusTerminated},
	}
}
