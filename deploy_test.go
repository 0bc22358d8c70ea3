package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"scnetbot/config"
	"scnetbot/internal/selfexec"
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
// probes on the health server's real paths, the state on a volume, a pod
// the kubelet would start, an image it can find, and no Secret in YAML.
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
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
			Spec struct {
				Replicas *int `yaml:"replicas"`
				Strategy struct {
					Type string `yaml:"type"`
				} `yaml:"strategy"`
				Template struct {
					Spec struct {
						SecurityContext securityContext `yaml:"securityContext"`
						Containers      []struct {
							Image           string          `yaml:"image"`
							ImagePullPolicy string          `yaml:"imagePullPolicy"`
							SecurityContext securityContext `yaml:"securityContext"`
							Env             []struct {
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
		if doc.Kind == "Secret" {
			t.Errorf("the example holds a Secret: tokens belong in an env file given to kubectl create secret, not in YAML that is applied again")
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
		pod := doc.Spec.Template.Spec
		for _, c := range pod.Containers {
			if err := kubeletAdmits(imageUser(t), pod.SecurityContext, c.SecurityContext); err != nil {
				t.Errorf("the pod would not start: %v", err)
			}
			// A locally built image has no registry to pull from: the tag
			// must be a real one (not latest, which means Always) and the
			// policy IfNotPresent.
			if _, tag, ok := strings.Cut(c.Image[strings.LastIndex(c.Image, "/")+1:], ":"); !ok || tag == "" || tag == "latest" {
				t.Errorf("image %q needs a tag other than latest", c.Image)
			}
			if c.ImagePullPolicy != "IfNotPresent" {
				t.Errorf("imagePullPolicy %q, want IfNotPresent so a locally built or pushed image is used", c.ImagePullPolicy)
			}
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
	for _, k := range []string{"ConfigMap", "PersistentVolumeClaim", "Deployment"} {
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
	if uid, _, err := numericUser(imageUser(t)); err != nil || uid == 0 {
		t.Errorf("Dockerfile USER %q: want a numeric, non-root uid:gid (runAsNonRoot cannot check a name): %v", imageUser(t), err)
	}
	for _, want := range []string{"VOLUME /data", "STATE_PATH=/data/", `"healthcheck"`, "CGO_ENABLED=0", "-X main.version="} {
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
		cmd := selfexec.Command([]string{"HTTP_ADDR=" + addr}, "healthcheck")
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
	cmd := selfexec.Command([]string{"HTTP_ADDR="}, "healthcheck")
	out, _ := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("healthcheck with HTTP_ADDR empty exited %d, want 1", code)
	}
	if !strings.Contains(string(out), "HTTP_ADDR is empty") || !strings.Contains(string(out), "health server is off") {
		t.Errorf("healthcheck output does not say the server is off: %q", out)
	}
}

// TestSecretEnvTemplate: the env file the README turns into the Secret
// offers every secret variable, for each way to reach SCNet, and nothing
// scnetbot does not read; the README shows the command.
func TestSecretEnvTemplate(t *testing.T) {
	raw, err := os.ReadFile("deploy/kubernetes/secret.env.example")
	if err != nil {
		t.Fatal(err)
	}
	vars := knownVariables()
	offered := map[string]bool{}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue // kubectl reads # lines as comments
		}
		k, _, ok := strings.Cut(line, "=")
		if !ok {
			t.Errorf("secret.env.example: %q is not NAME=value", line)
			continue
		}
		if !vars[k] {
			t.Errorf("secret.env.example sets %s, which scnetbot does not read", k)
		}
		offered[k] = true
	}
	for _, k := range secretVariables() {
		if !offered[k] {
			t.Errorf("secret.env.example lacks %s", k)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "kubectl create secret generic scnetbot --from-env-file=") {
		t.Error("README does not show how to create the Secret from the env file")
	}
}

// secretVariables are the variables that hold a secret or go with one, so
// the Secret template must offer each of them.
func secretVariables() []string {
	return []string{"SLACK_APP_TOKEN", "SLACK_BOT_TOKEN", "SCNET_TOKEN", "SCNET_USER",
		"SCNET_ACCESS_KEY", "SCNET_SECRET_KEY", "SCNET_PASSWORD", "SCNET_ORG_ID"}
}

// securityContext is the part of a pod's or container's security context
// that decides which user the container runs as.
type securityContext struct {
	RunAsNonRoot *bool  `yaml:"runAsNonRoot"`
	RunAsUser    *int64 `yaml:"runAsUser"`
	RunAsGroup   *int64 `yaml:"runAsGroup"`
}

// imageUser is the USER of the Dockerfile's final stage.
func imageUser(t *testing.T) string {
	t.Helper()
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	user := ""
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && strings.EqualFold(f[0], "FROM"):
			user = "" // a new stage starts as root again
		case len(f) == 2 && strings.EqualFold(f[0], "USER"):
			user = f[1]
		}
	}
	return user
}

// numericUser reads a USER value as uid[:gid].
func numericUser(user string) (uid, gid int64, err error) {
	u, g, _ := strings.Cut(user, ":")
	if uid, err = strconv.ParseInt(u, 10, 64); err != nil {
		return 0, 0, fmt.Errorf("user %q is not numeric", u)
	}
	if g != "" {
		if gid, err = strconv.ParseInt(g, 10, 64); err != nil {
			return 0, 0, fmt.Errorf("group %q is not numeric", g)
		}
	}
	return uid, gid, nil
}

// kubeletAdmits applies the kubelet's check for runAsNonRoot: the user the
// container runs as (the container's runAsUser, else the pod's, else the
// image's USER) must be known to be non-zero, which a user name is not.
func kubeletAdmits(imageUser string, pod, container securityContext) error {
	nonRoot := pod.RunAsNonRoot
	if container.RunAsNonRoot != nil {
		nonRoot = container.RunAsNonRoot
	}
	if nonRoot == nil || !*nonRoot {
		return nil
	}
	uid := pod.RunAsUser
	if container.RunAsUser != nil {
		uid = container.RunAsUser
	}
	if uid != nil {
		if *uid == 0 {
			return errors.New("runAsNonRoot and runAsUser 0")
		}
		return nil
	}
	if imageUser == "" {
		return errors.New("runAsNonRoot, no runAsUser, and the image runs as root")
	}
	n, _, err := numericUser(imageUser)
	if err != nil {
		return fmt.Errorf("runAsNonRoot, no runAsUser, and the image's %v: the kubelet cannot verify a name is non-root", err)
	}
	if n == 0 {
		return errors.New("runAsNonRoot, no runAsUser, and the image runs as uid 0")
	}
	return nil
}

// TestKubeletAdmits holds the check above to what the kubelet does, the
// broken pairing included.
func TestKubeletAdmits(t *testing.T) {
	yes, uid, root := true, int64(65532), int64(0)
	tests := []struct {
		image          string
		pod, container securityContext
		ok             bool
	}{
		{"nonroot:nonroot", securityContext{RunAsNonRoot: &yes}, securityContext{}, false},
		{"65532:65532", securityContext{RunAsNonRoot: &yes}, securityContext{}, true},
		{"nonroot:nonroot", securityContext{RunAsNonRoot: &yes, RunAsUser: &uid}, securityContext{}, true},
		{"nonroot", securityContext{}, securityContext{RunAsNonRoot: &yes, RunAsUser: &uid}, true},
		{"65532", securityContext{RunAsNonRoot: &yes}, securityContext{RunAsUser: &root}, false},
		{"", securityContext{RunAsNonRoot: &yes}, securityContext{}, false},
		{"0:0", securityContext{RunAsNonRoot: &yes}, securityContext{}, false},
		{"nonroot", securityContext{}, securityContext{}, true},
	}
	for _, tt := range tests {
		if err := kubeletAdmits(tt.image, tt.pod, tt.container); (err == nil) != tt.ok {
			t.Errorf("kubeletAdmits(%q, %+v, %+v) = %v, want ok %v", tt.image, tt.pod, tt.container, err, tt.ok)
		}
	}
}

// dockerIgnored reports whether a .dockerignore pattern list leaves path
// out of the build context. It knows the forms the file uses: a path or
// glob from the root, "**/" for any depth, and a match on a directory
// leaving out everything below it.
func dockerIgnored(patterns []string, p string) bool {
	segs := strings.Split(p, "/")
	for _, pat := range patterns {
		anyDepth := strings.HasPrefix(pat, "**/")
		pat = strings.TrimPrefix(strings.TrimPrefix(pat, "**/"), "/")
		n := strings.Count(pat, "/") + 1
		for start := 0; start+n <= len(segs) && (start == 0 || anyDepth); start++ {
			if ok, _ := path.Match(pat, strings.Join(segs[start:start+n], "/")); ok {
				return true
			}
		}
	}
	return false
}

// TestDockerignore: the build context leaves out the repository's history,
// state files and node_modules, and keeps everything the build needs.
func TestDockerignore(t *testing.T) {
	raw, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasPrefix(line, "!") {
			t.Fatalf("pattern %q: exceptions are not understood by this test", line)
		}
		patterns = append(patterns, line)
	}
	for _, p := range []string{".git/HEAD", "scnetbot.db", "state/testdata/x.db", "bench/boltcompare/bolt/node_modules/x/index.js", "scnetbot"} {
		if !dockerIgnored(patterns, p) {
			t.Errorf(".dockerignore lets %s into the build context", p)
		}
	}
	for _, p := range []string{"go.mod", "go.sum", "main.go", "config/config.go", "scnet/scnettest/server.go", "Dockerfile"} {
		if dockerIgnored(patterns, p) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", p)
		}
	}
}

// TestKubernetesReplicasExample keeps the two-replica example in step:
// two replicas on STATE_URL from a Secret and no volume (the state is in
// PostgreSQL), a PodDisruptionBudget that keeps one pod, pods on
// different nodes, the probes on the real paths, no variable the bot does
// not read, and no Secret in YAML.
func TestKubernetesReplicasExample(t *testing.T) {
	raw, err := os.ReadFile("deploy/kubernetes/replicas/scnetbot.yaml")
	if err != nil {
		t.Fatal(err)
	}
	vars := knownVariables()
	kinds := map[string]bool{}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for {
		var doc struct {
			Kind string            `yaml:"kind"`
			Data map[string]string `yaml:"data"`
			Spec struct {
				Replicas     *int `yaml:"replicas"`
				MinAvailable *int `yaml:"minAvailable"`
				Template     struct {
					Spec struct {
						SecurityContext securityContext `yaml:"securityContext"`
						Affinity        struct {
							PodAntiAffinity struct {
								Required []struct {
									TopologyKey string `yaml:"topologyKey"`
								} `yaml:"requiredDuringSchedulingIgnoredDuringExecution"`
							} `yaml:"podAntiAffinity"`
						} `yaml:"affinity"`
						Volumes    []any `yaml:"volumes"`
						Containers []struct {
							SecurityContext securityContext `yaml:"securityContext"`
							Env             []struct {
								Name      string `yaml:"name"`
								ValueFrom struct {
									SecretKeyRef struct {
										Name string `yaml:"name"`
										Key  string `yaml:"key"`
									} `yaml:"secretKeyRef"`
								} `yaml:"valueFrom"`
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
							VolumeMounts []any `yaml:"volumeMounts"`
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
		switch doc.Kind {
		case "Secret":
			t.Errorf("the example holds a Secret: STATE_URL's password belongs in kubectl create secret")
		case "PodDisruptionBudget":
			if doc.Spec.MinAvailable == nil || *doc.Spec.MinAvailable != 1 {
				t.Errorf("PodDisruptionBudget must keep minAvailable 1")
			}
		}
		for k := range doc.Data {
			if !vars[k] {
				t.Errorf("ConfigMap sets %s, which scnetbot does not read", k)
			}
			if k == "STATE_URL" || k == "STATE_PATH" {
				t.Errorf("ConfigMap sets %s: STATE_URL comes from a Secret, and the file is not used", k)
			}
		}
		if doc.Kind != "Deployment" {
			continue
		}
		if doc.Spec.Replicas == nil || *doc.Spec.Replicas != 2 {
			t.Errorf("Deployment must run two replicas")
		}
		pod := doc.Spec.Template.Spec
		if len(pod.Volumes) != 0 {
			t.Errorf("the pods have volumes: the state is in PostgreSQL")
		}
		if a := pod.Affinity.PodAntiAffinity.Required; len(a) != 1 || a[0].TopologyKey != "kubernetes.io/hostname" {
			t.Errorf("pod anti-affinity must keep the replicas on different nodes (kubernetes.io/hostname)")
		}
		for _, c := range pod.Containers {
			if err := kubeletAdmits(imageUser(t), pod.SecurityContext, c.SecurityContext); err != nil {
				t.Errorf("the pod would not start: %v", err)
			}
			fromSecret := false
			for _, e := range c.Env {
				if !vars[e.Name] {
					t.Errorf("container env sets %s, which scnetbot does not read", e.Name)
				}
				if e.Name == "STATE_URL" && e.ValueFrom.SecretKeyRef.Name != "" && e.ValueFrom.SecretKeyRef.Key == "STATE_URL" {
					fromSecret = true
				}
			}
			if !fromSecret {
				t.Errorf("STATE_URL must come from a Secret's STATE_URL key")
			}
			if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
				t.Errorf("probes %q and %q, want /healthz and /readyz", c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
			}
			if len(c.VolumeMounts) != 0 {
				t.Errorf("the container mounts a volume: the state is in PostgreSQL")
			}
		}
	}
	for _, k := range []string{"ConfigMap", "PodDisruptionBudget", "Deployment"} {
		if !kinds[k] {
			t.Errorf("two-replica example has no %s", k)
		}
	}
}
