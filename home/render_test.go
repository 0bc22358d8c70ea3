package home

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"scnetbot/blockkit"
	"scnetbot/i18n"
	"scnetbot/internal/golden"
	"scnetbot/scnet"
)

// now is the tests' clock: 2026-12-02 09:48 in Shanghai.
var now = time.Date(2026, 12, 2, 1, 48, 0, 0, time.UTC)

func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// longChinese is a name longer than any line may show, with markup that
// must not ping anyone.
const longChinese = "训练任务<!channel>大规模预训练语言模型第三阶段多机多卡分布式训练实验组合并检查点验证与评估流水线正式版本备份二号" +
	"训练任务大规模预训练语言模型第三阶段多机多卡分布式训练实验组合并检查点验证与评估流水线正式版本备份二号"

func healthy() Health {
	return Health{Interval: time.Minute, LastPoll: now.Add(-20 * time.Second), LastSuccess: now.Add(-20 * time.Second)}
}

// busy is a multi-region overview with more incidents and snoozes than the
// tab shows.
func busy() Overview {
	o := Overview{Watching: true, Health: healthy()}
	o.Health.Failing, o.Health.FailingRegions = true, []string{"华东一区【昆山】"}
	o.Health.PendingAlerts = 3
	o.Regions = []RegionCounts{
		{ID: "r1", Name: "西北一区【西安】", Counts: []StatusCount{{scnet.StatusFailed, 30}, {scnet.StatusRunning, 1200}, {scnet.StatusWaiting, 4}, {scnet.StatusCompleted, 800}}},
		{ID: "r2", Name: "华东一区【昆山】", Counts: []StatusCount{{scnet.StatusFailed, 10}, {scnet.StatusRunning, 900}, {scnet.StatusTerminated, 55}, {"Suspended", 1}}},
		{ID: "r3", Name: "华南一区", Counts: nil},
	}
	for i := range 40 {
		inc := Incident{AlertID: fmt.Sprintf("a%d", i), InstanceID: fmt.Sprintf("inst-%04d", i),
			Name: fmt.Sprintf("train-job-%d", i), Status: scnet.StatusFailed, Region: "西北一区【西安】",
			Opened: now.Add(-time.Duration(i+1) * 7 * time.Minute)}
		if i%3 == 0 {
			inc.AckedBy = "U0ONCALL"
		}
		switch i {
		case 0:
			inc.Name = longChinese
		case 1:
			inc.Status, inc.Region = scnet.StatusTerminated, "华东一区【昆山】"
		case 2:
			inc.Name = ""
		}
		o.Incidents = append(o.Incidents, inc)
	}
	for i := range 12 {
		s := Snooze{InstanceID: fmt.Sprintf("inst-%04d", 100+i), Name: fmt.Sprintf("notebook-%d", i), Region: "华东一区【昆山】",
			Until: now.Add(time.Duration(i+1) * time.Hour), By: "U0ALICE"}
		if i == 0 {
			s.Name = longChinese
		}
		o.Snoozes = append(o.Snoozes, s)
	}
	return o
}

func cases() map[string]Overview {
	outage := Overview{Watching: true, Health: healthy()}
	outage.Health.Outage, outage.Health.Failing = true, true
	outage.Health.LastSuccess = now.Add(-14 * time.Minute)
	outage.Health.TokenExpiresAt = now.Add(5*time.Hour + 12*time.Minute)
	outage.Regions = []RegionCounts{{ID: "default", Name: "api.scnet.cn", Counts: []StatusCount{{scnet.StatusFailed, 1}, {scnet.StatusRunning, 7}}}}
	outage.Incidents = []Incident{{AlertID: "a1", InstanceID: "inst-1", Name: "推理服务-生产", Status: scnet.StatusFailed,
		Region: "api.scnet.cn", Opened: now.Add(-14 * time.Minute), AckedBy: "U0BOB"}}

	trouble := Overview{Watching: true, StoreTrouble: true, Health: healthy()}
	trouble.Health.StateTrouble = true
	trouble.Health.TokenExpiresAt = now.Add(-time.Hour)
	trouble.Regions = []RegionCounts{{ID: "default"}}

	starting := Overview{Watching: true, Health: Health{Interval: time.Minute, LastPoll: now.Add(-5 * time.Second)},
		Regions: []RegionCounts{{ID: "default"}}}

	return map[string]Overview{
		"empty":    {Watching: true, Health: healthy(), Regions: []RegionCounts{{ID: "default", Name: "api.scnet.cn"}}},
		"busy":     busy(),
		"off":      {},
		"outage":   outage,
		"trouble":  trouble,
		"starting": starting,
		"unknown":  {Watching: true, Health: Health{Unknown: true}},
	}
}

func viewJSON(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	// slack-go's blocks marshal themselves with HTML escaping; undone
	// here so the golden files show the characters Slack receives.
	out := b.Bytes()
	for esc, c := range map[string]string{`\u003c`: "<", `\u003e`: ">", `\u0026`: "&"} {
		out = bytes.ReplaceAll(out, []byte(esc), []byte(c))
	}
	return out
}

