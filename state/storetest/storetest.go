// Package storetest is the contract every state.Store engine keeps: one
// suite, run against the embedded bbolt file and against PostgreSQL, so
// the watcher, the deliverer and the actions cannot tell them apart.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/state"
)

// Run runs the contract against the stores open returns, one fresh empty
// store per subtest; open registers the store's cleanup itself.
func Run(t *testing.T, open func(t *testing.T) state.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, state.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"Missing", testMissing},
		{"Delete", testDelete},
		{"OutboxOrder", testOutboxOrder},
		{"EnqueueReplacesQueuedUpdate", testEnqueueReplaces},
		{"PutMessage", testPutMessage},
		{"ClaimMessage", testClaimMessage},
		{"Stop", testStop},
		{"WriteWhileIterating", testWriteWhileIterating},
		{"Rollback", testRollback},
		{"ViewIsReadOnly", testViewReadOnly},
		{"NamespacesKeepRegionsApart", testNamespaces},
		{"NamespaceDeletesOnlyItsAlerts", testNamespaceDelete},
		{"MetaPerNamespace", testMetaPerNamespace},
		{"Actions", testActions},
		{"ActionsPruned", testActionsPruned},
		{"ActionsRootOnly", testActionsRootOnly},
		{"AdoptLegacy", testAdoptLegacy},
		{"AdoptLegacyKeepsNewerRegionRecords", testAdoptLegacyKeepsNewer},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

var t0 = time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)

func update(t *testing.T, st state.Store, fn func(state.Tx) error) {
	t.Helper()
	if err := st.Update(context.Background(), fn); err != nil {
		t.Fatalf("Update: %v", err)
	}
}

func view(t *testing.T, st state.Store, fn func(state.Tx) error) {
	t.Helper()
	if err := st.View(context.Background(), fn); err != nil {
		t.Fatalf("View: %v", err)
	}
}

func outboxIDs(t *testing.T, st state.Store) []string {
	t.Helper()
	var ids []string
	view(t, st, func(tx state.Tx) error {
		return tx.Outbox(func(m state.Message) error { ids = append(ids, m.ID); return nil })
	})
	return ids
}

