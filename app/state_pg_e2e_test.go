package app

import (
	"errors"
	"log/slog"
	"strings"
	"testing"

	"scnetbot/config"
	"scnetbot/internal/pgtest"
	"scnetbot/state"
)

// TestE2EWatcherOnPostgres: with STATE_URL the whole bot keeps its state
// in PostgreSQL, not the file, and alerts once across a restart as with
// the file.
func TestE2EWatcherOnPostgres(t *testing.T) {
	url := pgtest.URL(t)
	watcherAlertsOnceAcrossRestarts(t, func(c *config.Config) {
		c.StateURL = config.DatabaseURL(url)
		c.StatePath = "" // the file is not used
	})
}

// TestStateURLUnreachable: a database that cannot be reached at start
// stops New with an error naming STATE_URL, matching ErrUnavailable,
// without the password.
func TestStateURLUnreachable(t *testing.T) {
	sim, emu := newSimAndEmu(t)
	cfg := e2eConfig(t, sim, emu)
	cfg.WatchChannel = "C0ALERTS"
	// Port 1 on loopback: nothing listens there.
	cfg.StateURL = "postgres://bot:s3cretpw@127.0.0.1:1/scnetbot?sslmode=disable&connect_timeout=2"
	_, err := New(cfg, slog.New(slog.DiscardHandler), "dev")
	if err == nil {
		t.Fatal("New built a bot on an unreachable database")
	}
	if !strings.Contains(err.Error(), "STATE_URL") || !errors.Is(err, state.ErrUnavailable) || strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("New: %v; want STATE_URL, ErrUnavailable, no password", err)
	}
}
