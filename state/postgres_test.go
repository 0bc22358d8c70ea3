package state_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"scnetbot/internal/pgtest"
	"scnetbot/state"
)

// takeLease writes the lease row as package lease does on a takeover.
func takeLease(t testing.TB, p *state.Postgres, epoch uint64) {
	t.Helper()
	exec(t, p, `INSERT INTO scnetbot_lease (id, epoch, holder, taken_at) VALUES (1, $1, 'test', now())
		ON CONFLICT (id) DO UPDATE SET epoch = EXCLUDED.epoch`, epoch)
}

// exec runs sql on a connection of its own to p's database.
func exec(t testing.TB, p *state.Postgres, sql string, args ...any) {
	t.Helper()
	c := connect(t, p)
	if _, err := c.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func connect(t testing.TB, p *state.Postgres) *pgx.Conn {
	t.Helper()
	c, err := pgx.ConnectConfig(context.Background(), p.ConnConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	return c
}

func schemaVersions(t *testing.T, url string) []int {
	t.Helper()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	rows, _ := c.Query(context.Background(), "SELECT version FROM scnetbot_schema ORDER BY version")
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// TestMigrations: a fresh database is migrated to every version once; an
// already migrated one opens unchanged with its records; so do several
// replicas opening a fresh one at once.
func TestMigrations(t *testing.T) {
	ctx := context.Background()
	t.Run("fresh and again", func(t *testing.T) {
		url := pgtest.URL(t)
		p, err := state.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Update(ctx, func(tx state.Tx) error { return tx.PutInstance(state.Instance{ID: "i1", Name: "kept"}) }); err != nil {
			t.Fatal(err)
		}
		_ = p.Close()
		first := schemaVersions(t, url)
		if len(first) == 0 || first[0] != 1 {
			t.Fatalf("versions after a fresh open: %v", first)
		}
		p, err = state.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatalf("reopen of a migrated database: %v", err)
		}
		defer p.Close()
		if again := schemaVersions(t, url); len(again) != len(first) {
			t.Errorf("versions after reopening: %v, want %v", again, first)
		}
		_ = p.View(ctx, func(tx state.Tx) error {
			if in, ok, _ := tx.Instance("i1"); !ok || in.Name != "kept" {
				t.Errorf("after reopen i1 = %+v, %v", in, ok)
			}
			return nil
		})
	})
	t.Run("concurrent openers", func(t *testing.T) {
		url := pgtest.URL(t)
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				p, err := state.OpenPostgres(ctx, url)
				if err == nil {
					_ = p.Close()
				}
				errs[i] = err
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("opener %d: %v", i, err)
			}
		}
		vs := schemaVersions(t, url)
		for i, v := range vs {
			if v != i+1 {
				t.Errorf("versions %v, want each once", vs)
			}
		}
	})
	t.Run("newer database", func(t *testing.T) {
		url := pgtest.URL(t)
		p, err := state.OpenPostgres(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		exec(t, p, "INSERT INTO scnetbot_schema (version) VALUES (9999)")
		_ = p.Close()
		_, err = state.OpenPostgres(ctx, url)
		if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), "9999") {
			t.Errorf("open of a database from a newer scnetbot: %v, want a clear refusal", err)
		}
	})
}

// TestFenced: a fenced Update writes only while the caller holds the
// lease at the current epoch; otherwise it fails with ErrFenced and writes
// nothing. Views, and namespaces of the fenced store, behave alike.
func TestFenced(t *testing.T) {
	ctx := context.Background()
	p := openPostgres(t)
	var epoch atomic.Uint64
	var held atomic.Bool
	f := p.Fenced(func() (uint64, bool) { return epoch.Load(), held.Load() })
	write := func(st state.Store, id string) error {
		return st.Update(ctx, func(tx state.Tx) error { return tx.PutInstance(state.Instance{ID: id}) })
	}
	epoch.Store(1)
	held.Store(true)
	if err := write(f, "before-any-lease"); !errors.Is(err, state.ErrFenced) {
		t.Errorf("write with no lease row: %v, want ErrFenced", err)
	}
	takeLease(t, p, 1)
	if err := write(f, "mine"); err != nil {
		t.Errorf("write at the current epoch: %v", err)
	}
	if err := write(state.Namespace(f, "r1"), "mine-r1"); err != nil {
		t.Errorf("namespaced write at the current epoch: %v", err)
	}
	takeLease(t, p, 2) // another replica took over
	if err := write(f, "stale"); !errors.Is(err, state.ErrFenced) {
		t.Errorf("write at an old epoch: %v, want ErrFenced", err)
	}
	if err := write(state.Namespace(f, "r1"), "stale-r1"); !errors.Is(err, state.ErrFenced) {
		t.Errorf("namespaced write at an old epoch: %v, want ErrFenced", err)
	}
	epoch.Store(2)
	held.Store(false)
	if err := write(f, "lost"); !errors.Is(err, state.ErrFenced) {
		t.Errorf("write without the lease held: %v, want ErrFenced", err)
	}
	var seen []string
	if err := f.View(ctx, func(tx state.Tx) error {
		return tx.Instances(func(in state.Instance) error { seen = append(seen, in.ID); return nil })
	}); err != nil {
		t.Errorf("View of a fenced store without the lease: %v", err)
	}
	if len(seen) != 1 || seen[0] != "mine" {
		t.Errorf("root instances %v, want only [mine]", seen)
	}
	_ = state.Namespace(p, "r1").View(ctx, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("stale-r1"); ok {
			t.Error("a fenced namespaced write landed")
		}
		return nil
	})
}

