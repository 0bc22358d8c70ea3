package config

import (
	"fmt"
	"log/slog"
	"net/url"
)

// DatabaseURL is a PostgreSQL URL (STATE_URL) that prints with its
// password redacted through fmt, JSON and slog, like a secret.Secret,
// while its host, port, user and database stay readable for whoever
// checks which database a replica uses.
type DatabaseURL string

// Reveal returns the URL with its password, for connecting only.
func (u DatabaseURL) Reveal() string { return string(u) }

// Redacted is the URL with the password, in the user info or a password
// query parameter, replaced by xxxxx; "" stays "", and a URL that does not
// parse is shown as a placeholder, since its password cannot be found.
func (u DatabaseURL) Redacted() string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(string(u))
	if err != nil {
		return "(unparsable URL)"
	}
	if q := p.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		p.RawQuery = q.Encode()
	}
	// The same placeholder as net/url's, pgx's and package state's.
	return p.Redacted()
}

// String implements fmt.Stringer.
func (u DatabaseURL) String() string { return u.Redacted() }

// GoString implements fmt.GoStringer, which %#v uses.
func (u DatabaseURL) GoString() string { return u.Redacted() }

// Format implements fmt.Formatter so that every verb prints the redacted
// URL.
func (u DatabaseURL) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(u.Redacted())) }

// MarshalText implements encoding.TextMarshaler (JSON and slog use it).
func (u DatabaseURL) MarshalText() ([]byte, error) { return []byte(u.Redacted()), nil }

// LogValue implements slog.LogValuer.
func (u DatabaseURL) LogValue() slog.Value { return slog.StringValue(u.Redacted()) }

// checkDatabaseURL is the problem with a STATE_URL, "" when none.
func checkDatabaseURL(u DatabaseURL) string {
	if u == "" {
		return ""
	}
	p, err := url.Parse(string(u))
	if err != nil {
		return "STATE_URL is not a URL (expected postgres://user:password@host:5432/db)"
	}
	if p.Scheme != "postgres" && p.Scheme != "postgresql" {
		return fmt.Sprintf("STATE_URL must be a postgres:// or postgresql:// URL, got %s", u.Redacted())
	}
	if p.Host == "" {
		return fmt.Sprintf("STATE_URL names no host: %s", u.Redacted())
	}
	return ""
}
