package actions

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"scnetbot/regions"
	"scnetbot/scnet"
	"scnetbot/tracked"
)

// Action ids. Every one starts with actionPrefix, so the bot routes clicks
// without knowing them all.
const (
	actionPrefix  = "act."
	actionRestart = "act.restart"
	actionStop    = "act.stop"
	actionDelete  = "act.delete"
	actionConfirm = "act.confirm"
	actionCancel  = "act.cancel"
	actionStatus  = "act.status"
)

// The delete modal's ids: its callback_id and its one input, where the
// person types the instance's name.
const (
	DeleteViewID = "act.delete"
	NameBlockID  = "act.delete.name"
	NameActionID = "act.delete.typed"
)

// Bounds on what a button value may carry.
const (
	// maxAlertID bounds an alert id: the watcher writes a prefix, a hex
	// time, a number and the region id.
	maxAlertID = 200
	// maxValueName bounds the name a Delete button carries for its modal;
	// a longer name is left out and the modal asks for the id instead.
	maxValueName = 200
	// nonceBytes is the nonce's size: 128 random bits.
	nonceBytes = 16
)

// errForged refuses a button value scnetbot did not write.
var errForged = errors.New("not a scnetbot button value")

// targetValue is what an action button carries, as compact JSON. N, the
// name, is carried by the Delete button only, for the modal that must open
// before any lookup; the lookup at submit checks it against SCNet's.
type targetValue struct {
	R string `json:"r,omitempty"`
	I string `json:"i"`
	A string `json:"a,omitempty"`
	N string `json:"n,omitempty"`
}

func (v targetValue) encode() string {
	b, _ := json.Marshal(v)
	return string(b)
}

// decodeTarget reads an action button's value. It accepts only what
// encode writes, byte for byte, with ids scnetbot can use: anything else
// was not written by scnetbot and is refused before any call.
func decodeTarget(s string) (Target, error) {
	if len(s) > 2000 {
		return Target{}, errForged
	}
	var v targetValue
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return Target{}, errForged
	}
	if v.encode() != s {
		// Unknown fields, other spellings of the keys, duplicates.
		return Target{}, errForged
	}
	if !scnet.ValidInstanceID(v.I) ||
		v.R != "" && !regions.ValidID(v.R) ||
		v.A != "" && (len(v.A) > maxAlertID || !validAlertID(v.A)) ||
		utf8.RuneCountInString(v.N) > maxValueName {
		return Target{}, errForged
	}
	return Target{Region: v.R, InstanceID: v.I, AlertID: v.A, Name: v.N}, nil
}

// validAlertID reports whether id has the shape of the watcher's alert ids:
// letters, digits, '-' and '_'.
func validAlertID(id string) bool {
	return strings.Trim(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") == ""
}

// validNonce reports whether s has the shape of a nonce: 32 lowercase hex
// digits.
func validNonce(s string) bool {
	if len(s) != 2*nonceBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// kindOf is the action a first-click button asks for.
func kindOf(actionID string) (tracked.ActionKind, bool) {
	switch actionID {
	case actionRestart:
		return tracked.ActionRestart, true
	case actionStop:
		return tracked.ActionStop, true
	case actionDelete:
		return tracked.ActionDelete, true
	}
	return "", false
}

// looksLikeID reports whether a command's word is an instance id rather
// than a name: SCNet's ids are 32 hexadecimal digits, the rule /instances
// <id> uses too, so a name such as "train-1" is never taken for an id.
func looksLikeID(w string) bool {
	if len(w) != 32 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if c := w[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
