package scnet

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

func TestValidInstanceID(t *testing.T) {
	for id, want := range map[string]bool{
		"0123456789abcdef0123456789ABCDEF": true, "inst-42_a": true, "12345": true,
		"": false, "..": false, ".": false, "a/b": false, "a?x=1": false, "a|b": false, "a b": false,
		"名": false, "a%2F": false, "a\x00": false,
		strings.Repeat("a", MaxInstanceIDLen): true, strings.Repeat("a", MaxInstanceIDLen+1): false,
	} {
		if got := ValidInstanceID(id); got != want {
			t.Errorf("ValidInstanceID(%q) = %v, want %v", id, got, want)
		}
	}
}

// An id that is not an instance id never reaches SCNet: ".." would turn the
// detail path into another endpoint, with the token attached.
func TestInstanceRefusesInvalidIDWithoutARequest(t *testing.T) {
	mux, c := setup(t)
	var requests atomic.Int32
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		http.Error(w, "unexpected", http.StatusTeapot)
	})
	for _, id := range []string{"", "..", "../v2/list", "a/b", "a?start=0", strings.Repeat("f", 40<<10)} {
		_, err := c.Instance(context.Background(), id)
		if !errors.Is(err, ErrInvalidInstanceID) {
			t.Errorf("Instance(%.20q) = %v, want ErrInvalidInstanceID", id, err)
		}
		if err != nil && len(err.Error()) > 200 {
			t.Errorf("Instance(%.20q) error is %d bytes: the id must be bounded in it", id, len(err.Error()))
		}
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("SCNet received %d requests for invalid ids", n)
	}
}
