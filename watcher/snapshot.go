package watcher

import (
	"encoding/json"

	"scnetbot/scnet"
)

// snapshot keeps what an alert shows of an instance; the lists are left out
// to keep the store small.
func snapshot(in scnet.Instance) json.RawMessage {
	in.Mounts, in.Ports, in.Description = nil, nil, ""
	b, err := json.Marshal(in)
	if err != nil {
		return nil
	}
	return b
}

func unsnapshot(raw json.RawMessage) scnet.Instance {
	var in scnet.Instance
	_ = json.Unmarshal(raw, &in) // a broken snapshot renders as blanks
	return in
}

// stormMember is what a storm summary keeps of each instance, to re-render
// the summary when it is acknowledged.
type stormMember struct {
	ID    string       `json:"id"`
	Name  string       `json:"n,omitempty"`
	Group string       `json:"g,omitempty"`
	User  string       `json:"u,omitempty"`
	From  scnet.Status `json:"f,omitempty"`
	To    scnet.Status `json:"t"`
}

func stormSnapshot(incs []incident) json.RawMessage {
	ms := make([]stormMember, len(incs))
	for i, inc := range incs {
		ms[i] = stormMember{ID: inc.inst.ID, Name: inc.inst.Name, Group: inc.inst.ResourceGroup,
			User: inc.inst.UserName, From: inc.from, To: inc.to}
	}
	b, err := json.Marshal(ms)
	if err != nil {
		return nil
	}
	return b
}

func stormIncidents(raw json.RawMessage) []incident {
	var ms []stormMember
	_ = json.Unmarshal(raw, &ms) // a broken snapshot renders as an empty storm
	incs := make([]incident, len(ms))
	for i, m := range ms {
		incs[i] = incident{inst: scnet.Instance{ID: m.ID, Name: m.Name, ResourceGroup: m.Group, UserName: m.User},
			from: m.From, to: m.To}
	}
	return incs
}
