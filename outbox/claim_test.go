package outbox_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/internal/pgtest"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/internal/wait"
	"scnetbot/outbox"
	"scnetbot/state"
)

// newClaimDeliverer is a deliverer on st whose log (debug and up) the
// test reads, with mayPost as its Config.MayPost.
func newClaimDeliverer(t *testing.T, st state.Store, mayPost func() bool) (*outbox.Deliverer, *slackemu.Server, *syncbuf.Buffer) {
	t.Helper()
	emu := slackemu.New()
	t.Cleanup(emu.Close)
	api := slack.New(emu.BotToken(), slack.OptionAPIURL(emu.APIURL()))
	logs := &syncbuf.Buffer{}
	d := outbox.New(api, st, outbox.Config{PerChannelInterval: time.Millisecond, SendTimeout: 300 * time.Millisecond,
		MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond, HistoryLag: time.Millisecond,
		Rescan: 5 * time.Millisecond, MayPost: mayPost,
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	return d, emu, logs
}

func queueOne(t *testing.T, ctx context.Context, st state.Store, id string) {
	t.Helper()
	if err := st.Update(ctx, func(tx state.Tx) error {
		if err := tx.PutAlert(state.Alert{ID: id, Channel: deliverChannel}); err != nil {
			return err
		}
		_, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id, AlertID: id, Channel: deliverChannel, Text: id, Created: time.Now()})
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// A replica whose lease may be lost must not post: the message stays
// queued, and is sent once, by whoever may post, after the channel check.
func TestDeliverDoesNotPostWhileMayPostSaysNo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := state.Open(t.TempDir() + "/s.db")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var may atomic.Bool
	d, emu, logs := newClaimDeliverer(t, st, may.Load)
	queueOne(t, ctx, st, "a1")
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(rctx) }()
	wait.Until(t, "the deliverer to refuse to send", func() bool {
		return strings.Contains(logs.String(), "not sending: this replica no longer leads")
	})
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := emu.Calls("chat.postMessage"); n != 0 {
		t.Fatalf("chat.postMessage called %d times while MayPost said no", n)
	}
	may.Store(true)
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if msgs := emu.ChannelMessages(deliverChannel); len(msgs) != 1 {
		t.Fatalf("got %d messages, want the one queued, once", len(msgs))
	}
}

// On PostgreSQL a message another deliverer has claimed (its row locked)
// is skipped, not sent a second time beside it.
func TestDeliverSkipsAMessageAnotherClaimed(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := state.OpenPostgres(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, emu, logs := newClaimDeliverer(t, st, nil)
	queueOne(t, ctx, st, "a1")

	claimed, release := make(chan struct{}), make(chan struct{})
	errHeld := errors.New("released")
	holder := make(chan error, 1)
	go func() {
		holder <- st.Update(ctx, func(tx state.Tx) error {
			var seq uint64
			if err := tx.Outbox(func(m state.Message) error { seq = m.Seq; return state.ErrStop }); err != nil {
				return err
			}
			if _, ok, err := tx.ClaimMessage(seq); err != nil || !ok {
				return errors.Join(err, errors.New("holder could not claim"))
			}
			close(claimed)
			<-release
			return errHeld
		})
	}()
	select {
	case <-claimed:
	case err := <-holder:
		t.Fatal(err)
	}
	dctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Drain(dctx) }()
	wait.Until(t, "the deliverer to skip the claimed message", func() bool {
		return strings.Contains(logs.String(), "message claimed by another deliverer; skipped")
	})
	stop()
	<-done
	if n := emu.Calls("chat.postMessage"); n != 0 {
		t.Fatalf("chat.postMessage called %d times for a message another deliverer holds", n)
	}
	close(release)
	if err := <-holder; !errors.Is(err, errHeld) {
		t.Fatal(err)
	}
	if err := d.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if msgs := emu.ChannelMessages(deliverChannel); len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
}

// A deliverer whose fenced store says another replica leads sends nothing
// and says so once, at info, rather than an error every backoff.
func TestDeliverFencedIsQuiet(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pg, err := state.OpenPostgres(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	queueOne(t, ctx, pg, "a1")
	d, emu, logs := newClaimDeliverer(t, pg.Fenced(func() (uint64, bool) { return 1, false }), nil)
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- d.Run(rctx) }()
	wait.Until(t, "the deliverer to pause", func() bool {
		return strings.Contains(logs.String(), "alert delivery paused: another replica leads")
	})
	// A kick makes it try again at once: still quiet.
	d.Kick()
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := strings.Count(out, "alert delivery paused"); n != 1 {
		t.Errorf("said it was paused %d times, want once:\n%s", n, out)
	}
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("a fenced store logged an error:\n%s", out)
	}
	if n := emu.Calls("chat.postMessage"); n != 0 {
		t.Errorf("chat.postMessage called %d times through a fenced store", n)
	}
}
