package scnet

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// DiscoverAIBase asks SCNet where the AI (container) API of the token's
// region lives: GET {acBase}/ac/openapi/v2/center, first enabled aiUrls
// entry, with /ai added when missing. acBase "" means DefaultACBase and a
// nil hc a plain client; either way redirects to another host or scheme
// are not followed. A rejected token is invalidated and, when the source
// can renew it, the request tried once more with a fresh one.
func DiscoverAIBase(ctx context.Context, hc *http.Client, acBase string, ts TokenSource) (string, error) {
	if ts == nil {
		return "", errors.New("discover scnet ai base: nil token source")
	}
	tr := newTransport()
	tr.useHTTPClient(hc)
	if acBase == "" {
		acBase = DefaultACBase
	}
	acBase = strings.TrimRight(acBase, "/")
	var (
		base string
		tok  string
		err  error
	)
	for try := 0; try < 2; try++ {
		tok, err = ts.Token(ctx)
		if err != nil {
			return "", fmt.Errorf("discover scnet ai base: %w", &TokenError{Err: err})
		}
		base, err = center(ctx, tr, acBase, tok)
		if !IsAuthError(err) || !ts.Invalidate(tok) {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("discover scnet ai base: %w", err)
	}
	return base, nil
}

func center(ctx context.Context, tr *transport, acBase, tok string) (string, error) {
	req, err := tr.newRequest("center", http.MethodGet, acBase+"/ac/openapi/v2/center", nil, map[string]string{"token": tok})
	if err != nil {
		return "", err
	}
	var base string
	err = tr.do(ctx, "center", req, []string{tok}, func(body []byte) error {
		base, err = decodeCenter(body, tok)
		return err
	})
	return base, err
}

// centerInfo is the part of a region's center entry the bot needs.
type centerInfo struct {
	Name   string `json:"name"`
	AIURLs []struct {
		Enable FlexBool `json:"enable"`
		URL    string   `json:"url"`
	} `json:"aiUrls"`
}

// decodeCenter picks the first enabled AI URL. data is documented as an
// array but served as an object; both are read.
func decodeCenter(body []byte, tok string) (string, error) {
	var r struct {
		envelope
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", checkOnly("center", body, err, []string{tok})
	}
	if err := r.check("center", body, []string{tok}); err != nil {
		return "", err
	}
	var infos []centerInfo
	data := bytes.TrimSpace(r.Data)
	var err error
	if len(data) > 0 && data[0] == '[' {
		err = json.Unmarshal(data, &infos)
	} else {
		var one centerInfo
		err = json.Unmarshal(data, &one)
		infos = append(infos, one)
	}
	if err != nil {
		return "", &DecodeError{Endpoint: "center", Excerpt: excerpt(body, tok), Err: err}
	}
	for _, in := range infos {
		for _, u := range in.AIURLs {
			if bool(u.Enable) && strings.TrimSpace(u.URL) != "" {
				return NormalizeAIBase(u.URL)
			}
		}
	}
	return "", errors.New("center lists no enabled AI URL for this region")
}
