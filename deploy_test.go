package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"scnetbot/config"
)

// knownVariables lists every environment variable scnetbot reads.
func knownVariables() map[string]bool {
	vars := map[string]bool{}
	t := reflect.TypeOf(config.Config{})
	for i := range t.NumField() {
		if n := t.Field(i).Tag.Get("envconfig"); n != "" {
			vars[n] = true
		}
	}
	return vars
}

// TestKubernetesExample keeps deploy/ in step with the code: one replica
// (two watchers would alert twice), no variable the bot does not read, the
// probes on the health server's real paths, and the state on a volume.
func TestKubernetesExample(t *testing.T) {
	raw, err := os.ReadFile("deploy/kubernetes/scnetbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vars := knownVariables()
	kinds := map[string]bool{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc struct {
			Kind       string            `yaml:"kind"`
			StringData map[string]string `yaml:"stringData"`
			Data       map[string]string `yaml:"data"`
			Spec       struct {
				Replicas *int `yaml:"replicas"`
				Strategy struct {
					Type string `yaml:"type"`
				} `yaml:"strategy"`
				Template struct {
					Spec struct {
						Containers []struct {
							Env []struct {
								Name string `yaml:"name"`
							} `yaml:"env"`
							LivenessProbe struct {
								HTTPGet struct {
									Path string `yaml:"path"`
								} `yaml:"httpGet"`
							} `yaml:"livenessProbe"`
							ReadinessProbe struct {
								HTTPGet struct {
									Path string `yaml:"path"`
								} `yaml:"httpGet"`
							} `yaml:"readinessProbe"`
							VolumeMounts []struct {
								MountPath string `yaml:"mountPath"`
							} `yaml:"volumeMounts"`
						} `yaml:"containers"`
					} `yaml:"spec"`
				} `yaml:"template"`
			} `yaml:"spec"`
		}
		if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		kinds[doc.Kind] = true
		for k := range doc.StringData {
			if !vars[k] {
				t.Errorf("Secret sets %s, which scnetbot does not read", k)
			}
		}
		for k := range doc.Data {
			if !vars[k] {
				t.Errorf("ConfigMap sets %s, which scnetbot does not read", k)
			}
		}
		if doc.Kind != "Deployment" {
			continue
		}
		if doc.Spec.Replicas == nil || *doc.Spec.Replicas != 1 || doc.Spec.Strategy.Type != "Recreate" {
			t.Errorf("Deployment must run exactly one replica with the Recreate strategy")
		}
		for _, c := range doc.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if !vars[e.Name] {
					t.Errorf("container env sets %s, which scnetbot does not read", e.Name)
				}
			}
			if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("probes %q and %q, want /healthz and /readyz", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
			}
			if len(c.VolumeMounts) == 0 || c.VolumeMounts[0].MountPath != "/data" {
				t.Errorf("the state volume must be mounted at /data, where STATE_PATH points")
			}
		}
	}
	for _, k := range []string{"Secret", "ConfigMap", "PersistentVolumeClaim", "Deployment"} {
		if !kinds[k] {
			t.Errorf("deploy example has no %s", k)
		}
	}
}

// TestDockerfile checks what can be checked without a Docker engine: the
// variables it sets exist, the healthcheck subcommand exists, and the
// final image runs as non-root with the state on a volume.
func TestDockerfile(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	df := string(raw)
	vars := knownVariables()
	set := regexp.MustCompile(`(?m)^\s*(?:ENV\s+)?([A-Z_]+)=`).FindAllStringSubmatch(df, -1)
	if len(set) < 3 {
		t.Errorf("found %d ENV settings, want STATE_PATH, HTTP_ADDR and LOG_FORMAT at least", len(set))
	}
	for _, m := range set {
		if !vars[m[1]] {
			t.Errorf("Dockerfile sets %s, which scnetbot does not read", m[1])
		}
	}
	for _, want := range []string{"USER nonroot", "VOLUME /data", "STATE_PATH=/data/", `"healthcheck"`, "CGO_ENABLED=0", "-X main.version="} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
}

// TestHealthcheckCommand runs `scnetbot healthcheck` the way the image's
// HEALTHCHECK does, against a live and a dead /healthz.
func TestHealthcheckCommand(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
	addr := strings.TrimPrefix(srv.URL, "http://")
	check := func() int {
		cmd := exec.Command(os.Args[0], "healthcheck")
		cmd.Env = []string{"SCNETBOT_TEST_RUN_MAIN=1", "HTTP_ADDR=" + addr}
		_ = cmd.Run()
		return cmd.ProcessState.ExitCode()
	}
	if code := check(); code != 0 {
		t.Errorf("healthcheck against a live /healthz exited %d", code)
	}
	srv.Close()
	if code := check(); code != 1 {
		t.Errorf("healthcheck against a dead port exited %d, want 1", code)
	}
}

// TestHealthcheckWithTheServerOff: HTTP_ADDR set to empty turns the health
// server off, so there is nothing to probe; healthcheck says so instead of
// probing :8080, where another process may answer.
func TestHealthcheckWithTheServerOff(t *testing.T) {
	cmd := exec.Command(os.Args[0], "healthcheck")
	cmd.Env = []string{"SCNETBOT_TEST_RUN_MAIN=1", "HTTP_ADDR="}
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("healthcheck with HTTP_ADDR empty exited %d, want 1", code)
	}
	if !strings.Contains(string(out), "HTTP_ADDR is empty") || !strings.Contains(string(out), "health server is off") {
		t.Errorf("healthcheck output does not say the server is off: %q", out)
	}
}
