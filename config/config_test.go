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
			[]string{`CACHE_TTL is not a duration`, "WATCH_INTERVAL must be at least 5s", "WATCH_OUTAGE_AFTER is not a duration", "WATCH_STORM_THRESHOLD is not a whole number"}},
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
	env := with(valid(), "SCNET_ACCESS_KEY", "secretak", "SCNET_SECRET_KEY", "secretsk", "SCNET_PASSWORD", "secretpw")
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
