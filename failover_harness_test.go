package main

import (
	"bufio"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"scnetbot/internal/pgtest"
	"scnetbot/internal/selfexec"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// The failover tests run scnetbot the way a deployment with two replicas
// does: real child processes (this test binary's own main), one PostgreSQL
// database, one SCNet simulator and one Slack emulator that spreads Socket
// Mode envelopes over the replicas' connections. Signals stand in for what
// happens to pods: SIGKILL for a node that dies, SIGSTOP for a process that
// freezes (a long GC pause, a stalled VM), SIGTERM for a rolling update.

const (
	// fleetChannel is where the replicas alert.
	fleetChannel = "C0ALERTS"
	// fleetInterval is WATCH_INTERVAL: the shortest config allows.
	fleetInterval = 5 * time.Second
	// fleetLease is STATE_LEASE_TIMEOUT: short, so a frozen leader loses
	// the lease within the test's time, and long enough for a loaded CI
	// machine under -race to ping within it.
	fleetLease = 2 * time.Second
	// fleetBound bounds every wait that includes a failover: a bound
	// against a hung test, not the speed asserted (failover is measured and
	// logged, not asserted tight).
	fleetBound = 30 * time.Second
	// pollEvery is how often the tests ask a replica's /metrics or the
	// emulator again; HTTP is dearer than the 5 ms internal/wait uses.
	pollEvery = 20 * time.Millisecond
)

// listPath is the simulator's listing endpoint, which the watcher polls.
const listPath = "/ai/openapi/v2/instance-service/task"

// fleet is the world several replicas share.
type fleet struct {
	t     *testing.T
	sim   *scnettest.Server
	emu   *slackemu.Server
	dbURL string
	extra []string // more environment for every replica

	mu       sync.Mutex
	replicas []*replica
	used     map[string]bool // instances a test has already failed
}

// replica is one scnetbot child process.
type replica struct {
	name   string
	cmd    *exec.Cmd
	logs   *syncbuf.Buffer
	addr   string    // its health server, host:port
	api    *apiProxy // its Slack Web API, so the test knows what it posted
	conn   int       // its Socket Mode connection's ID in the emulator
	exited chan struct{}
	err    error // Wait's result, once exited is closed
	http   *http.Client
}

// fleetOptions tune newFleet.
type fleetOptions struct {
	replicas  int
	instances int
	dbURL     string   // a database of the test's own; default pgtest.URL
	env       []string // more environment for every replica
}

// newFleet starts the simulator, the emulator and the replicas, waits for
// them to be ready, for one of them to lead and for the first poll's
// summary in the channel.
func newFleet(t *testing.T, o fleetOptions) *fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("failover tests run scnetbot processes for several seconds each")
	}
	if o.dbURL == "" {
		o.dbURL = pgtest.URL(t)
	}
	if o.instances == 0 {
		// About 50 live, enough for every test's failures.
		o.instances = 200
	}
	sim := scnettest.New(scnettest.WithInstances(o.instances, 12), scnettest.WithTokenLifetime(30*24*time.Hour))
	t.Cleanup(sim.Close)
	// Room for a replica and its replacement side by side.
	emu := slackemu.New(slackemu.WithMaxConnections(4))
	t.Cleanup(emu.Close)
	f := &fleet{t: t, sim: sim, emu: emu, dbURL: o.dbURL, extra: o.env, used: map[string]bool{}}
	t.Cleanup(f.cleanup)
	for i := range o.replicas {
		f.start(string(rune('a' + i)))
	}
	f.leader()
	f.waitFor("the first poll's summary in the channel", func() bool {
		return len(emu.ChannelMessages(fleetChannel)) > 0
	})
	return f
}

// env is a replica's whole environment: the same for all of them, as a
// Deployment gives it, but for the Slack API URL (each replica's own
// counting proxy) and the health port.
func (f *fleet) env(apiURL, httpAddr string) []string {
	env := []string{
		"SLACK_APP_TOKEN=" + f.emu.AppToken(), "SLACK_BOT_TOKEN=" + f.emu.BotToken(), "SLACK_API_URL=" + apiURL,
		"SCNET_BASE_URL=" + f.sim.AIBaseURL(), "SCNET_TOKEN=" + f.sim.Token(), "SCNET_AC_URL=" + f.sim.ACBaseURL(),
		"WATCH_CHANNEL=" + fleetChannel, "WATCH_INTERVAL=" + fleetInterval.String(),
		"STATE_URL=" + f.dbURL, "STATE_LEASE_TIMEOUT=" + fleetLease.String(),
		"HTTP_ADDR=" + httpAddr, "LOG_LEVEL=debug",
	}
	return append(env, f.extra...)
}

