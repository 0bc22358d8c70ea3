package scnet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"scnetbot/secret"
)

// login gets the account's per-region tokens, with names and ids cleaned.
func (c *Credentials) login(ctx context.Context) ([]regionEntry, error) {
	var url string
	var header map[string]string
	var secrets []string
	if c.akSK {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		sig := Sign(c.cfg.User, c.cfg.AccessKey, ts, c.cfg.SecretKey)
		url = c.cfg.AuthBase + "/api/user/v3/tokens"
		header = map[string]string{"user": c.cfg.User, "accessKey": c.cfg.AccessKey, "timestamp": ts, "signature": sig}
		secrets = c.secrets(sig)
	} else {
		url = c.cfg.ACBase + "/ac/openapi/v2/tokens"
		header = map[string]string{"user": c.cfg.User, "password": c.cfg.Password.Reveal(), "orgId": c.cfg.OrgID}
		secrets = c.secrets()
	}
	fail := func(err error) ([]regionEntry, error) {
		return nil, fmt.Errorf("scnet login (%s) as %q: %w", c.mode(), c.cfg.User, err)
	}
	body, err := c.post(ctx, "login", url, header, secrets)
	if err != nil {
		return fail(err)
	}
	var r loginResponse
	if err := json.Unmarshal(body, &r); err != nil {
		// A body of an unexpected shape may still carry tokens that are
		// not JWTs, which excerpt would not recognise.
		return fail(checkOnly("login", body, err, append(secrets, tokensIn(body)...)))
	}
	secrets = append(secrets, r.tokens()...)
	if err := r.check("login", body, secrets); err != nil {
		return fail(err)
	}
	return entries(r.Data, secrets), nil
}

// loginResponse is both login endpoints' answer: one token per region.
type loginResponse struct {
	envelope
	Data []loginRegion `json:"data"`
}

// tokens lists every region's token, for scrubbing.
func (r *loginResponse) tokens() []string {
	out := make([]string, 0, len(r.Data))
	for _, d := range r.Data {
		if d.Token != nil {
			out = append(out, *d.Token)
		}
	}
	return out
}

type loginRegion struct {
	ClusterName string          `json:"clusterName"`
	ClusterID   json.RawMessage `json:"clusterId"`
	Token       *string         `json:"token"`
}

// isPlatform reports the account-level entry (id "0", name "ac"), whose
// token cannot call container APIs.
func (r loginRegion) isPlatform() bool {
	return rawText(r.ClusterID) == "0" || strings.EqualFold(r.ClusterName, "ac")
}

// maxRegionText bounds a region name or id quoted from a login answer.
const maxRegionText = 64

// regionEntry is one region of a login's answer: name and id cleaned like
// a message (they are the server's text, shown in errors and to people),
// token "" when SCNet sent null.
type regionEntry struct {
	region   Region
	token    secret.Secret
	platform bool
}

// entries cleans a login's region list. An id that repeats is the first
// one's: the id keys the region's source and the watcher's state.
func entries(list []loginRegion, secrets []string) []regionEntry {
	out := make([]regionEntry, 0, len(list))
	seen := map[string]bool{}
	for _, r := range list {
		e := regionEntry{
			region:   Region{Name: serverText(r.ClusterName, secrets...), ID: serverText(rawText(r.ClusterID), secrets...)},
			platform: r.isPlatform(),
		}
		if seen[e.region.ID] {
			continue
		}
		seen[e.region.ID] = true
		if r.Token != nil {
			e.token = secret.Secret(*r.Token)
		}
		out = append(out, e)
	}
	return out
}

// matches reports whether word (a name in any case, or an id) names e.
func (e regionEntry) matches(word string) bool {
	return word == e.region.ID || strings.EqualFold(word, e.region.Name)
}