func jsonEqual(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// testRoundTrip: every kind of record reads back as it was put.
func testRoundTrip(t *testing.T, st state.Store) {
	in := state.Instance{ID: "i1", Name: "n1", Status: scnet.StatusRunning, Changed: t0, AlertID: "a1"}
	al := state.Alert{ID: "a1", InstanceID: "i1", Channel: "C1", Created: t0, MessageTS: "1.2",
		Snapshot: json.RawMessage(`{"id":"i1","name":"n1","gpus":[1,2]}`), From: scnet.StatusRunning, To: scnet.StatusFailed,
		AckedAt: t0.Add(time.Minute), AckedBy: "U1"}
	sn := state.Snooze{InstanceID: "i1", InstanceName: "n1", Until: t0.Add(time.Hour), By: "U1"}
	meta := state.Meta{Baseline: t0, NextID: 7, Suspended: map[string]time.Time{"r1": t0}}
	msg := state.Message{Kind: state.KindPost, ID: "m1", Channel: "C1", Text: "<!here> 训练 failed & stopped",
		Blocks: json.RawMessage(`[{"type":"section","text":{"type":"mrkdwn","text":"x"}}]`), AlertID: "a1", Created: t0}
	var seq uint64
	update(t, st, func(tx state.Tx) error {
		var err error
		for _, e := range []error{tx.PutInstance(in), tx.PutAlert(al), tx.PutSnooze(sn), tx.PutMeta(meta)} {
			if e != nil {
				return e
			}
		}
		seq, err = tx.Enqueue(msg)
		return err
	})
	if seq == 0 {
		t.Error("Enqueue returned sequence 0")
	}
	view(t, st, func(tx state.Tx) error {
		gi, ok, err := tx.Instance("i1")
		if err != nil || !ok || gi.Name != in.Name || gi.Status != in.Status || !gi.Changed.Equal(t0) || gi.AlertID != "a1" {
			t.Errorf("Instance = %+v, %v, %v; want %+v", gi, ok, err, in)
		}
		ga, ok, err := tx.Alert("a1")
		if err != nil || !ok || ga.InstanceID != "i1" || ga.MessageTS != "1.2" || ga.To != scnet.StatusFailed ||
			!ga.AckedAt.Equal(al.AckedAt) || !jsonEqual(ga.Snapshot, al.Snapshot) {
			t.Errorf("Alert = %+v, %v, %v; want %+v", ga, ok, err, al)
		}
		gs, ok, err := tx.Snooze("i1")
		if err != nil || !ok || gs.By != "U1" || !gs.Until.Equal(sn.Until) || gs.InstanceName != "n1" {
			t.Errorf("Snooze = %+v, %v, %v", gs, ok, err)
		}
		gm, err := tx.Meta()
		if err != nil || gm.NextID != 7 || !gm.Baseline.Equal(t0) || !gm.Suspended["r1"].Equal(t0) {
			t.Errorf("Meta = %+v, %v", gm, err)
		}
		var got []state.Message
		if err := tx.Outbox(func(m state.Message) error { got = append(got, m); return nil }); err != nil {
			return err
		}
		if len(got) != 1 || got[0].Seq != seq || got[0].Text != msg.Text || got[0].AlertID != "a1" ||
			!got[0].Created.Equal(t0) || !jsonEqual(got[0].Blocks, msg.Blocks) {
			t.Errorf("Outbox = %+v, want %+v with seq %d", got, msg, seq)
		}
		return nil
	})
}

// testMissing: records never put are not found, and that is no error;
// the meta of an empty store is the zero Meta.
func testMissing(t *testing.T, st state.Store) {
	view(t, st, func(tx state.Tx) error {
		if _, ok, err := tx.Instance("nope"); ok || err != nil {
			t.Errorf("Instance(nope) = %v, %v", ok, err)
		}
		if _, ok, err := tx.Alert("nope"); ok || err != nil {
			t.Errorf("Alert(nope) = %v, %v", ok, err)
		}
		if _, ok, err := tx.Snooze("nope"); ok || err != nil {
			t.Errorf("Snooze(nope) = %v, %v", ok, err)
		}
		if _, ok, err := tx.Action("nope"); ok || err != nil {
			t.Errorf("Action(nope) = %v, %v", ok, err)
		}
		if m, err := tx.Meta(); err != nil || m.NextID != 0 || !m.Baseline.IsZero() {
			t.Errorf("Meta of an empty store = %+v, %v", m, err)
		}
		return nil
	})
}

// testDelete: deleting removes a record; deleting a missing one is fine.
func testDelete(t *testing.T, st state.Store) {
	update(t, st, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1"})
		_ = tx.PutInstance(state.Instance{ID: "i2"})
		_ = tx.PutAlert(state.Alert{ID: "a1"})
		return tx.PutSnooze(state.Snooze{InstanceID: "i1", Until: t0})
	})
	update(t, st, func(tx state.Tx) error {
		for _, err := range []error{tx.DeleteInstance("i1"), tx.DeleteAlert("a1"), tx.DeleteSnooze("i1"),
			tx.DeleteInstance("missing"), tx.DeleteAlert("missing"), tx.DeleteSnooze("missing"), tx.DeleteMessage(999)} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	view(t, st, func(tx state.Tx) error {
		_, iok, _ := tx.Instance("i1")
		_, aok, _ := tx.Alert("a1")
		_, sok, _ := tx.Snooze("i1")
		_, other, _ := tx.Instance("i2")
		if iok || aok || sok || !other {
			t.Errorf("after deletes: instance %v alert %v snooze %v, other instance kept %v", iok, aok, sok, other)
		}
		return nil
	})
}

// testOutboxOrder: the outbox iterates in queue order, across
// transactions, with increasing sequence numbers, and a deleted message
// leaves the others in order.
func testOutboxOrder(t *testing.T, st state.Store) {
	var seqs []uint64
	for _, batch := range [][]string{{"m1", "m2"}, {"m3"}, {"m4", "m5"}} {
		update(t, st, func(tx state.Tx) error {
			for _, id := range batch {
				seq, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id, Channel: "C"})
				if err != nil {
					return err
				}
				seqs = append(seqs, seq)
			}
			return nil
		})
	}
	for i := 1; i < len(seqs); i++ {
		if seqs[i] <= seqs[i-1] {
			t.Errorf("sequence numbers %v, want increasing", seqs)
		}
	}
	if got := outboxIDs(t, st); !slices.Equal(got, []string{"m1", "m2", "m3", "m4", "m5"}) {
		t.Errorf("outbox order = %v", got)
	}
	update(t, st, func(tx state.Tx) error { return tx.DeleteMessage(seqs[2]) })
	if got := outboxIDs(t, st); !slices.Equal(got, []string{"m1", "m2", "m4", "m5"}) {
		t.Errorf("outbox after deleting m3 = %v", got)
	}
}

