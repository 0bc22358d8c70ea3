package handlers

import (
	"encoding/json"
	"testing"

	"scnetbot/scnet"
)

// BenchmarkRenderListPage renders one full page of ten instances with the
// status summary, the work of every list reply once SCNet has answered.
func BenchmarkRenderListPage(b *testing.B) {
	r := renderer{now: testNow, loc: testNow.Location(), p: en()}
	v := listView{
		query:  Query{Kind: KindList, Page: 2},
		page:   &scnet.Page{Total: 1000, Instances: fixtures(PageSize)},
		counts: map[scnet.Status]int{scnet.StatusRunning: 400, scnet.StatusFailed: 12},
	}
	b.ReportAllocs()
	for b.Loop() {
		if m := r.list(v); m.Blocks == nil {
			b.Fatal("no blocks")
		}
	}
}

// BenchmarkParse parses a typical filtered command.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("Running SSH train-llm page 2"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseSuggest parses a misspelt keyword, the slowest path
// (edit distances against every status and task type).
func BenchmarkParseSuggest(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("runnign jupiter"); err == nil {
			b.Fatal("want a suggestion")
		}
	}
}

// BenchmarkCommandCached answers a command from the cache: parse, cache
// hit and rendering, with no SCNet request.
func BenchmarkCommandCached(b *testing.B) {
	h := newTestHandler(b, &fakeLister{instances: fixtures(200)}, nil)
	command(h, "running")
	b.ReportAllocs()
	for b.Loop() {
		command(h, "running")
	}
}

// BenchmarkRenderListPageJSON renders a page and encodes it as the bot
// sends it to response_url.
func BenchmarkRenderListPageJSON(b *testing.B) {
	r := renderer{now: testNow, loc: testNow.Location(), p: en()}
	v := listView{query: Query{Kind: KindList, Page: 2}, page: &scnet.Page{Total: 1000, Instances: fixtures(PageSize)}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := json.Marshal(r.list(v)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderListPageChinese is BenchmarkRenderListPage for a reader
// whose Slack speaks Chinese: the same page through the other catalog.
func BenchmarkRenderListPageChinese(b *testing.B) {
	r := renderer{now: testNow, loc: testNow.Location(), p: zh()}
	v := listView{
		query:  Query{Kind: KindList, Page: 2},
		page:   &scnet.Page{Total: 1000, Instances: fixtures(PageSize)},
		counts: map[scnet.Status]int{scnet.StatusRunning: 400, scnet.StatusFailed: 12},
	}
	b.ReportAllocs()
	for b.Loop() {
		if m := r.list(v); m.Blocks == nil {
			b.Fatal("no blocks")
		}
	}
}
