package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

// allVars lists every variable scnetbot reads, so each test starts from a
// clean environment whatever the machine has set.
func allVars() []string {
	var names []string
	t := reflect.TypeOf(Config{})
	for i := range t.NumField() {
		if n := t.Field(i).Tag.Get("envconfig"); n != "" {
			names = append(names, n)
		}
	}
	return names
}

func setEnv(t *testing.T, env map[string]string) {
	t.Helper()
	for _, n := range allVars() {
		// Setenv registers the restore; Unsetenv then makes the variable
		// absent, which is not the same as empty for envconfig's defaults.
		t.Setenv(n, "")
		os.Unsetenv(n)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
}

func valid() map[string]string {
	return map[string]string{
		"SLACK_APP_TOKEN": "xapp-1-A1-secretapp",
		"SLACK_BOT_TOKEN": "xoxb-secretbot",
		"SCNET_TOKEN":     "eyJ.secretscnet.sig",
	}
}

func with(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestLoadDefaults(t *testing.T) {
	setEnv(t, valid())
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.CacheTTL.D != 30*time.Second || c.WatchInterval.D != time.Minute || c.WatchOutageAfter.D != 5*time.Minute {
		t.Errorf("durations: %+v %+v %+v", c.CacheTTL, c.WatchInterval, c.WatchOutageAfter)
	}
	if c.WatchStormThreshold.N != 5 || c.HTTPAddr != ":8080" || c.StatePath != "scnetbot.db" || c.SlackAPIURL != "https://slack.com/api/" {
		t.Errorf("defaults: %+v", c)
	}
	if c.Location == nil || c.Location.String() != "Asia/Shanghai" {
		t.Errorf("location = %v", c.Location)
	}
	if fmt.Sprint(c.Statuses) != "[Failed Terminated]" {
		t.Errorf("statuses = %v", c.Statuses)
	}
	if c.WatchEnabled() || c.UsesCredentials() {
		t.Errorf("watch %v credentials %v", c.WatchEnabled(), c.UsesCredentials())
	}
}

func TestLoadProblems(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string // every one must appear in the error
	}{
		{"nothing set", map[string]string{}, []string{"SLACK_APP_TOKEN is missing", "SLACK_BOT_TOKEN is missing", "SCNet credentials are missing"}},
		{"tokens swapped", with(valid(), "SLACK_APP_TOKEN", "xoxb-1", "SLACK_BOT_TOKEN", "xapp-1"), []string{"SLACK_APP_TOKEN must start with xapp-", "SLACK_BOT_TOKEN must start with xoxb-"}},
		{"bad durations and numbers", with(valid(), "CACHE_TTL", "soon", "WATCH_INTERVAL", "1s", "WATCH_OUTAGE_AFTER", "-5m", "WATCH_STORM_THRESHOLD", "many"),
			[]string{`CACHE_TTL is not a duration`, "WATCH_INTERVAL must be at least 5s", "WATCH_OUTAGE_AFTER must not be negative", "WATCH_STORM_THRESHOLD is not a whole number"}},
		{"storm threshold zero", with(valid(), "WATCH_STORM_THRESHOLD", "0"), []string{"WATCH_STORM_THRESHOLD must be at least 1"}},
		{"bad statuses", with(valid(), "WATCH_STATUSES", "Failed,Exploded"), []string{`unknown status "Exploded": valid statuses are Waiting, Deploying, Running`}},
		{"bad zone and logs", with(valid(), "DISPLAY_TIMEZONE", "Mars/Olympus", "LOG_LEVEL", "loud", "LOG_FORMAT", "xml"),
			[]string{"DISPLAY_TIMEZONE", "LOG_LEVEL must be", "LOG_FORMAT must be"}},
		{"bad urls", with(valid(), "SLACK_API_URL", "slack.com", "SCNET_BASE_URL", "ftp://x/ai"), []string{"SLACK_API_URL must be an http(s) URL", "SCNET_BASE_URL must be an http(s) URL"}},
		{"user without key", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "SCNET_USER": "u"}, []string{"SCNET_USER is set but no key"}},
		{"half an AK/SK", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "SCNET_USER": "u", "SCNET_ACCESS_KEY": "ak", "SCNET_CLUSTER": "11250"}, []string{"SCNET_ACCESS_KEY and SCNET_SECRET_KEY go together"}},
		{"half a legacy login", map[string]string{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "SCNET_USER": "u", "SCNET_PASSWORD": "pw", "SCNET_CLUSTER": "11250"}, []string{"SCNET_PASSWORD and SCNET_ORG_ID go together"}},
		{"watch without state path", with(valid(), "WATCH_CHANNEL", "C1", "STATE_PATH", "", "WATCH_STATUSES", ","), []string{"STATE_PATH is empty", "WATCH_STATUSES is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			_, err := Load()
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("Load() error = %v, want *Error", err)
			}
			msg := err.Error()
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error does not mention %q:\n%s", w, msg)
				}
			}
			if len(ce.Problems) < len(tt.want) {
				t.Errorf("got %d problems, want at least %d: every problem must be reported at once", len(ce.Problems), len(tt.want))
			}
		})
	}
}