// testEnqueueReplaces: an update replaces any queued update of the same
// alert (not posts, not other alerts' updates, not dead ones), and a
// replaced update's PutMessage fails with ErrNotQueued.
func testEnqueueReplaces(t *testing.T, st state.Store) {
	var first, dead uint64
	update(t, st, func(tx state.Tx) error {
		var err error
		if _, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "p", AlertID: "a1"}); err != nil {
			return err
		}
		if dead, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "dead", AlertID: "a1"}); err != nil {
			return err
		}
		return tx.PutMessage(state.Message{Seq: dead, Kind: state.KindUpdate, ID: "dead", AlertID: "a1", Dead: true})
	})
	update(t, st, func(tx state.Tx) error {
		var err error
		if first, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "u1", AlertID: "a1"}); err != nil {
			return err
		}
		_, err = tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "other", AlertID: "a2"})
		return err
	})
	update(t, st, func(tx state.Tx) error {
		_, err := tx.Enqueue(state.Message{Kind: state.KindUpdate, ID: "u2", AlertID: "a1"})
		return err
	})
	if got, want := outboxIDs(t, st), []string{"p", "dead", "other", "u2"}; !slices.Equal(got, want) {
		t.Errorf("outbox = %v, want %v", got, want)
	}
	err := st.Update(context.Background(), func(tx state.Tx) error {
		return tx.PutMessage(state.Message{Seq: first, ID: "u1"})
	})
	if !errors.Is(err, state.ErrNotQueued) {
		t.Errorf("PutMessage of a replaced update: err = %v, want ErrNotQueued", err)
	}
}

// testPutMessage: PutMessage rewrites a queued message in place (its
// place in the queue too); a sequence never queued is ErrNotQueued.
func testPutMessage(t *testing.T, st state.Store) {
	var seq uint64
	update(t, st, func(tx state.Tx) error {
		var err error
		if seq, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m1"}); err != nil {
			return err
		}
		_, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m2"})
		return err
	})
	update(t, st, func(tx state.Tx) error {
		return tx.PutMessage(state.Message{Seq: seq, Kind: state.KindPost, ID: "m1", Attempts: 2, LastError: "ratelimited", Attempted: t0})
	})
	view(t, st, func(tx state.Tx) error {
		var got []state.Message
		_ = tx.Outbox(func(m state.Message) error { got = append(got, m); return nil })
		if len(got) != 2 || got[0].ID != "m1" || got[0].Attempts != 2 || got[0].LastError != "ratelimited" || !got[0].Attempted.Equal(t0) || got[0].Seq != seq {
			t.Errorf("outbox after PutMessage = %+v", got)
		}
		return nil
	})
	err := st.Update(context.Background(), func(tx state.Tx) error {
		return tx.PutMessage(state.Message{Seq: seq + 1000, ID: "ghost"})
	})
	if !errors.Is(err, state.ErrNotQueued) {
		t.Errorf("PutMessage of a missing seq: %v, want ErrNotQueued", err)
	}
	if got := outboxIDs(t, st); !slices.Equal(got, []string{"m1", "m2"}) {
		t.Errorf("a failed PutMessage changed the outbox: %v", got)
	}
}

