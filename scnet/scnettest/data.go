package scnettest

import (
	"fmt"

	"scnetbot/scnet"
)

// NotFoundError says an instance id is not in the simulator.
type NotFoundError struct{ ID string }

func (e *NotFoundError) Error() string { return fmt.Sprintf("instance %q not found", e.ID) }

// Add stores r and returns it as stored: an empty ID, CreateTime, Status,
// TaskType, TimeoutLimit or StartScriptActionScope is filled in, and
// duration and remainingTime follow from the times. An existing ID is
// replaced.
func (s *RegionServer) Add(r Record) Record {
	r = r.clone()
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if r.ID == "" {
		r.ID = s.newID()
	}
	if r.CreateTime.IsZero() {
		r.CreateTime = now
	}
	if r.Status == "" {
		r.Status = scnet.StatusWaiting
	}
	if r.TaskType == "" {
		r.TaskType = scnet.TaskSSH
	}
	if r.TimeoutLimit == "" {
		r.TimeoutLimit = "unlimited"
	}
	if r.StartScriptActionScope == "" {
		r.StartScriptActionScope = "all"
	}
	r.CreateTime = r.CreateTime.In(scnet.Beijing())
	if r.Duration == "" && r.RemainingTime == "" {
		refreshTimes(&r, now)
	}
	if old, ok := s.data.byID[r.ID]; ok {
		s.remove(old)
	}
	s.data.insert(newEntry(r))
	return r.clone()
}

// newID returns a fresh 32-hex-digit id like SCNet's. Callers hold mu.
func (s *RegionServer) newID() string {
	for {
		s.idSeq++
		id := fmt.Sprintf("%016x%016x", s.rng.Uint64(), s.idSeq)
		if _, taken := s.data.byID[id]; !taken {
			return id
		}
	}
}

// Get returns the record with id.
func (s *RegionServer) Get(id string) (Record, bool) {
	s.settle()
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.data.byID[id]
	if !ok {
		return Record{}, false
	}
	return e.rec.clone(), true
}

// FindByName returns the newest record named exactly name.
func (s *RegionServer) FindByName(name string) (Record, bool) {
	s.settle()
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := s.data.all()
	for i := len(all) - 1; i >= 0; i-- {
		if all[i].rec.Name == name {
			return all[i].rec.clone(), true
		}
	}
	return Record{}, false
}

// Records returns a copy of every record, oldest first.
func (s *RegionServer) Records() []Record {
	s.settle()
	s.mu.RLock()
	defer s.mu.RUnlock()
	all := s.data.all()
	out := make([]Record, len(all))
	for i, e := range all {
		out[i] = e.rec.clone()
	}
	return out
}

// Count returns how many records the simulator holds.
func (s *RegionServer) Count() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.data.byID)
}

// Delete removes the record with id and reports whether it existed.
func (s *RegionServer) Delete(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data.byID[id]
	if ok {
		s.remove(e)
	}
	return ok
}

// SetStatus moves a record to st as SCNet would: Running sets startTime to
// now, Completed, Failed and Terminated set endTime to now, Waiting and
// Deploying clear both.
func (s *RegionServer) SetStatus(id string, st scnet.Status) error {
	if !validStatus(string(st)) {
		return fmt.Errorf("set status of %q: unknown status %q", id, st)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.data.byID[id]
	if !ok {
		return fmt.Errorf("set status: %w", &NotFoundError{ID: id})
	}
	s.setStatus(e, st)
	return nil
}

// setStatus moves e to st and re-indexes it, ending any pending restart
// (the caller that restarts sets a new one). Callers hold mu.
func (s *RegionServer) setStatus(e *entry, st scnet.Status) {
	s.forget(e.rec.ID)
	now := s.now().In(scnet.Beijing())
	r := e.rec.clone()
	r.Status = st
	switch {
	case st == scnet.StatusRunning:
		r.StartTime, r.EndTime = now, timeZero()
		if r.HeaderNotebookIP == "" {
			r.HeaderNotebookIP = fmt.Sprintf("10.16.%d.%d", s.rng.IntN(250)+1, s.rng.IntN(250)+1)
		}
	case st.Terminal():
		r.EndTime = now
		r.HeaderNotebookIP = ""
	default:
		r.StartTime, r.EndTime = timeZero(), timeZero()
		r.HeaderNotebookIP = ""
	}
	refreshTimes(&r, now)
	// A fresh entry starts without a cached encoding of the old state.
	s.data.replace(e, newEntry(r))
}

// KeepLive leaves exactly live of the region's instances live (Waiting,
// Deploying or Running): live ones beyond that become Completed, and
// Running ones are added when there are too few. Benchmarks use it to set
// a region's poll cost while its history stays.
func (s *RegionServer) KeepLive(live int) {
	n := 0
	for _, rec := range s.Records() {
		if !rec.Status.Live() {
			continue
		}
		if n < live {
			n++
			continue
		}
		// The record exists: Records just listed it, and nothing else
		// deletes while a benchmark sets up.
		_ = s.SetStatus(rec.ID, scnet.StatusCompleted)
	}
	for ; n < live; n++ {
		s.Add(Record{Name: fmt.Sprintf("live-%d", n), Status: scnet.StatusRunning})
	}
}
