package blockkit

import (
	"math"
	"scnetbot/scnet"
	"testing"
	"time"
)

func TestGB(t *testing.T) {
	tests := []struct {
		mb   float64
		want string
	}{{0, "0"}, {30720, "30"}, {1536, "1.5"}, {1000, "0.9"}, {262144, "256"}, {122880, "120"},
		// A size near int's limit must not wrap negative.
		{math.MaxInt, "9007199254740992"}}
	for _, tt := range tests {
		if got := GB(tt.mb); got != tt.want {
			t.Errorf("GB(%v) = %q, want %q", tt.mb, got, tt.want)
		}
	}
}

func TestAccessLink(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"https://nb.example/lab?token=abc#frag", "<https://nb.example/lab|open>"},
		{"http://user:pw@10.0.0.1:8888/", "<http://10.0.0.1:8888/|open>"},
		{"javascript:alert(1)", ""},
		{"ftp://x.example/", ""},
		{"ssh://root@x.example:22", ""},
		{"/relative/path", ""},
		{"https://x.example/" + string(make([]byte, 300)), ""},
		{"", ""},
		// "&" is mrkdwn's escape character inside a link too: a path must
		// reach the browser as written, not decoded as an entity.
		{"https://x.example/a&lt;b", "<https://x.example/a&amp;lt;b|open>"},
	}
	for _, tt := range tests {
		if got := AccessLink(tt.raw, "open"); got != tt.want {
			t.Errorf("AccessLink(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestSSHCommand(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"ssh://root@ai01.scnet.cn:30001", "`ssh -p 30001 root@ai01.scnet.cn`"},
		{"ssh://root:hunter2@ai01.scnet.cn:30001/path?token=x", "`ssh -p 30001 root@ai01.scnet.cn`"},
		{"ssh://10.0.0.1", "`ssh 10.0.0.1`"},
		{"ssh://u@h:22", "`ssh u@h`"},
		{"ssh://<!channel>@h:1", ""},
		{"ssh://u@h`rm -rf`:1", ""},
		{"ssh://u@h:99999", ""},
		{"https://h/", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := SSHCommand(tt.raw); got != tt.want {
			t.Errorf("SSHCommand(%q) = %q, want %q", tt.raw, got, tt.want)
		}
	}
}

func TestSpec(t *testing.T) {
	tests := []struct{ in, want string }{
		{"6 核心; 2 加速器; 30.0G 内存", "6 CPU · 2 GPU · 30 GB RAM"},
		{"8 核心; 1 加速器", "8 CPU · 1 GPU"},
		{"32核心；8加速器；256.0G内存", "32 CPU · 8 GPU · 256 GB RAM"},
		{"4 核心; 512M 内存", "4 CPU · 0.5 GB RAM"},
		{"--", None},
		{"", None},
		{"custom <!channel>", "custom &lt;!channel&gt;"},
		{"6 核心; weird", "6 核心; weird"},
	}
	for _, tt := range tests {
		if got := Spec(english, tt.in, 100); got != tt.want {
			t.Errorf("Spec(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSCNetDuration(t *testing.T) {
	tests := []struct{ in, want string }{
		{"4天12小时1分", "4d 12h"},
		{"1小时2分", "1h 2m"},
		{"45分", "45m"},
		{"30秒", "30s"},
		{"2天", "2d 0h"},
		{"72h", "3d 0h"},
		{"--", None},
		{"unlimited", "unlimited"},
		{"<b>", "&lt;b&gt;"},
	}
	for _, tt := range tests {
		if got := SCNetDuration(english, tt.in, 40); got != tt.want {
			t.Errorf("SCNetDuration(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "0s"}, {0, "0s"}, {45 * time.Second, "45s"}, {90 * time.Second, "1m"},
		{3*time.Hour + 4*time.Minute, "3h 4m"}, {53 * time.Hour, "2d 5h"},
	}
	for _, tt := range tests {
		if got := english.Duration(tt.d); got != tt.want {
			t.Errorf("Duration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestRoundDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		45 * time.Second:                "45s",
		90 * time.Second:                "2m",
		12 * time.Hour:                  "12h",
		90 * time.Minute:                "1h30m",
		26*time.Hour + 29*time.Second:   "26h",
		10*time.Minute + 31*time.Second: "11m",
	} {
		if got := RoundDuration(d); got != want {
			t.Errorf("RoundDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestHouseFormatInChinese: SCNet's Chinese fields are parsed and written
// in the house format of the reader's language, not passed through.
func TestHouseFormatInChinese(t *testing.T) {
	in := &scnet.Instance{GPUNumber: 8, CPUNumber: 32, RAMSizeMB: 262144, Status: scnet.StatusFailed}
	for _, tc := range []struct{ got, en, zh string }{
		{Spec(english, "6 核心; 2 加速器; 30.0G 内存", 100), "6 CPU · 2 GPU · 30 GB RAM", ""},
		{Spec(chinese, "6 核心; 2 加速器; 30.0G 内存", 100), "", "6 核 · 2 卡 · 30 GB 内存"},
		{SCNetDuration(english, "4天12小时1分", 40), "4d 12h", ""},
		{SCNetDuration(chinese, "4天12小时1分", 40), "", "4天12小时"},
		{SCNetDuration(chinese, "2小时30分钟", 40), "", "2小时30分钟"},
		{SCNetDuration(chinese, "unlimited", 40), "", "不限"},
		{SCNetDuration(english, "Unlimited", 40), "unlimited", ""},
		{Resources(english, in, "DCU"), "8 GPU (DCU) · 32 CPU · 256 GB RAM", ""},
		{Resources(chinese, in, "DCU"), "", "8 卡 (DCU) · 32 核 · 256 GB 内存"},
		{StatusText(chinese, scnet.StatusFailed), "", "失败"},
		{StatusText(chinese, "Exploded<b>"), "", "Exploded&lt;b&gt;"},
		{StatusText(english, ""), "unknown", ""},
	} {
		want := tc.en + tc.zh
		if tc.got != want {
			t.Errorf("got %q, want %q", tc.got, want)
		}
	}
}
