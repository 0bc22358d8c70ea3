package slackemu

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestParseTS(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1700000000.000100", 1700000000000100, true},
		{"1700000000", 1700000000000000, true},
		{"1700000000.1", 1700000000100000, true},
		{"1700000000.1234567", 1700000000123456, true},
		{"", 0, false},
		{"abc.1", 0, false},
		{"1.-5", 0, false},
		{"-1.0", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseTS(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseTS(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseTS(f *testing.F) {
	for _, s := range []string{"1700000000.000100", "0", ".", "1.", "99999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		us, ok := parseTS(s)
		if !ok {
			return
		}
		// What parses round-trips through the format the emulator issues.
		if back, ok := parseTS(formatTS(us)); !ok || back != us {
			t.Fatalf("%q → %d → %q → %d", s, us, formatTS(us), back)
		}
	})
}

func FuzzReadParams(f *testing.F) {
	f.Add("application/json", `{"channel":"C1","blocks":[{"type":"divider"}],"n":1}`)
	f.Add("application/x-www-form-urlencoded", "channel=C1&text=hi%20there")
	f.Add("application/json", `[1,2]`)
	f.Fuzz(func(t *testing.T, ct, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/chat.postMessage?x=1", strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		p, err := readParams(r)
		if err == nil && p == nil {
			t.Fatal("nil params without an error")
		}
	})
}

func TestCloseUnblocksWaiters(t *testing.T) {
	s := New()
	errc := make(chan error, 1)
	go func() {
		_, err := s.SendSlashCommand(context.Background(), SlashCommand{Command: "/instances", UserID: "U1", ChannelID: "C1"})
		errc <- err
	}()
	s.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Errorf("SendSlashCommand after Close = %v, want ErrClosed", err)
	}
	s.Close() // a second Close is harmless
}
