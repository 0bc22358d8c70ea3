package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"scnetbot/internal/selfexec"
	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/internal/wait"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// demoList is a reply with a row button per instance and paging buttons,
// shaped as handlers renders a list.
func demoList() slackemu.Message {
	return slackemu.Message{Via: "response_url", Channel: "C0DEMO", TS: "1.000100", Blocks: json.RawMessage(`[
		{"type":"section","text":{"type":"mrkdwn","text":"🔴 *whisper-asr-36*  ·  Failed"},
		 "accessory":{"type":"button","action_id":"inst.details.0","text":{"type":"plain_text","text":"Details"}}},
		{"type":"section","text":{"type":"mrkdwn","text":"🔴 *whisper-asr-3*  ·  Failed"},
		 "accessory":{"type":"button","action_id":"inst.details.1","text":{"type":"plain_text","text":"Details"}}},
		{"type":"section","text":{"type":"mrkdwn","text":"🔴 *train-llm-7*  ·  Failed"},
		 "accessory":{"type":"button","action_id":"inst.details.2","text":{"type":"plain_text","text":"Details"}}},
		{"type":"actions","elements":[
		 {"type":"button","action_id":"list.prev","text":{"type":"plain_text","text":"◀ Prev"}},
		 {"type":"button","action_id":"list.next","text":{"type":"plain_text","text":"Next ▶"}},
		 {"type":"button","action_id":"list.refresh","text":{"type":"plain_text","text":":arrows_counterclockwise: Refresh"}},
		 {"type":"button","action_id":"list.share","text":{"type":"plain_text","text":"Share to channel"}}]}
	]`)}
}

// TestDemoFindsButtons: a typed label finds its button with emoji, arrows
// and letter case ignored, and Details takes a row number or a name.
func TestDemoFindsButtons(t *testing.T) {
	p := newPrinter(&strings.Builder{}, false)
	p.print(demoList())
	tests := []struct{ typed, want string }{
		{"Next ▶", "list.next"},
		{"Next", "list.next"},
		{"next", "list.next"},
		{"click NEXT", "list.next"},
		{"prev", "list.prev"},
		{"Refresh", "list.refresh"},
		{"🔄 Refresh", "list.refresh"},
		{"share to channel", "list.share"},
		{"Details", "inst.details.0"},
		{"Details 3", "inst.details.2"},
		{"details 2", "inst.details.1"},
		{"Details whisper-asr-3", "inst.details.1"}, // the whole name, not a prefix of row 1
		{"Details train-llm-7", "inst.details.2"},
		{"details TRAIN-LLM", "inst.details.2"},
	}
	for _, tt := range tests {
		_, b, err := p.find(tt.typed)
		if err != nil || b.ActionID != tt.want {
			t.Errorf("find(%q) = %q, %v; want %s", tt.typed, b.ActionID, err, tt.want)
		}
	}
	for _, tt := range []struct{ typed, want string }{
		{"Details 4", "has 3 Details buttons"},
		{"Details 0", "has 3 Details buttons"},
		{"Details nosuchname", `no Details button for "nosuchname"`},
		{"Acknowledge", `no button "Acknowledge"`},
	} {
		if _, b, err := p.find(tt.typed); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("find(%q) = %q, %v; want an error saying %q", tt.typed, b.ActionID, err, tt.want)
		}
	}
	// Details replaced the list: its Next button is gone.
	p.print(slackemu.Message{Via: "response_url", Channel: "C0DEMO", TS: "1.000100", Edits: 1, Blocks: json.RawMessage(`[
		{"type":"actions","elements":[{"type":"button","action_id":"inst.back","text":{"type":"plain_text","text":"◀ Back to list"}}]}]`)})
	if _, b, err := p.find("Next"); err == nil {
		t.Errorf("find(Next) = %q on a list that was replaced", b.ActionID)
	}
	if _, b, err := p.find("back to list"); err != nil || b.ActionID != "inst.back" {
		t.Errorf("find(back to list) = %q, %v", b.ActionID, err)
	}
}

// TestDemoPlainLabelsAndRows runs the binary: plain "next" and "refresh"
// click their buttons, "Details 3" opens the third row, and a command the
// app does not declare is refused rather than answered as /instances.
func TestDemoPlainLabelsAndRows(t *testing.T) {
	stdout, stderr, code := selfexec.Run(t, "/foo\n/instances running\nnext\nrefresh\nDetails 3\n", "--fail-every", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	if !strings.Contains(stdout, "demo: unknown command /foo: this app has only /instances") {
		t.Errorf("/foo was not refused:\n%s", stdout)
	}
	if strings.Contains(stdout, "no button") {
		t.Fatalf("a typed label found no button:\n%s", stdout)
	}
	if n := strings.Count(stdout, "reply, replacing the previous one"); n < 2 {
		t.Errorf("%d replies replaced the list, want next and refresh to:\n%s", n, stdout)
	}
	// The replies, without the watcher's posts to the alert channel. The
	// last is what Details 3 opened; the one before, the refreshed page 2,
	// whose rows read "│ 🟢 *name*  ·  Running …".
	var replies []string
	for _, m := range strings.Split(stdout, "┌─ ")[1:] {
		if strings.HasPrefix(m, "reply") {
			replies = append(replies, m)
		}
	}
	if len(replies) < 2 {
		t.Fatalf("%d replies:\n%s", len(replies), stdout)
	}
	list, details := replies[len(replies)-2], replies[len(replies)-1]
	rows := regexp.MustCompile(`(?m)^│ \S+ \*([^*]+)\*`).FindAllStringSubmatch(list, -1)
	if !strings.Contains(list, "Page 2 of") || len(rows) < 3 {
		t.Fatalf("the reply before Details is not page 2 with 3 rows or more:\n%s", list)
	}
	first, third := rows[0][1], rows[2][1]
	if !strings.Contains(details, third) || (!strings.Contains(third, first) && strings.Contains(details, first)) || strings.Contains(details, "Page 2 of") {
		t.Errorf("Details 3 did not open row 3 (%s):\n%s", third, details)
	}
}

func TestDemoFlags(t *testing.T) {
	stdout, stderr, code := selfexec.Run(t, "", "-h")
	if code != 0 || !strings.Contains(stdout, "-instances") {
		t.Errorf("demo -h: exit %d, stdout %q, stderr %q; want 0 and the flags", code, stdout, stderr)
	}
	stdout, stderr, code = selfexec.Run(t, "", "--lang", "zh", "-h")
	if code != 0 || !strings.Contains(stdout, "用法：go run ./demo [参数]") || !strings.Contains(stdout, "-lang") {
		t.Errorf("demo --lang zh -h: exit %d, stdout %q, stderr %q; want 0 and the usage in Chinese", code, stdout, stderr)
	}
	for _, args := range [][]string{
		{"--instances", "-5"}, {"--fail-every", "-1s"}, {"--watch-interval", "0"}, {"--nosuchflag"}, {"--lang", "fr"},
	} {
		_, stderr, code := selfexec.Run(t, "", args...)
		if code != 2 || strings.Contains(stderr, "panic") || !strings.Contains(stderr, strings.TrimLeft(args[0], "-")) {
			t.Errorf("demo %v: exit %d, stderr:\n%s\nwant exit 2 and a message naming the flag", args, code, stderr)
		}
	}
}

// TestDemoCtrlC: an interrupt ends the demo cleanly even while it waits
// for the next line.
func TestDemoCtrlC(t *testing.T) {
	cmd := selfexec.Command(nil)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()
	var out, errb syncbuf.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if _, err := stdin.Write([]byte("/instances help\n")); err != nil {
		t.Fatal(err)
	}
	wait.Until(t, "the help reply", func() bool { return strings.Contains(out.String(), "How to use /instances") })
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-timeout(t, 60e9).Done():
		_ = cmd.Process.Kill()
		t.Fatalf("demo did not exit after SIGINT; stdout:\n%s", out.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("demo exited %d after SIGINT, want 0\nstderr:\n%s", code, errb.String())
	}
}

// TestDemoTwoRegions runs the binary: its first reply already lists the
// instances of both simulated regions, each named by its region, and
// fail <name> fails an instance of the second region, which a listing of
// that region then shows Failed.
func TestDemoTwoRegions(t *testing.T) {
	// The demo's simulated account: its regions, its seed, the default
	// -instances.
	sim := scnettest.New(scnettest.WithRegions(), scnettest.WithInstances(500, 42))
	defer sim.Close()
	first, second := sim.Region(scnettest.KunshanClusterID), sim.Region(scnettest.XianClusterID)
	var victim scnettest.Record
	for _, r := range second.Records() {
		if _, elsewhere := first.FindByName(r.Name); r.Status == scnet.StatusRunning && !elsewhere {
			victim = r
			break
		}
	}
	if victim.ID == "" {
		t.Fatal("the second region has no running instance of its own name")
	}
	stdout, stderr, code := selfexec.Run(t, "/instances running\nfail "+victim.Name+"\n/instances failed region:西北 "+victim.Name+"\n", "--fail-every", "0")
	if code != 0 {
		t.Fatalf("demo exited %d\nstderr:\n%s", code, stderr)
	}
	replies := strings.Split(stdout, "┌─ reply")[1:]
	if len(replies) != 2 {
		t.Fatalf("%d replies, want 2:\n%s", len(replies), stdout)
	}
	for _, name := range []string{first.Name(), second.Name()} {
		if !strings.Contains(replies[0], "📍 "+name) {
			t.Errorf("the first reply names no row of %s:\n%s", name, replies[0])
		}
	}
	if !strings.Contains(stdout, "SCNet: "+victim.Name+" in "+second.Name()+" is now Failed") {
		t.Errorf("fail %s did not fail it in %s:\n%s", victim.Name, second.Name(), stdout)
	}
	if !strings.Contains(replies[1], "*"+victim.Name+"*  ·  Failed") || strings.Contains(replies[1], first.Name()) {
		t.Errorf("the failed listing of %s lacks %s:\n%s", second.Name(), victim.Name, replies[1])
	}
}
