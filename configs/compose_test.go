package configs

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

const composeFile = "docker-compose.yaml"

type compose struct {
	Name     string
	Services map[string]composeService
	Volumes  map[string]any
}

type composeService struct {
	Image string
	Build *struct {
		Context string
		Args    map[string]string
	}
	Command         []string
	Environment     map[string]string
	DependsOn       yaml.Node `yaml:"depends_on"`
	Healthcheck     *composeHealthcheck
	Ports           []string
	Volumes         []string
	Profiles        []string
	Restart         string
	StopGracePeriod string `yaml:"stop_grace_period"`
}

type composeHealthcheck struct {
	Test []string
}

// conditions returns depends_on as service -> condition; the short list
// form means "service_started".
func (s composeService) conditions(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch s.DependsOn.Kind {
	case 0:
	case yaml.SequenceNode:
		var names []string
		if err := s.DependsOn.Decode(&names); err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			out[n] = "service_started"
		}
	default:
		var long map[string]struct{ Condition string }
		if err := s.DependsOn.Decode(&long); err != nil {
			t.Fatal(err)
		}
		for n, d := range long {
			out[n] = d.Condition
		}
	}
	return out
}

// aquamlServices are the services that run the aquaml image.
var aquamlServices = []string{"api", "worker"}

func loadCompose(t *testing.T) compose {
	t.Helper()
	c := decodeOneYAML[compose](t, composeFile)
	if len(c.Services) == 0 {
		t.Fatalf("%s: no services", composeFile)
	}
	return c
}

func TestComposeDefaultServices(t *testing.T) {
	c := loadCompose(t)
	var always []string
	for name, s := range c.Services {
		if len(s.Profiles) == 0 {
			always = append(always, name)
		}
	}
	slices.Sort(always)
	if want := []string{"api", "postgres", "redis", "worker"}; !slices.Equal(always, want) {
		t.Errorf("`docker compose up` starts %v, want %v", always, want)
	}
	for name, s := range c.Services {
		if s.Restart == "" {
			t.Errorf("%s: no restart policy", name)
		}
	}
}

func TestComposeBackingServices(t *testing.T) {
	c := loadCompose(t)
	pg, redis := c.Services["postgres"], c.Services["redis"]
	if pg.Image != "postgres:15-alpine" {
		t.Errorf("postgres image %q", pg.Image)
	}
	if redis.Image != "redis:7-alpine" {
		t.Errorf("redis image %q", redis.Image)
	}
	if pg.Healthcheck == nil || !strings.Contains(strings.Join(pg.Healthcheck.Test, " "), "pg_isready") {
		t.Errorf("postgres healthcheck %+v, want pg_isready", pg.Healthcheck)
	}
	if redis.Healthcheck == nil || !slices.Equal(redis.Healthcheck.Test, []string{"CMD", "redis-cli", "ping"}) {
		t.Errorf("redis healthcheck %+v, want redis-cli ping", redis.Healthcheck)
	}
	if !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
		t.Errorf("redis command %q does not keep an append-only file: queued batches would be lost on restart", redis.Command)
	}
	assertNamedVolume(t, c, "postgres", "/var/lib/postgresql/data")
	assertNamedVolume(t, c, "redis", "/data")
}

// assertNamedVolume checks that target is mounted from a declared named
// volume, so data outlives the container.
func assertNamedVolume(t *testing.T, c compose, service, target string) {
	t.Helper()
	for _, v := range c.Services[service].Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == target {
			if _, ok := c.Volumes[parts[0]]; !ok {
				t.Errorf("%s: %s is mounted from %q, not a named volume declared under volumes:", service, target, parts[0])
			}
			return
		}
	}
	t.Errorf("%s: nothing mounted at %s", service, target)
}

