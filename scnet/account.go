package scnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// Account is what SCNet says about the account behind a token: GET
// {acBase}/ac/openapi/v2/user, documented at
// https://scnet.cn/ac/openapi/doc/2.0/api/userresource/get-common-user.html
// ("用户资源 / 查询用户信息"). Texts are cleaned of secrets and control
// characters and bounded.
type Account struct {
	// UserName and AccountName are userName and accountName.
	UserName, AccountName string
	// Status is accountStatus as SCNet sends it. The page documents only
	// "Normal"; its example token carries "Trial". Other values (frozen,
	// in arrears) are not documented, so StatusOK treats every other
	// value as worth a warning.
	Status string
	// Balance is accountBalance, sent as a decimal string ("0.00"). The
	// page names no currency; SCNet bills in yuan, but the API does not
	// say so, so none is claimed here. BalanceKnown is false when the
	// field is missing or not a number.
	Balance      float64
	BalanceKnown bool
	// Center is computerCenter, the name of the region that answered.
	Center string
}

// StatusOK reports whether Status is one the documentation shows for a
// working account ("Normal", or "Trial" in its example token).
func (a *Account) StatusOK() bool {
	return strings.EqualFold(a.Status, "Normal") || strings.EqualFold(a.Status, "Trial")
}

// InArrears reports a known balance below zero. SCNet does not document
// arrears; a negative balance is the one reading of it the fields allow.
func (a *Account) InArrears() bool { return a.BalanceKnown && a.Balance < 0 }

// DescribeAccount is (*AC).DescribeAccount without an observer.
func DescribeAccount(ctx context.Context, hc *http.Client, acBase string, ts TokenSource) (*Account, error) {
	return (&AC{Base: acBase, HTTPClient: hc}).DescribeAccount(ctx, ts)
}

// DescribeAccount asks SCNet about the account behind ts (see Account):
// GET {Base}/ac/openapi/v2/user. A rejected token is invalidated and, when
// the source can renew it, the request tried once more. A frozen account
// may answer code 10007 instead; IsFrozen recognises that.
func (a *AC) DescribeAccount(ctx context.Context, ts TokenSource) (*Account, error) {
	tr, acBase := a.transport()
	var acct *Account
	err := withToken(ctx, ts, func(tok string) error {
		req, err := tr.newRequest("user", http.MethodGet, acBase+"/ac/openapi/v2/user", nil, map[string]string{"token": tok})
		if err != nil {
			return err
		}
		return tr.do(ctx, "user", req, []string{tok}, func(body []byte) error {
			acct, err = decodeAccount(body, tok)
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("describe scnet account: %w", err)
	}
	return acct, nil
}

// accountData is the user endpoint's data; the balance stays raw because
// it is documented as a string and may come as a number.
type accountData struct {
	UserName       string          `json:"userName"`
	AccountName    string          `json:"accountName"`
	AccountStatus  string          `json:"accountStatus"`
	AccountBalance json.RawMessage `json:"accountBalance"`
	ComputerCenter string          `json:"computerCenter"`
}

func decodeAccount(body []byte, tok string) (*Account, error) {
	var r struct {
		envelope
		Data *accountData `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, checkOnly("user", body, err, []string{tok})
	}
	if err := r.check("user", body, []string{tok}); err != nil {
		return nil, err
	}
	if r.Data == nil {
		return nil, &DecodeError{Endpoint: "user", Excerpt: excerpt(body, tok), Err: errors.New("response has no data")}
	}
	d := r.Data
	a := &Account{
		UserName:    serverText(d.UserName, tok),
		AccountName: serverText(d.AccountName, tok),
		Status:      serverText(d.AccountStatus, tok),
		Center:      serverText(d.ComputerCenter, tok),
	}
	if v, err := strconv.ParseFloat(strings.TrimSpace(rawText(d.AccountBalance)), 64); err == nil && !math.IsNaN(v) && !math.IsInf(v, 0) {
		a.Balance, a.BalanceKnown = v, true
	}
	return a, nil
}
