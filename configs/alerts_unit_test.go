package configs

import (
	"path"
	"slices"
	"testing"
)

const alertTestsFile = "configs/prometheus/alerts_test.yml"

// Every alert has a promtool unit test in which it fires, so a changed
// expression or threshold is caught by `promtool test rules` (.ci/run).
func TestEveryAlertHasAFiringUnitTest(t *testing.T) {
	tests := decodeOneYAML[struct {
		RuleFiles []string `yaml:"rule_files"`
		Tests     []struct {
			AlertRuleTest []struct {
				Alertname string
				ExpAlerts []struct {
					ExpLabels map[string]string `yaml:"exp_labels"`
				} `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		}
	}](t, alertTestsFile)
	fires := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			fires[a.Alertname] = fires[a.Alertname] || len(a.ExpAlerts) > 0
		}
	}
	cfg := decodeOneYAML[prometheusConfig](t, prometheusFile)
	for _, file := range cfg.RuleFiles {
		if !slices.Contains(tests.RuleFiles, file) {
			t.Errorf("%s does not load %s", alertTestsFile, file)
		}
		for _, g := range decodeOneYAML[alertRules](t, path.Join(path.Dir(prometheusFile), file)).Groups {
			for _, r := range g.Rules {
				if !fires[r.Alert] {
					t.Errorf("%s: no unit test in which %s fires", file, r.Alert)
				}
			}
		}
	}
}
