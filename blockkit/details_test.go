package blockkit

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

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
		d := Details{Instance: in, Now: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Location: time.UTC}
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
