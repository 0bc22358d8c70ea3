package scnettest

import (
	"math/rand/v2"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"scnetbot/scnet"
)

// RegionSpec describes one region a Server serves with WithRegions.
type RegionSpec struct {
	ID   string // SCNet's clusterId, also the center's id
	Name string // SCNet's clusterName, also the center's name
	// Suspended makes the login endpoints send the region's token as null,
	// the way SCNet answers for a region the account is suspended in.
	Suspended bool
	// Instances overrides WithInstances for this region: 0 keeps
	// WithInstances' count, a negative number seeds none.
	Instances int
}

// HuabeiClusterID is the suspended region of DefaultRegions (华北一区); its
// usable ones are KunshanClusterID and XianClusterID.
const HuabeiClusterID = "12001"

// DefaultRegions returns the regions WithRegions serves when given none: two
// usable regions (华东一区【昆山】 11250, then 西北一区【西安】 11276) and one
// suspended (华北一区 12001). It is a function so no caller can change it for
// everyone.
func DefaultRegions() []RegionSpec {
	return []RegionSpec{
		{ID: KunshanClusterID, Name: clusterName(KunshanClusterID)},
		{ID: XianClusterID, Name: clusterName(XianClusterID)},
		{ID: HuabeiClusterID, Name: "华北一区", Suspended: true},
	}
}

// WithRegions makes the Server serve several regions, each on its own
// listener with its own instances, fault knobs and request log, in the order
// given (the first is the one the Server's own instance methods act on). No
// argument means DefaultRegions. The login endpoints answer the platform
// token followed by one entry per region, and a region's AI API refuses any
// other region's token with code "10008", as it refuses an unknown one.
func WithRegions(rs ...RegionSpec) Option {
	if len(rs) == 0 {
		rs = DefaultRegions()
	}
	rs = append([]RegionSpec(nil), rs...)
	return func(c *config) { c.regions = rs }
}

// regionSeedStep separates the seeds of consecutive regions, so each holds
// different instances while the first keeps the configured seed.
const regionSeedStep = 7919

// RegionServer is one region of a Server: its AI API, instances, fault
// knobs (SetLatency, FailNext, FailNextCode, GarbageNext, SetDown,
// FailNextAction, HoldNextAction) and request log (Requests, RequestCount,
// ActionCount, ResetRequests). With one region (no
// WithRegions) it shares the Server's listener, knobs and log. All its
// methods are safe for concurrent use; it is also an http.Handler.
type RegionServer struct {
	// endpoint holds the fault knobs and request log of the region's AI
	// base URL.
	*endpoint

	srv      *Server
	id, name string
	// suspended is read by the login endpoints; SetSuspended changes it.
	suspended atomic.Bool
	listener  net.Listener // nil when the region shares the Server's
	http      *http.Server

	mu    sync.RWMutex // guards data, rng, idSeq and pending
	data  *store
	rng   *rand.Rand
	idSeq uint64
	// pending holds when each restarted instance becomes Running;
	// pendingN is its size, so reads skip settle without a lock.
	pending  map[string]time.Time
	pendingN atomic.Int32
}

func (s *Server) newRegion(spec RegionSpec, seed int64) *RegionServer {
	n := s.cfg.instances
	switch {
	case spec.Instances > 0:
		n = spec.Instances
	case spec.Instances < 0:
		n = 0
	}
	rs := &RegionServer{
		srv:     s,
		id:      spec.ID,
		name:    spec.Name,
		data:    newStore(),
		pending: map[string]time.Time{},
		rng:     rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x5c0e7)),
	}
	rs.suspended.Store(spec.Suspended)
	rs.data.load(seedEntries(n, seed, s.cfg.hostile, s.now()))
	return rs
}

// Regions returns the served regions in login order, suspended ones
// included; without WithRegions that is the one region 11250.
func (s *Server) Regions() []*RegionServer { return append([]*RegionServer(nil), s.regions...) }

