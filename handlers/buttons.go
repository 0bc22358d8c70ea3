package handlers

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"scnetbot/scnet"
)

// Action ids. Every id scnetbot's command replies use starts with
// actionPrefix so the bot can route clicks without knowing them all.
const (
	actionPrefix  = "inst."
	actionPrev    = "inst.prev"
	actionNext    = "inst.next"
	actionRefresh = "inst.refresh"
	actionShare   = "inst.share"
	actionBack    = "inst.back"
	// actionDetails is followed by the row number: action ids must be
	// unique within a message.
	actionDetails = "inst.details."
)

// buttonValue is the state a button carries, as JSON. Q is a list query in
// Query.String's canonical spelling (English whatever the reader's
// language, so a value means the same to every reader), page included, so a
// click is read back with parseStored and checked like typed input. ID, when set, asks for
// that instance's details view instead (kept apart from Q so an id SCNet
// writes in an unexpected shape still works). B, when set, is the list query
// a details view returns to with Back. C, on a listing over several
// regions, is the cursor (see merge.go) of the list query in Q, or in B on a
// details view; R is the id of the region a details view's instance is in.
// Both are checked against the regions when clicked (Handler.action).
type buttonValue struct {
	Q  string  `json:"q,omitempty"`
	ID string  `json:"id,omitempty"`
	B  *string `json:"b,omitempty"`
	C  string  `json:"c,omitempty"`
	R  string  `json:"r,omitempty"`
}

// encode writes v as a button value. It cannot fail for two strings.
func (v buttonValue) encode() string {
	b, _ := json.Marshal(v)
	return string(b)
}

// decodeButtonValue reads a button value: a details view of ID, or the list
// query Q. Anything else was not written by scnetbot and is refused.
func decodeButtonValue(s string) (buttonValue, Query, error) {
	var v buttonValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return v, Query{}, errStaleButton
	}
	if v.B != nil {
		if q, err := parseStored(*v.B); err != nil || q.Kind != KindList {
			v.B = nil
		}
	}
	if len(v.R) > maxRegionID || v.R != "" && v.ID == "" {
		return v, Query{}, errStaleButton
	}
	if v.ID != "" {
		if !scnet.ValidInstanceID(v.ID) || v.Q != "" {
			return v, Query{}, errStaleButton
		}
		return v, Query{Kind: KindDetails, ID: v.ID}, nil
	}
	q, err := parseStored(v.Q)
	if err != nil || q.Kind != KindList {
		return v, Query{}, errStaleButton
	}
	return v, q, nil
}

// maxRegionID bounds a region id in a button value: SCNet's are a few
// digits or letters.
const maxRegionID = 64

// button is a button of scnetbot's own words carrying v.
func button(actionID, label string, v buttonValue) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, v.encode(), plainEmoji(label))
}

// detailsActionID is the action id of the Details button on row i.
func detailsActionID(i int) string { return actionDetails + strconv.Itoa(i) }

// isDetailsAction reports whether id is a Details button's.
func isDetailsAction(id string) bool {
	n, ok := strings.CutPrefix(id, actionDetails)
	if !ok {
		return false
	}
	_, err := strconv.Atoi(n)
	return err == nil
}
