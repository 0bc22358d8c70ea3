package home

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
	"scnetbot/state"
	"scnetbot/tracked"
)

// clock is a time the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// published is one views.publish the fake Slack received.
type published struct {
	User string
	View json.RawMessage
}

// fakeSlack is a Web API server speaking views.publish: it answers each
// call with the next scripted answer ("" is ok, "429:N" a rate limit with
// Retry-After N, anything else that error), then ok.
type fakeSlack struct {
	srv *httptest.Server
	mu  sync.Mutex
	got []published // the calls answered ok
	all int         // every call
	// answers are the scripted answers still to give.
	answers []string
}

func newFakeSlack(t *testing.T) *fakeSlack {
	f := &fakeSlack{}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSlack) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/views.publish" || r.Header.Get("Authorization") != "Bearer xoxb-test" {
		http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		UserID string          `json:"user_id"`
		View   json.RawMessage `json:"view"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.UserID == "" {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"ok":false,"error":"invalid_arguments"}`)
		return
	}
	f.mu.Lock()
	f.all++
	answer := ""
	if len(f.answers) > 0 {
		answer, f.answers = f.answers[0], f.answers[1:]
	}
	if answer == "" {
		f.got = append(f.got, published{req.UserID, req.View})
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case answer == "":
		_, _ = io.WriteString(w, `{"ok":true,"view":{"id":"V1","type":"home"}}`)
	case len(answer) > 4 && answer[:4] == "429:":
		w.Header().Set("Retry-After", answer[4:])
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
	default:
		b, _ := json.Marshal(map[string]any{"ok": false, "error": answer})
		_, _ = w.Write(b)
	}
}

// script queues answers for the next calls.
func (f *fakeSlack) script(answers ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.answers = append(f.answers, answers...)
}

// published returns the ok calls so far and how many calls there were.
func (f *fakeSlack) published() ([]published, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]published(nil), f.got...), f.all
}

func (f *fakeSlack) client() *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(f.srv.URL+"/api/"))
}

// openStore is a bbolt store in a temporary directory.
func openStore(t testing.TB) state.Store {
	t.Helper()
	st, err := state.Open(filepath.Join(t.TempDir(), "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// put writes records into a region's namespace ("" the root).
func put(t testing.TB, st state.Store, region string, ins []state.Instance, alerts []state.Alert, snoozes []state.Snooze) {
	t.Helper()
	if err := state.Namespace(st, region).Update(context.Background(), func(tx state.Tx) error {
		for _, in := range ins {
			if err := tx.PutInstance(in); err != nil {
				return err
			}
		}
		for _, a := range alerts {
			if err := tx.PutAlert(a); err != nil {
				return err
			}
		}
		for _, s := range snoozes {
			if err := tx.PutSnooze(s); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// regionHealth is a healthy watcher over the given regions (id, name
// pairs).
func regionHealth(at time.Time, idNames ...string) func(context.Context) (tracked.Health, error) {
	return func(context.Context) (tracked.Health, error) {
		h := tracked.Health{Enabled: true, Interval: time.Minute, LastPoll: at, LastSuccess: at}
		for i := 0; i+1 < len(idNames); i += 2 {
			h.Regions = append(h.Regions, tracked.RegionHealth{ID: idNames[i], Name: idNames[i+1], LastPoll: at, LastSuccess: at})
		}
		return h, nil
	}
}

func failed(id, name string) state.Instance {
	return state.Instance{ID: id, Name: name, Status: scnet.StatusFailed}
}

func itoa(i int) string { return strconv.Itoa(i) }
