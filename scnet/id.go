package scnet

import "errors"

// MaxInstanceIDLen bounds an instance id. SCNet's ids are 32 hexadecimal
// digits; the bound leaves room for another format while keeping every id
// a small store key (bbolt refuses keys over 32 KiB) and a button value.
const MaxInstanceIDLen = 64

// ErrInvalidInstanceID is returned, before any request is made, for an id
// that ValidInstanceID refuses.
var ErrInvalidInstanceID = errors.New("not a valid instance id")

// ValidInstanceID reports whether id can name an instance: non-empty, at
// most MaxInstanceIDLen bytes of letters, digits, '-' and '_'. It is the one
// rule for ids in scnetbot: the client refuses to send any other id, the
// watcher skips listing records without one, and buttons carry no other.
// Anything else could change the path of a request that carries the token
// ("..", "/", "?"), or could not be a store key.
func ValidInstanceID(id string) bool {
	if id == "" || len(id) > MaxInstanceIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