// checkView fails for a view Slack would refuse, or one that lets a name
// ping a channel.
func checkView(t *testing.T, raw []byte) {
	t.Helper()
	var v struct {
		Type   string          `json:"type"`
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v.Type != "home" {
		t.Errorf("view type %q", v.Type)
	}
	var blocks []json.RawMessage
	if err := json.Unmarshal(v.Blocks, &blocks); err != nil {
		t.Fatal(err)
	}
	// A Home tab takes 100 blocks; Validate holds it to a message's 50.
	if len(blocks) > 100 {
		t.Errorf("%d blocks", len(blocks))
	}
	if vs := blockkit.Validate(v.Blocks); len(vs) > 0 {
		t.Errorf("view breaks Block Kit limits: %s", blockkit.Join(vs))
	}
	if bytes.Contains(raw, []byte("<!channel>")) {
		t.Error("a name's <!channel> reached the view unescaped")
	}
}

func TestRenderGolden(t *testing.T) {
	cat := i18n.MustLoad()
	loc := shanghai(t)
	for name, o := range cases() {
		for _, l := range i18n.Languages() {
			file := name + ".golden"
			if l == i18n.Chinese {
				file = name + ".zh.golden"
			}
			t.Run(name+"/"+string(l), func(t *testing.T) {
				raw := viewJSON(t, Render(cat.Printer(l), o, now, loc))
				checkView(t, raw)
				golden.Assert(t, file, raw)
			})
		}
	}
}

// TestRenderBusy checks what the busy tab must show whatever the wording:
// the cap, who acknowledged, the truncated long name.
func TestRenderBusy(t *testing.T) {
	cat := i18n.MustLoad()
	for _, l := range i18n.Languages() {
		raw := string(viewJSON(t, Render(cat.Printer(l), busy(), now, shanghai(t))))
		for _, want := range []string{"<@U0ONCALL>", "inst-0014", "&lt;!channel&gt;", "25", "…"} {
			if !strings.Contains(raw, want) {
				t.Errorf("%s: the busy tab lacks %q", l, want)
			}
		}
		if strings.Contains(raw, "inst-0015") {
			t.Errorf("%s: the 16th incident is shown; the cap is %d", l, maxIncidents)
		}
		if strings.Contains(raw, longChinese) {
			t.Errorf("%s: the long name is shown whole", l)
		}
	}
}

func TestRenderIsPure(t *testing.T) {
	p := i18n.MustLoad().Printer(i18n.Chinese)
	a := viewJSON(t, Render(p, busy(), now, shanghai(t)))
	b := viewJSON(t, Render(p, busy(), now, shanghai(t)))
	if !bytes.Equal(a, b) {
		t.Error("two renderings of one overview differ")
	}
}

func TestKeyIgnoresPollTimes(t *testing.T) {
	a, b := busy(), busy()
	b.Health.LastPoll, b.Health.LastSuccess = now.Add(time.Minute), now.Add(time.Minute)
	if a.Key() != b.Key() {
		t.Error("a later poll alone changed the key")
	}
	b.Incidents[3].AckedBy = "U0NEW"
	if a.Key() == b.Key() {
		t.Error("an acknowledgement did not change the key")
	}
	c := busy()
	c.Health.LastSuccess = time.Time{}
	if a.Key() == c.Key() {
		t.Error("a first success did not change the key")
	}
}

// TestRenderWorstCase fills every bounded list with the longest values,
// each with markup that escaping lengthens, and checks the limits hold.
func TestRenderWorstCase(t *testing.T) {
	long := strings.Repeat("&<>长", 200)
	o := Overview{Watching: true, StoreTrouble: true, Health: healthy()}
	o.Health.Outage, o.Health.Failing, o.Health.StateTrouble = true, true, true
	o.Health.PendingAlerts, o.Health.TokenExpiresAt = 99999, now.Add(time.Hour)
	for i := range 40 {
		name := long + itoa(i)
		o.Health.OutageRegions = append(o.Health.OutageRegions, name)
		o.Health.FailingRegions = append(o.Health.FailingRegions, name)
		o.Regions = append(o.Regions, RegionCounts{ID: name, Name: name, Counts: []StatusCount{
			{scnet.StatusFailed, 999999}, {scnet.StatusRunning, 999999}, {scnet.StatusDeploying, 999999},
			{scnet.StatusWaiting, 999999}, {scnet.StatusTerminated, 999999}, {scnet.StatusCompleted, 999999},
			{scnet.Status(long), 999999}}})
		o.Incidents = append(o.Incidents, Incident{AlertID: itoa(i), InstanceID: long, Name: long, Status: scnet.Status(long),
			Region: long, Opened: now.Add(-1000 * time.Hour), AckedBy: long})
		o.Snoozes = append(o.Snoozes, Snooze{InstanceID: long, Name: long, Region: long, Until: now, By: long})
	}
	cat := i18n.MustLoad()
	for _, l := range i18n.Languages() {
		checkView(t, viewJSON(t, Render(cat.Printer(l), o, now, shanghai(t))))
		v := Render(cat.Printer(l), o, now, shanghai(t))
		// Nothing was cut by blockkit.Section's last guard, which could
		// leave a mention or bold open: each section ends as written.
		for i, b := range v.Blocks.BlockSet {
			sec, ok := b.(*slack.SectionBlock)
			if ok && sec.Text != nil && utf8.RuneCountInString(sec.Text.Text) >= blockkit.MaxSectionText {
				t.Errorf("%s: section %d has %d characters: cut by the last guard", l, i, utf8.RuneCountInString(sec.Text.Text))
			}
		}
	}
}