// testClaimMessage: a claim reads the queued message; a missing one is
// false without an error; the claimer may then put and delete it.
func testClaimMessage(t *testing.T, st state.Store) {
	var seq uint64
	update(t, st, func(tx state.Tx) error {
		var err error
		seq, err = tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m1", Channel: "C", Text: "hi",
			Blocks: json.RawMessage(`[{"type":"divider"}]`)})
		return err
	})
	update(t, st, func(tx state.Tx) error {
		m, ok, err := tx.ClaimMessage(seq)
		if err != nil || !ok || m.ID != "m1" || m.Seq != seq || m.Text != "hi" || !jsonEqual(m.Blocks, []byte(`[{"type":"divider"}]`)) {
			t.Errorf("ClaimMessage(%d) = %+v, %v, %v", seq, m, ok, err)
		}
		if _, ok, err := tx.ClaimMessage(seq + 1000); ok || err != nil {
			t.Errorf("ClaimMessage of a missing seq = %v, %v", ok, err)
		}
		m.Attempts++
		if err := tx.PutMessage(m); err != nil {
			return err
		}
		return tx.DeleteMessage(seq)
	})
	if got := outboxIDs(t, st); len(got) != 0 {
		t.Errorf("outbox after claim and delete = %v", got)
	}
}

// testStop: ErrStop ends every iteration early without an error.
func testStop(t *testing.T, st state.Store) {
	update(t, st, func(tx state.Tx) error {
		for _, id := range []string{"a", "b", "c"} {
			_ = tx.PutInstance(state.Instance{ID: id})
			_ = tx.PutAlert(state.Alert{ID: id})
			_ = tx.PutSnooze(state.Snooze{InstanceID: id})
			_ = tx.PutAction(state.Action{ID: id, Created: t0, Expires: t0})
			if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: id}); err != nil {
				return err
			}
		}
		return nil
	})
	stopAt2 := func(n *int) error {
		*n++
		if *n == 2 {
			return state.ErrStop
		}
		return nil
	}
	view(t, st, func(tx state.Tx) error {
		var n [5]int
		errs := []error{
			tx.Instances(func(state.Instance) error { return stopAt2(&n[0]) }),
			tx.Alerts(func(state.Alert) error { return stopAt2(&n[1]) }),
			tx.Snoozes(func(state.Snooze) error { return stopAt2(&n[2]) }),
			tx.Outbox(func(state.Message) error { return stopAt2(&n[3]) }),
			tx.Actions(func(state.Action) error { return stopAt2(&n[4]) }),
		}
		for i, err := range errs {
			if err != nil || n[i] != 2 {
				t.Errorf("iterator %d with ErrStop: %d calls, err %v; want 2, nil", i, n[i], err)
			}
		}
		// Another error ends the iteration and is returned.
		boom := errors.New("boom")
		if err := tx.Instances(func(state.Instance) error { return boom }); !errors.Is(err, boom) {
			t.Errorf("Instances returned %v, want fn's error", err)
		}
		return nil
	})
}

// testWriteWhileIterating: fn may write in the transaction it iterates.
func testWriteWhileIterating(t *testing.T, st state.Store) {
	update(t, st, func(tx state.Tx) error {
		for _, id := range []string{"a", "b", "c"} {
			_ = tx.PutInstance(state.Instance{ID: id, Status: scnet.StatusRunning})
		}
		return nil
	})
	update(t, st, func(tx state.Tx) error {
		return tx.Instances(func(in state.Instance) error {
			in.Status = scnet.StatusFailed
			if err := tx.PutInstance(in); err != nil {
				return err
			}
			_, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m-" + in.ID})
			return err
		})
	})
	view(t, st, func(tx state.Tx) error {
		return tx.Instances(func(in state.Instance) error {
			if in.Status != scnet.StatusFailed {
				t.Errorf("%s = %s, want Failed", in.ID, in.Status)
			}
			return nil
		})
	})
	if got := outboxIDs(t, st); !slices.Equal(got, []string{"m-a", "m-b", "m-c"}) {
		t.Errorf("outbox = %v", got)
	}
}

