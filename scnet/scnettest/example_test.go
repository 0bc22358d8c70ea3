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
