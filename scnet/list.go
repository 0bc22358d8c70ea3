package scnet

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
)

// listBody is the documented JSON body of the list request, in the seed's
// field order; unset filters are sent as null, as the seed does.
type listBody struct {
	Status              *string  `json:"status"`
	InstanceServiceName []string `json:"instanceServiceName"`
	TaskType            *string  `json:"taskType"`
	Start               int      `json:"start"`
	Limit               int      `json:"limit"`
	Sort                string   `json:"sort"`
}

// withDefaults fills in the client's page size and newest-first order.
func (c *Client) withDefaults(opts ListOptions) ListOptions {
	if opts.Limit <= 0 {
		opts.Limit = c.pageSize
	}
	if opts.Sort == "" {
		opts.Sort = SortDesc
	}
	if opts.Start < 0 {
		opts.Start = 0
	}
	return opts
}

// listRequest builds the request both ways SCNet's clients send it: the
// documented JSON body on the GET, and the same values as query
// parameters, so that a server or proxy reading either one gets them.
func (c *Client) listRequest(opts ListOptions) (request, error) {
	b := listBody{Start: opts.Start, Limit: opts.Limit, Sort: string(opts.Sort)}
	q := url.Values{}
	if opts.Status != "" {
		s := string(opts.Status)
		b.Status = &s
		q.Set("status", s)
	}
	if opts.Name != "" {
		// The table says array; the examples send null. An array of one
		// is what the table asks for.
		b.InstanceServiceName = []string{opts.Name}
		q.Set("instanceServiceName", opts.Name)
	}
	if opts.TaskType != "" {
		t := string(opts.TaskType)
		b.TaskType = &t
		q.Set("taskType", t)
	}
	q.Set("start", strconv.Itoa(opts.Start))
	q.Set("limit", strconv.Itoa(opts.Limit))
	q.Set("sort", string(opts.Sort))
	body, err := json.Marshal(b)
	if err != nil {
		return request{}, fmt.Errorf("encode list request: %w", err)
	}
	return request{
		endpoint: "list",
		method:   http.MethodGet,
		path:     "/openapi/v2/instance-service/task?" + q.Encode(),
		body:     body,
	}, nil
}

// ListInstances fetches one page of container instances. A zero Limit
// means the client's page size and a zero Sort means newest first. A page
// holding more than Limit instances is refused with an error wrapping
// ErrPageOverLimit.
func (c *Client) ListInstances(ctx context.Context, opts ListOptions) (*Page, error) {
	opts = c.withDefaults(opts)
	r, err := c.listRequest(opts)
	if err != nil {
		return nil, err
	}
	var page *Page
	err = c.call(ctx, r, func(body []byte, tok string) error {
		p, err := decodeList(body, opts.Limit, tok)
		page = p
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list instances (start %d): %w", opts.Start, err)
	}
	return page, nil
}

// All pages through every instance matching opts, from opts.Start until
// SCNet sends a short page. SCNet pages by offset, so an instance created
// mid-listing shifts later pages and repeats an instance: All yields each
// id once. It stops with ErrPageCap after the client's page cap, with
// ErrInstanceCap when it has yielded the client's instance cap and SCNet
// has more, with ErrPagingStalled when a full page brings nothing new, and
// with ErrPageOverLimit when a page is longer than asked for. An error is
// the last thing yielded.
func (c *Client) All(ctx context.Context, opts ListOptions) iter.Seq2[Instance, error] {
	return func(yield func(Instance, error) bool) {
		opts := c.withDefaults(opts)
		seen := make(map[string]struct{})
		n := 0 // instances yielded
		for pages := 0; ; pages++ {
			if pages >= c.maxPages {
				yield(Instance{}, fmt.Errorf("list instances: stopped after %d pages (%d instances): %w", pages, n, ErrPageCap))
				return
			}
			p, err := c.ListInstances(ctx, opts)
			if err != nil {
				yield(Instance{}, err)
				return
			}
			fresh := 0
			for _, in := range p.Instances {
				if in.ID != "" {
					if _, dup := seen[in.ID]; dup {
						continue
					}
				}
				if n >= c.maxInst {
					yield(Instance{}, fmt.Errorf("list instances: stopped after %d instances: %w", n, ErrInstanceCap))
					return
				}
				if in.ID != "" {
					seen[in.ID] = struct{}{}
				}
				n++
				fresh++
				if !yield(in, nil) {
					return
				}
			}
			if len(p.Instances) < opts.Limit {
				return
			}
			if fresh == 0 {
				yield(Instance{}, fmt.Errorf("list instances: page at start %d repeated only instances already seen: %w", opts.Start, ErrPagingStalled))
				return
			}
			opts.Start += len(p.Instances)
		}
	}
}
