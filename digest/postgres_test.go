package digest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"scnetbot/internal/pgtest"
	"scnetbot/state"
)

// TestPostgresOnlyTheLeaderQueues: two replicas share one PostgreSQL
// store, each digesting through its fenced store; the one whose lease
// epoch is stale (it was deposed) writes nothing, the leader queues the
// day's digest once, and a third loop at the current epoch racing it
// finds the day done.
func TestPostgresOnlyTheLeaderQueues(t *testing.T) {
	ctx := context.Background()
	p, err := state.OpenPostgres(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	c, err := pgx.ConnectConfig(ctx, p.ConnConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Close(ctx) }()
	// The lease as package lease leaves it after a takeover by epoch 2.
	if _, err := c.Exec(ctx, `INSERT INTO scnetbot_lease (id, epoch, holder, taken_at) VALUES (1, 2, 'test', now())`); err != nil {
		t.Fatal(err)
	}
	deposed := p.Fenced(func() (uint64, bool) { return 1, true })
	leader := p.Fenced(func() (uint64, bool) { return 2, true })

	e := newRunEnv(t, "2026-12-02 10:00")
	e.st = p
	e.run(e.digester(deposed))
	e.sleeping(1, "2026-12-02 10:01") // refused, trying again in a minute
	if got := queued(t, p); len(got) != 0 || digestDay(t, p) != "" {
		t.Fatalf("the deposed replica wrote: %v, day %q", ids(got), digestDay(t, p))
	}
	e.run(e.digester(leader))
	e.run(e.digester(leader))
	e.sleeping(2, "2026-12-03 09:30")
	if got := ids(queued(t, p)); len(got) != 1 || got[0] != "digest-2026-12-02" || digestDay(t, p) != "2026-12-02" {
		t.Errorf("outbox %v, day %q; want the leader's one digest", got, digestDay(t, p))
	}
}
