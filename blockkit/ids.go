package blockkit

// maxButtonInstanceID bounds an instance id carried in a button value.
const maxButtonInstanceID = 64

// ButtonInstanceID reports whether an instance id may travel in a button
// value: short, and only letters, digits, '-' and '_' (SCNet's ids are 32
// hex digits). Every button that names an instance, on command replies and
// alerts alike, is offered only for such an id, and a click carrying any
// other id is refused before SCNet is asked: it was not written by
// scnetbot, and "..", "/" or "?" would change the path of the request that
// carries the token.
func ButtonInstanceID(id string) bool {
	if id == "" || len(id) > maxButtonInstanceID {
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
