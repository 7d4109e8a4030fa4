package configs

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const (
	prometheusFile         = "configs/prometheus/prometheus.yml"
	grafanaDatasourcesFile = "configs/grafana/provisioning/datasources/prometheus.yaml"
	grafanaProvidersFile   = "configs/grafana/provisioning/dashboards/aquaml.yaml"
	grafanaDashboardFile   = "configs/grafana/dashboards/aquaml.json"
)

type prometheusConfig struct {
	RuleFiles     []string `yaml:"rule_files"`
	ScrapeConfigs []struct {
		JobName       string `yaml:"job_name"`
		MetricsPath   string `yaml:"metrics_path"`
		StaticConfigs []struct {
			Targets []string
		} `yaml:"static_configs"`
		DNSSDConfigs []struct {
			Names []string
			Type  string
			Port  int
		} `yaml:"dns_sd_configs"`
	} `yaml:"scrape_configs"`
}

type alertRules struct {
	Groups []struct {
		Name  string
		Rules []struct {
			Alert       string
			Expr        string
			For         string
			Labels      map[string]string
			Annotations map[string]string
		}
	}
}

type grafanaProviders struct {
	Providers []struct {
		Name    string
		Type    string
		Options struct {
			Path string
		}
	}
}

type grafanaPanel struct {
	Type       string
	Title      string
	Datasource *struct{ Type, UID string }
	Targets    []struct {
		Expr       string
		Datasource *struct{ Type, UID string }
	}
	Panels []grafanaPanel // inside collapsed rows
}

var jobMatcher = regexp.MustCompile(`\bjob\s*(=~|=)\s*"([^"]*)"`)

// jobsNamed returns the job names an expression's job matchers name,
// splitting simple alternations (a|b).
func jobsNamed(expr string) []string {
	var jobs []string
	for _, m := range jobMatcher.FindAllStringSubmatch(expr, -1) {
		if m[1] == "=~" && strings.ContainsAny(m[2], ".*+?()[]$") {
			continue // a real pattern, not a list of names
		}
		jobs = append(jobs, strings.Split(m[2], "|")...)
	}
	return jobs
}

func scrapeJobs(t *testing.T) []string {
	t.Helper()
	var jobs []string
	for _, sc := range decodeOneYAML[prometheusConfig](t, prometheusFile).ScrapeConfigs {
		jobs = append(jobs, sc.JobName)
	}
	return jobs
}

func TestPrometheusScrapesAPIAndWorker(t *testing.T) {
	cfg := decodeOneYAML[prometheusConfig](t, prometheusFile)
	for _, f := range cfg.RuleFiles {
		if _, err := os.Stat(repoPath(path.Join(path.Dir(prometheusFile), f))); err != nil {
			t.Errorf("rule file %s: %v", f, err)
		}
	}
	if len(cfg.RuleFiles) == 0 {
		t.Error("no rule_files: the alerts would never be evaluated")
	}
	services := loadCompose(t).Services
	port := defaultOf(t, "API_PORT")
	want := map[string]string{"aquaml-api": "api", "aquaml-worker": "worker"}
	for _, sc := range cfg.ScrapeConfigs {
		service, ok := want[sc.JobName]
		if !ok {
			continue
		}
		delete(want, sc.JobName)
		if sc.MetricsPath != "" && sc.MetricsPath != "/metrics" {
			t.Errorf("%s scrapes %s, want /metrics", sc.JobName, sc.MetricsPath)
		}
		var targets []string
		for _, s := range sc.StaticConfigs {
			targets = append(targets, s.Targets...)
		}
		for _, d := range sc.DNSSDConfigs {
			for _, n := range d.Names {
				targets = append(targets, fmt.Sprintf("%s:%d", n, d.Port))
			}
		}
		if !slices.Equal(targets, []string{service + ":" + port}) {
			t.Errorf("%s targets %q, want the %s service on API_PORT %s", sc.JobName, targets, service, port)
		}
		if _, ok := services[service]; !ok {
			t.Errorf("%s: no %s service in %s", sc.JobName, service, composeFile)
		}
	}
	if len(want) > 0 {
		t.Errorf("no scrape job for %v", want)
	}
}

