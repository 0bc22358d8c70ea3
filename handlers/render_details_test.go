package handlers

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/regions"
	"scnetbot/scnet"
)

// fakeOperator is a regions.Operator that only knows access URLs and
// counts what it is asked.
type fakeOperator struct {
	url string
	err error

	mu    sync.Mutex
	asked []string
}

func (o *fakeOperator) Restart(context.Context, string) error { return errors.New("not in this test") }
func (o *fakeOperator) Stop(context.Context, string) error    { return errors.New("not in this test") }
func (o *fakeOperator) Delete(context.Context, string) error  { return errors.New("not in this test") }

func (o *fakeOperator) AccessURL(_ context.Context, id string) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.asked = append(o.asked, id)
	return o.url, o.err
}

func (o *fakeOperator) calls() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.asked)
}

// buttonsCall is one call of Config.ActionButtons.
type buttonsCall struct {
	region, id, name string
	st               scnet.Status
}

// fakeButtons is a Config.ActionButtons that draws one button per call
// and records its arguments.
type fakeButtons struct {
	mu  sync.Mutex
	got []buttonsCall
}

func (b *fakeButtons) fn(region, id, name string, st scnet.Status) []slack.BlockElement {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.got = append(b.got, buttonsCall{region, id, name, st})
	label := "Restart"
	if st == scnet.StatusRunning {
		label = "Stop"
	}
	return []slack.BlockElement{
		slack.NewButtonBlockElement("act."+strings.ToLower(label), "nonce-free", plain(label, 75)),
		slack.NewButtonBlockElement("act.delete", "nonce-free", plain("Delete…", 75)),
	}
}

func (b *fakeButtons) calls() []buttonsCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]buttonsCall(nil), b.got...)
}

// operatorRegion is the one region of l, acting through op.
func operatorRegion(l Lister, op regions.Operator) *regions.Set {
	return regions.Fixed(&regions.Region{ID: "default", Name: "SCNet", Client: listerClient{l}, Operator: op})
}

// detailsHandler serves fixtures(7) in one region with op and fb.
func detailsHandler(t *testing.T, op regions.Operator, fb *fakeButtons) (*Handler, []scnet.Instance) {
	t.Helper()
	f := &fakeLister{instances: fixtures(7)}
	cfg := Config{Location: testNow.Location(), Now: func() time.Time { return testNow }, QueryTimeout: 5 * time.Second}
	if fb != nil {
		cfg.ActionButtons = fb.fn
	}
	return New(operatorRegion(f, op), cfg), f.instances
}

// TestDetailsOpenAndActions: a running instance's details view has Open,
// leading to its access URL without the token, and the action buttons for
// its status, before the reply's own Back, Refresh and Share.
func TestDetailsOpenAndActions(t *testing.T) {
	op := &fakeOperator{url: "https://nb.ai01.example:8443/lab/tree?token=eyJsecret#x"}
	fb := &fakeButtons{}
	h, ins := detailsHandler(t, op, fb)
	running, failed := ins[0], ins[2]
	m := command(h, running.ID)
	assertGolden(t, "details_open_actions", m)
	if s := string(messageJSON(t, m)); strings.Contains(s, "eyJsecret") || strings.Contains(s, "token") {
		t.Errorf("the access URL's token is shown: %s", s)
	}
	btns := actionsOf(m)
	if b := btns[blockkit.OpenActionID]; b == nil || b.URL != "https://nb.ai01.example:8443/lab/tree" {
		t.Errorf("Open = %+v, want a link to the URL without its query", b)
	}
	for _, id := range []string{"act.stop", "act.delete", actionRefresh, actionShare} {
		if btns[id] == nil {
			t.Errorf("no %s button", id)
		}
	}
	if got := fb.calls(); len(got) != 1 || got[0] != (buttonsCall{"", running.ID, running.Name, scnet.StatusRunning}) {
		t.Errorf("ActionButtons called with %+v, want the one region's instance as \"\"", got)
	}
	assertGoldenZh(t, "details_open_actions", chinese().command(h, running.ID))

	// Not running: nothing to open, SCNet is not asked, the buttons fit
	// the status.
	m = command(h, failed.ID)
	if op.calls() != 1 {
		t.Errorf("access URL asked %d times, want once (for the running instance only)", op.calls())
	}
	btns = actionsOf(m)
	if btns[blockkit.OpenActionID] != nil || btns["act.restart"] == nil {
		t.Errorf("failed instance's buttons: %v", keys(btns))
	}
}

