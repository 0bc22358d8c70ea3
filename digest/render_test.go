package digest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"scnetbot/blockkit"
	"scnetbot/i18n"
)

// TestRenderStaysWithinLimits: a digest of a huge, hostile day is still
// one valid message in both languages: few blocks, every section within
// 3,000 characters, long Chinese names cut by characters, every name
// escaped, and the lists say how much they left out.
func TestRenderStaysWithinLimits(t *testing.T) {
	loc := shanghai(t)
	to := time.Date(2026, 12, 2, 9, 30, 0, 0, loc)
	hostile := "<!channel> " + strings.Repeat("超长的中文实例名称", 40)
	r := Report{Day: "2026-12-02", From: to.Add(-Window), To: to, ExpiryWarn: DefaultExpiryWarn, ExpiryDefault: true,
		Incidents: Incidents{Opened: 500, Resolved: 400, StillOpen: 100,
			Longest: &OpenIncident{Name: hostile, Region: strings.Repeat("区", 200), Since: to.Add(-90 * 24 * time.Hour), AckedBy: "<!here>"}}}
	for i := range 300 {
		r.GPUs = append(r.GPUs, GroupGPUs{Region: strings.Repeat("西北一区", 20), Group: fmt.Sprintf("%s-%d", hostile, i), GPUs: 8, Instances: 1})
		r.Expiring = append(r.Expiring, Expiring{Name: hostile, Region: "华东一区", User: hostile, Left: time.Hour})
		r.Snoozes = append(r.Snoozes, LongSnooze{Name: hostile, Region: "华东一区", By: hostile, Since: to.Add(-48 * time.Hour), Until: to.Add(time.Hour)})
	}
	for i := range 5 {
		r.TopUsers = append(r.TopUsers, UserHours{User: fmt.Sprintf("%s%d", hostile, i), Hours: 1000})
	}
	for i := range 100 {
		r.Missing = append(r.Missing, fmt.Sprintf("%s%d", hostile, i))
		r.Partial = append(r.Partial, fmt.Sprintf("区域%d", i))
	}
	for _, l := range i18n.Languages() {
		text, blocks := Render(printer(l), r, loc)
		if vs := blockkit.ValidateMessage(text, blocks); len(vs) > 0 {
			t.Errorf("%s: %s", l, blockkit.Join(vs))
		}
		var bs []map[string]any
		if err := json.Unmarshal(blocks, &bs); err != nil {
			t.Fatal(err)
		}
		if len(bs) > blockkit.MaxBlocks {
			t.Errorf("%s: %d blocks", l, len(bs))
		}
		texts, err := blockkit.MrkdwnTexts(blocks)
		if err != nil {
			t.Fatal(err)
		}
		all := strings.Join(texts, "\n")
		if strings.Contains(all, "<!channel>") || strings.Contains(all, "<!here>") {
			t.Errorf("%s: an unescaped mention reached the digest", l)
		}
		if !strings.Contains(all, printer(l).N("DigestMore", 300-maxExpiring)) {
			t.Errorf("%s: the expiring list does not say how many it left out", l)
		}
		for _, s := range texts {
			if n := utf8.RuneCountInString(s); n > blockkit.MaxSectionText {
				t.Errorf("%s: a text of %d characters", l, n)
			}
		}
	}
}

// TestUserMentions: a Slack user id is mentioned; anything else a record
// holds is text.
func TestUserMentions(t *testing.T) {
	w := writer{p: printer(i18n.English)}
	for in, want := range map[string]string{
		"U0ACKER":    "<@U0ACKER>",
		"W123ABC":    "<@W123ABC>",
		"<!channel>": "&lt;!channel&gt;",
		"u0lower":    "u0lower",
		"":           "(unknown user)",
	} {
		if got := w.user(in); got != want {
			t.Errorf("user(%q) = %q, want %q", in, got, want)
		}
	}
}
