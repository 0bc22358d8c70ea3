package watcher

import (
	"testing"

	"scnetbot/i18n"
	"scnetbot/tracked"
)

func TestOrdinal(t *testing.T) {
	c := i18n.MustLoad()
	en, zh := c.Printer(i18n.English), c.Printer(i18n.Chinese)
	for n, want := range map[int]string{1: "1st", 2: "2nd", 3: "3rd", 4: "4th", 11: "11th", 12: "12th", 13: "13th", 21: "21st", 22: "22nd", 103: "103rd", 111: "111th"} {
		if got := ordinal(en, n); got != want {
			t.Errorf("en ordinal(%d) = %q, want %q", n, got, want)
		}
	}
	for n, want := range map[int]string{2: "第 2 次", 3: "第 3 次", 11: "第 11 次", 21: "第 21 次"} {
		if got := ordinal(zh, n); got != want {
			t.Errorf("zh ordinal(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestActionNews: what became of an action, in each language, with the
// person's place marked and the actions' detail passed on.
func TestActionNews(t *testing.T) {
	c := i18n.MustLoad()
	en, zh := c.Printer(i18n.English), c.Printer(i18n.Chinese)
	for _, tc := range []struct {
		rec    tracked.ActionRecord
		en, zh string
	}{
		{tracked.ActionRecord{Kind: tracked.ActionRestart, Outcome: tracked.ActionDone}, "restarted by {user}", "已由 {user} 重启"},
		{tracked.ActionRecord{Kind: tracked.ActionDelete, Outcome: tracked.ActionDone}, "deleted by {user}", "已由 {user} 删除"},
		{tracked.ActionRecord{Kind: "resize", Outcome: tracked.ActionDone}, "resize done by {user}", "{user} 的resize操作已完成"},
		{tracked.ActionRecord{Kind: tracked.ActionStop, Outcome: tracked.ActionFailed, Detail: "busy {user}"},
			"stop by {user} failed: busy { user }", "{user} 的停止操作失败：busy { user }"},
		{tracked.ActionRecord{Kind: tracked.ActionStop, Outcome: tracked.ActionFailed}, "stop by {user} failed", "{user} 的停止操作失败"},
		{tracked.ActionRecord{Kind: tracked.ActionDelete, Outcome: tracked.ActionUnknown, Detail: "timeout"},
			"delete by {user}: SCNet did not answer, it may have happened (timeout)", "{user} 的删除操作：SCNet 未响应，可能已执行（timeout）"},
	} {
		if got := actionNews(en, tc.rec); got != tc.en {
			t.Errorf("en %s %s: %q, want %q", tc.rec.Kind, tc.rec.Outcome, got, tc.en)
		}
		if got := actionNews(zh, tc.rec); got != tc.zh {
			t.Errorf("zh %s %s: %q, want %q", tc.rec.Kind, tc.rec.Outcome, got, tc.zh)
		}
	}
}
