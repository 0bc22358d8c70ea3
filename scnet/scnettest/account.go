package scnettest

import (
	"net/http"
	"sync"
)

// Account is what the simulator's GET /ac/openapi/v2/user answers about the
// account behind any valid token: SCNet's "查询用户信息" fields that
// scnetbot reads. Balance is sent as SCNet documents it, a decimal string
// ("0.00"); "" sends no accountBalance at all.
type Account struct {
	AccountName string
	Status      string
	Balance     string
}

// DefaultAccount is the account a new simulator reports: normal, with
// money on it.
func DefaultAccount() Account {
	return Account{AccountName: DefaultUser, Status: "Normal", Balance: "1000.00"}
}

// accountKnobs hold what the user endpoint answers and its own faults, kept
// apart from the Server's fault knobs so a test can break the account
// endpoint without breaking the logins and center calls on the same
// listener.
type accountKnobs struct {
	mu      sync.Mutex
	acct    Account
	frozen  bool
	failN   int
	failSts int
}

// SetAccount sets what the user endpoint reports from now on.
func (s *Server) SetAccount(a Account) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	s.account.acct = a
}

// SetAccountStatus sets the reported accountStatus ("Normal", "Trial",
// "Frozen", ...), leaving the balance alone.
func (s *Server) SetAccountStatus(status string) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	s.account.acct.Status = status
}

// SetAccountBalance sets the reported accountBalance ("12.50", "-3.00";
// "" leaves it out).
func (s *Server) SetAccountBalance(balance string) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	s.account.acct.Balance = balance
}

// SetAccountFrozen makes the user endpoint, while frozen, answer SCNet code
// 10007 (user frozen) instead of the account, as SCNet answers every call
// of a frozen account.
func (s *Server) SetAccountFrozen(frozen bool) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	s.account.frozen = frozen
}

// FailAccountNext makes the next n calls of the user endpoint answer
// httpStatus with the gateway's HTML page; the other endpoints answer as
// before.
func (s *Server) FailAccountNext(n, httpStatus int) {
	s.account.mu.Lock()
	defer s.account.mu.Unlock()
	s.account.failN, s.account.failSts = n, httpStatus
}

// handleAccount serves GET /ac/openapi/v2/user.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.authorize(w, r, false); !ok {
		return
	}
	k := &s.account
	k.mu.Lock()
	a, frozen, fail := k.acct, k.frozen, 0
	if k.failN > 0 {
		k.failN--
		fail = k.failSts
	}
	k.mu.Unlock()
	switch {
	case fail != 0:
		writeProxyError(w, fail)
		return
	case frozen:
		writeError(w, CodeUserFrozen)
		return
	}
	data := map[string]any{
		"country":        "China",
		"language":       "zh_CN",
		"timeZone":       "(UTC+0800) China Standard Time",
		"userName":       a.AccountName,
		"fullName":       a.AccountName,
		"accountName":    a.AccountName,
		"accountStatus":  a.Status,
		"computerCenter": "OpenAPI计算中心",
	}
	if a.Balance != "" {
		data["accountBalance"] = a.Balance
	}
	writeOK(w, data)
}