func TestAlertRules(t *testing.T) {
	cfg := decodeOneYAML[prometheusConfig](t, prometheusFile)
	jobs := scrapeJobs(t)
	var names []string
	for _, file := range cfg.RuleFiles {
		rules := decodeOneYAML[alertRules](t, path.Join(path.Dir(prometheusFile), file))
		for _, g := range rules.Groups {
			for _, r := range g.Rules {
				where := file + ": " + r.Alert
				names = append(names, r.Alert)
				if r.Alert == "" || r.Expr == "" {
					t.Errorf("%s/%s: a rule without alert or expr", file, g.Name)
				}
				if r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
					t.Errorf("%s: needs labels.severity and annotations summary and description", where)
				}
				assertKnownSeries(t, where, r.Expr)
				for _, j := range jobsNamed(r.Expr) {
					if !slices.Contains(jobs, j) {
						t.Errorf("%s: job %q is not scraped by prometheus.yml %v", where, j, jobs)
					}
				}
			}
		}
	}
	for _, want := range []string{
		"AquaMLHighErrorRate", "AquaMLClassifyLatencyHigh", "AquaMLInstanceDown", "AquaMLNotReady",
		"AquaMLQueueBacklogGrowing", "AquaMLArchivedTasks", "AquaMLInferenceOverloaded", "AquaMLRedisDown",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("no alert %s (have %v)", want, names)
		}
	}
}

func dashboardPanels(t *testing.T) []grafanaPanel {
	t.Helper()
	var dash struct {
		UID    string
		Title  string
		Panels []grafanaPanel
	}
	if err := json.Unmarshal(readRepoFile(t, grafanaDashboardFile), &dash); err != nil {
		t.Fatalf("%s: %v", grafanaDashboardFile, err)
	}
	if dash.UID == "" || dash.Title == "" {
		t.Errorf("%s: dashboard needs a uid and a title", grafanaDashboardFile)
	}
	var flat []grafanaPanel
	var walk func([]grafanaPanel)
	walk = func(ps []grafanaPanel) {
		for _, p := range ps {
			flat = append(flat, p)
			walk(p.Panels)
		}
	}
	walk(dash.Panels)
	return flat
}

func TestGrafanaDashboard(t *testing.T) {
	ds := decodeOneYAML[struct {
		Datasources []struct{ Name, UID, Type, URL string }
	}](t, grafanaDatasourcesFile)
	if len(ds.Datasources) != 1 || ds.Datasources[0].Type != "prometheus" || ds.Datasources[0].UID == "" {
		t.Fatalf("want one Prometheus datasource with a fixed uid, got %+v", ds.Datasources)
	}
	if !strings.HasPrefix(ds.Datasources[0].URL, "http://prometheus:") {
		t.Errorf("datasource URL %s is not the compose prometheus service", ds.Datasources[0].URL)
	}
	uid := ds.Datasources[0].UID
	jobs := scrapeJobs(t)

	used := map[string]bool{}
	var titles []string
	for _, p := range dashboardPanels(t) {
		if p.Type == "row" {
			continue
		}
		if slices.Contains(titles, p.Title) {
			t.Errorf("two panels titled %q", p.Title)
		}
		titles = append(titles, p.Title)
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		if p.Datasource == nil || p.Datasource.UID != uid {
			t.Errorf("panel %q does not use the provisioned datasource %q", p.Title, uid)
		}
		for _, target := range p.Targets {
			if target.Datasource != nil && target.Datasource.UID != uid {
				t.Errorf("panel %q: a query uses datasource %q", p.Title, target.Datasource.UID)
			}
			for _, m := range assertKnownSeries(t, "panel "+p.Title, target.Expr) {
				used[m] = true
			}
			for _, j := range jobsNamed(target.Expr) {
				if !slices.Contains(jobs, j) {
					t.Errorf("panel %q: job %q is not scraped by prometheus.yml", p.Title, j)
				}
			}
		}
	}
	for name := range knownMetrics {
		if (strings.HasPrefix(name, "aquaml_") || strings.HasPrefix(name, "http_")) && !used[name] {
			t.Errorf("no panel shows %s", name)
		}
	}
}