// start runs a new replica and waits until it is ready and connected to
// Slack.
func (f *fleet) start(name string) *replica {
	f.t.Helper()
	before := f.emu.ConnectionIDs()
	var r *replica
	// A free port can be taken between asking and listening; the child
	// then exits at once, naming HTTP_ADDR, and another port is tried.
	for attempt := 0; ; attempt++ {
		r = f.spawn(name)
		if f.ready(r) {
			break
		}
		if attempt < 3 && strings.Contains(r.logs.String(), "listen on HTTP_ADDR") {
			continue
		}
		f.t.Fatalf("replica %s did not become ready:\n%s", name, r.logs.String())
	}
	f.waitFor("replica "+name+"'s Socket Mode connection", func() bool {
		for _, id := range f.emu.ConnectionIDs() {
			if !slices.Contains(before, id) {
				r.conn = id
				return true
			}
		}
		return false
	})
	return r
}

// spawn starts a child process for replica name.
func (f *fleet) spawn(name string) *replica {
	f.t.Helper()
	api := newAPIProxy(f.t, f.emu.APIURL())
	r := &replica{
		name: name, logs: &syncbuf.Buffer{}, addr: freeHealthAddr(f.t), api: api, exited: make(chan struct{}),
		http: &http.Client{Timeout: time.Second},
	}
	r.cmd = selfexec.Command(f.env(api.url(), r.addr))
	r.cmd.Dir = f.t.TempDir()
	r.cmd.Stdout, r.cmd.Stderr = r.logs, r.logs
	// A test binary killed by go test's timeout takes its replicas along.
	r.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := r.cmd.Start(); err != nil {
		f.t.Fatal(err)
	}
	go func() {
		r.err = r.cmd.Wait()
		close(r.exited)
	}()
	f.mu.Lock()
	f.replicas = append(f.replicas, r)
	f.mu.Unlock()
	return r
}

// ready waits until r's /readyz answers 200, or r exits.
func (f *fleet) ready(r *replica) bool {
	deadline := time.Now().Add(fleetBound)
	for time.Now().Before(deadline) {
		if r.gone() {
			return false
		}
		resp, err := r.http.Get("http://" + r.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		time.Sleep(pollEvery)
	}
	return false
}

// cleanup kills every replica still running and, when the test failed,
// shows what each one logged.
func (f *fleet) cleanup() {
	f.mu.Lock()
	rs := slices.Clone(f.replicas)
	f.mu.Unlock()
	for _, r := range rs {
		if !r.gone() {
			// A stopped process takes SIGKILL too.
			_ = r.cmd.Process.Kill()
			<-r.exited
		}
		// After the kill: Close waits for requests in flight.
		r.api.srv.Close()
	}
	if f.t.Failed() {
		for _, r := range rs {
			f.t.Logf("=== replica %s (health %s, Slack connection %d, exit %v) logs:\n%s", r.name, r.addr, r.conn, r.err, r.logs.String())
		}
		var b strings.Builder
		for _, m := range f.emu.ChannelMessages(fleetChannel) {
			fmt.Fprintf(&b, "%s thread=%s %.200q\n", m.TS, m.ThreadTS, m.Text)
		}
		f.t.Logf("=== %s:\n%s", fleetChannel, b.String())
	}
}

// waitFor polls cond every pollEvery until it holds, failing the test
// after fleetBound.
func (f *fleet) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(fleetBound)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("waited %s for %s", fleetBound, what)
		}
		time.Sleep(pollEvery)
	}
}

// live lists the replicas that have not exited.
func (f *fleet) live() []*replica {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*replica
	for _, r := range f.replicas {
		if !r.gone() {
			out = append(out, r)
		}
	}
	return out
}

// leader waits until exactly one live, answering replica says on /metrics
// that it leads, and returns it. A replica that does not answer (stopped)
// is not counted.
func (f *fleet) leader() *replica {
	f.t.Helper()
	var l *replica
	f.waitFor("one replica to lead", func() bool {
		l = nil
		n := 0
		for _, r := range f.live() {
			if lead, ok := r.leading(); ok && lead {
				l = r
				n++
			}
		}
		return n == 1
	})
	return l
}

// leaderOtherThan waits until a replica other than old leads and returns it.
func (f *fleet) leaderOtherThan(old *replica) *replica {
	f.t.Helper()
	var l *replica
	f.waitFor("a replica other than "+old.name+" to lead", func() bool {
		for _, r := range f.live() {
			if r == old {
				continue
			}
			if lead, ok := r.leading(); ok && lead {
				l = r
				return true
			}
		}
		return false
	})
	return l
}

// fresh picks n running instances no test step has failed yet.
func (f *fleet) fresh(n int) []scnettest.Record {
	f.t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []scnettest.Record
	for _, r := range f.sim.Records() {
		if len(out) == n {
			break
		}
		if r.Status == scnet.StatusRunning && !f.used[r.ID] {
			f.used[r.ID] = true
			out = append(out, r)
		}
	}
	if len(out) < n {
		f.t.Fatalf("only %d running instances left, want %d", len(out), n)
	}
	return out
}

