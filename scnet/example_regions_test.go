package scnet_test

import (
	"context"
	"net/http"
	"strings"
	"time"

	"scnetbot/regions"
	"scnetbot/scnet"
)

// Example_regions is how a regions.Discovery finds the account's regions.
// With a login (AK/SK or legacy), Credentials.Regions gives every region
// SCNET_CLUSTER selects, each with its own token source, and each region's
// client finds its AI base URL on first use through the center endpoint,
// asked with that region's token. With a SCNET_TOKEN list, DescribeRegion
// asks the center endpoint for each token's region and base URL.
func Example_regions() {
	hc := &http.Client{Timeout: 15 * time.Second}
	acBase := "" // SCNET_AC_URL; "" is scnet.DefaultACBase

	fromLogin := func(ctx context.Context) ([]*regions.Region, []regions.Suspended, error) {
		creds, err := scnet.NewCredentials(scnet.CredentialsConfig{
			User: "alice", AccessKey: "AK", SecretKey: "SK", Cluster: "all", ACBase: acBase,
		})
		if err != nil {
			return nil, nil, err
		}
		usable, suspended, err := creds.Regions(ctx)
		if err != nil {
			return nil, nil, err
		}
		var rs []*regions.Region
		for _, r := range usable {
			client, err := scnet.New("", scnet.WithTokenSource(r.Tokens),
				scnet.WithDiscovery(func(ctx context.Context) (string, error) {
					return scnet.DiscoverAIBase(ctx, hc, acBase, r.Tokens)
				}))
			if err != nil {
				return nil, nil, err
			}
			rs = append(rs, &regions.Region{ID: r.ID, Name: r.Name, Client: client, Tokens: r.Tokens})
		}
		var sus []regions.Suspended
		for _, r := range suspended {
			sus = append(sus, regions.Suspended{ID: r.ID, Name: r.Name})
		}
		return rs, sus, nil
	}

	fromTokens := func(ctx context.Context) ([]*regions.Region, []regions.Suspended, error) {
		var rs []*regions.Region
		for _, tok := range strings.Split("TOKEN-A,TOKEN-B", ",") { // SCNET_TOKEN
			ts := scnet.StaticToken(strings.TrimSpace(tok))
			r, base, err := scnet.DescribeRegion(ctx, hc, acBase, ts)
			if err != nil {
				return nil, nil, err
			}
			client, err := scnet.New(base, scnet.WithTokenSource(ts))
			if err != nil {
				return nil, nil, err
			}
			rs = append(rs, &regions.Region{ID: r.ID, Name: r.Name, Client: client, Tokens: ts})
		}
		return rs, nil, nil
	}

	// One of the two, as the configuration says.
	_ = regions.New(fromLogin)
	_ = regions.New(fromTokens)
}
