package configs

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

type deploymentSpec struct {
	Replicas *int
	Selector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	}
	Template struct {
		Metadata struct {
			Labels      map[string]string
			Annotations map[string]string
		}
		Spec podSpec
	}
}

type podSpec struct {
	TerminationGracePeriodSeconds int `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               struct {
		RunAsNonRoot *bool `yaml:"runAsNonRoot"`
		RunAsUser    *int  `yaml:"runAsUser"`
		RunAsGroup   *int  `yaml:"runAsGroup"`
	} `yaml:"securityContext"`
	Containers []container
	Volumes    []struct {
		Name                  string
		EmptyDir              *struct{} `yaml:"emptyDir"`
		PersistentVolumeClaim *struct {
			ClaimName string `yaml:"claimName"`
		} `yaml:"persistentVolumeClaim"`
	}
}

type container struct {
	Name, Image   string
	Command, Args []string
	Ports         []struct {
		Name          string
		ContainerPort int `yaml:"containerPort"`
	}
	Env []struct {
		Name string
	}
	EnvFrom []struct {
		ConfigMapRef *struct{ Name string } `yaml:"configMapRef"`
		SecretRef    *struct{ Name string } `yaml:"secretRef"`
	} `yaml:"envFrom"`
	Resources struct {
		Requests, Limits map[string]string
	}
	StartupProbe   *probe `yaml:"startupProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	// Hand-written check of the hardening the restricted Pod Security
	// Standard demands.
	SecurityContext struct {
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string
		}
	} `yaml:"securityContext"`
	VolumeMounts []struct {
		Name      string
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string
		Port any
	} `yaml:"httpGet"`
}

// port resolves a numeric or named container port.
func (c container) port(p any) int {
	switch v := p.(type) {
	case int:
		return v
	case string:
		for _, cp := range c.Ports {
			if cp.Name == v {
				return cp.ContainerPort
			}
		}
	}
	return -1
}

