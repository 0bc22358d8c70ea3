package scnettest

// Credentials is the account the simulator's token endpoints accept: AK/SK
// for /api/user/v3/tokens and user/password/orgId for the legacy endpoint.
type Credentials struct {
	User      string
	AccessKey string
	SecretKey string
	Password  string
	OrgID     string
}

// The fixed demo account DefaultCredentials returns.
const (
	DefaultUser      = "demo"
	DefaultAccessKey = "ak-demo-0123456789abcdef"
	DefaultSecretKey = "sk-demo-fedcba9876543210"
	DefaultPassword  = "demo-password"
	DefaultOrgID     = "b1a6c1d2e3f4"
)

// DefaultCredentials returns the demo account a Server accepts unless
// WithCredentials says otherwise. It is a function rather than a variable so
// no caller can change it for everyone.
func DefaultCredentials() Credentials {
	return Credentials{
		User:      DefaultUser,
		AccessKey: DefaultAccessKey,
		SecretKey: DefaultSecretKey,
		Password:  DefaultPassword,
		OrgID:     DefaultOrgID,
	}
}
