// Package secret holds Secret, a credential that prints as *** wherever it
// is printed, shared by the configuration and the SCNet client.
package secret

import (
	"fmt"
	"log/slog"
)

// Secret is a credential (token, password, secret key) that prints as ***
// through fmt, JSON and slog, so a config struct or an error that carries one
// cannot leak it by being printed. Use Reveal where the real value is needed,
// which is only when setting a request header or signing.
type Secret string

// Redacted is what a Secret prints as.
const Redacted = "***"

// Reveal returns the real value. Call it only to put the secret on the wire.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return Redacted }

// GoString implements fmt.GoStringer, which %#v uses.
func (s Secret) GoString() string { return Redacted }

// Format implements fmt.Formatter so that every verb, %s %q %v %x included,
// prints *** instead of the underlying string.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler, which slog's text and JSON
// handlers and many encoders prefer over String.
func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }
