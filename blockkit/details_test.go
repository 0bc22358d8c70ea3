package blockkit

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
)

// Whatever SCNet sends, the details view stays inside Block Kit's limits,
// keeps user text on its line and lets no markup through but its own links.
func FuzzDetails(f *testing.F) {
	f.Add("<!channel>\n• *fake* · Running", "6 核心; 2 加速器; 30.0G 内存", "4天12小时1分", "ssh://root:pw@h:30001", "https://u:p@h/lab?token=x", 3)
	f.Add("", "", "", "", "", 0)
	f.Fuzz(func(t *testing.T, name, spec, dur, url1, url2 string, n int) {
		in := &scnet.Instance{ID: name, Name: name, UserName: name, ResourceSpec: spec, Duration: dur, RemainingTime: dur,
			TimeoutLimit: dur, Description: name + spec, Status: scnet.Status(name)}
		for i := range min(max(n, 0), 30) {
			in.Ports = append(in.Ports, scnet.Port{Name: name, ContainerPort: scnet.FlexInt(i), Protocol: spec, AccessURL: []string{url1, url2}[i%2]})
			in.Mounts = append(in.Mounts, scnet.Mount{Source: name, Target: spec})
		}
		d := Details{Instance: in, Now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Location: time.UTC, AccessURL: []string{url1, url2}[n&1]}
		blocks, err := json.Marshal(d.Blocks())
		if err != nil {
			t.Fatal(err)
		}
		if vs := ValidateMessage(d.Fallback(), blocks); len(vs) > 0 {
			t.Fatalf("violations: %v", vs)
		}
		var doc any
		if err := json.Unmarshal(blocks, &doc); err != nil {
			t.Fatal(err)
		}
		for _, m := range mrkdwnOf(doc) {
			if rest := ownLink.ReplaceAllString(m, ""); strings.ContainsAny(rest, "<>") {
				t.Fatalf("mrkdwn carries markup scnetbot did not write: %q", m)
			}
		}
		s := string(blocks)
		// What the other fields carry may show; the URLs' secrets may not.
		shown := func(x string) bool { return strings.Contains(s, x) && !strings.Contains(name+spec+dur, x) }
		for _, raw := range []string{url1, url2} {
			u, err := url.Parse(strings.TrimSpace(raw))
			if err != nil {
				continue
			}
			if pw, ok := u.User.Password(); ok && shown(":"+pw+"@") {
				t.Fatalf("details show the password of %q: %s", raw, s)
			}
			if u.RawQuery != "" && shown("?"+u.RawQuery) {
				t.Fatalf("details show the query of %q: %s", raw, s)
			}
		}
	})
}

// ownLink is the one markup the details view writes: a link it built.
var ownLink = regexp.MustCompile(`<https?://[^|<> ]+\|open>`)

// mrkdwnOf returns the text of every mrkdwn object in a decoded document.
func mrkdwnOf(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if s, ok := x["text"].(string); ok && x["type"] == "mrkdwn" {
			out = append(out, s)
		}
		for _, c := range x {
			out = append(out, mrkdwnOf(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, mrkdwnOf(c)...)
		}
	}
	return out
}

// A region name is shown on the context line and in the fallback, escaped;
// none is shown when it is empty.
func TestDetailsRegion(t *testing.T) {
	in := &scnet.Instance{ID: "0123456789abcdef0123456789abcdef", Name: "train", Status: scnet.StatusRunning}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	d := Details{Instance: in, Now: now, Location: time.UTC, Region: "西北一区 <!here>"}
	b, err := json.Marshal(d.Blocks())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Region *西北一区 \\u0026lt;!here\\u0026gt;* · ") {
		t.Errorf("context line does not name the region escaped: %s", b)
	}
	if f := d.Fallback(); !strings.Contains(f, "train in 西北一区 &lt;!here&gt;:") {
		t.Errorf("fallback %q", f)
	}
	d.Region = ""
	b, _ = json.Marshal(d.Blocks())
	if strings.Contains(string(b), "Region") || strings.Contains(d.Fallback(), " in ") {
		t.Errorf("an empty region is shown: %s / %q", b, d.Fallback())
	}
}

// TestDetailsAccess: an http(s) access URL is an Open link button without
// its user info, query or fragment; an ssh one is the ssh command with no
// button; the caller's action buttons share the block with Open, before
// the context line.
func TestDetailsAccess(t *testing.T) {
	in := &scnet.Instance{ID: "0123456789abcdef0123456789abcdef", Name: "train", Status: scnet.StatusRunning}
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	restart := slack.NewButtonBlockElement("act.restart", "v", slack.NewTextBlockObject(slack.PlainTextType, "Restart", false, false))
	tests := []struct {
		name    string
		url     string
		actions []slack.BlockElement
		open    string   // the Open button's URL, "" for no button
		ids     []string // the action ids of the instance's actions block
		access  string   // the access section's text, "" for none
	}{
		{name: "nothing"},
		{name: "token in the query", url: "https://nb.example:8443/lab/tree?token=s3cret#frag", open: "https://nb.example:8443/lab/tree", ids: []string{OpenActionID}},
		{name: "user and password", url: " http://bob:pw@10.0.0.1:8888/ ", open: "http://10.0.0.1:8888/", ids: []string{OpenActionID}},
		{name: "with actions", url: "https://nb.example/", actions: []slack.BlockElement{restart}, open: "https://nb.example/", ids: []string{OpenActionID, "act.restart"}},
		{name: "actions only", actions: []slack.BlockElement{restart, nil}, ids: []string{"act.restart"}},
		{name: "ssh", url: "ssh://root:pw@ai01.example:30001", access: "*Access* `ssh -p 30001 root@ai01.example`"},
		{name: "ssh with actions", url: "ssh://root@ai01.example", actions: []slack.BlockElement{restart}, ids: []string{"act.restart"}, access: "*Access* `ssh root@ai01.example`"},
		{name: "script", url: "javascript:alert(1)"},
		{name: "relative", url: "/lab?token=x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Details{Instance: in, Now: now, Location: time.UTC, AccessURL: tt.url, Actions: tt.actions}
			blocks := d.Blocks()
			if _, ok := blocks[len(blocks)-1].(*slack.ContextBlock); !ok {
				t.Errorf("last block is a %T, want the context line", blocks[len(blocks)-1])
			}
			var open string
			var ids []string
			var access string
			for _, b := range blocks {
				switch b := b.(type) {
				case *slack.ActionBlock:
					if ids != nil {
						t.Error("more than one actions block")
					}
					ids = []string{}
					for _, e := range b.Elements.ElementSet {
						btn := e.(*slack.ButtonBlockElement)
						ids = append(ids, btn.ActionID)
						if btn.ActionID == OpenActionID {
							open = btn.URL
						}
					}
				case *slack.SectionBlock:
					if b.Text != nil && strings.HasPrefix(b.Text.Text, "*Access*") {
						access = b.Text.Text
					}
				}
			}
			if open != tt.open || access != tt.access || fmt.Sprint(ids) != fmt.Sprint(tt.ids) {
				t.Errorf("open %q, actions %v, access %q; want %q, %v, %q", open, ids, access, tt.open, tt.ids, tt.access)
			}
			raw, _ := json.Marshal(blocks)
			if vs := ValidateMessage(d.Fallback(), raw); len(vs) > 0 {
				t.Errorf("violations: %v", vs)
			}
			for _, secret := range []string{"s3cret", "frag", "bob", ":pw@"} {
				if strings.Contains(string(raw), secret) {
					t.Errorf("%q shown: %s", secret, raw)
				}
			}
		})
	}
}

// TestDetailsActionsCapped: more buttons than an actions block holds are
// cut at Block Kit's limit rather than making Slack refuse the message.
func TestDetailsActionsCapped(t *testing.T) {
	var many []slack.BlockElement
	for i := range 30 {
		many = append(many, slack.NewButtonBlockElement(fmt.Sprintf("act.%d", i), "v", slack.NewTextBlockObject(slack.PlainTextType, "x", false, false)))
	}
	d := Details{Instance: &scnet.Instance{Name: "x"}, Now: time.Unix(0, 0), Location: time.UTC, AccessURL: "https://h.example/", Actions: many}
	raw, _ := json.Marshal(d.Blocks())
	if vs := ValidateMessage(d.Fallback(), raw); len(vs) > 0 {
		t.Errorf("violations: %v", vs)
	}
}