// TestDetailsWithoutOpen: no Open button where there is nothing to open or
// no way to ask; a failed fetch says so in the view, which is still shown.
func TestDetailsWithoutOpen(t *testing.T) {
	t.Run("fetch failed", func(t *testing.T) {
		op := &fakeOperator{err: errors.New("scnet: code 10001 https://nb.example/?token=leak")}
		h, ins := detailsHandler(t, op, nil)
		m := command(h, ins[0].ID)
		assertGolden(t, "details_access_failed", m)
		assertGoldenZh(t, "details_access_failed", chinese().command(h, ins[0].ID))
		s := string(messageJSON(t, m))
		if actionsOf(m)[blockkit.OpenActionID] != nil || !strings.Contains(s, "no Open link: SCNet did not give the access URL just now") {
			t.Errorf("want no Open and a note: %s", s)
		}
		if strings.Contains(s, "leak") || strings.Contains(s, "10001") {
			t.Errorf("SCNet's error text reaches Slack: %s", s)
		}
	})
	t.Run("ssh", func(t *testing.T) {
		h, ins := detailsHandler(t, &fakeOperator{url: "ssh://root:pw@ai01.example:30001"}, nil)
		m := command(h, ins[0].ID)
		s := string(messageJSON(t, m))
		if actionsOf(m)[blockkit.OpenActionID] != nil || !strings.Contains(s, "*Access* `ssh -p 30001 root@ai01.example`") || strings.Contains(s, ":pw@") {
			t.Errorf("want the ssh command and no Open: %s", s)
		}
	})
	t.Run("no operator", func(t *testing.T) {
		h, ins := detailsHandler(t, nil, nil)
		if m := command(h, ins[0].ID); actionsOf(m)[blockkit.OpenActionID] != nil {
			t.Error("Open shown for a region that cannot be asked")
		}
	})
	t.Run("shared", func(t *testing.T) {
		op, fb := &fakeOperator{url: "https://nb.example/"}, &fakeButtons{}
		h, ins := detailsHandler(t, op, fb)
		shared, err := click(h, command(h, ins[0].ID), actionShare)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(actionsOf(shared)); n != 0 {
			t.Errorf("the shared view has %d buttons, want none", n)
		}
		if op.calls() != 1 || len(fb.calls()) != 1 {
			t.Errorf("sharing asked SCNet %d times and drew buttons %d times, want only the private view's once", op.calls()-1, len(fb.calls())-1)
		}
	})
}

// TestDetailsActionButtonsNameTheRegion: with several regions the action
// buttons are told the instance's region.
func TestDetailsActionButtonsNameTheRegion(t *testing.T) {
	ls := threeRegions([3]int{2, 2, 2}, scnet.StatusFailed)
	fb := &fakeButtons{}
	h := newRegionsHandler(t, []Lister{ls[0], ls[1], ls[2]}, func(c *Config) { c.ActionButtons = fb.fn })
	in := ls[1].instances[0]
	command(h, in.ID)
	if got := fb.calls(); len(got) != 1 || got[0].region != testRegionNames[1].id || got[0].id != in.ID {
		t.Errorf("ActionButtons called with %+v, want region %q", got, testRegionNames[1].id)
	}
}

// TestOpenClickAnswersNothing: Slack opened the link; the click that
// arrives too gets no reply.
func TestOpenClickAnswersNothing(t *testing.T) {
	h, ins := detailsHandler(t, &fakeOperator{url: "https://nb.example/"}, nil)
	m := command(h, ins[0].ID)
	if !h.OwnsAction(blockkit.OpenActionID) {
		t.Fatal("the handlers do not own the Open button")
	}
	if got, err := click(h, m, blockkit.OpenActionID); err != nil || got != nil {
		t.Errorf("Open click → %+v, %v; want no reply", got, err)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestAccessURLIsCachedLikeTheLookup: the same details view shown again
// within the cache's TTL asks SCNet for the access URL once; Refresh asks
// again, as it does for the instance itself.
func TestAccessURLIsCachedLikeTheLookup(t *testing.T) {
	op := &fakeOperator{url: "https://nb.example/lab?token=x"}
	h, ins := detailsHandler(t, op, nil)
	running := ins[0]
	m := command(h, running.ID)
	command(h, running.ID)
	if op.calls() != 1 {
		t.Fatalf("two views within the TTL asked for the access URL %d times, want 1", op.calls())
	}
	ref, err := click(h, m, actionRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if op.calls() != 2 {
		t.Errorf("Refresh asked for the access URL %d times in all, want 2", op.calls())
	}
	if actionsOf(ref)[blockkit.OpenActionID] == nil {
		t.Error("the refreshed view lost its Open button")
	}
}
