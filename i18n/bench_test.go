package i18n

import "testing"

// BenchmarkT looks up one message with two fields, the common case.
func BenchmarkT(b *testing.B) {
	p := MustLoad().Printer(Chinese)
	b.ReportAllocs()
	for b.Loop() {
		if p.T("KitDetailsFallbackIn", "Name", "train", "Region", "西北一区", "Status", "失败", "Resources", "8 卡", "User", "lihua") == "" {
			b.Fatal("empty")
		}
	}
}

// BenchmarkN looks up a counted message, which goes through go-i18n.
func BenchmarkN(b *testing.B) {
	p := MustLoad().Printer(English)
	b.ReportAllocs()
	for b.Loop() {
		if p.N("Instances", 3) == "" {
			b.Fatal("empty")
		}
	}
}

// BenchmarkLoad parses the embedded catalogs, once per process.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}
