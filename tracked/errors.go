package tracked

import (
	"errors"
	"fmt"
	"strings"
)

// ErrUnknownInstance is returned by Snooze and Unsnooze when nothing the
// watcher tracks has that id or name.
var ErrUnknownInstance = errors.New("no tracked instance with that id or name")

// ErrNotSnoozed is returned by Unsnooze for an instance without a snooze.
var ErrNotSnoozed = errors.New("instance is not snoozed")

// AmbiguousError is returned when a name matches several tracked
// instances; the caller shows the candidates and asks for an id.
type AmbiguousError struct {
	Name       string
	Candidates []Candidate
}

// Candidate is one instance an ambiguous name could mean.
type Candidate struct {
	ID     string
	Name   string
	Status string
	// Region is the name of the candidate's region, "" when the watcher
	// is not told its region.
	Region string
}

func (e *AmbiguousError) Error() string {
	ids := make([]string, len(e.Candidates))
	for i, c := range e.Candidates {
		ids[i] = fmt.Sprintf("%s (%s)", c.ID, c.Status)
		if c.Region != "" {
			ids[i] = fmt.Sprintf("%s (%s, %s)", c.ID, c.Status, c.Region)
		}
	}
	return fmt.Sprintf("name %q matches %d instances: %s; use an id", e.Name, len(e.Candidates), strings.Join(ids, ", "))
}