func TestComposeAquaMLServices(t *testing.T) {
	c := loadCompose(t)
	api := c.Services["api"]
	if !slices.Equal(api.Command, []string{"serve", "--worker=false"}) {
		t.Errorf("api command %q, want serve --worker=false", api.Command)
	}
	if w := c.Services["worker"].Command; !slices.Equal(w, []string{"worker"}) {
		t.Errorf("worker command %q, want worker", w)
	}
	port := defaultOf(t, "API_PORT")
	if !slices.Contains(api.Ports, port+":"+port) {
		t.Errorf("api ports %q do not publish API_PORT %s", api.Ports, port)
	}
	grace, err := time.ParseDuration(defaultOf(t, "SHUTDOWN_GRACE"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range aquamlServices {
		s := c.Services[name]
		t.Run(name, func(t *testing.T) {
			if s.Build == nil || s.Build.Context != "." {
				t.Errorf("build %+v, want the repository's Dockerfile (context .)", s.Build)
			}
			if s.Image != api.Image {
				t.Errorf("image %q, want the api's %q", s.Image, api.Image)
			}
			assertCommand(t, "command", s.Command)
			deps := s.conditions(t)
			for _, dep := range []string{"postgres", "redis"} {
				if deps[dep] != "service_healthy" {
					t.Errorf("depends_on %s: condition %q, want service_healthy", dep, deps[dep])
				}
			}
			if s.Healthcheck == nil || !slices.Equal(s.Healthcheck.Test, []string{"CMD", binary, "healthcheck"}) {
				t.Errorf("healthcheck %+v, want [CMD %s healthcheck]", s.Healthcheck, binary)
			} else {
				assertCommand(t, "healthcheck", s.Healthcheck.Test[2:])
			}
			if stop, err := time.ParseDuration(s.StopGracePeriod); err != nil || stop <= grace {
				t.Errorf("stop_grace_period %q must exceed SHUTDOWN_GRACE %s, or Docker kills in-flight work", s.StopGracePeriod, grace)
			}
			assertNamedVolume(t, c, name, "/data")
			var names []string
			for k := range s.Environment {
				names = append(names, k)
			}
			assertKnownKeys(t, "environment", names)
		})
	}
}

// monitoringPorts are the ports Prometheus and Grafana listen on in their
// containers.
var monitoringPorts = map[string]string{"prometheus": "9090", "grafana": "3000"}

func TestComposeMonitoringProfile(t *testing.T) {
	c := loadCompose(t)
	mounts := map[string]string{} // container path -> host path
	for _, name := range []string{"prometheus", "grafana"} {
		s, ok := c.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if !slices.Equal(s.Profiles, []string{"monitoring"}) {
			t.Errorf("%s profiles %q, want [monitoring]", name, s.Profiles)
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) < 2 || s.Healthcheck.Test[0] != "CMD" ||
			!strings.Contains(strings.Join(s.Healthcheck.Test, " "), "http://localhost:"+monitoringPorts[name]+"/") {
			t.Errorf("%s: healthcheck %+v, want a CMD probing its own port %s", name, s.Healthcheck, monitoringPorts[name])
		}
		for _, v := range s.Volumes {
			parts := strings.Split(v, ":")
			if strings.HasPrefix(parts[0], "./") {
				if _, err := os.Stat(repoPath(parts[0])); err != nil {
					t.Errorf("%s mounts %s: %v", name, parts[0], err)
				}
				mounts[parts[1]] = parts[0]
			}
		}
	}
	if mounts["/etc/prometheus"] != "./configs/prometheus" {
		t.Errorf("prometheus does not mount ./configs/prometheus at /etc/prometheus: %v", mounts)
	}
	if mounts["/etc/grafana/provisioning"] != "./configs/grafana/provisioning" {
		t.Errorf("grafana does not mount its provisioning: %v", mounts)
	}
	if got := c.Services["grafana"].conditions(t)["prometheus"]; got != "service_healthy" {
		t.Errorf("grafana waits for prometheus to be %q, want service_healthy", got)
	}
	provider := decodeOneYAML[grafanaProviders](t, grafanaProvidersFile)
	for _, p := range provider.Providers {
		if mounts[p.Options.Path] != "./configs/grafana/dashboards" {
			t.Errorf("dashboard provider reads %s, where compose mounts %q", p.Options.Path, mounts[p.Options.Path])
		}
	}
}