// waitForLockWait returns once some session of p's database waits for a
// lock running query: blocked, not merely slow. It fails the test if the
// statement ends (on done) before it was seen waiting.
func waitForLockWait(t *testing.T, c *pgx.Conn, query string, done <-chan error) {
	t.Helper()
	for {
		select {
		case err := <-done:
			t.Fatalf("%s did not wait for the lock: %v", query, err)
		default:
		}
		var n int
		err := c.QueryRow(context.Background(),
			"SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE $1", "%"+query+"%").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			return
		}
	}
}

// TestFencedWriteHoldsOffTakeover: a takeover waits for a fenced write in
// flight, so that write lands before the epoch moves, and the old leader's
// next write is fenced.
func TestFencedWriteHoldsOffTakeover(t *testing.T) {
	ctx := context.Background()
	p := openPostgres(t)
	takeLease(t, p, 1)
	f := p.Fenced(func() (uint64, bool) { return 1, true })
	inside, hold := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	defer release() // a failed test lets the write end, or Close waits for it
	done := make(chan error, 1)
	go func() {
		done <- f.Update(ctx, func(tx state.Tx) error {
			if err := tx.PutInstance(state.Instance{ID: "in-flight"}); err != nil {
				return err
			}
			close(inside)
			<-hold
			return nil
		})
	}()
	<-inside
	taker := connect(t, p)
	took := make(chan error, 1)
	go func() {
		_, err := taker.Exec(ctx, "UPDATE scnetbot_lease SET epoch = epoch + 1, holder = 'other', taken_at = now() WHERE id = 1")
		took <- err
	}()
	waitForLockWait(t, connect(t, p), "SET epoch = epoch + 1", took)
	release()
	if err := <-done; err != nil {
		t.Fatalf("fenced write in flight: %v", err)
	}
	if err := <-took; err != nil {
		t.Fatalf("takeover: %v", err)
	}
	_ = p.View(ctx, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("in-flight"); !ok {
			t.Error("the write in flight before the takeover was lost")
		}
		return nil
	})
	err := f.Update(ctx, func(tx state.Tx) error { return tx.PutInstance(state.Instance{ID: "after"}) })
	if !errors.Is(err, state.ErrFenced) {
		t.Errorf("the old leader's write after the takeover: %v, want ErrFenced", err)
	}
}

