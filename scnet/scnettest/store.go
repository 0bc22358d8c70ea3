package scnettest

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"scnetbot/scnet"
)

// entry is one stored record with what serving it needs precomputed: the
// lower-cased name for the substring filter and, once a list page has
// needed it, the record's encoded JSON.
type entry struct {
	rec   Record
	lname string
	// seq orders records created in the same second the way they were
	// added, as SCNet's own ids and clock would.
	seq uint64
	// enc is filled lazily by readers holding only the read lock, hence
	// atomic; writers reset it under the write lock whenever rec changes.
	enc atomic.Pointer[[]byte]
}

func newEntry(r Record) *entry {
	// Cloned so the name sits next to its entry: the name filter scans
	// every entry, and locality decides its speed.
	return &entry{rec: r, lname: strings.Clone(strings.ToLower(r.Name))}
}

// listJSON returns the record as the list endpoint writes it. The cached
// copy is sized exactly: 100,000 cached records would otherwise keep half
// again as much memory in spare capacity.
func (e *entry) listJSON(scratch *sync.Pool) []byte {
	if b := e.enc.Load(); b != nil {
		return *b
	}
	buf := scratch.Get().(*[]byte)
	*buf = e.rec.appendJSON((*buf)[:0], false)
	b := bytes.Clone(*buf)
	scratch.Put(buf)
	e.enc.Store(&b)
	return b
}

// indexKey names one sorted view of the records: all of them (zero key), one
// status, one task type, or one status and task type.
type indexKey struct {
	status   scnet.Status
	taskType scnet.TaskType
}

func keysOf(r *Record) [4]indexKey {
	return [4]indexKey{
		{},
		{status: r.Status},
		{taskType: r.TaskType},
		{status: r.Status, taskType: r.TaskType},
	}
}

// store keeps every record in slices sorted by createTime (then id), one per
// index key, so a page filtered by status and task type is a slice of a
// slice rather than a scan. Callers hold RegionServer.mu.
type store struct {
	byID    map[string]*entry
	index   map[indexKey][]*entry
	nextSeq uint64
	// scratch holds *[]byte buffers for encoding records.
	scratch sync.Pool
}

func newStore() *store {
	return &store{
		byID:  map[string]*entry{},
		index: map[indexKey][]*entry{},
		scratch: sync.Pool{New: func() any {
			b := make([]byte, 0, 4096)
			return &b
		}},
	}
}

func compareEntries(a, b *entry) int {
	if c := a.rec.CreateTime.Compare(b.rec.CreateTime); c != 0 {
		return c
	}
	return cmp.Compare(a.seq, b.seq)
}

// load replaces the contents with es, sorting once instead of inserting one
// by one. Records with the same create time keep their order in es.
func (st *store) load(es []*entry) {
	slices.SortStableFunc(es, func(a, b *entry) int { return a.rec.CreateTime.Compare(b.rec.CreateTime) })
	for _, e := range es {
		st.nextSeq++
		e.seq = st.nextSeq
	}
	st.byID = make(map[string]*entry, len(es))
	st.index = map[indexKey][]*entry{}
	for _, e := range es {
		st.byID[e.rec.ID] = e
		for _, k := range keysOf(&e.rec) {
			st.index[k] = append(st.index[k], e)
		}
	}
}

// insert adds a new record after every other one of the same create time.
func (st *store) insert(e *entry) {
	st.nextSeq++
	e.seq = st.nextSeq
	st.byID[e.rec.ID] = e
	for _, k := range keysOf(&e.rec) {
		s := st.index[k]
		i, _ := slices.BinarySearchFunc(s, e, compareEntries)
		st.index[k] = slices.Insert(s, i, e)
	}
}

func (st *store) remove(e *entry) {
	delete(st.byID, e.rec.ID)
	for _, k := range keysOf(&e.rec) {
		s := st.index[k]
		if i, ok := slices.BinarySearchFunc(s, e, compareEntries); ok {
			st.index[k] = slices.Delete(s, i, i+1)
		}
	}
}

// replace swaps old for nu, which has the same id and create time and takes
// old's place in every order. Views
// both belong to are updated in place, so a status change does not shift
// the 100,000-entry view of all records.
func (st *store) replace(old, nu *entry) {
	nu.seq = old.seq
	st.byID[nu.rec.ID] = nu
	oldKeys, newKeys := keysOf(&old.rec), keysOf(&nu.rec)
	for _, k := range oldKeys {
		s := st.index[k]
		i, ok := slices.BinarySearchFunc(s, old, compareEntries)
		if !ok {
			continue
		}
		if slices.Contains(newKeys[:], k) {
			s[i] = nu
		} else {
			st.index[k] = slices.Delete(s, i, i+1)
		}
	}
	for _, k := range newKeys {
		if slices.Contains(oldKeys[:], k) {
			continue
		}
		s := st.index[k]
		i, _ := slices.BinarySearchFunc(s, nu, compareEntries)
		st.index[k] = slices.Insert(s, i, nu)
	}
}

func (st *store) all() []*entry { return st.index[indexKey{}] }

// candidates returns the smallest sorted view that holds every record
// matching status and task type ("" matches any).
func (st *store) candidates(status scnet.Status, taskType scnet.TaskType) []*entry {
	return st.index[indexKey{status: status, taskType: taskType}]
}
