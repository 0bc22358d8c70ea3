package scnettest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"scnetbot/scnet"
)

// TestConcurrentRequestsWhileStepping runs readers against every mutation at
// once; under -race it proves the locking, and each answer must stay
// consistent with its own filter.
func TestConcurrentRequestsWhileStepping(t *testing.T) {
	s := newServer(t, WithInstances(2000, 5))
	tok := s.Token()
	ctx, cancel := context.WithCancel(context.Background())
	var writers sync.WaitGroup
	writers.Add(1)
	go func() {
		defer writers.Done()
		for i := 0; ctx.Err() == nil; i++ {
			s.Step()
			r := s.Add(Record{Name: fmt.Sprintf("concurrent-%d", i)})
			_ = s.SetStatus(r.ID, scnet.StatusRunning)
			if i%2 == 0 {
				s.Delete(r.ID)
			}
			s.Records()
		}
	}()
	var readers sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := range 40 {
				st := scnet.Statuses()[(w+i)%len(scnet.Statuses())]
				body, _ := json.Marshal(map[string]any{"status": st, "limit": 100, "start": i % 3})
				a, err := tryDo(context.Background(), http.MethodGet, listURL(s), tok, nil, body)
				if err != nil || a.Code != CodeOK {
					errs <- fmt.Errorf("list %s: %v code %q", st, err, a.Code)
					return
				}
				var page []item
				if err := json.Unmarshal(a.Data, &page); err != nil {
					errs <- err
					return
				}
				for _, it := range page {
					if it.Status != string(st) {
						errs <- fmt.Errorf("filter %s returned %s %s", st, it.ID, it.Status)
						return
					}
				}
				if len(page) > 0 {
					d, err := tryDo(context.Background(), http.MethodGet, detailURL(s, page[0].ID), tok, nil, nil)
					if err != nil || (d.Code != CodeOK && d.Code != CodeInvalidParams) {
						errs <- fmt.Errorf("detail: %v code %q", err, d.Code)
						return
					}
				}
			}
		}()
	}
	readers.Wait()
	cancel()
	writers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The indexes must still agree with the records.
	byStatus := map[scnet.Status]int{}
	for _, r := range s.Records() {
		byStatus[r.Status]++
	}
	for _, st := range scnet.Statuses() {
		a := listBody(t, s, tok, map[string]any{"status": st, "limit": 1})
		if *a.Total != byStatus[st] {
			t.Errorf("status %s: list total %d, records %d", st, *a.Total, byStatus[st])
		}
	}
}
