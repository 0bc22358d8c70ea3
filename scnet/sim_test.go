package scnet_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"scnetbot/scnet"
	"scnetbot/scnet/scnettest"
	"scnetbot/secret"
)

// TestAgainstSimulator runs the client end to end against the SCNet
// simulator: AK/SK login for a named region, center discovery, a full
// listing and a detail lookup.
func TestAgainstSimulator(t *testing.T) {
	sim := scnettest.New(scnettest.WithInstances(250, 7))
	defer sim.Close()
	ctx := context.Background()
	cr := scnettest.DefaultCredentials()
	creds, err := scnet.NewCredentials(scnet.CredentialsConfig{
		User: cr.User, AccessKey: cr.AccessKey, SecretKey: secret.Secret(cr.SecretKey),
		Cluster: scnettest.KunshanClusterID, AuthBase: sim.AuthBaseURL(), ACBase: sim.ACBaseURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	base, err := scnet.DiscoverAIBase(ctx, nil, sim.ACBaseURL(), creds)
	if err != nil {
		t.Fatal(err)
	}
	if base != sim.AIBaseURL() {
		t.Errorf("discovered %q, want %q", base, sim.AIBaseURL())
	}
	c, err := scnet.New(base, scnet.WithTokenSource(creds), scnet.WithPageSize(40), scnet.WithRetry(3, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	var got []scnet.Instance
	for in, err := range c.All(ctx, scnet.ListOptions{}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, in)
	}
	if len(got) != sim.Count() {
		t.Fatalf("listed %d instances, simulator has %d", len(got), sim.Count())
	}
	for i := 1; i < len(got); i++ {
		if got[i].CreateTime.After(got[i-1].CreateTime.Time) {
			t.Fatalf("instance %d is newer than %d: not newest first", i, i-1)
		}
	}
	want, _ := sim.Get(got[0].ID)
	in, err := c.Instance(ctx, got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.ID != want.ID || in.Name != want.Name || in.Status != want.Status {
		t.Errorf("detail = %s %q %s, want %s %q %s", in.ID, in.Name, in.Status, want.ID, want.Name, want.Status)
	}

	// Filters reach the simulator whichever place it reads them from.
	page, err := c.ListInstances(ctx, scnet.ListOptions{Status: scnet.StatusFailed, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range page.Instances {
		if in.Status != scnet.StatusFailed {
			t.Fatalf("status filter ignored: got %s", in.Status)
		}
	}

	// An expired token is replaced by a fresh login without the caller
	// noticing.
	sim.ExpireTokens()
	if _, err := c.ListInstances(ctx, scnet.ListOptions{Limit: 1}); err != nil {
		t.Errorf("after token expiry: %v", err)
	}
}

func TestSimulatorUnknownDetailIsNotGone(t *testing.T) {
	sim := scnettest.New(scnettest.WithInstances(3, 1))
	defer sim.Close()
	c, err := scnet.New(sim.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(sim.Token())))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Instance(context.Background(), "no-such-id")
	if err == nil || errors.Is(err, scnet.ErrNotFound) {
		t.Errorf("err = %v: the simulator answers 10004, which is an error, not gone", err)
	}

	simNull := scnettest.New(scnettest.WithInstances(3, 1), scnettest.WithUnknownIDAsNull())
	defer simNull.Close()
	c, err = scnet.New(simNull.AIBaseURL(), scnet.WithTokenSource(scnet.StaticToken(simNull.Token())))
	if err != nil {
		t.Fatal(err)
	}
	if _, err = c.Instance(context.Background(), "no-such-id"); !errors.Is(err, scnet.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound for code 0 with data null", err)
	}
}

// TestReloginListsRegionsAnew: Regions keeps the first login's list until
// Relogin asks SCNet again; then a region whose suspension was lifted is
// usable, with its own token, and the sources handed out before still work.
func TestReloginListsRegionsAnew(t *testing.T) {
	sim := scnettest.New(scnettest.WithRegions(scnettest.DefaultRegions()...))
	defer sim.Close()
	ctx := context.Background()
	cr := scnettest.DefaultCredentials()
	creds, err := scnet.NewCredentials(scnet.CredentialsConfig{
		User: cr.User, AccessKey: cr.AccessKey, SecretKey: secret.Secret(cr.SecretKey),
		AuthBase: sim.AuthBaseURL(), ACBase: sim.ACBaseURL(),
	})
	if err != nil {
		t.Fatal(err)
	}
	usable, suspended, err := creds.Regions(ctx)
	before := usable
	if err != nil || len(usable) != 2 || len(suspended) != 1 || suspended[0].ID != scnettest.HuabeiClusterID {
		t.Fatalf("Regions = %v %v %v; want two usable and 华北一区 suspended", usable, suspended, err)
	}
	sim.Region(scnettest.HuabeiClusterID).SetSuspended(false)
	if usable, _, _ = creds.Regions(ctx); len(usable) != 2 {
		t.Fatalf("without a new login Regions lists %d usable, want the first login's 2", len(usable))
	}
	if err := creds.Relogin(ctx); err != nil {
		t.Fatal(err)
	}
	usable, suspended, err = creds.Regions(ctx)
	if err != nil || len(usable) != 3 || len(suspended) != 0 {
		t.Fatalf("after Relogin: %v %v %v; want three usable", usable, suspended, err)
	}
	for i, r := range usable {
		if tok, err := r.Tokens.Token(ctx); err != nil || tok == "" {
			t.Errorf("region %s: no token after Relogin: %v", r.Name, err)
		}
		if i < len(before) && r.Tokens != before[i].Tokens {
			t.Errorf("region %s: a new source after Relogin, want the one handed out before", r.Name)
		}
	}
}