func TestCredentialsAccepted(t *testing.T) {
	for _, env := range []map[string]string{
		{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "SCNET_USER": "u", "SCNET_ACCESS_KEY": "ak", "SCNET_SECRET_KEY": "sk", "SCNET_CLUSTER": "华东一区【昆山】"},
		{"SLACK_APP_TOKEN": "xapp-1", "SLACK_BOT_TOKEN": "xoxb-1", "SCNET_USER": "u", "SCNET_PASSWORD": "pw", "SCNET_ORG_ID": "o", "SCNET_CLUSTER": "11250"},
	} {
		setEnv(t, env)
		c, err := Load()
		if err != nil {
			t.Fatalf("%v: %v", env, err)
		}
		if !c.UsesCredentials() {
			t.Errorf("UsesCredentials = false for %v", env)
		}
	}
}

func TestListsTrimmed(t *testing.T) {
	setEnv(t, with(valid(), "ALLOWED_CHANNELS", " C1 , ,C2,", "WATCH_STATUSES", "failed, TERMINATED"))
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(c.AllowedChannels) != "[C1 C2]" {
		t.Errorf("AllowedChannels = %q", c.AllowedChannels)
	}
	if fmt.Sprint(c.Statuses) != "[Failed Terminated]" {
		t.Errorf("Statuses = %v (case must not matter)", c.Statuses)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	creds := map[string]string{"SLACK_APP_TOKEN": "xapp-1-A1-secretapp", "SLACK_BOT_TOKEN": "xoxb-secretbot",
		"SCNET_USER": "u", "SCNET_ACCESS_KEY": "secretak", "SCNET_SECRET_KEY": "secretsk", "SCNET_PASSWORD": "secretpw", "SCNET_ORG_ID": "o"}
	for _, env := range []map[string]string{valid(), creds} {
		setEnv(t, env)
		c, err := Load()
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		slog.New(slog.NewJSONHandler(&logs, nil)).Info("config", "config", c)
		slog.New(slog.NewTextHandler(&logs, nil)).Info("config", "config", c)
		out := logs.String() + fmt.Sprintf("%v %+v %#v %s %q", *c, *c, *c, c.SCNetToken, c.SlackBotToken)
		for _, secret := range []string{"secretapp", "secretbot", "secretscnet", "secretak", "secretsk", "secretpw"} {
			if strings.Contains(out, secret) {
				t.Errorf("secret %q printed:\n%s", secret, out)
			}
		}
		if !strings.Contains(logs.String(), "***") {
			t.Errorf("secrets should print as ***: %s", logs.String())
		}
	}
}

func TestUsageListsEveryVariable(t *testing.T) {
	var b bytes.Buffer
	if err := Usage(&b); err != nil {
		t.Fatal(err)
	}
	for _, n := range allVars() {
		if !strings.Contains(b.String(), n) {
			t.Errorf("usage lacks %s", n)
		}
	}
	if !strings.Contains(b.String(), "Failed,Terminated") || !strings.Contains(b.String(), "30s") {
		t.Errorf("usage lacks defaults:\n%s", b.String())
	}
}

func TestDefaultsMatchTheTags(t *testing.T) {
	setEnv(t, valid())
	loaded, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	loaded.SlackAppToken, loaded.SlackBotToken, loaded.SCNetToken = "", "", ""
	def := Defaults()
	if loaded.Location.String() != def.Location.String() {
		t.Errorf("Location: %v vs %v", loaded.Location, def.Location)
	}
	loaded.Location, def.Location = nil, nil
	if !reflect.DeepEqual(loaded, def) {
		t.Errorf("Defaults() differs from the struct tags:\n tags:     %+v\n Defaults: %+v", *loaded, *def)
	}
}

// TestLoadRefusesWhatWouldFailLater: settings that load today but break
// the bot at run time (or quietly mean something else) are refused at
// start, all in one message.
func TestLoadRefusesWhatWouldFailLater(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"watch channel outside the allowed channels", with(valid(), "WATCH_CHANNEL", "C0ALERTS", "ALLOWED_CHANNELS", "C0ONCALL"),
			[]string{"WATCH_CHANNEL C0ALERTS is not in ALLOWED_CHANNELS"}},
		{"allowed users set but holding no id", with(valid(), "ALLOWED_USERS", " , "),
			[]string{"ALLOWED_USERS is set but holds no user id"}},
		{"allowed channels set but holding no id", with(valid(), "ALLOWED_CHANNELS", ","),
			[]string{"ALLOWED_CHANNELS is set but holds no channel id"}},
		{"names instead of ids", with(valid(), "ALLOWED_USERS", "U0123ABCD,alice", "WATCH_CHANNEL", "#gpu-alerts", "ALLOWED_CHANNELS", "gpu-oncall"),
			[]string{`ALLOWED_USERS: "alice" is not a user id`, "looks like U0123ABCDEF", "Copy member ID",
				`WATCH_CHANNEL: "#gpu-alerts" is not a channel id`, "looks like C0123ABCDEF",
				`ALLOWED_CHANNELS: "gpu-oncall" is not a channel id`}},
		{"base url without /ai", with(valid(), "SCNET_BASE_URL", "https://scnet.example/api"),
			[]string{"SCNET_BASE_URL must end in /ai"}},
		{"base url with a query", with(valid(), "SCNET_BASE_URL", "https://scnet.example/ai?x=1"),
			[]string{"SCNET_BASE_URL must not carry a ?query or #fragment"}},
		{"token and credentials", with(valid(), "SCNET_USER", "u", "SCNET_ACCESS_KEY", "ak", "SCNET_SECRET_KEY", "sk"),
			[]string{"SCNET_TOKEN and SCNET_USER, SCNET_ACCESS_KEY, SCNET_SECRET_KEY are all set"}},
		{"negative durations", with(valid(), "CACHE_TTL", "-5s", "QUERY_TIMEOUT", "-1s", "WATCH_OUTAGE_AFTER", "-5m"),
			[]string{"CACHE_TTL must not be negative", "QUERY_TIMEOUT must be positive", "WATCH_OUTAGE_AFTER must not be negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := assertRefused(t, tt.env, tt.want...)
			if strings.Contains(err.Error(), "not a duration") {
				t.Errorf("a negative duration is a duration:\n%s", err)
			}
		})
	}
}

