package handlers

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"scnetbot/i18n"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// The command's words in Chinese read as their English twins, beside them,
// with full-width spaces and colons as separators.
func TestParseChinese(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		in   string
		want Query
	}{
		{"运行中", Query{Kind: KindList, Status: scnet.StatusRunning}},
		{"运行 ssh", Query{Kind: KindList, Status: scnet.StatusRunning, TaskType: scnet.TaskSSH}},
		{"失败", Query{Kind: KindList, Status: scnet.StatusFailed}},
		{"已终止", Query{Kind: KindList, Status: scnet.StatusTerminated}},
		{"终止", Query{Kind: KindList, Status: scnet.StatusTerminated}},
		{"部署中", Query{Kind: KindList, Status: scnet.StatusDeploying}},
		{"等待中", Query{Kind: KindList, Status: scnet.StatusWaiting}},
		{"排队中", Query{Kind: KindList, Status: scnet.StatusWaiting}},
		{"已完成", Query{Kind: KindList, Status: scnet.StatusCompleted}},
		{"完成", Query{Kind: KindList, Status: scnet.StatusCompleted}},
		{"失败 failed", Query{Kind: KindList, Status: scnet.StatusFailed}},
		{"ssh 失败 第2页", Query{Kind: KindList, Status: scnet.StatusFailed, TaskType: scnet.TaskSSH, Page: 2}},
		{"第１页", Query{Kind: KindList}},
		{"第２页", Query{Kind: KindList, Page: 2}},
		{"page ３", Query{Kind: KindList, Page: 3}},
		{"失败\u3000ssh\u3000训练", Query{Kind: KindList, Status: scnet.StatusFailed, TaskType: scnet.TaskSSH, Words: []string{"训练"}}},
		{"\u3000运行中\u3000", Query{Kind: KindList, Status: scnet.StatusRunning}},
		{"name：失败", Query{Kind: KindList, Words: []string{"失败"}}},
		{"名称：帮助 名称:第2页", Query{Kind: KindList, Words: []string{"帮助", "第2页"}}},
		{"NAME：运行中", Query{Kind: KindList, Words: []string{"运行中"}}},
		{"name:区域", Query{Kind: KindList, Words: []string{"区域"}}},
		{"失败 region：西北", Query{Kind: KindList, Status: scnet.StatusFailed, Region: "西北"}},
		{"区域：华东一区 运行中", Query{Kind: KindList, Status: scnet.StatusRunning, Region: "华东一区"}},
		{"训练失败", Query{Kind: KindList, Words: []string{"训练失败"}}},
		{"帮助", Query{Kind: KindHelp}},
		{"监控", Query{Kind: KindWatch}},
		{"告警", Query{Kind: KindWatch}},
		{"区域", Query{Kind: KindRegions}},
		{"静默 train-llm 2小时", Query{Kind: KindSnooze, Target: "train-llm", Duration: 2 * time.Hour}},
		{"静默\u3000训练\u300030分钟", Query{Kind: KindSnooze, Target: "训练", Duration: 30 * time.Minute}},
		{"静默 x 30分", Query{Kind: KindSnooze, Target: "x", Duration: 30 * time.Minute}},
		{"静默 x 1天", Query{Kind: KindSnooze, Target: "x", Duration: 24 * time.Hour}},
		{"静默 x 1天12小时", Query{Kind: KindSnooze, Target: "x", Duration: 36 * time.Hour}},
		{"静默 x ２小时", Query{Kind: KindSnooze, Target: "x", Duration: 2 * time.Hour}},
		{"静默 x 1周", Query{Kind: KindSnooze, Target: "x", Duration: 7 * 24 * time.Hour}},
		{"snooze x 4小时", Query{Kind: KindSnooze, Target: "x", Duration: 4 * time.Hour}},
		{"静默 x 4h", Query{Kind: KindSnooze, Target: "x", Duration: 4 * time.Hour}},
		{"取消静默 训练", Query{Kind: KindUnsnooze, Target: "训练"}},
		{"重启 训练", Query{Kind: KindAction, Action: tracked.ActionRestart, Target: "训练"}},
		{"停止 " + id, Query{Kind: KindAction, Action: tracked.ActionStop, Target: id}},
		{"删除 失败", Query{Kind: KindAction, Action: tracked.ActionDelete, Target: "失败"}},
		{"name:重启 name：删除", Query{Kind: KindList, Words: []string{"重启", "删除"}}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			// The canonical spelling (English) reads back as the same query.
			if back, err := parseStored(got.String()); err != nil || !reflect.DeepEqual(back, got) {
				t.Errorf("Parse(%q).String() = %q reads back as %+v, %v", tt.in, got.String(), back, err)
			}
		})
	}
}

