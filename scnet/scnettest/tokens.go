package scnettest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// The regions every account gets a token for. The platform entry (cluster
// "0") cannot call container APIs.
const (
	PlatformClusterID = "0"
	KunshanClusterID  = "11250"
	XianClusterID     = "11276"
)

type cluster struct{ id, name string }

func clusters() []cluster {
	return []cluster{
		{PlatformClusterID, "ac"},
		{KunshanClusterID, "华东一区【昆山】"},
		{XianClusterID, "西北一区【西安】"},
	}
}

func clusterName(id string) string {
	for _, c := range clusters() {
		if c.id == id {
			return c.name
		}
	}
	return ""
}

// renewGrace is how long after expiry a token can still be renewed.
const renewGrace = 24 * time.Hour

// maxClockSkew is how far an AK/SK timestamp may be from the server's clock.
const maxClockSkew = 5 * time.Minute

type tokenInfo struct {
	user      string
	clusterID string
	expire    time.Time
	revoked   bool
}

// issue creates a JWT-shaped token whose payload carries expireTime in epoch
// milliseconds, as SCNet's tokens do. Callers hold tokMu.
func (s *Server) issue(user, clusterID string) string {
	s.jti++
	exp := s.now().Add(s.cfg.tokenLifetime)
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload := base64.RawURLEncoding.EncodeToString(marshal(struct {
		ClusterID  string `json:"clusterId"`
		User       string `json:"user"`
		ExpireTime int64  `json:"expireTime"`
		JTI        string `json:"jti"`
	}{clusterID, user, exp.UnixMilli(), strconv.FormatUint(s.jti, 10)}))
	mac := hmac.New(sha256.New, s.jwtKey)
	mac.Write([]byte(header + "." + payload))
	tok := header + "." + payload + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	s.tokens[tok] = &tokenInfo{user: user, clusterID: clusterID, expire: exp}
	return tok
}

// Token returns a currently valid token of the first region (cluster 11250
// unless WithRegions says otherwise) for the configured user, issuing a new
// one when the last one expired.
func (s *Server) Token() string { return s.TokenFor(s.primary.id) }

// TokenFor returns a currently valid token for a cluster id; "0" gives the
// platform token, which container APIs refuse. A served region's token is
// kept and handed out again while valid; other clusters get a new one each
// time.
func (s *Server) TokenFor(clusterID string) string {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	keep := s.regionByID(clusterID) != nil
	if cur := s.current[clusterID]; keep && cur != "" {
		if t := s.tokens[cur]; t != nil && !t.revoked && s.now().Before(t.expire) {
			return cur
		}
	}
	tok := s.issue(s.cfg.creds.User, clusterID)
	if keep {
		s.current[clusterID] = tok
	}
	return tok
}

// ExpireTokens makes every issued token expire now. They can still be
// renewed through tokens/next for 24 hours, as SCNet allows.
func (s *Server) ExpireTokens() {
	s.tokMu.Lock()
	defer s.tokMu.Unlock()
	past := s.now().Add(-time.Millisecond)
	for _, t := range s.tokens {
		if t.expire.After(past) {
			t.expire = past
		}
	}
}

// authorize checks the request's token and answers with an SCNet error code
// when it is unusable; ok is false then. container says the endpoint is a
// container API, which the platform token may not call.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request, container bool) (tokenInfo, bool) {
	s.tokMu.Lock()
	t := s.tokens[r.Header.Get("token")]
	var info tokenInfo
	valid := t != nil && !t.revoked && s.now().Before(t.expire)
	if valid {
		info = *t
	}
	s.tokMu.Unlock()
	if !valid {
		writeError(w, CodeNoPermission)
		return info, false
	}
	if container && info.clusterID == PlatformClusterID {
		writeError(w, CodeNoAPIAccess)
		return info, false
	}
	return info, true
}

type tokenEntry struct {
	ClusterName string  `json:"clusterName"`
	ClusterID   string  `json:"clusterId"`
	Token       *string `json:"token"`
}

// loginClusters lists what the login endpoints answer: the three fixed
// clusters with one region, else the platform cluster and every region.
func (s *Server) loginClusters() []cluster {
	if !s.multi {
		return clusters()
	}
	out := []cluster{{PlatformClusterID, clusterName(PlatformClusterID)}}
	for _, rs := range s.regions {
		out = append(out, cluster{rs.id, rs.name})
	}
	return out
}

func (s *Server) writeTokens(w http.ResponseWriter) {
	s.tokMu.Lock()
	var out []tokenEntry
	for _, c := range s.loginClusters() {
		e := tokenEntry{ClusterName: c.name, ClusterID: c.id}
		rs := s.regionByID(c.id)
		suspended := s.cfg.suspended || (rs != nil && rs.suspended.Load())
		if !suspended || c.id == PlatformClusterID {
			tok := s.issue(s.cfg.creds.User, c.id)
			e.Token = &tok
		}
		out = append(out, e)
	}
	s.tokMu.Unlock()
	writeOK(w, out)
}

