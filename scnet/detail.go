package scnet

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Instance fetches one instance by id. It returns an error wrapping
// ErrNotFound only when SCNet answered successfully without the instance;
// a failure to ask (network, 5xx, a rejected token, a 404 from a wrong base
// URL) is never ErrNotFound, so a watcher does not mistake it for "gone".
func (c *Client) Instance(ctx context.Context, id string) (*Instance, error) {
	if !ValidInstanceID(id) {
		return nil, fmt.Errorf("get instance %.20q: %w", id, ErrInvalidInstanceID)
	}
	r := request{
		endpoint: "detail",
		method:   http.MethodGet,
		path:     "/openapi/v2/instance-service/" + url.PathEscape(id) + "/detail",
	}
	var in *Instance
	err := c.call(ctx, r, func(body []byte, tok string) error {
		v, err := decodeDetail(body, tok)
		in = v
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("get instance %q: %w", id, err)
	}
	if in.ID == "" {
		in.ID = id
	}
	return in, nil
}
