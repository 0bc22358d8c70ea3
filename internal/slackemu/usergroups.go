package slackemu

import "slices"

// SetUserGroup makes id a user group (a Slack "subteam", e.g. "S0ONCALL")
// whose members are exactly members, replacing any it had; with none, the
// group exists and is empty. usergroups.users.list answers from it.
func (s *Server) SetUserGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = slices.Clone(members)
	s.notifyLocked()
}

// usergroupsUsersList answers usergroups.users.list as Slack does for a
// workspace token: the members' IDs, no_such_subteam for an unknown group.
func (s *Server) usergroupsUsersList(p params) apiResult {
	id := p["usergroup"]
	if id == "" {
		return invalidArguments("[ERROR] missing required field: usergroup")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	members, ok := s.groups[id]
	if !ok {
		return errResult("no_such_subteam")
	}
	users := slices.Clone(members)
	if users == nil {
		users = []string{} // Slack sends [], never null
	}
	return apiResult{body: map[string]any{"ok": true, "users": users}}
}

// invalidArguments is Slack's answer to arguments it cannot accept, with
// the reasons in response_metadata.messages as Slack words them.
func invalidArguments(msgs ...string) apiResult {
	return apiResult{body: map[string]any{
		"ok": false, "error": "invalid_arguments",
		"response_metadata": map[string]any{"messages": msgs},
	}}
}
