package config

import (
	"strings"
	"testing"
)

// TestWarningsBothLogins: with AK/SK and the password login both set the
// AK/SK login wins, and the start says so instead of ignoring the password
// silently; one login alone warns about nothing.
func TestWarningsBothLogins(t *testing.T) {
	login := with(valid(), "SCNET_TOKEN", "", "SCNET_USER", "oncall")
	aksk := with(login, "SCNET_ACCESS_KEY", "ak", "SCNET_SECRET_KEY", "sk")
	for _, tt := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"token", valid(), ""},
		{"ak/sk", aksk, ""},
		{"legacy", with(login, "SCNET_PASSWORD", "pw", "SCNET_ORG_ID", "org"), ""},
		{"both", with(aksk, "SCNET_PASSWORD", "pw", "SCNET_ORG_ID", "org"), "ignores the password login"},
		{"ak/sk and a stray password", with(aksk, "SCNET_PASSWORD", "pw"), "ignores the password login"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setEnv(t, tt.env)
			c, err := Load()
			if err != nil {
				t.Fatal(err)
			}
			got := strings.Join(c.Warnings(), "\n")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("warnings %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "pw") || strings.Contains(got, "sk\"") {
				t.Errorf("a warning carries a secret: %q", got)
			}
		})
	}
}