// AKSKMessage is the exact string an AK/SK signature covers.
func AKSKMessage(user, accessKey, timestamp string) string {
	return `{"accessKey":"` + accessKey + `","timestamp":"` + timestamp + `","user":"` + user + `"}`
}

// Sign returns the hex HMAC-SHA256 signature of the AK/SK token request, for
// tests that build the request by hand.
func Sign(secretKey, user, accessKey, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secretKey))
	mac.Write([]byte(AKSKMessage(user, accessKey, timestamp)))
	return hex.EncodeToString(mac.Sum(nil))
}

// handleAKSKTokens serves POST /api/user/v3/tokens. Missing headers answer
// 10003; an unknown user or access key, a wrong signature or a timestamp
// more than five minutes off answer 10004 with a message saying which.
func (s *Server) handleAKSKTokens(w http.ResponseWriter, r *http.Request) {
	user, ak := r.Header.Get("user"), r.Header.Get("accessKey")
	ts, sig := r.Header.Get("timestamp"), r.Header.Get("signature")
	if user == "" || ak == "" || ts == "" || sig == "" {
		writeError(w, CodeMissingParams)
		return
	}
	cr := s.cfg.creds
	if user != cr.User || ak != cr.AccessKey {
		writeErrorMsg(w, CodeInvalidParams, "用户或AccessKey不存在")
		return
	}
	want := Sign(cr.SecretKey, user, ak, ts)
	if !hmac.Equal([]byte(want), []byte(sig)) {
		writeErrorMsg(w, CodeInvalidParams, "签名校验失败")
		return
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		writeErrorMsg(w, CodeInvalidParams, "时间戳无效")
		return
	}
	if skew := s.now().Sub(time.Unix(sec, 0)).Abs(); skew > maxClockSkew {
		writeErrorMsg(w, CodeInvalidParams, "时间戳已过期")
		return
	}
	s.writeTokens(w)
}

// handleLegacyTokens serves POST /ac/openapi/v2/tokens: missing headers
// answer 10003, a wrong user, password or orgId 10004.
func (s *Server) handleLegacyTokens(w http.ResponseWriter, r *http.Request) {
	user, pw, org := r.Header.Get("user"), r.Header.Get("password"), r.Header.Get("orgId")
	if user == "" || pw == "" || org == "" {
		writeError(w, CodeMissingParams)
		return
	}
	cr := s.cfg.creds
	if user != cr.User || pw != cr.Password || org != cr.OrgID {
		writeErrorMsg(w, CodeInvalidParams, "用户名或密码错误")
		return
	}
	s.writeTokens(w)
}

// handleTokenState serves GET /ac/openapi/v2/tokens/state.
func (s *Server) handleTokenState(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorize(w, r, false); !ok {
		return
	}
	writeOK(w, "token is valid")
}

// handleTokenNext serves POST /ac/openapi/v2/tokens/next: a token that is
// valid or expired for less than 24 hours is swapped for a new one of the
// same cluster; the old one stops working. Anything else answers 10008.
func (s *Server) handleTokenNext(w http.ResponseWriter, r *http.Request) {
	old := r.Header.Get("token")
	s.tokMu.Lock()
	t := s.tokens[old]
	if t == nil || t.revoked || s.now().Sub(t.expire) > renewGrace {
		s.tokMu.Unlock()
		writeError(w, CodeNoPermission)
		return
	}
	t.revoked = true
	tok := s.issue(t.user, t.clusterID)
	if old == s.current[t.clusterID] {
		s.current[t.clusterID] = tok
	}
	s.tokMu.Unlock()
	writeOK(w, tok)
}

type centerURL struct {
	Enable  string `json:"enable"`
	Version string `json:"version"`
	URL     string `json:"url"`
}

// handleCenter serves GET /ac/openapi/v2/center for the token's region: its
// id, name and AI base URL. A token of a cluster the Server does not serve
// as a region (the platform token, or 11276 with one region) is pointed at
// the first region. The disabled first aiUrls entry makes a client prove it
// checks enable.
func (s *Server) handleCenter(w http.ResponseWriter, r *http.Request) {
	info, ok := s.authorize(w, r, false)
	if !ok {
		return
	}
	name := clusterName(info.clusterID)
	rs := s.regionByID(info.clusterID)
	if rs != nil {
		name = rs.name
	} else {
		rs = s.primary
	}
	ai := rs.URL()
	if s.cfg.centerAISuffix {
		ai = rs.AIBaseURL()
	}
	writeOK(w, struct {
		ID        string      `json:"id"`
		Name      string      `json:"name"`
		AIURLs    []centerURL `json:"aiUrls"`
		HPCURLs   []centerURL `json:"hpcUrls"`
		EFileURLs []centerURL `json:"efileUrls"`
	}{
		ID:   info.clusterID,
		Name: name,
		AIURLs: []centerURL{
			{Enable: "false", Version: "v1", URL: "http://127.0.0.1:9"},
			{Enable: "true", Version: "v2", URL: ai},
		},
		HPCURLs:   []centerURL{{Enable: "true", Version: "v2", URL: rs.URL() + "/hpc"}},
		EFileURLs: []centerURL{{Enable: "true", Version: "v2", URL: rs.URL() + "/efile"}},
	})
}