// fail makes an instance Failed in SCNet.
func (f *fleet) fail(r scnettest.Record) {
	f.t.Helper()
	if err := f.sim.SetStatus(r.ID, scnet.StatusFailed); err != nil {
		f.t.Fatal(err)
	}
}

// alerts counts the top-level messages in the channel about an instance.
func (f *fleet) alerts(r scnettest.Record) int { return len(alertsAbout(f.emu, fleetChannel, r.ID)) }

// awaitAlerts waits until every instance has an alert.
func (f *fleet) awaitAlerts(rs ...scnettest.Record) {
	f.t.Helper()
	for _, r := range rs {
		f.waitFor("an alert for "+r.ID, func() bool { return f.alerts(r) > 0 })
	}
}

// exactlyOnce checks each instance has one alert, no more.
func (f *fleet) exactlyOnce(rs ...scnettest.Record) {
	f.t.Helper()
	for _, r := range rs {
		if n := f.alerts(r); n != 1 {
			f.t.Errorf("%s (%s) is alerted %d times, want once", r.ID, r.Name, n)
		}
	}
}

// polls lists when the simulator was asked for the instance list after t0.
func (f *fleet) polls(t0 time.Time) []time.Time {
	var out []time.Time
	for _, q := range f.sim.Requests() {
		if (q.Path == listPath || q.Path == listPath+"/list") && q.At.After(t0) {
			out = append(out, q.At)
		}
	}
	return out
}

// gone reports whether r has exited.
func (r *replica) gone() bool {
	select {
	case <-r.exited:
		return true
	default:
		return false
	}
}

// signal sends sig to r.
func (r *replica) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := r.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v to replica %s: %v", sig, r.name, err)
	}
}

// kill ends r with SIGKILL, as a node that dies does, and waits for it.
func (r *replica) kill(t *testing.T) {
	t.Helper()
	r.signal(t, syscall.SIGKILL)
	<-r.exited
}

// stop freezes r (SIGSTOP); cont resumes it.
func (r *replica) stop(t *testing.T) { t.Helper(); r.signal(t, syscall.SIGSTOP) }
func (r *replica) cont(t *testing.T) { t.Helper(); r.signal(t, syscall.SIGCONT) }

// term asks r to stop (SIGTERM), as Kubernetes does in a rolling update,
// and waits for it to exit, which it must do cleanly.
func (r *replica) term(t *testing.T) {
	t.Helper()
	r.signal(t, syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(fleetBound):
		t.Fatalf("replica %s did not exit within %s of SIGTERM", r.name, fleetBound)
	}
	if r.err != nil {
		t.Errorf("replica %s exited with %v after SIGTERM, want 0", r.name, r.err)
	}
}

// metrics reads r's /metrics as name → value, for gauges and counters
// without labels. ok is false when r does not answer.
func (r *replica) metrics() (map[string]float64, bool) {
	resp, err := r.http.Get("http://" + r.addr + "/metrics")
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		name, val, ok := strings.Cut(line, " ")
		if !ok || strings.Contains(name, "{") {
			continue
		}
		if v, err := strconv.ParseFloat(val, 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err() == nil
}

// leading reports whether r's /metrics says it leads; ok is false when r
// does not answer or exports no scnetbot_leader.
func (r *replica) leading() (lead, ok bool) {
	m, ok := r.metrics()
	if !ok {
		return false, false
	}
	v, ok := m["scnetbot_leader"]
	return v == 1, ok
}

// epoch is r's scnetbot_leader_epoch; ok is false when r does not answer.
func (r *replica) epoch() (e float64, ok bool) {
	m, ok := r.metrics()
	if !ok {
		return 0, false
	}
	e, ok = m["scnetbot_leader_epoch"]
	return e, ok
}

// posts counts r's chat.postMessage calls.
func (r *replica) posts() int { return r.api.calls("chat.postMessage") }

// apiProxy stands between one replica and the emulator's Web API and counts
// the calls by method: the emulator sees one bot token from every replica,
// so it cannot tell who posted.
type apiProxy struct {
	srv *httptest.Server
	mu  sync.Mutex
	n   map[string]int
}

func newAPIProxy(t *testing.T, apiURL string) *apiProxy {
	t.Helper()
	target, err := url.Parse(apiURL)
	if err != nil {
		t.Fatal(err)
	}
	p := &apiProxy{n: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(&url.URL{Scheme: target.Scheme, Host: target.Host})
			pr.Out.Host = target.Host
		},
		// A killed replica's calls end half-way; that is the test's doing.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		method := strings.TrimPrefix(req.URL.Path, "/api/")
		p.mu.Lock()
		p.n[method]++
		p.mu.Unlock()
		rp.ServeHTTP(w, req)
	}))
	return p
}

func (p *apiProxy) url() string { return p.srv.URL + "/api/" }

func (p *apiProxy) calls(method string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n[method]
}

// freeHealthAddr is a loopback address with a port nothing listens on now.
func freeHealthAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
