package scnet

import (
	"fmt"
	"log/slog"
)

// Secret is a credential (token, password, secret key) that prints as ***
// through fmt, JSON and slog, so a config struct or an error that carries one
// cannot leak it by being printed. Use Reveal where the real value is needed,
// which is only when setting a request header or signing.
type Secret string

const redacted = "***"

// Reveal returns the real value. Call it only to put the secret on the wire.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer, which %#v uses.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter so that every verb, %s %q %v %x included,
// prints *** instead of the underlying string.
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalText implements encoding.TextMarshaler, which slog's text and JSON
// handlers and many encoders prefer over String.
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }
