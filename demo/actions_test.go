package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"scnetbot/internal/slackemu"
	"scnetbot/internal/syncbuf"
	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// runActions runs the demo in this process over script, so the test can
// ask the simulated SCNet what it received, and returns the transcript.
func runActions(t *testing.T, script string) (string, *scnettest.Server) {
	t.Helper()
	return runActionsWith(t, nil, script)
}

// runActionsWith is runActions with more flags.
func runActionsWith(t *testing.T, flags []string, script string) (string, *scnettest.Server) {
	t.Helper()
	var out, errb syncbuf.Buffer
	var sim *scnettest.Server
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := runDemoWith(ctx, append([]string{"--fail-every", "0", "--watch-interval", "1s"}, flags...), strings.NewReader(script), &out, &errb,
		func(s *scnettest.Server) { sim = s })
	if err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errb.String())
	}
	return out.String(), sim
}

// demoInstance finds, in the demo's simulated account (its regions, its
// seed, the default -instances), an instance in status st whose name no
// other instance has, so a command by name finds it alone.
func demoInstance(t *testing.T, st scnet.Status) (region string, r scnettest.Record) {
	t.Helper()
	sim := scnettest.New(scnettest.WithRegions(), scnettest.WithInstances(500, 42))
	defer sim.Close()
	rs := usable(sim)
	for _, reg := range rs {
		for _, rec := range reg.Records() {
			if rec.Status != st || strings.ContainsAny(rec.Name, " *") {
				continue
			}
			same := 0
			for _, other := range rs {
				for _, o := range other.Records() {
					if o.Name == rec.Name {
						same++
					}
				}
			}
			if same == 1 {
				return reg.Name(), rec
			}
		}
	}
	t.Fatalf("no %s instance of its own name in the demo's account", st)
	return "", scnettest.Record{}
}

// after is the transcript from the first line that holds mark on.
func after(t *testing.T, transcript, mark string) string {
	t.Helper()
	i := strings.Index(transcript, mark)
	if i < 0 {
		t.Fatalf("the transcript lacks %q:\n%s", mark, transcript)
	}
	return transcript[i:]
}

// TestDemoRestartWithConfirm: an instance fails, its alert offers Restart,
// the prompt's Restart shows Slack's confirm dialog; cancel sends nothing,
// confirm restarts it once.
func TestDemoRestartWithConfirm(t *testing.T) {
	cluster, victim := demoInstance(t, scnet.StatusRunning)
	out, sim := runActions(t, "fail "+victim.Name+"\nRestart\nRestart\nwhat\ncancel\nRestart\nconfirm\n")
	rest := after(t, out, "▌Failed: "+victim.Name)
	rest = after(t, rest, "│ Restart *"+victim.Name+"*")
	rest = after(t, rest, "┌─ Slack's confirm dialog: Restart this instance?")
	if !strings.Contains(rest, "│ Restart "+victim.Name+" in ") || !strings.Contains(rest, "│ [Back] [Restart]") {
		t.Errorf("the dialog does not show its text and buttons:\n%s", rest)
	}
	rest = after(t, rest, `"what" does not answer the dialog, which is still open: type confirm to press Restart, or cancel to press Back`)
	rest = after(t, rest, "Pressed Back: Slack closed the dialog and sent scnetbot nothing")
	// Between Back and the dialog shown again, the bot said nothing.
	again := strings.Index(rest, "┌─ Slack's confirm dialog")
	if again < 0 {
		t.Fatalf("Restart did not show the dialog again:\n%s", rest)
	}
	if strings.Contains(rest[:again], "┌─ reply") {
		t.Errorf("the bot replied to a cancelled dialog:\n%s", rest[:again])
	}
	done := after(t, rest[again:], "┌─ reply, replacing the previous one")
	if !strings.Contains(done, "✅ Restart requested by @U0DEMO for *"+victim.Name+"*") {
		t.Errorf("confirm did not restart %s:\n%s", victim.Name, done)
	}
	if n := sim.Region(cluster).ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet received %d restarts, want 1", n)
	}
}