func TestK8sDeployments(t *testing.T) {
	m := loadK8s(t)
	port := defaultOf(t, "API_PORT")
	cfg := m.get(t, "ConfigMap", "aquaml-config").Data
	if p, ok := cfg["API_PORT"]; ok {
		port = p
	}
	apiPort, _ := strconv.Atoi(port)
	grace, err := time.ParseDuration(orDefault(cfg["SHUTDOWN_GRACE"], defaultOf(t, "SHUTDOWN_GRACE")))
	if err != nil {
		t.Fatal(err)
	}
	images := map[string]bool{}
	for _, img := range m.kust.Images {
		images[img.Name] = true
	}
	wantArgs := map[string][]string{"aquaml-api": {"serve", "--worker=false"}, "aquaml-worker": {"worker"}}
	for name, args := range wantArgs {
		t.Run(name, func(t *testing.T) {
			spec := decodeSpec[deploymentSpec](t, m.get(t, "Deployment", name))
			tmpl := spec.Template
			for k, v := range spec.Selector.MatchLabels {
				if tmpl.Metadata.Labels[k] != v {
					t.Errorf("selector %s=%s does not select the pod template", k, v)
				}
			}
			if len(tmpl.Spec.Containers) != 1 {
				t.Fatalf("%d containers, want 1", len(tmpl.Spec.Containers))
			}
			c := tmpl.Spec.Containers[0]
			if !images[c.Image] {
				t.Errorf("image %q is not managed by kustomization.yaml images:", c.Image)
			}
			if len(c.Command) > 0 && !slices.Equal(c.Command, []string{binary}) {
				t.Errorf("command %q replaces the image's entrypoint %s", c.Command, binary)
			}
			if !slices.Equal(c.Args, args) {
				t.Errorf("args %q, want %q", c.Args, args)
			}
			assertCommand(t, "args", c.Args)

			for probeName, want := range map[string]struct {
				p    *probe
				path string
			}{"startupProbe": {c.StartupProbe, ""}, "readinessProbe": {c.ReadinessProbe, "/ready"}, "livenessProbe": {c.LivenessProbe, "/live"}} {
				switch {
				case want.p == nil || want.p.HTTPGet == nil:
					t.Errorf("no HTTP %s", probeName)
				case want.path != "" && want.p.HTTPGet.Path != want.path:
					t.Errorf("%s path %s, want %s", probeName, want.p.HTTPGet.Path, want.path)
				case c.port(want.p.HTTPGet.Port) != apiPort:
					t.Errorf("%s port %v is not API_PORT %d", probeName, want.p.HTTPGet.Port, apiPort)
				}
			}
			if got := tmpl.Metadata.Annotations["prometheus.io/port"]; got != port {
				t.Errorf("prometheus.io/port %q, want API_PORT %s", got, port)
			}

			pod := tmpl.Spec.SecurityContext
			if pod.RunAsNonRoot == nil || !*pod.RunAsNonRoot || pod.RunAsUser == nil || *pod.RunAsUser != 1000 || pod.RunAsGroup == nil || *pod.RunAsGroup != 1000 {
				t.Error("pod securityContext must set runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000")
			}
			sc := c.SecurityContext
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || !slices.Equal(sc.Capabilities.Drop, []string{"ALL"}) {
				t.Error("container securityContext must set readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities.drop: [ALL]")
			}
			for _, r := range []string{"cpu", "memory"} {
				if c.Resources.Requests[r] == "" || c.Resources.Limits[r] == "" {
					t.Errorf("resources: no %s request and limit", r)
				}
			}
			if time.Duration(tmpl.Spec.TerminationGracePeriodSeconds)*time.Second <= grace {
				t.Errorf("terminationGracePeriodSeconds %d must exceed SHUTDOWN_GRACE %s", tmpl.Spec.TerminationGracePeriodSeconds, grace)
			}
			assertWritableMounts(t, m, tmpl.Spec, c)
			assertEnvSources(t, m, c)
		})
	}
	api := decodeSpec[deploymentSpec](t, m.get(t, "Deployment", "aquaml-api"))
	if api.Replicas == nil || *api.Replicas != 2 {
		t.Error("api replicas must be 2")
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// assertWritableMounts checks that the paths the binary writes to exist on
// a read-only root filesystem.
func assertWritableMounts(t *testing.T, m k8sManifests, pod podSpec, c container) {
	t.Helper()
	for _, mount := range []string{"/data", "/tmp"} {
		i := slices.IndexFunc(c.VolumeMounts, func(v struct {
			Name      string
			MountPath string `yaml:"mountPath"`
		}) bool {
			return v.MountPath == mount
		})
		if i < 0 {
			t.Errorf("nothing writable mounted at %s", mount)
			continue
		}
		name := c.VolumeMounts[i].Name
		found := false
		for _, v := range pod.Volumes {
			if v.Name != name {
				continue
			}
			found = v.EmptyDir != nil || v.PersistentVolumeClaim != nil
			if v.PersistentVolumeClaim != nil {
				m.get(t, "PersistentVolumeClaim", v.PersistentVolumeClaim.ClaimName)
			}
		}
		if !found {
			t.Errorf("volume %q for %s is neither an emptyDir nor a claim", name, mount)
		}
	}
}

// runtimeEnv are variables the Go runtime reads, not the binary's config.
var runtimeEnv = []string{"GOMEMLIMIT"}

// assertEnvSources checks that every variable reaching the container is a
// setting the binary reads (or the Go runtime does).
func assertEnvSources(t *testing.T, m k8sManifests, c container) {
	t.Helper()
	var names []string
	for _, e := range c.Env {
		if !slices.Contains(runtimeEnv, e.Name) {
			names = append(names, e.Name)
		}
	}
	for _, src := range c.EnvFrom {
		switch {
		case src.ConfigMapRef != nil:
			names = slices.AppendSeq(names, maps.Keys(m.get(t, "ConfigMap", src.ConfigMapRef.Name).Data))
		case src.SecretRef != nil:
			names = slices.AppendSeq(names, maps.Keys(m.get(t, "Secret", src.SecretRef.Name).StringData))
		}
	}
	if len(names) == 0 {
		t.Error("no configuration reaches the container")
	}
	assertKnownKeys(t, "env", names)
}

// TestK8sConfigurationStartsOnlyWithRealSecrets loads the ConfigMap and the
// example Secret with the real config loader: the placeholders are refused,
// and the same settings with real secrets are a valid production config.
func TestK8sConfigurationStartsOnlyWithRealSecrets(t *testing.T) {
	m := loadK8s(t)
	secret := m.get(t, "Secret", "aquaml-secrets").StringData
	for _, k := range []string{"DATABASE_URL", "REDIS_URL", "JWT_SECRET_KEY", "SECRET_KEY"} {
		if !strings.Contains(secret[k], "REPLACE_ME") {
			t.Errorf("%s %s: %q is not a clearly marked placeholder", k8sSecretExample, k, secret[k])
		}
	}
	env := maps.Clone(m.get(t, "ConfigMap", "aquaml-config").Data)
	maps.Copy(env, secret)
	env["JWT_SECRET_KEY"], env["SECRET_KEY"] = realSecret, realSecret
	cfg, err := loadWithEnv(t, env)
	if err != nil {
		t.Fatalf("the ConfigMap with real secrets does not load: %v", err)
	}
	if !cfg.IsProduction() || cfg.Database.URL == "" || cfg.Redis.URL == "" {
		t.Errorf("want production on external Postgres and Redis, got %s, db %q, redis %q", cfg.Environment, cfg.Database.URL, cfg.Redis.URL)
	}
	env["JWT_SECRET_KEY"], env["SECRET_KEY"] = secret["JWT_SECRET_KEY"], secret["SECRET_KEY"]
	if _, err := loadWithEnv(t, env); err == nil || !strings.Contains(err.Error(), "SECRET_KEY") {
		t.Errorf("the placeholder secrets were not refused: %v", err)
	}
}
