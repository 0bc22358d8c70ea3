package scnettest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
)

// A test starts a simulator with seeded data, lists Failed instances the way
// SCNet's page documents (a JSON body on a GET) and moves one instance along.
func Example() {
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	s := scnettest.New(scnettest.WithInstances(50, 1), scnettest.WithClock(func() time.Time { return now }))
	defer s.Close()

	body := `{"status":"Failed","instanceServiceName":null,"taskType":null,"start":0,"limit":5,"sort":"desc"}`
	req, _ := http.NewRequest(http.MethodGet, s.AIBaseURL()+"/openapi/v2/instance-service/task", strings.NewReader(body))
	req.Header.Set("token", s.Token())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var page struct {
		Code  string            `json:"code"`
		Total int               `json:"total"`
		Data  []json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&page); err != nil {
		fmt.Println(err)
		return
	}
	failed := 0
	for _, r := range s.Records() {
		if r.Status == scnet.StatusFailed {
			failed++
		}
	}
	fmt.Println(page.Code, page.Total == failed, len(page.Data))

	r := s.Add(scnettest.Record{Name: "train-llm-7b-03"})
	_ = s.SetStatus(r.ID, scnet.StatusRunning)
	got, _ := s.Get(r.ID)
	fmt.Println(got.Status, got.StartTime.Equal(now))
	// Output:
	// 0 true 5
	// Running true
}

// A test of several regions starts the default two usable regions (and one
// suspended), makes one of them slow, and reads each region's own AI base
// with that region's token.
func ExampleWithRegions() {
	s := scnettest.New(scnettest.WithRegions(), scnettest.WithInstances(3, 1))
	defer s.Close()
	s.Region("西北一区【西安】").SetLatency(50 * time.Millisecond)
	for _, rs := range s.Regions() {
		if rs.Suspended() {
			fmt.Println(rs.ID(), rs.Name(), "suspended")
			continue
		}
		req, _ := http.NewRequest(http.MethodGet, rs.AIBaseURL()+"/openapi/v2/instance-service/task?limit=10", nil)
		req.Header.Set("token", rs.Token())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		var page struct {
			Code  string `json:"code"`
			Total int    `json:"total"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		fmt.Println(rs.ID(), rs.Name(), page.Code, page.Total, err)
	}
	// Output:
	// 11250 华东一区【昆山】 0 3 <nil>
	// 11276 西北一区【西安】 0 3 <nil>
	// 12001 华北一区 suspended
}
