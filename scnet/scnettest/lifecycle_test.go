package scnettest

import (
	"errors"
	"testing"
	"time"

	"scnetbot/scnet"
)

func nextStatuses(st scnet.Status) []scnet.Status {
	switch st {
	case scnet.StatusWaiting:
		return []scnet.Status{scnet.StatusDeploying}
	case scnet.StatusDeploying:
		return []scnet.Status{scnet.StatusRunning}
	default:
		return []scnet.Status{scnet.StatusCompleted, scnet.StatusFailed, scnet.StatusTerminated}
	}
}

func TestStepMovesLiveInstances(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(400, 12), WithClock(c.Now))
	before := map[string]Record{}
	for _, r := range s.Records() {
		before[r.ID] = r
	}
	c.Advance(time.Minute)
	s.Step()
	moved := 0
	for _, r := range s.Records() {
		old := before[r.ID]
		if old.Status == r.Status {
			continue
		}
		moved++
		if old.Status.Terminal() {
			t.Fatalf("%s moved from terminal %s to %s", r.ID, old.Status, r.Status)
		}
		ok := false
		for _, n := range nextStatuses(old.Status) {
			ok = ok || n == r.Status
		}
		if !ok {
			t.Errorf("%s moved %s → %s", r.ID, old.Status, r.Status)
		}
		now := c.Now()
		switch {
		case r.Status == scnet.StatusRunning && !r.StartTime.Equal(now):
			t.Errorf("%s started at %v, want %v", r.ID, r.StartTime, now)
		case r.Status.Terminal() && !r.EndTime.Equal(now):
			t.Errorf("%s ended at %v, want %v", r.ID, r.EndTime, now)
		case r.Status.Terminal() && r.Duration == "--" && !r.StartTime.IsZero():
			t.Errorf("%s ended with no duration", r.ID)
		}
	}
	if moved == 0 {
		t.Fatal("Step moved nothing")
	}
	if s.Count() != len(before) {
		t.Errorf("Step changed the count: %d → %d", len(before), s.Count())
	}
}

func TestStepIsDeterministic(t *testing.T) {
	statuses := func() []scnet.Status {
		c := newClock()
		s := New(WithInstances(300, 21), WithClock(c.Now))
		defer s.Close()
		for range 4 {
			s.Step()
		}
		var out []scnet.Status
		for _, r := range s.Records() {
			out = append(out, r.Status)
		}
		return out
	}
	a, b := statuses(), statuses()
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("record %d: %s vs %s after the same steps", i, a[i], b[i])
		}
	}
}

func TestStepMovesAtLeastOne(t *testing.T) {
	s := newServer(t)
	r := s.Add(Record{Name: "only"})
	for range 3 {
		s.Step()
	}
	got, _ := s.Get(r.ID)
	if !got.Status.Terminal() {
		t.Errorf("after three steps the only instance is %s, want terminal", got.Status)
	}
	s.Step() // nothing live: must not panic or change anything
	if again, _ := s.Get(r.ID); again.Status != got.Status {
		t.Errorf("a terminal instance moved to %s", again.Status)
	}
}

func TestSetStatus(t *testing.T) {
	c := newClock()
	s := newServer(t, WithClock(c.Now))
	r := s.Add(Record{Name: "bert-finetune", TimeoutLimit: "72h"})
	steps := []struct {
		st                 scnet.Status
		wantStart, wantEnd bool
	}{
		{scnet.StatusDeploying, false, false},
		{scnet.StatusRunning, true, false},
		{scnet.StatusFailed, true, true},
		{scnet.StatusWaiting, false, false},
		{scnet.StatusTerminated, false, true},
	}
	for _, st := range steps {
		c.Advance(90 * time.Minute)
		if err := s.SetStatus(r.ID, st.st); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Get(r.ID)
		if got.Status != st.st || got.StartTime.IsZero() == st.wantStart || got.EndTime.IsZero() == st.wantEnd {
			t.Errorf("%s: start %v end %v", st.st, got.StartTime, got.EndTime)
		}
		if st.wantEnd && !got.EndTime.Equal(c.Now()) {
			t.Errorf("%s: end %v, want now", st.st, got.EndTime)
		}
		if st.st == scnet.StatusRunning && (got.RemainingTime != "3天0小时0分" || got.Duration != "0分") {
			t.Errorf("running: duration %q remaining %q", got.Duration, got.RemainingTime)
		}
		if st.st == scnet.StatusFailed && got.Duration != "1小时30分" {
			t.Errorf("failed: duration %q, want 1小时30分", got.Duration)
		}
		a := listBody(t, s, s.Token(), map[string]any{"limit": 5, "status": string(st.st)})
		if list := items(t, a); len(list) != 1 || list[0].ID != r.ID {
			t.Errorf("%s: list by status gives %v", st.st, list)
		}
	}
	var nf *NotFoundError
	if err := s.SetStatus("nope", scnet.StatusRunning); !errors.As(err, &nf) || nf.ID != "nope" {
		t.Errorf("unknown id: err %v, want NotFoundError", err)
	}
	if err := s.SetStatus(r.ID, "Exploded"); err == nil {
		t.Error("unknown status accepted")
	}
}

