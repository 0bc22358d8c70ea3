package scnet

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"scnetbot/secret"
)

// TokenSource hands out SCNet tokens. Token may block (to log in) and must
// be safe for concurrent use. Invalidate tells the source that SCNet
// rejected token and reports whether the next Token call can return a
// different one: when it cannot, the client stops with the rejection
// rather than send the rejected token again.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Invalidate(token string) (renewable bool)
}

// Static is a fixed token, e.g. from SCNET_TOKEN. It cannot renew itself:
// when SCNet rejects it, requests fail with an auth error (see IsAuthError)
// and a person must supply a new one. ExpiresAt tells when that will be.
type Static struct {
	token secret.Secret
}

// StaticToken returns a TokenSource that always hands out token.
func StaticToken(token string) *Static { return &Static{token: secret.Secret(token)} }

// Token implements TokenSource.
func (s *Static) Token(context.Context) (string, error) {
	if s.token == "" {
		return "", errors.New("static token is empty")
	}
	return s.token.Reveal(), nil
}

// Invalidate implements TokenSource. A static token has nothing to renew
// it with, so it reports false and the rejection stands.
func (s *Static) Invalidate(string) bool { return false }

// ExpiresAt returns the expiry written in the token's JWT payload, if it
// has one.
func (s *Static) ExpiresAt() (time.Time, bool) { return jwtExpiry(s.token.Reveal()) }

// jwtExpiry reads the expiry from a JWT's payload without verifying the
// signature: scnetbot only wants to know when to renew, and SCNet is the
// one that verifies. SCNet writes expireTime in epoch milliseconds instead
// of the standard exp in seconds; both are accepted, and an expireTime
// small enough to be seconds is read as seconds.
func jwtExpiry(token string) (time.Time, bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	seg := strings.TrimRight(parts[1], "=")
	payload, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		if payload, err = base64.RawStdEncoding.DecodeString(seg); err != nil {
			return time.Time{}, false
		}
	}
	var claims struct {
		ExpireTime json.RawMessage `json:"expireTime"`
		Exp        json.RawMessage `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}, false
	}
	if v, ok := claimNumber(claims.ExpireTime); ok {
		// 1e11 seconds is the year 5138; below it the value cannot be
		// milliseconds of any plausible date.
		if v < 1e11 {
			return time.Unix(v, 0), true
		}
		return time.UnixMilli(v), true
	}
	if v, ok := claimNumber(claims.Exp); ok {
		return time.Unix(v, 0), true
	}
	return time.Time{}, false
}

// claimNumber reads a positive integer claim sent as a number or a numeric
// string.
func claimNumber(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	s := string(raw)
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	}
	s = strings.TrimSpace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f <= 0 || f > 1e15 {
			return 0, false
		}
		v = int64(f)
	}
	if v <= 0 || v > 1e15 {
		return 0, false
	}
	return v, true
}

// Format implements fmt.Formatter: fmt cannot see the Secret methods of an
// unexported field, so the source itself must refuse to print its token.
func (s *Static) Format(f fmt.State, _ rune) { _, _ = fmt.Fprint(f, "scnet.StaticToken(***)") }