// testRollback: an Update whose fn fails writes nothing and returns fn's
// error.
func testRollback(t *testing.T, st state.Store) {
	boom := errors.New("boom")
	err := st.Update(context.Background(), func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "x"})
		_ = tx.PutMeta(state.Meta{NextID: 9})
		_ = tx.PutAction(state.Action{ID: "n1", Created: t0})
		if _, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: "m"}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update returned %v, want fn's error", err)
	}
	view(t, st, func(tx state.Tx) error {
		_, iok, _ := tx.Instance("x")
		_, aok, _ := tx.Action("n1")
		m, _ := tx.Meta()
		if iok || aok || m.NextID != 0 {
			t.Errorf("rolled back writes are there: instance %v action %v meta %+v", iok, aok, m)
		}
		return nil
	})
	if got := outboxIDs(t, st); len(got) != 0 {
		t.Errorf("rolled back message queued: %v", got)
	}
}

// testViewReadOnly: a write in a View fails and is not kept.
func testViewReadOnly(t *testing.T, st state.Store) {
	err := st.View(context.Background(), func(tx state.Tx) error { return tx.PutInstance(state.Instance{ID: "x"}) })
	if err == nil {
		t.Error("PutInstance in a View succeeded")
	}
	view(t, st, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("x"); ok {
			t.Error("a View's write was kept")
		}
		return nil
	})
}

// testNamespaces: two regions with the same instance id and their own
// meta see only their own records, and share the outbox.
func testNamespaces(t *testing.T, st state.Store) {
	a, b := state.Namespace(st, "r1"), state.Namespace(st, "r2")
	for i, ns := range []state.Store{a, b} {
		update(t, ns, func(tx state.Tx) error {
			if err := tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusRunning, Name: []string{"x", "y"}[i]}); err != nil {
				return err
			}
			if err := tx.PutAlert(state.Alert{ID: []string{"a-r1", "a-r2"}[i], InstanceID: "i1"}); err != nil {
				return err
			}
			if err := tx.PutSnooze(state.Snooze{InstanceID: "i1", By: []string{"x", "y"}[i]}); err != nil {
				return err
			}
			_, err := tx.Enqueue(state.Message{Kind: state.KindPost, ID: []string{"m1", "m2"}[i], Channel: "C"})
			return err
		})
	}
	update(t, st, func(tx state.Tx) error { return tx.PutInstance(state.Instance{ID: "root-only"}) })
	view(t, a, func(tx state.Tx) error {
		in, _, _ := tx.Instance("i1")
		sn, _, _ := tx.Snooze("i1")
		if in.Name != "x" || in.ID != "i1" || sn.By != "x" {
			t.Errorf("r1 sees %+v, %+v", in, sn)
		}
		var ins, sns []string
		_ = tx.Instances(func(in state.Instance) error { ins = append(ins, in.ID); return nil })
		_ = tx.Snoozes(func(s state.Snooze) error { sns = append(sns, s.InstanceID); return nil })
		if !slices.Equal(ins, []string{"i1"}) || !slices.Equal(sns, []string{"i1"}) {
			t.Errorf("r1 iterates instances %v, snoozes %v; want [i1] each", ins, sns)
		}
		if _, ok, _ := tx.Alert("a-r2"); ok {
			t.Error("r1 sees r2's alert")
		}
		var ids []string
		_ = tx.Alerts(func(al state.Alert) error { ids = append(ids, al.ID); return nil })
		if !slices.Equal(ids, []string{"a-r1"}) {
			t.Errorf("r1 alerts %v", ids)
		}
		q := 0
		_ = tx.Outbox(func(state.Message) error { q++; return nil })
		if q != 2 {
			t.Errorf("outbox seen from r1 holds %d, want the shared 2", q)
		}
		return nil
	})
	// The root (the deliverer's view) finds every alert by id, and none of
	// the regions' instances.
	view(t, st, func(tx state.Tx) error {
		if al, ok, _ := tx.Alert("a-r2"); !ok || al.Region != "r2" {
			t.Errorf("root reads a-r2 as %+v, %v", al, ok)
		}
		n := 0
		_ = tx.Alerts(func(state.Alert) error { n++; return nil })
		var ins []string
		_ = tx.Instances(func(in state.Instance) error { ins = append(ins, in.ID); return nil })
		if n != 2 || !slices.Equal(ins, []string{"root-only"}) {
			t.Errorf("root sees %d alerts (want 2) and instances %v (want [root-only])", n, ins)
		}
		return nil
	})
}

