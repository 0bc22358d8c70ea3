package scnet

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"scnetbot/secret"
)

// login gets the account's per-region tokens and keeps the configured one.
func (c *Credentials) login(ctx context.Context) (secret.Secret, Region, error) {
	mode := "legacy"
	var url string
	var header map[string]string
	var secrets []string
	if c.akSK {
		mode = "ak/sk"
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
	fail := func(err error) (secret.Secret, Region, error) {
		return "", Region{}, fmt.Errorf("scnet login (%s) as %q: %w", mode, c.cfg.User, err)
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
	tokens := make([]string, 0, len(r.Data))
	for _, d := range r.Data {
		if d.Token != nil {
			tokens = append(tokens, *d.Token)
		}
	}
	secrets = append(secrets, tokens...)
	if err := r.check("login", body, secrets); err != nil {
		return fail(err)
	}
	tok, region, err := pickRegion(r.Data, c.cfg.Cluster, secrets)
	if err != nil {
		return fail(err)
	}
	return tok, region, nil
}

// loginResponse is both login endpoints' answer: one token per region.
type loginResponse struct {
	envelope
	Data []loginRegion `json:"data"`
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

// pickRegion chooses the region named or numbered want; with want empty,
// the account's only region. Ambiguity is an error rather than a guess:
// watching the wrong region would look like "no instances". Names and ids
// are the server's text: what errors and the Region show is cleaned of
// secrets like a message.
func pickRegion(list []loginRegion, want string, secrets []string) (secret.Secret, Region, error) {
	shown := func(s string) string { return serverText(s, secrets...) }
	var regions []loginRegion
	var names []string
	for _, r := range list {
		id := rawText(r.ClusterID)
		if r.isPlatform() {
			if want != "" && (strings.EqualFold(want, r.ClusterName) || want == id) {
				return "", Region{}, fmt.Errorf("cluster %q is the platform entry, whose token cannot call container APIs; pick a region", want)
			}
			continue
		}
		regions = append(regions, r)
		names = append(names, fmt.Sprintf("%s (id %s)", shown(r.ClusterName), shown(id)))
	}
	var chosen *loginRegion
	switch {
	case want != "":
		for i := range regions {
			if strings.EqualFold(want, regions[i].ClusterName) || want == rawText(regions[i].ClusterID) {
				chosen = &regions[i]
				break
			}
		}
		if chosen == nil {
			return "", Region{}, fmt.Errorf("cluster %q not among the account's regions: %s", want, strings.Join(names, ", "))
		}
	case len(regions) == 1:
		chosen = &regions[0]
	case len(regions) == 0:
		return "", Region{}, errors.New("login returned no region besides the platform entry")
	default:
		return "", Region{}, fmt.Errorf("account has several regions (%s): set the cluster to one of them", strings.Join(names, ", "))
	}
	region := Region{Name: shown(chosen.ClusterName), ID: shown(rawText(chosen.ClusterID))}
	if chosen.Token == nil || *chosen.Token == "" {
		return "", Region{}, fmt.Errorf("region %q returned no token: the account may be suspended or lack access to it", region.Name)
	}
	return secret.Secret(*chosen.Token), region, nil
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
