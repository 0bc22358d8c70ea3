package config

import (
	"slices"
	"strings"
	"testing"
)

func TestRegionSettingsRefused(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"base url with several tokens", with(valid(), "SCNET_TOKEN", "tok-a,tok-b", "SCNET_BASE_URL", "https://scnet.example/ai"),
			[]string{"SCNET_BASE_URL is set with 2 tokens"}},
		{"an empty token in the list", with(valid(), "SCNET_TOKEN", "tok-a,,tok-b"),
			[]string{"SCNET_TOKEN: entry 2 of the comma list is empty"}},
		{"cluster with tokens", with(valid(), "SCNET_CLUSTER", "西北一区"),
			[]string{"SCNET_CLUSTER picks regions of a login"}},
		{"route without a channel", with(valid(), "WATCH_CHANNEL", "C0ALERTS", "WATCH_ROUTES", "西北一区"),
			[]string{`WATCH_ROUTES: "西北一区" is not region=channel`}},
		{"route to a channel name", with(valid(), "WATCH_CHANNEL", "C0ALERTS", "WATCH_ROUTES", "西北一区=#gpu"),
			[]string{`WATCH_ROUTES: "#gpu" for region "西北一区" is not a channel id`}},
		{"route outside the allowed channels", with(valid(), "WATCH_CHANNEL", "C0ALERTS", "ALLOWED_CHANNELS", "C0ALERTS",
			"WATCH_ROUTES", "西北一区=C0NW"), []string{"WATCH_ROUTES: channel C0NW (region \"西北一区\") is not in ALLOWED_CHANNELS"}},
		{"a region routed twice", with(valid(), "WATCH_CHANNEL", "C0ALERTS", "WATCH_ROUTES", "a=C01,a=C02"),
			[]string{`region "a" is routed twice`}},
		{"routes without the watcher", with(valid(), "WATCH_ROUTES", "a=C01"),
			[]string{"WATCH_ROUTES is set but WATCH_CHANNEL is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := assertRefused(t, tt.env, tt.want...)
			if strings.Contains(err.Error(), "tok-a") {
				t.Errorf("a token was echoed:\n%s", err)
			}
		})
	}
}

func TestRegionSettingsRead(t *testing.T) {
	setEnv(t, with(valid(), "SCNET_TOKEN", " tok-a , tok-b ", "WATCH_CHANNEL", "C0ALERTS",
		"WATCH_ROUTES", "西北一区=C0NW, 12001 = C0EAST"))
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	var toks []string
	for _, s := range c.SCNetTokens() {
		toks = append(toks, s.Reveal())
	}
	if !slices.Equal(toks, []string{"tok-a", "tok-b"}) {
		t.Errorf("SCNetTokens = %q", toks)
	}
	// Which region a route names is the app's to match, among the regions
	// SCNet lists (see app's TestRoutesNameRegionsAsRegionWordsDo).
	if want := []Route{{"西北一区", "C0NW"}, {"12001", "C0EAST"}}; !slices.Equal(c.WatchRoutes.Routes, want) {
		t.Errorf("WatchRoutes = %q, want %q", c.WatchRoutes.Routes, want)
	}
}

func TestSCNetClusters(t *testing.T) {
	for v, want := range map[string][]string{
		"": nil, "all": nil, " ALL ": nil, "西北一区": {"西北一区"}, "西北一区, 11276 ,": {"西北一区", "11276"},
	} {
		c := &Config{SCNetCluster: v}
		if got := c.SCNetClusters(); !slices.Equal(got, want) {
			t.Errorf("SCNetClusters(%q) = %q, want %q", v, got, want)
		}
	}
}