func TestDataControl(t *testing.T) {
	c := newClock()
	s := newServer(t, WithInstances(10, 1), WithClock(c.Now))
	r := s.Add(Record{Name: "图像分割-实验2", Mounts: []Mount{{Source: "/a", Target: "/b"}}})
	if len(r.ID) != 32 || !r.CreateTime.Equal(testNow) || r.Status != scnet.StatusWaiting || r.TaskType != scnet.TaskSSH {
		t.Errorf("Add filled %+v", r)
	}
	if s.Count() != 11 {
		t.Errorf("count %d, want 11", s.Count())
	}
	got, ok := s.FindByName("图像分割-实验2")
	if !ok || got.ID != r.ID {
		t.Errorf("FindByName: %v %v", got.ID, ok)
	}
	got.Mounts[0].Source = "/changed"
	if again, _ := s.Get(r.ID); again.Mounts[0].Source != "/a" {
		t.Error("a returned record shares its slices with the store")
	}
	replaced := s.Add(Record{ID: r.ID, Name: "renamed"})
	if s.Count() != 11 || replaced.ID != r.ID {
		t.Errorf("re-adding an id: count %d", s.Count())
	}
	if _, ok := s.FindByName("图像分割-实验2"); ok {
		t.Error("the replaced record is still found")
	}
	if !s.Delete(r.ID) || s.Delete(r.ID) {
		t.Error("Delete should succeed once")
	}
	if _, ok := s.Get(r.ID); ok || s.Count() != 10 {
		t.Errorf("deleted record still there, count %d", s.Count())
	}
	a := listBody(t, s, s.Token(), map[string]any{"limit": 50})
	if *a.Total != 10 {
		t.Errorf("list total %d after delete, want 10", *a.Total)
	}
}

func TestSpawnAndLifecycleTicker(t *testing.T) {
	s := newServer(t, WithLifecycle(time.Millisecond))
	// With no instances at all, the ticker must create some and move them.
	deadline := time.Now().Add(20 * time.Second)
	for {
		terminal := 0
		for _, r := range s.Records() {
			if r.Status.Terminal() {
				terminal++
			}
		}
		if terminal > 0 && s.Count() > minLive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ticker made no progress: %d records", s.Count())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStepStaysSmallOnLargeData(t *testing.T) {
	s := newServer(t, WithInstances(20_000, 3))
	before := map[string]scnet.Status{}
	for _, r := range s.Records() {
		before[r.ID] = r.Status
	}
	s.Step()
	moved := 0
	for _, r := range s.Records() {
		if before[r.ID] != r.Status {
			moved++
		}
	}
	if moved == 0 || moved > 4*stepMoves {
		t.Errorf("one Step over 20,000 instances moved %d, want between 1 and about %d", moved, stepMoves)
	}
}

func TestSameSecondKeepsInsertionOrder(t *testing.T) {
	c := newClock()
	s := newServer(t, WithClock(c.Now))
	var added []string
	for i := range 20 {
		added = append(added, s.Add(Record{Name: "job-" + string(rune('a'+i))}).ID)
	}
	_ = s.SetStatus(added[3], scnet.StatusRunning) // a status change must not reorder
	got := ids(items(t, listBody(t, s, s.Token(), map[string]any{"limit": 20, "sort": "asc"})))
	for i := range added {
		if got[i] != added[i] {
			t.Fatalf("asc order %v, want insertion order %v", got, added)
		}
	}
}