// Region returns the region whose id or exact name is key, or nil when the
// Server serves none such.
func (s *Server) Region(key string) *RegionServer {
	for _, rs := range s.regions {
		if rs.id == key || rs.name == key {
			return rs
		}
	}
	return nil
}

func (s *Server) regionByID(id string) *RegionServer {
	for _, rs := range s.regions {
		if rs.id == id {
			return rs
		}
	}
	return nil
}

// ID is the region's clusterId.
func (s *RegionServer) ID() string { return s.id }

// Name is the region's clusterName.
func (s *RegionServer) Name() string { return s.name }

// Suspended reports whether the login endpoints send this region's token as
// null.
func (s *RegionServer) Suspended() bool { return s.suspended.Load() }

// SetSuspended suspends the account in the region, or lifts it: the next
// login sends the region's token as null, or as a token again.
func (s *RegionServer) SetSuspended(suspended bool) { s.suspended.Store(suspended) }

// URL is the root of the region's listener (the Server's with one region).
func (s *RegionServer) URL() string {
	if s.listener == nil {
		return s.srv.URL()
	}
	return "http://" + s.listener.Addr().String()
}

// AIBaseURL is the region's AI base URL, which clients append
// /openapi/v2/... to.
func (s *RegionServer) AIBaseURL() string { return s.URL() + "/ai" }

// Token returns a currently valid token of this region, issuing a new one
// when the last one expired, or "" for a suspended region, for which SCNet
// issues none.
func (s *RegionServer) Token() string {
	if s.suspended.Load() {
		return ""
	}
	return s.srv.TokenFor(s.id)
}

// ServeHTTP logs the request, applies the region's pending fault, then
// serves the region's AI API.
func (s *RegionServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.endpoint.serve(w, r, s.route)
}

// authorize checks the token of a container API request to this region.
// With several regions a token of another region answers "10008", the code
// an unknown token gets: to this region it is one.
func (s *RegionServer) authorize(w http.ResponseWriter, r *http.Request) bool {
	info, ok := s.srv.authorize(w, r, true)
	if !ok {
		return false
	}
	if s.srv.multi && info.clusterID != s.id {
		writeError(w, CodeNoPermission)
		return false
	}
	return true
}

// endpoint is what one listener has of its own: fault knobs and a request
// log.
type endpoint struct {
	now func() time.Time

	faultMu sync.Mutex
	faults  faults
	actions map[Action]*actionKnobs

	logMu sync.Mutex
	log   []Request
}

func newEndpoint(cfg config) *endpoint {
	return &endpoint{now: cfg.now, faults: faults{latency: cfg.latency}}
}

// The Server's instance methods act on its first region, so code written for
// one region keeps working.

// Add stores r in the first region; see RegionServer.Add.
func (s *Server) Add(r Record) Record { return s.primary.Add(r) }

// Get returns the first region's record with id.
func (s *Server) Get(id string) (Record, bool) { return s.primary.Get(id) }

// FindByName returns the first region's newest record named exactly name.
func (s *Server) FindByName(name string) (Record, bool) { return s.primary.FindByName(name) }

// Records returns a copy of every record of the first region, oldest first.
func (s *Server) Records() []Record { return s.primary.Records() }

// Count returns how many records the first region holds.
func (s *Server) Count() int { return s.primary.Count() }

// Delete removes the first region's record with id and reports whether it
// existed.
func (s *Server) Delete(id string) bool { return s.primary.Delete(id) }

// SetStatus moves a record of the first region to st; see
// RegionServer.SetStatus.
func (s *Server) SetStatus(id string, st scnet.Status) error { return s.primary.SetStatus(id, st) }

// Step advances every region by one step; see RegionServer.Step.
func (s *Server) Step() {
	for _, rs := range s.regions {
		rs.Step()
	}
}

// Spawn creates one new Waiting instance in the first region and returns it.
func (s *Server) Spawn() Record { return s.primary.Spawn() }
