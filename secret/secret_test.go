package secret

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	const canary = "SECRET-CANARY-91b2"
	sec := Secret(canary)
	cfg := struct {
		User string
		Key  Secret
	}{"alice", sec}
	var buf bytes.Buffer
	js, _ := json.Marshal(cfg)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("cfg", "key", sec, "cfg", cfg)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("cfg", "key", sec, "cfg", cfg)
	outs := []string{
		fmt.Sprint(sec), fmt.Sprintf("%s|%v|%+v|%#v|%q|%x|%X|%10s|%d", sec, sec, sec, sec, sec, sec, sec, sec, sec),
		fmt.Sprintf("%v|%+v|%#v", cfg, cfg, cfg), string(js), buf.String(), sec.String(), sec.GoString(),
	}
	for _, o := range outs {
		if strings.Contains(o, canary) {
			t.Errorf("secret printed: %s", o)
		}
	}
	if !strings.Contains(outs[1], Redacted) {
		t.Errorf("expected *** in %s", outs[1])
	}
	if sec.Reveal() != canary {
		t.Error("Reveal must return the real value")
	}
}
