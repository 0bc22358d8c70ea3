package watcher

import (
	"encoding/json"
	"testing"
)

// MrkdwnTexts lets the end-to-end tests (package watcher_test) check the
// mrkdwn of posted messages the way the render tests do.
func MrkdwnTexts(t *testing.T, blocks json.RawMessage) []string { return mrkdwnTexts(t, blocks) }
