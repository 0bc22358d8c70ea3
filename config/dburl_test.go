package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestStateURL: a PostgreSQL STATE_URL is accepted, anything else is
// refused naming the variable, and its password shows nowhere: not in the
// problems, not in the start-up log line, not when the config is printed.
func TestStateURL(t *testing.T) {
	const pw = "hunter2pw"
	good := "postgres://bot:" + pw + "@db.internal:5432/scnetbot?sslmode=require"
	setEnv(t, with(valid(), "STATE_URL", good, "WATCH_CHANNEL", "C1", "STATE_PATH", ""))
	c, err := Load()
	if err != nil {
		t.Fatalf("a postgres:// STATE_URL without STATE_PATH: %v", err)
	}
	if c.StateURL.Reveal() != good {
		t.Errorf("Reveal = %q", c.StateURL.Reveal())
	}
	if got, want := c.StateURL.Redacted(), "postgres://bot:xxxxx@db.internal:5432/scnetbot?sslmode=require"; got != want {
		t.Errorf("Redacted = %q, want %q", got, want)
	}
	var log bytes.Buffer
	slog.New(slog.NewJSONHandler(&log, nil)).Info("config", "config", c)
	js, _ := json.Marshal(c)
	for name, out := range map[string]string{
		"log": log.String(), "%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", *c), "%#v": fmt.Sprintf("%#v", *c),
		"%s": fmt.Sprintf("%s", c.StateURL), "json": string(js),
	} {
		if strings.Contains(out, pw) {
			t.Errorf("%s shows the STATE_URL password: %s", name, out)
		}
	}
	if !strings.Contains(log.String(), "db.internal") {
		t.Errorf("the log line does not say which database: %s", log.String())
	}
	if q := DatabaseURL("postgresql://h/db?password=" + pw).Redacted(); strings.Contains(q, pw) {
		t.Errorf("a password in the query shows: %s", q)
	}

	for _, bad := range []string{"mysql://u:" + pw + "@h/db", "postgres://u:" + pw + "@/db", "post gres://u:" + pw + "@h/db"} {
		setEnv(t, with(valid(), "STATE_URL", bad))
		_, err := Load()
		if err == nil || !strings.Contains(err.Error(), "STATE_URL") {
			t.Errorf("STATE_URL %s: %v, want a problem naming STATE_URL", DatabaseURL(bad), err)
		} else if strings.Contains(err.Error(), pw) {
			t.Errorf("the problem shows the password: %v", err)
		}
	}
}
