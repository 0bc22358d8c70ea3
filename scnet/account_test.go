package scnet

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// documentedUser is the answer of GET /ac/openapi/v2/user as SCNet's page
// shows it (its table's example values where the sample is cut short).
const documentedUser = `{"code":"0","msg":"success","data":{"country":"China","language":"zh_CN",` +
	`"timeZone":"(UTC+0800) China Standard Time","address":"测试地址","userName":"test","fullName":"测试用户",` +
	`"accountStatus":"Normal","accountName":"test","accountBalance":"0.00","computerCenter":"OpenAPI计算中心"}}`

func TestDescribeAccount(t *testing.T) {
	tests := []struct {
		name, body  string
		want        Account
		ok, arrears bool
		wantErr     string
	}{
		{name: "documented example", body: documentedUser,
			want: Account{UserName: "test", AccountName: "test", Status: "Normal", Balance: 0, BalanceKnown: true, Center: "OpenAPI计算中心"}, ok: true},
		{name: "balance as number, in arrears", body: `{"code":"0","data":{"accountStatus":"Normal","accountBalance":-12.5}}`,
			want: Account{Status: "Normal", Balance: -12.5, BalanceKnown: true}, ok: true, arrears: true},
		{name: "undocumented status", body: `{"code":"0","data":{"accountStatus":"Arrears","accountBalance":"3.10"}}`,
			want: Account{Status: "Arrears", Balance: 3.1, BalanceKnown: true}},
		{name: "trial, no balance", body: `{"code":"0","data":{"accountStatus":"Trial","accountBalance":"--"}}`,
			want: Account{Status: "Trial"}, ok: true},
		{name: "frozen", body: `{"code":"10007","msg":"用户已冻结"}`, wantErr: "10007"},
		{name: "no data", body: `{"code":"0","msg":"success"}`, wantErr: "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodGet || r.URL.Path != "/ac/openapi/v2/user" || r.Header.Get("token") != testToken {
					w.WriteHeader(400)
					return
				}
				_, _ = io.WriteString(w, tt.body)
			}))
			defer srv.Close()
			a, err := DescribeAccount(context.Background(), nil, srv.URL+"/", StaticToken(testToken))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				if tt.wantErr == "10007" && !IsFrozen(err) {
					t.Errorf("IsFrozen(%v) = false", err)
				}
				return
			}
			if err != nil || *a != tt.want {
				t.Fatalf("DescribeAccount = %+v, %v; want %+v", a, err, tt.want)
			}
			if a.StatusOK() != tt.ok || a.InArrears() != tt.arrears {
				t.Errorf("StatusOK %v InArrears %v, want %v and %v", a.StatusOK(), a.InArrears(), tt.ok, tt.arrears)
			}
		})
	}
}

func TestDescribeAccountReloginOnce(t *testing.T) {
	a := newAuthServer(t)
	var calls atomic.Int32
	a.mux.HandleFunc("GET /ac/openapi/v2/user", func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if r.Header.Get("token") == "tok-1" {
			_, _ = io.WriteString(w, `{"code":"10008","msg":"权限不足"}`)
			return
		}
		_, _ = io.WriteString(w, documentedUser)
	})
	acct, err := DescribeAccount(context.Background(), nil, a.srv.URL, newCreds(t, a.akskConfig()))
	if err != nil || acct.Status != "Normal" {
		t.Fatalf("DescribeAccount = %+v, %v", acct, err)
	}
	if calls.Load() != 2 || a.logins.Load() != 2 {
		t.Errorf("user calls %d logins %d, want 2 and 2", calls.Load(), a.logins.Load())
	}
}