// testNamespaceDelete: a region cannot delete another region's alert.
func testNamespaceDelete(t *testing.T, st state.Store) {
	r1, r2 := state.Namespace(st, "r1"), state.Namespace(st, "r2")
	update(t, r2, func(tx state.Tx) error { return tx.PutAlert(state.Alert{ID: "a"}) })
	update(t, r1, func(tx state.Tx) error { return tx.DeleteAlert("a") })
	view(t, r2, func(tx state.Tx) error {
		if _, ok, _ := tx.Alert("a"); !ok {
			t.Error("r1 deleted r2's alert")
		}
		return nil
	})
	update(t, st, func(tx state.Tx) error { return tx.DeleteAlert("a") })
	view(t, r2, func(tx state.Tx) error {
		if _, ok, _ := tx.Alert("a"); ok {
			t.Error("the root could not delete r2's alert")
		}
		return nil
	})
}

// testMetaPerNamespace: the root and each region keep their own meta.
func testMetaPerNamespace(t *testing.T, st state.Store) {
	stores := []state.Store{st, state.Namespace(st, "r1"), state.Namespace(st, "r2")}
	for i, s := range stores {
		update(t, s, func(tx state.Tx) error { return tx.PutMeta(state.Meta{NextID: uint64(10 + i)}) })
	}
	update(t, stores[1], func(tx state.Tx) error { return tx.PutMeta(state.Meta{NextID: 21}) })
	for i, want := range []uint64{10, 21, 12} {
		view(t, stores[i], func(tx state.Tx) error {
			if m, err := tx.Meta(); err != nil || m.NextID != want {
				t.Errorf("meta %d = %+v, %v; want NextID %d", i, m, err, want)
			}
			return nil
		})
	}
}

// testActions: an action is written, read back by nonce, listed,
// rewritten in place and deleted; an empty nonce is refused.
func testActions(t *testing.T, st state.Store) {
	a := state.Action{ID: "n1", Kind: "restart", InstanceID: "i1", InstanceName: "train", Region: "r1", RegionName: "西北一区",
		User: "U1", Channel: "C1", AlertID: "al1", ResponseURL: "https://hooks.slack.test/x", Created: t0, Expires: t0.Add(10 * time.Minute),
		Phase: state.ActionPending}
	update(t, st, func(tx state.Tx) error { return tx.PutAction(a) })
	err := st.Update(context.Background(), func(tx state.Tx) error {
		got, ok, err := tx.Action("n1")
		if err != nil || !ok || got != a {
			t.Errorf("Action(n1) = %+v, %v, %v; want %+v", got, ok, err, a)
		}
		got.Phase, got.Finished = state.ActionDone, t0.Add(time.Minute)
		if err := tx.PutAction(got); err != nil {
			return err
		}
		var ids []string
		if err := tx.Actions(func(x state.Action) error {
			ids = append(ids, x.ID+":"+string(x.Phase))
			return nil
		}); err != nil {
			return err
		}
		if !slices.Equal(ids, []string{"n1:done"}) {
			t.Errorf("Actions lists %v", ids)
		}
		if err := tx.DeleteAction("n1"); err != nil {
			return err
		}
		if err := tx.DeleteAction("missing"); err != nil {
			return err
		}
		if _, ok, _ := tx.Action("n1"); ok {
			t.Error("n1 still there after DeleteAction")
		}
		return tx.PutAction(state.Action{})
	})
	if err == nil {
		t.Error("PutAction with an empty nonce was accepted")
	}
}

