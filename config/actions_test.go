package config

import (
	"fmt"
	"testing"
)

func TestActionSettingsAccepted(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		users   string
		group   string
		enabled bool
	}{
		{"neither set: actions off", valid(), "[]", "", false},
		{"users, trimmed", with(valid(), "ACTION_USERS", " U0123ABCD , ,W0ENTERPRISE"), "[U0123ABCD W0ENTERPRISE]", "", true},
		{"a user group, trimmed", with(valid(), "ACTION_USERGROUP", " S0ONCALL "), "[]", "S0ONCALL", true},
		{"both", with(valid(), "ACTION_USERS", "U1", "ACTION_USERGROUP", "S1"), "[U1]", "S1", true},
		{"action users among the allowed users", with(valid(), "ALLOWED_USERS", "U1,U2", "ACTION_USERS", "U2"), "[U2]", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			c, err := Load()
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint([]string(c.ActionUsers)); got != tt.users {
				t.Errorf("ActionUsers = %s, want %s", got, tt.users)
			}
			if c.ActionUserGroup != tt.group {
				t.Errorf("ActionUserGroup = %q, want %q", c.ActionUserGroup, tt.group)
			}
			if c.ActionsEnabled() != tt.enabled {
				t.Errorf("ActionsEnabled = %v, want %v", c.ActionsEnabled(), tt.enabled)
			}
		})
	}
}

// TestActionSettingsRefused: each bad entry is named, with how to find
// the right id, all in one message.
func TestActionSettingsRefused(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"names instead of ids", with(valid(), "ACTION_USERS", "U0123ABCD,alice,@bob", "ACTION_USERGROUP", "@oncall"),
			[]string{`ACTION_USERS: "alice" is not a user id`, `ACTION_USERS: "@bob" is not a user id`, "Copy member ID",
				`ACTION_USERGROUP: "@oncall" is not a user group id`, "looks like S0123ABCDEF"}},
		{"a user id as the group", with(valid(), "ACTION_USERGROUP", "U0123ABCD"), []string{`ACTION_USERGROUP: "U0123ABCD" is not a user group id`}},
		{"a comma list as the group", with(valid(), "ACTION_USERGROUP", "S1,S2"), []string{`ACTION_USERGROUP: "S1,S2" is not a user group id`}},
		{"lower case", with(valid(), "ACTION_USERS", "u0123abcd"), []string{`ACTION_USERS: "u0123abcd" is not a user id`}},
		{"set but holding no id", with(valid(), "ACTION_USERS", " , "), []string{"ACTION_USERS is set but holds no user id", "leave it empty to turn actions off"}},
		{"an action user ALLOWED_USERS keeps out", with(valid(), "ALLOWED_USERS", "U1", "ACTION_USERS", "U1,U2"),
			[]string{"ACTION_USERS: U2 is not in ALLOWED_USERS"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertRefused(t, tt.env, tt.want...)
		})
	}
}
