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

// AC is SCNet's account API under one base (SCNET_AC_URL): the center
// endpoint (which region a token belongs to, where its AI API lives) and
// the user endpoint (the account's status and balance). Its zero value
// asks DefaultACBase with a plain client.
type AC struct {
	// Base is where /ac/openapi/v2 lives; "" means DefaultACBase.
	Base string
	// HTTPClient defaults to a plain client; either way redirects to
	// another host or scheme are not followed.
	HTTPClient *http.Client
	// Observer, when set, is told about each request (endpoints "center"
	// and "user"), as the client's are, so a slow or failing center shows
	// in the same metrics as a slow list.
	Observer Observer
}

// DiscoverAIBase is (*AC).DiscoverAIBase without an observer.
func DiscoverAIBase(ctx context.Context, hc *http.Client, acBase string, ts TokenSource) (string, error) {
	return (&AC{Base: acBase, HTTPClient: hc}).DiscoverAIBase(ctx, ts)
}

// DescribeRegion is (*AC).DescribeRegion without an observer.
func DescribeRegion(ctx context.Context, hc *http.Client, acBase string, ts TokenSource) (Region, string, error) {
	return (&AC{Base: acBase, HTTPClient: hc}).DescribeRegion(ctx, ts)
}

// DiscoverAIBase asks SCNet where the AI (container) API of the token's
// region lives: GET {Base}/ac/openapi/v2/center, first enabled aiUrls
// entry, with /ai added when missing. A rejected token is invalidated and,
// when the source can renew it, the request tried once more with a fresh
// one.
func (a *AC) DiscoverAIBase(ctx context.Context, ts TokenSource) (string, error) {
	c, err := a.askCenter(ctx, ts)
	if err != nil {
		return "", fmt.Errorf("discover scnet ai base: %w", err)
	}
	return c.aiBase, nil
}

// DescribeRegion asks the center endpoint, as DiscoverAIBase does, which
// region the token belongs to: its id and name as SCNet gives them (id and
// name of the center entry), and its AI base URL. It is how a SCNET_TOKEN
// list finds its regions: one call per token. Region.ID is "" when the
// center entry carries no id; the caller decides what to key the region by
// then. Name and ID are cleaned of secrets and control characters and
// bounded, like every server text the client keeps.
func (a *AC) DescribeRegion(ctx context.Context, ts TokenSource) (Region, string, error) {
	c, err := a.askCenter(ctx, ts)
	if err != nil {
		return Region{}, "", fmt.Errorf("describe scnet region: %w", err)
	}
	return c.region, c.aiBase, nil
}

// transport is a transport for the endpoints under Base, with Base
// defaulted and trimmed.
func (a *AC) transport() (*transport, string) {
	tr := newTransport()
	tr.useHTTPClient(a.HTTPClient)
	if a.Observer != nil {
		tr.observe = a.Observer
	}
	base := a.Base
	if base == "" {
		base = DefaultACBase
	}
	return tr, strings.TrimRight(base, "/")
}

// withToken runs call with a token from ts and, when SCNet rejects it and
// the source can bring another, once more with a fresh one.
func withToken(ctx context.Context, ts TokenSource, call func(tok string) error) error {
	if ts == nil {
		return errors.New("nil token source")
	}
	var err error
	for try := 0; try < 2; try++ {
		var tok string
		tok, err = ts.Token(ctx)
		if err != nil {
			return &TokenError{Err: err}
		}
		err = call(tok)
		if !IsAuthError(err) || !ts.Invalidate(tok) {
			break
		}
	}
	return err
}

func (a *AC) askCenter(ctx context.Context, ts TokenSource) (centerResult, error) {
	tr, acBase := a.transport()
	var res centerResult
	err := withToken(ctx, ts, func(tok string) error {
		var err error
		res, err = center(ctx, tr, acBase, tok)
		return err
	})
	return res, err
}

func center(ctx context.Context, tr *transport, acBase, tok string) (centerResult, error) {
	req, err := tr.newRequest("center", http.MethodGet, acBase+"/ac/openapi/v2/center", nil, map[string]string{"token": tok})
	if err != nil {
		return centerResult{}, err
	}
	var res centerResult
	err = tr.do(ctx, "center", req, []string{tok}, func(body []byte) error {
		res, err = decodeCenter(body, tok)
		return err
	})
	return res, err
}

// centerInfo is the part of a region's center entry the bot needs. The id
// has been seen as a string; a number is read as well.
type centerInfo struct {
	ID     json.RawMessage `json:"id"`
	Name   string          `json:"name"`
	AIURLs []struct {
		Enable FlexBool `json:"enable"`
		URL    string   `json:"url"`
	} `json:"aiUrls"`
}

// centerResult is what the center endpoint says about a token's region.
type centerResult struct {
	region Region
	aiBase string
}

// decodeCenter picks the first entry with an enabled AI URL, and that
// entry's id and name. data is documented as an array but served as an
// object; both are read.
func decodeCenter(body []byte, tok string) (centerResult, error) {
	var r struct {
		envelope
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return centerResult{}, checkOnly("center", body, err, []string{tok})
	}
	if err := r.check("center", body, []string{tok}); err != nil {
		return centerResult{}, err
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
		return centerResult{}, &DecodeError{Endpoint: "center", Excerpt: excerpt(body, tok), Err: err}
	}
	for _, in := range infos {
		for _, u := range in.AIURLs {
			if bool(u.Enable) && strings.TrimSpace(u.URL) != "" {
				base, err := NormalizeAIBase(u.URL)
				if err != nil {
					return centerResult{}, err
				}
				return centerResult{region: Region{ID: serverText(rawText(in.ID), tok), Name: serverText(in.Name, tok)}, aiBase: base}, nil
			}
		}
	}
	return centerResult{}, errors.New("center lists no enabled AI URL for this region")
}

// serverText cleans a region name or id from a response the way a message
// is cleaned (secrets and JWTs removed, control characters dropped) and
// bounds it: names are shown to people and ids key the watcher's state.
func serverText(s string, secrets ...string) string {
	return printable(cleanMsg(s, secrets...), maxRegionText)
}