// testActionsPruned: writing a new action drops those finished, or expired
// unconfirmed, more than ActionRetention before it; newer ones, and those
// still in flight, stay. Rewriting an existing action prunes nothing.
func testActionsPruned(t *testing.T, st state.Store) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	day := state.ActionRetention
	old := []state.Action{
		{ID: "finished-old", Created: now.Add(-3 * day), Expires: now.Add(-3 * day), Finished: now.Add(-day - time.Second), Phase: state.ActionDone},
		{ID: "expired-old", Created: now.Add(-2 * day), Expires: now.Add(-day - time.Minute), Phase: state.ActionPending},
		{ID: "finished-recent", Created: now.Add(-2 * day), Expires: now.Add(-2 * day), Finished: now.Add(-day + time.Minute), Phase: state.ActionFailed},
		{ID: "expired-recent", Created: now.Add(-time.Hour), Expires: now.Add(-50 * time.Minute), Phase: state.ActionPending},
		{ID: "sending-long", Created: now.Add(-2 * day), Expires: now.Add(-day + time.Second), Phase: state.ActionSending},
	}
	update(t, st, func(tx state.Tx) error {
		for _, a := range old {
			if err := tx.PutAction(a); err != nil {
				return err
			}
		}
		return nil
	})
	list := func() []string {
		var ids []string
		view(t, st, func(tx state.Tx) error {
			return tx.Actions(func(a state.Action) error { ids = append(ids, a.ID); return nil })
		})
		slices.Sort(ids)
		return ids
	}
	if got := list(); len(got) != 5 {
		t.Fatalf("before a new action the store keeps %v, want all 5", got)
	}
	update(t, st, func(tx state.Tx) error {
		a := old[3]
		a.Created = now.Add(5 * day)
		return tx.PutAction(a)
	})
	if got := list(); len(got) != 5 {
		t.Fatalf("a rewrite pruned: %v", got)
	}
	update(t, st, func(tx state.Tx) error {
		return tx.PutAction(state.Action{ID: "new", Created: now, Expires: now.Add(10 * time.Minute), Phase: state.ActionPending})
	})
	want := []string{"expired-recent", "finished-recent", "new", "sending-long"}
	if got := list(); !slices.Equal(got, want) {
		t.Errorf("after a new action the store keeps %v, want %v", got, want)
	}
}

// testActionsRootOnly: a region's namespace refuses the actions, so a
// confirmation cannot be written where the actions would never read it.
func testActionsRootOnly(t *testing.T, st state.Store) {
	ns := state.Namespace(st, "r1")
	calls := map[string]func(state.Tx) error{
		"Action":       func(tx state.Tx) error { _, _, err := tx.Action("n1"); return err },
		"PutAction":    func(tx state.Tx) error { return tx.PutAction(state.Action{ID: "n1"}) },
		"DeleteAction": func(tx state.Tx) error { return tx.DeleteAction("n1") },
		"Actions":      func(tx state.Tx) error { return tx.Actions(func(state.Action) error { return nil }) },
	}
	for name, call := range calls {
		if err := ns.Update(context.Background(), call); !errors.Is(err, state.ErrRootOnly) {
			t.Errorf("%s in a namespace: %v, want ErrRootOnly", name, err)
		}
	}
	view(t, st, func(tx state.Tx) error {
		if _, ok, _ := tx.Action("n1"); ok {
			t.Error("the namespace's PutAction reached the root")
		}
		return nil
	})
}