// TestDemoDeleteThroughModal: /instances delete opens the modal, cancel
// closes it; Delete on a failed instance's details opens it again, a wrong
// name keeps it open with the bot's error, the right name deletes once.
func TestDemoDeleteThroughModal(t *testing.T) {
	cluster, victim := demoInstance(t, scnet.StatusFailed)
	out, sim := runActions(t, "/instances delete "+victim.Name+"\ncancel\n/instances failed "+victim.Name+
		"\nDetails\nDelete\n"+victim.Name+"x\n"+victim.Name+"\n")
	rest := after(t, out, "Opened the delete dialog for *"+victim.Name+"*")
	rest = after(t, rest, "┌─ modal: Delete instance")
	for _, want := range []string{"Type its name below to confirm: *" + victim.Name + "*", "│ Type its name to confirm: [", "│ [Cancel] [Delete]",
		"(demo) Type the modal's input (Type its name to confirm) to press Delete, or cancel to close it"} {
		if !strings.Contains(rest, want) {
			t.Errorf("the modal lacks %q:\n%s", want, rest)
		}
	}
	rest = after(t, rest, "Closed the modal: Slack sent scnetbot nothing")
	rest = after(t, rest, "│ ▌"+victim.Name)
	rest = after(t, rest, "┌─ modal: Delete instance")
	rest = after(t, rest, `shows under "Type its name to confirm": Type the instance's name exactly: `+victim.Name)
	if strings.Contains(rest[:strings.Index(rest, "Pressed Delete")], "┌─ reply") {
		t.Errorf("the bot replied to a wrong name:\n%s", rest)
	}
	rest = after(t, rest, "Pressed Delete: the modal closed")
	if !strings.Contains(rest, "✅ Delete requested by @U0DEMO for *"+victim.Name+"*") {
		t.Errorf("the right name did not delete %s:\n%s", victim.Name, rest)
	}
	if n := sim.Region(cluster).ActionCount(scnettest.ActionDelete); n != 1 {
		t.Errorf("SCNet received %d deletes, want 1", n)
	}
}

// TestDemoRestartByCommand: /instances restart <name> answers the prompt,
// whose Restart is confirmed in Slack's dialog.
func TestDemoRestartByCommand(t *testing.T) {
	cluster, victim := demoInstance(t, scnet.StatusFailed)
	out, sim := runActions(t, "confirm\n/instances restart "+victim.Name+"\nRestart\nconfirm\n")
	if !strings.Contains(out, "demo: no dialog is open: confirm and cancel answer Slack's confirm dialog") {
		t.Errorf("confirm with no dialog open is not explained:\n%s", out)
	}
	rest := after(t, out, "│ Restart *"+victim.Name+"*")
	rest = after(t, rest, "┌─ Slack's confirm dialog: Restart this instance?")
	if !regexp.MustCompile(`✅ Restart requested by @U0DEMO for \*` + regexp.QuoteMeta(victim.Name) + `\* in \*[^*]+\*: SCNet is bringing it up`).MatchString(rest) {
		t.Errorf("confirm did not restart %s:\n%s", victim.Name, rest)
	}
	if n := sim.Region(cluster).ActionCount(scnettest.ActionRestart); n != 1 {
		t.Errorf("SCNet received %d restarts, want 1", n)
	}
}

// TestDemoOpenIsALink: Open, a link button, is shown with its URL and not
// clicked.
func TestDemoOpenIsALink(t *testing.T) {
	var w strings.Builder
	p := newPrinter(&w, false)
	p.print(slackemu.Message{Via: "response_url", Channel: demoChannel, TS: "1.000200", Blocks: json.RawMessage(`[
		{"type":"actions","elements":[
		 {"type":"button","action_id":"inst.open","url":"https://ai01.scnet.cn:65011/ai/x/","text":{"type":"plain_text","text":":link: Open","emoji":true}},
		 {"type":"button","action_id":"act.restart","value":"v","text":{"type":"plain_text","text":"Restart"}}]}]`)})
	msg, b, err := p.find("open")
	if err != nil {
		t.Fatal(err)
	}
	d := &demoSession{p: p} // no emulator: a click would panic
	if err := d.press(context.Background(), msg, b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(w.String(), "(demo) 🔗 Open is a link: Slack opens https://ai01.scnet.cn:65011/ai/x/ in your browser (the demo does not)") {
		t.Errorf("Open printed:\n%s", w.String())
	}
}
