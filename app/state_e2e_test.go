package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"scnetbot/config"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/state/statetest"
)

// TestE2ECorruptStateKeepsCommandsUp: a state file with a corrupt page
// (bbolt panics on it) or one bbolt cannot read at all does not take the
// process down. Slash commands are still answered, /instances watch
// answers too, and /readyz says 503 and why.
func TestE2ECorruptStateKeepsCommandsUp(t *testing.T) {
	for _, tt := range []struct {
		name    string
		corrupt func(t *testing.T, path, id string)
	}{
		{"corrupt page", func(t *testing.T, path, id string) { statetest.CorruptPage(t, path, id) }},
		{"not a state file", func(t *testing.T, path, _ string) {
			if err := os.WriteFile(path, bytes.Repeat([]byte("garbage "), 1024), 0o600); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) { corruptStateKeepsCommandsUp(t, tt.corrupt) })
	}
}

func corruptStateKeepsCommandsUp(t *testing.T, corrupt func(t *testing.T, path, id string)) {
	e := newE2E(t, 60, func(c *config.Config) {
		c.WatchChannel = "C0ALERTS"
		c.WatchInterval.D = 150 * time.Millisecond
	})
	wait.Until(t, "baseline poll", func() bool {
		h, err := e.app.group.Health(context.Background())
		return err == nil && !h.LastSuccess.IsZero()
	})
	e.shutdown()
	var victim string
	for _, r := range e.sim.Records() {
		if r.Status == scnet.StatusRunning {
			victim = r.ID
			break
		}
	}
	corrupt(t, e.cfg.StatePath, victim)

	e = startBot(t, e.sim, e.emu, e.cfg)
	ready := func() (int, []string) {
		resp, err := http.Get("http://" + e.app.httpAddr + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		var rep struct{ Problems []string }
		_ = json.Unmarshal(b, &rep)
		return resp.StatusCode, rep.Problems
	}
	wait.Until(t, "readyz naming the unusable state", func() bool {
		code, problems := ready()
		return code == http.StatusServiceUnavailable && len(problems) == 1 &&
			strings.HasPrefix(problems[0], "watcher state unusable: ")
	})
	_, reply := e.command("running")
	mustContain(t, reply, "Running")
	_, watch := e.command("watch")
	mustContain(t, watch, "C0ALERTS")
	select {
	case err := <-e.done:
		t.Fatalf("Run ended over a corrupt state file: %v", err)
	default:
	}
}