// selectRegions applies a cluster setting to a login's regions: "" or
// "all" is every region but the platform entry, a comma list of names or
// ids just those. Regions whose token is null are returned as suspended.
// Naming the platform entry or a region the account lacks is an error that
// lists the regions there are; the word quoted back is cleaned of the
// login's tokens, in case one was pasted there.
func selectRegions(list []regionEntry, want string) (usable []regionEntry, suspended []Region, err error) {
	var names, tokens []string
	for _, e := range list {
		if e.token != "" {
			tokens = append(tokens, e.token.Reveal())
		}
		if !e.platform {
			names = append(names, fmt.Sprintf("%s (id %s)", e.region.Name, e.region.ID))
		}
	}
	keep := func(e regionEntry) {
		if e.token == "" {
			suspended = append(suspended, e.region)
		} else {
			usable = append(usable, e)
		}
	}
	want = strings.TrimSpace(want)
	if want == "" || strings.EqualFold(want, "all") {
		for _, e := range list {
			if !e.platform {
				keep(e)
			}
		}
		return usable, suspended, nil
	}
	taken := map[string]bool{}
	for _, word := range strings.Split(want, ",") {
		word = strings.TrimSpace(word)
		if word == "" {
			continue
		}
		i := slices.IndexFunc(list, func(e regionEntry) bool { return e.matches(word) })
		switch {
		case i < 0:
			return nil, nil, fmt.Errorf("cluster %q not among the account's regions: %s", serverText(word, tokens...), strings.Join(names, ", "))
		case list[i].platform:
			return nil, nil, fmt.Errorf("cluster %q is the platform entry, whose token cannot call container APIs; pick a region", serverText(word, tokens...))
		case taken[list[i].region.ID]:
			continue
		}
		taken[list[i].region.ID] = true
		keep(list[i])
	}
	return usable, suspended, nil
}

// pickOne is the selection of the one-region setup: the region want names,
// or with want empty the account's only usable region. Ambiguity is an
// error rather than a guess: watching the wrong region would look like "no
// instances".
func pickOne(list []regionEntry, want string) (secret.Secret, Region, error) {
	usable, suspended, err := selectRegions(list, want)
	if err != nil {
		return "", Region{}, err
	}
	switch {
	case len(usable) == 1:
		return usable[0].token, usable[0].region, nil
	case len(usable) > 1:
		var names []string
		for _, e := range usable {
			names = append(names, fmt.Sprintf("%s (id %s)", e.region.Name, e.region.ID))
		}
		return "", Region{}, fmt.Errorf("account has several regions (%s): set the cluster to one of them", strings.Join(names, ", "))
	case len(suspended) > 0:
		return "", Region{}, fmt.Errorf("region %q returned no token: the account may be suspended or lack access to it", suspended[0].Name)
	}
	return "", Region{}, errors.New("login returned no region besides the platform entry")
}

// pickRegion is pickOne over a raw login answer.
func pickRegion(list []loginRegion, want string, secrets []string) (secret.Secret, Region, error) {
	return pickOne(entries(list, secrets), want)
}

// Sign computes the AK/SK login signature: hex HMAC-SHA256, keyed with the
// secret key, over the exact string
// {"accessKey":"…","timestamp":"…","user":"…"}.
func Sign(user, accessKey, timestamp string, secretKey secret.Secret) string {
	msg := `{"accessKey":` + jsonString(accessKey) + `,"timestamp":` + jsonString(timestamp) + `,"user":` + jsonString(user) + `}`
	m := hmac.New(sha256.New, []byte(secretKey.Reveal()))
	m.Write([]byte(msg))
	return hex.EncodeToString(m.Sum(nil))
}

// jsonString quotes s as JSON without HTML escaping, which is how the
// signed string is written on SCNet's side for ordinary values.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// tokensIn collects every string under a "token" key anywhere in raw, so an
// error built from an odd response can scrub tokens it did not expect.
func tokensIn(raw json.RawMessage) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				if s, ok := e.(string); ok && strings.EqualFold(k, "token") && s != "" {
					out = append(out, s)
				}
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}