func TestParseChineseErrors(t *testing.T) {
	id := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		in   string
		code InputErrorCode
	}{
		{"运行中 失败", CodeConflict},
		{"running 失败", CodeConflict},
		{"第2页 第3页", CodeConflict},
		{"第2页 page 3", CodeConflict},
		{"第零页", CodeBadPage},
		{"第页", CodeBadPage},
		{"第1001页", CodeBadPage},
		{"帮助 我", CodeUsage},
		{"监控 现在", CodeUsage},
		{"区域 2", CodeUsage},
		{"运行中 帮助", CodeUsage},
		{"训练 重启", CodeUsage},
		{"失败 删除 x", CodeUsage},
		{"名称：", CodeUsage},
		{"name：", CodeUsage},
		{"区域：", CodeUsage},
		{"region：西北 region:华东", CodeConflict},
		{"静默", CodeUsage},
		{"静默 x", CodeUsage},
		{"取消静默", CodeUsage},
		{"重启", CodeUsage},
		{"删除 我的 任务", CodeUsage},
		{"静默 x 永远", CodeBadDuration},
		{"静默 x 30秒", CodeBadDuration},
		{"静默 x 8天", CodeBadDuration},
		{"静默 x 2周", CodeBadDuration},
		{"静默 x 天", CodeBadDuration},
		{"失败 " + id, CodeUsage},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			var ie *InputError
			if !errors.As(err, &ie) || ie.Code != tt.code {
				t.Fatalf("Parse(%q) = %+v, %v; want *InputError code %d", tt.in, q, err, tt.code)
			}
			assertInputErrorReads(t, ie)
		})
	}
}

// assertInputErrorReads fails when an input error's explanation does not
// render in every language: its message id shown as such, a template
// value missing, or English left in the Chinese.
func assertInputErrorReads(t *testing.T, ie *InputError) {
	t.Helper()
	for _, l := range testLangs() {
		s := ie.Text(l.p)
		if s == "" || s == ie.msg || strings.Contains(s, "<no value>") || strings.HasPrefix(s, "Cmd") {
			t.Errorf("%s: error %q renders as %q", l.p.Lang(), ie.msg, s)
		}
		if l.p.Lang() == i18n.Chinese && strings.Contains(s, "must come") {
			t.Errorf("Chinese error in English: %q", s)
		}
	}
}

// A Chinese word that is also an instance's name is searched with name:,
// and the canonical spelling of such a query keeps the escape.
func TestChineseKeywordNamesRoundTrip(t *testing.T) {
	for _, w := range []string{"失败", "运行", "帮助", "区域", "静默", "第2页", "名称：x", "重启"} {
		q := Query{Kind: KindList, Words: []string{w}}
		got, err := Parse(q.String())
		if err != nil || !reflect.DeepEqual(got, q) {
			t.Errorf("name word %q written %q reads back as %+v, %v", w, q.String(), got, err)
		}
		if !strings.HasPrefix(q.String(), namePrefix) {
			t.Errorf("name word %q is written %q, without the name: escape", w, q.String())
		}
	}
}

// A button carries the canonical English spelling, which may be longer
// than the Chinese typed: the longest typed query still fits and reads
// back.
func TestCanonicalOfLongChineseQuery(t *testing.T) {
	in := "终止 ssh 第2页 区域：西 " + strings.Repeat("训", 150) + " a b c d e"
	if _, err := Parse(in); err != nil {
		t.Fatalf("Parse(%q): %v", in, err)
	}
	q, _ := Parse(in)
	back, err := parseStored(q.String())
	if err != nil || !reflect.DeepEqual(back, q) {
		t.Errorf("canonical %q reads back as %+v, %v", q.String(), back, err)
	}
}

// Every error the English tests meet also reads in both languages.
func TestEveryInputErrorReads(t *testing.T) {
	for _, in := range []string{strings.Repeat("x", 201), strings.Repeat("a ", 11), "runn", "running failed", "ssh jupyter",
		"page", "page two", "help me", "running help", "ssh 0123456789abcdef0123456789abcdef", "name:", "region:", "region:a region:b",
		"snooze", "snooze x forever", "snooze x 8d", "unsnooze", "restart", "delete my job", "train delete", "page 2 page 3"} {
		_, err := Parse(in)
		var ie *InputError
		if !errors.As(err, &ie) {
			t.Fatalf("Parse(%q): %v, want an input error", in, err)
		}
		assertInputErrorReads(t, ie)
	}
}

// The help lists the words of both languages, in the reader's language.
func TestHelpListsBothLanguages(t *testing.T) {
	h := newTestHandler(t, &fakeLister{}, nil)
	for _, tc := range []struct {
		l    testLang
		text string
		want []string
	}{
		{testLangs()[0], "help", []string{"How to use /instances", "`failed` (`失败`)", "`running` (`运行中` / `运行`)", "`snooze` (`静默`)", "`watch` (`监控` / `告警`)"}},
		{chinese(), "帮助", []string{"/instances 用法", "`失败` (`failed`)", "`运行中` / `运行` (`running`)", "`静默` (`snooze`)", "`监控` / `告警` (`watch`)"}},
		// The words do not choose the language: the reader's locale does.
		{chinese(), "help", []string{"/instances 用法"}},
		{testLangs()[0], "帮助", []string{"How to use /instances"}},
	} {
		s := string(messageJSON(t, tc.l.command(h, tc.text)))
		for _, w := range tc.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s help (%q) lacks %q", tc.l.p.Lang(), tc.text, w)
			}
		}
	}
}
