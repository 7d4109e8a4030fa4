package configs

import (
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

const (
	k8sDir           = "configs/k8s"
	k8sSecretExample = "secret.example.yaml"
)

type kustomization struct {
	Namespace string
	Resources []string
	Images    []struct{ Name string }
}

type k8sObject struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string
	Metadata   struct {
		Name   string
		Labels map[string]string
	}
	Data       map[string]string
	StringData map[string]string `yaml:"stringData"`
	Spec       yaml.Node
}

type k8sManifests struct {
	kust    kustomization
	objects map[string]k8sObject // kind/name
}

func (m k8sManifests) get(t *testing.T, kind, name string) k8sObject {
	t.Helper()
	o, ok := m.objects[kind+"/"+name]
	if !ok {
		t.Fatalf("no %s %s in %v", kind, name, slices.Sorted(maps.Keys(m.objects)))
	}
	return o
}

func (m k8sManifests) ofKind(kind string) []k8sObject {
	var out []k8sObject
	for _, k := range slices.Sorted(maps.Keys(m.objects)) {
		if strings.HasPrefix(k, kind+"/") {
			out = append(out, m.objects[k])
		}
	}
	return out
}

func decodeSpec[T any](t *testing.T, o k8sObject) T {
	t.Helper()
	var spec T
	if err := o.Spec.Decode(&spec); err != nil {
		t.Fatalf("%s %s: %v", o.Kind, o.Metadata.Name, err)
	}
	return spec
}

// loadK8s reads the kustomization's resources and the example Secret.
func loadK8s(t *testing.T) k8sManifests {
	t.Helper()
	m := k8sManifests{
		kust:    decodeOneYAML[kustomization](t, path.Join(k8sDir, "kustomization.yaml")),
		objects: map[string]k8sObject{},
	}
	for _, file := range append(slices.Clone(m.kust.Resources), k8sSecretExample) {
		for _, o := range decodeYAML[k8sObject](t, path.Join(k8sDir, file)) {
			if o.APIVersion == "" || o.Kind == "" || o.Metadata.Name == "" {
				t.Errorf("%s: a document lacks apiVersion, kind or metadata.name", file)
			}
			m.objects[o.Kind+"/"+o.Metadata.Name] = o
		}
	}
	return m
}

func TestK8sKustomizationListsEveryManifest(t *testing.T) {
	m := loadK8s(t)
	entries, err := os.ReadDir(repoPath(k8sDir))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".yaml") || name == "kustomization.yaml" || strings.HasPrefix(name, "secret") {
			continue
		}
		if !slices.Contains(m.kust.Resources, name) {
			t.Errorf("%s is not listed in kustomization.yaml resources", name)
		}
	}
	if slices.ContainsFunc(m.kust.Resources, func(r string) bool { return strings.HasPrefix(r, "secret") }) {
		t.Error("kustomization.yaml applies a Secret: `kubectl apply -k` would overwrite the real one with placeholders")
	}
	m.get(t, "Namespace", m.kust.Namespace)
}

func TestK8sServiceAutoscalersAndBudgets(t *testing.T) {
	m := loadK8s(t)
	templates := map[string]deploymentSpec{}
	for _, d := range m.ofKind("Deployment") {
		templates[d.Metadata.Name] = decodeSpec[deploymentSpec](t, d)
	}
	selects := func(sel map[string]string) []string {
		var out []string
		for name, d := range templates {
			if len(sel) > 0 && subset(sel, d.Template.Metadata.Labels) {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}

	svc := decodeSpec[struct {
		Selector map[string]string
		Ports    []struct {
			Port       int
			TargetPort any `yaml:"targetPort"`
		}
	}](t, m.get(t, "Service", "aquaml-api"))
	if got := selects(svc.Selector); !slices.Equal(got, []string{"aquaml-api"}) {
		t.Errorf("Service aquaml-api selects %v, want the API pods only", got)
	}
	apiContainer := templates["aquaml-api"].Template.Spec.Containers[0]
	for _, p := range svc.Ports {
		if apiContainer.port(p.TargetPort) != apiContainer.port("http") {
			t.Errorf("Service targetPort %v is not the API's http port", p.TargetPort)
		}
	}

	scaled := map[string]int{}
	for _, h := range m.ofKind("HorizontalPodAutoscaler") {
		spec := decodeSpec[struct {
			ScaleTargetRef struct{ Kind, Name string } `yaml:"scaleTargetRef"`
			MinReplicas    int                         `yaml:"minReplicas"`
			MaxReplicas    int                         `yaml:"maxReplicas"`
		}](t, h)
		if _, ok := templates[spec.ScaleTargetRef.Name]; spec.ScaleTargetRef.Kind != "Deployment" || !ok {
			t.Errorf("HPA %s scales %s %s, which is not here", h.Metadata.Name, spec.ScaleTargetRef.Kind, spec.ScaleTargetRef.Name)
		}
		if spec.MinReplicas < 1 || spec.MaxReplicas <= spec.MinReplicas {
			t.Errorf("HPA %s: replicas %d..%d", h.Metadata.Name, spec.MinReplicas, spec.MaxReplicas)
		}
		scaled[spec.ScaleTargetRef.Name] = spec.MinReplicas
	}
	if len(scaled) != 2 || scaled["aquaml-api"] < 2 {
		t.Errorf("HPAs %v: want one for the API (min 2) and one for the worker", scaled)
	}

	budgeted := false
	for _, p := range m.ofKind("PodDisruptionBudget") {
		spec := decodeSpec[struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			}
		}](t, p)
		got := selects(spec.Selector.MatchLabels)
		if len(got) != 1 {
			t.Errorf("PodDisruptionBudget %s selects %v, want one Deployment", p.Metadata.Name, got)
		}
		budgeted = budgeted || slices.Equal(got, []string{"aquaml-api"})
	}
	if !budgeted {
		t.Error("no PodDisruptionBudget for the API")
	}
}

func subset(sel, labels map[string]string) bool {
	for k, v := range sel {
		if labels[k] != v {
			return false
		}
	}
	return true
}