// TestClaimMessageSkipsLocked: a message one transaction claimed is not
// claimable by another until the first ends; other messages are.
func TestClaimMessageSkipsLocked(t *testing.T) {
	ctx := context.Background()
	p := openPostgres(t)
	var s1, s2 uint64
	if err := p.Update(ctx, func(tx state.Tx) error {
		var err error
		if s1, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m1"}); err != nil {
			return err
		}
		s2, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m2"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	claimed, hold := make(chan struct{}), make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	defer release()
	done := make(chan error, 1)
	go func() {
		done <- p.Update(ctx, func(tx state.Tx) error {
			if _, ok, err := tx.ClaimMessage(s1); err != nil || !ok {
				return errors.Join(err, errors.New("first claim failed"))
			}
			close(claimed)
			<-hold
			return tx.DeleteMessage(s1)
		})
	}()
	<-claimed
	if err := p.Update(ctx, func(tx state.Tx) error {
		if _, ok, err := tx.ClaimMessage(s1); err != nil || ok {
			t.Errorf("second claim of a held message = %v, %v; want false", ok, err)
		}
		if m, ok, err := tx.ClaimMessage(s2); err != nil || !ok || m.ID != "m2" {
			t.Errorf("claim of a free message = %+v, %v, %v", m, ok, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestUpdateRetriesSerializationFailure: two Updates that read and
// rewrite the same record at once both take effect, one after the other:
// the one PostgreSQL aborts runs again.
func TestUpdateRetriesSerializationFailure(t *testing.T) {
	ctx := context.Background()
	p := openPostgres(t)
	if err := p.Update(ctx, func(tx state.Tx) error { return tx.PutMeta(state.Meta{NextID: 0}) }); err != nil {
		t.Fatal(err)
	}
	var runs atomic.Int32
	var read sync.WaitGroup
	read.Add(2)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		first := true
		wg.Go(func() {
			errs[i] = p.Update(ctx, func(tx state.Tx) error {
				runs.Add(1)
				m, err := tx.Meta()
				if err != nil {
					return err
				}
				if first {
					// Both read before either writes: a conflict.
					first = false
					read.Done()
					read.Wait()
				}
				m.NextID++
				return tx.PutMeta(m)
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	_ = p.View(ctx, func(tx state.Tx) error {
		if m, _ := tx.Meta(); m.NextID != 2 {
			t.Errorf("NextID = %d, want 2: an increment was lost", m.NextID)
		}
		return nil
	})
	if n := runs.Load(); n < 3 {
		t.Errorf("fn ran %d times, want a retry (at least 3)", n)
	}
}

// proxy forwards loopback connections to target until stopped, standing
// in for the network between scnetbot and its database.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, addr, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	px := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			px.mu.Lock()
			px.conns = append(px.conns, c, s)
			px.mu.Unlock()
			go func() { _, _ = io.Copy(s, c); _ = s.Close() }()
			go func() { _, _ = io.Copy(c, s); _ = c.Close() }()
		}
	}()
	t.Cleanup(px.stop)
	return px
}

// stop refuses new connections and cuts the open ones.
func (px *proxy) stop() {
	_ = px.ln.Close()
	px.mu.Lock()
	defer px.mu.Unlock()
	for _, c := range px.conns {
		_ = c.Close()
	}
	px.conns = nil
}

// TestPostgresUnavailable: a database that cannot be reached, at open or
// later, fails with ErrUnavailable, and the store works again once it is
// back. No error shows the URL's password.
func TestPostgresUnavailable(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	target := net.JoinHostPort(cfg.Host, itoa(cfg.Port))
	px := startProxy(t, "127.0.0.1:0", target)
	addr := px.ln.Addr().String()
	via := strings.Replace(url, "postgres@"+target, "postgres:s3cret@"+addr, 1)
	if via == url {
		t.Fatalf("cannot route %s through the proxy", url)
	}
	p, err := state.OpenPostgres(ctx, via)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	write := func() error {
		return p.Update(ctx, func(tx state.Tx) error { return tx.PutInstance(state.Instance{ID: "i1"}) })
	}
	if err := write(); err != nil {
		t.Fatal(err)
	}
	px.stop()
	for _, err := range []error{write(), p.View(ctx, func(state.Tx) error { return nil })} {
		if !errors.Is(err, state.ErrUnavailable) {
			t.Errorf("with the database cut off: %v, want ErrUnavailable", err)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("error shows the password: %v", err)
		}
	}
	_, err = state.OpenPostgres(ctx, via)
	if !errors.Is(err, state.ErrUnavailable) || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("open of an unreachable database: %v, want ErrUnavailable without the password", err)
	}
	startProxy(t, addr, target)
	if err := write(); err != nil {
		t.Errorf("after the database is back: %v", err)
	}
}

func itoa(n uint16) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		if n /= 10; n == 0 {
			return string(b)
		}
	}
}

// TestOpenPostgresBadURL: a malformed URL is refused without its password.
func TestOpenPostgresBadURL(t *testing.T) {
	_, err := state.OpenPostgres(context.Background(), "postgres://u:s3cret@127.0.0.1:notaport/db")
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("bad URL: %v, want an error without the password", err)
	}
}

// TestQueuedWriteErrorFailsUpdate: a write sent later (queued until the
// next read or the commit) that PostgreSQL refuses still fails the Update
// and writes nothing. JSONB refuses a NUL character, which bbolt keeps.
func TestQueuedWriteErrorFailsUpdate(t *testing.T) {
	ctx := context.Background()
	p := openPostgres(t)
	for name, after := range map[string]func(tx state.Tx) error{
		"at commit":      func(state.Tx) error { return nil },
		"at a next read": func(tx state.Tx) error { _, _, err := tx.Instance("ok"); return err },
	} {
		err := p.Update(ctx, func(tx state.Tx) error {
			if err := tx.PutInstance(state.Instance{ID: "ok"}); err != nil {
				return err
			}
			if err := tx.PutInstance(state.Instance{ID: "bad", Name: "a\x00b"}); err != nil {
				return err
			}
			return after(tx)
		})
		if err == nil || !strings.Contains(err.Error(), `put instance "bad"`) {
			t.Errorf("%s: Update = %v, want the refused write's error", name, err)
		}
		_ = p.View(ctx, func(tx state.Tx) error {
			if _, ok, _ := tx.Instance("ok"); ok {
				t.Errorf("%s: a write of the failed Update landed", name)
			}
			return nil
		})
	}
}