// TestPasswordInURLNeverEchoed: a URL with user:password@ is refused, and
// the refusal shows neither the password nor the user.
func TestPasswordInURLNeverEchoed(t *testing.T) {
	for _, v := range []string{
		"https://bob:hunter2pw@scnet.example/ai",
		"ftp://bob:hunter2pw@scnet.example/ai",     // refused for its scheme too
		"https://bob:hunter2pw@scnet.example:x/ai", // does not even parse
	} {
		setEnv(t, with(valid(), "SCNET_BASE_URL", v, "SLACK_API_URL", strings.Replace(v, "/ai", "/api/", 1)))
		_, err := Load()
		if err == nil {
			t.Fatalf("SCNET_BASE_URL=%s accepted", v)
		}
		if strings.Contains(err.Error(), "hunter2pw") || strings.Contains(err.Error(), "bob") {
			t.Errorf("error echoes the credentials of %s:\n%s", v, err)
		}
		if !strings.Contains(err.Error(), "SCNET_BASE_URL") || !strings.Contains(err.Error(), "SLACK_API_URL") {
			t.Errorf("error does not name both variables:\n%s", err)
		}
	}
	setEnv(t, with(valid(), "SCNET_BASE_URL", "https://bob:hunter2pw@scnet.example/ai"))
	_, err := Load()
	if err == nil || !strings.Contains(err.Error(), "SCNET_BASE_URL must not contain a user name or password") {
		t.Errorf("error = %v, want it to say why", err)
	}
}

// TestLoadAcceptsAndFixesUp: the forms that are right, or that can be
// made right without guessing.
func TestLoadAcceptsAndFixesUp(t *testing.T) {
	setEnv(t, with(valid(),
		"SLACK_API_URL", "http://127.0.0.1:9/api",
		"SCNET_BASE_URL", "https://scnet.example/ai/",
		"CACHE_TTL", "0", "WATCH_OUTAGE_AFTER", "0s",
		"WATCH_CHANNEL", "C0ALERTS", "ALLOWED_CHANNELS", "C0ONCALL,C0ALERTS,G0PRIVATE",
		"ALLOWED_USERS", "U0123ABCD, W0ENTERPRISE",
	))
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.SlackAPIURL != "http://127.0.0.1:9/api/" {
		t.Errorf("SlackAPIURL = %q, want the trailing slash slack-go needs", c.SlackAPIURL)
	}
	if c.CacheTTL.D != 0 || c.WatchOutageAfter.D != 0 {
		t.Errorf("zero durations became %v and %v", c.CacheTTL.D, c.WatchOutageAfter.D)
	}
	// An empty value is the same as unset: everyone.
	setEnv(t, with(valid(), "ALLOWED_USERS", "", "ALLOWED_CHANNELS", ""))
	if _, err := Load(); err != nil {
		t.Errorf("empty lists refused: %v", err)
	}
}

// assertRefused loads env and fails unless Load refuses it with a *Error
// that mentions every one of want; it returns that error.
func assertRefused(t *testing.T, env map[string]string, want ...string) error {
	t.Helper()
	setEnv(t, env)
	_, err := Load()
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("Load() error = %v, want *Error", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%s", w, err)
		}
	}
	return err
}