// testAdoptLegacy moves the one-region records under a region once.
func testAdoptLegacy(t *testing.T, st state.Store) {
	ctx := context.Background()
	update(t, st, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusFailed, AlertID: "a1"})
		_ = tx.PutAlert(state.Alert{ID: "a1", InstanceID: "i1"})
		_ = tx.PutSnooze(state.Snooze{InstanceID: "i2", Until: t0})
		return tx.PutMeta(state.Meta{Baseline: t0, NextID: 7, AccountAlertID: "acct"})
	})
	for range 2 {
		if err := state.AdoptLegacy(ctx, st, "r1"); err != nil {
			t.Fatal(err)
		}
	}
	if err := state.AdoptLegacy(ctx, st, "r2"); err != nil {
		t.Fatal(err)
	}
	view(t, state.Namespace(st, "r1"), func(tx state.Tx) error {
		in, ok, _ := tx.Instance("i1")
		al, aok, _ := tx.Alert("a1")
		_, sok, _ := tx.Snooze("i2")
		m, _ := tx.Meta()
		if !ok || in.AlertID != "a1" || !aok || al.Region != "r1" || !sok || m.NextID != 7 || !m.Baseline.Equal(t0) {
			t.Errorf("after adoption r1 holds %+v %v, %+v %v, snooze %v, meta %+v", in, ok, al, aok, sok, m)
		}
		return nil
	})
	view(t, st, func(tx state.Tx) error {
		n := 0
		_ = tx.Instances(func(state.Instance) error { n++; return nil })
		m, _ := tx.Meta()
		if n != 0 || m.AdoptedBy != "r1" || m.NextID != 0 || m.AccountAlertID != "acct" {
			t.Errorf("root keeps %d instances, meta %+v", n, m)
		}
		return nil
	})
	view(t, state.Namespace(st, "r2"), func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("i1"); ok {
			t.Error("a second adoption moved the records again")
		}
		return nil
	})
	if err := state.AdoptLegacy(ctx, st, "bad/id"); err == nil {
		t.Error("AdoptLegacy accepted a region id with a slash")
	}
}

// testAdoptLegacyKeepsNewer: an adoption after the region's watcher
// already ran keeps what the region wrote since.
func testAdoptLegacyKeepsNewer(t *testing.T, st state.Store) {
	update(t, st, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusFailed, Name: "old"})
		_ = tx.PutInstance(state.Instance{ID: "i2", Status: scnet.StatusRunning, Name: "only-old"})
		return tx.PutSnooze(state.Snooze{InstanceID: "i1", Until: t0})
	})
	r1 := state.Namespace(st, "r1")
	update(t, r1, func(tx state.Tx) error {
		_ = tx.PutInstance(state.Instance{ID: "i1", Status: scnet.StatusRunning, Name: "new"})
		return tx.PutSnooze(state.Snooze{InstanceID: "i1", Until: t0.Add(time.Hour)})
	})
	if err := state.AdoptLegacy(context.Background(), st, "r1"); err != nil {
		t.Fatal(err)
	}
	view(t, r1, func(tx state.Tx) error {
		if in, _, _ := tx.Instance("i1"); in.Name != "new" || in.Status != scnet.StatusRunning {
			t.Errorf("i1 = %+v, want the region's newer record", in)
		}
		if in, ok, _ := tx.Instance("i2"); !ok || in.Name != "only-old" {
			t.Errorf("i2 = %+v %v, want the legacy record adopted", in, ok)
		}
		if sn, _, _ := tx.Snooze("i1"); !sn.Until.Equal(t0.Add(time.Hour)) {
			t.Errorf("snooze = %+v, want the region's newer one", sn)
		}
		return nil
	})
	view(t, st, func(tx state.Tx) error {
		if _, ok, _ := tx.Instance("i1"); ok {
			t.Error("the bare legacy record was left behind")
		}
		return nil
	})
}
