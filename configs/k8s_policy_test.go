package configs

import (
	"path"
	"slices"
	"strings"
	"testing"
)

const k8sOperatorDir = "configs/k8s/prometheus-operator"

// The image kustomize sets is a fixed version: a rollout runs one build
// and a rollback returns to it.
func TestK8sImageIsPinned(t *testing.T) {
	kust := decodeOneYAML[struct {
		Images []struct {
			Name   string
			NewTag string `yaml:"newTag"`
			Digest string
		}
	}](t, path.Join(k8sDir, "kustomization.yaml"))
	if len(kust.Images) == 0 {
		t.Fatal("kustomization.yaml sets no image")
	}
	for _, img := range kust.Images {
		if img.Digest == "" && (img.NewTag == "" || img.NewTag == "latest") {
			t.Errorf("image %s: tag %q, want a fixed version", img.Name, img.NewTag)
		}
	}
	m := loadK8s(t)
	for _, d := range m.ofKind("Deployment") {
		for _, c := range decodeSpec[deploymentSpec](t, d).Template.Spec.Containers {
			if strings.Contains(c.Image, ":") {
				t.Errorf("%s/%s: image %q carries its own tag; kustomization.yaml pins it", d.Metadata.Name, c.Name, c.Image)
			}
		}
	}
}

type envFromResource struct {
	Name      string
	ValueFrom *struct {
		ResourceFieldRef *struct {
			ContainerName string `yaml:"containerName"`
			Resource      string
			Divisor       string
		} `yaml:"resourceFieldRef"`
	} `yaml:"valueFrom"`
}

// GOMEMLIMIT follows each container's memory limit, in bytes (Go reads a
// bare number as bytes; a larger divisor would give it MiB as bytes).
func TestK8sGoMemLimitFollowsTheMemoryLimit(t *testing.T) {
	m := loadK8s(t)
	for _, d := range m.ofKind("Deployment") {
		spec := decodeSpec[struct {
			Template struct {
				Spec struct {
					Containers []struct {
						Name      string
						Env       []envFromResource
						Resources struct{ Limits map[string]string }
					}
				}
			}
		}](t, d)
		for _, c := range spec.Template.Spec.Containers {
			i := slices.IndexFunc(c.Env, func(e envFromResource) bool { return e.Name == "GOMEMLIMIT" })
			if i < 0 {
				t.Errorf("%s/%s: no GOMEMLIMIT", d.Metadata.Name, c.Name)
				continue
			}
			ref := c.Env[i].ValueFrom
			switch {
			case ref == nil || ref.ResourceFieldRef == nil:
				t.Errorf("%s/%s: GOMEMLIMIT is not read from the container's resources", d.Metadata.Name, c.Name)
			case ref.ResourceFieldRef.Resource != "limits.memory" || ref.ResourceFieldRef.ContainerName != c.Name:
				t.Errorf("%s/%s: GOMEMLIMIT reads %s of %q, want limits.memory of this container",
					d.Metadata.Name, c.Name, ref.ResourceFieldRef.Resource, ref.ResourceFieldRef.ContainerName)
			case ref.ResourceFieldRef.Divisor != "" && ref.ResourceFieldRef.Divisor != "1":
				t.Errorf("%s/%s: GOMEMLIMIT divisor %s, want 1 (bytes)", d.Metadata.Name, c.Name, ref.ResourceFieldRef.Divisor)
			}
			if c.Resources.Limits["memory"] == "" {
				t.Errorf("%s/%s: no memory limit for GOMEMLIMIT to follow", d.Metadata.Name, c.Name)
			}
		}
	}
}

type netPort struct {
	Protocol string
	Port     int
}

type netPeer struct {
	NamespaceSelector *struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"namespaceSelector"`
	PodSelector *struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"podSelector"`
	IPBlock *struct {
		CIDR   string `yaml:"cidr"`
		Except []string
	} `yaml:"ipBlock"`
}

type netRule struct {
	Ports []netPort
	To    []netPeer
	From  []netPeer
}

type netPolicy struct {
	PodSelector struct {
		MatchLabels map[string]string `yaml:"matchLabels"`
	} `yaml:"podSelector"`
	PolicyTypes []string `yaml:"policyTypes"`
	Ingress     []netRule
	Egress      []netRule
}

// policiesFor returns the NetworkPolicies that select the pods of a
// Deployment (policies add up, so what a pod may do is their union).
func policiesFor(t *testing.T, m k8sManifests, deployment string) []netPolicy {
	t.Helper()
	labels := decodeSpec[deploymentSpec](t, m.get(t, "Deployment", deployment)).Template.Metadata.Labels
	var out []netPolicy
	for _, o := range m.ofKind("NetworkPolicy") {
		p := decodeSpec[netPolicy](t, o)
		if subset(p.PodSelector.MatchLabels, labels) {
			out = append(out, p)
		}
	}
	return out
}

func protocol(p netPort) string {
	if p.Protocol == "" {
		return "TCP"
	}
	return p.Protocol
}

func isKubeDNS(peers []netPeer) bool {
	return len(peers) > 0 && !slices.ContainsFunc(peers, func(p netPeer) bool {
		return p.NamespaceSelector == nil || p.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"] != "kube-system" ||
			p.PodSelector == nil || p.PodSelector.MatchLabels["k8s-app"] != "kube-dns"
	})
}

// publicOnly: every peer is an address block that leaves out the private
// ranges, so a webhook cannot reach the cluster's own services.
func publicOnly(peers []netPeer) bool {
	return len(peers) > 0 && !slices.ContainsFunc(peers, func(p netPeer) bool {
		return p.IPBlock == nil || !slices.Contains(p.IPBlock.Except, "10.0.0.0/8") ||
			!slices.Contains(p.IPBlock.Except, "172.16.0.0/12") || !slices.Contains(p.IPBlock.Except, "192.168.0.0/16")
	})
}

// The API takes requests on 8000 and reaches only Postgres, Redis and the
// cluster DNS; workers take only scrapes on 8000 and may add webhook
// deliveries to public HTTP(S) addresses.
func TestK8sNetworkPolicies(t *testing.T) {
	m := loadK8s(t)
	for name, extraEgress := range map[string][]netPort{
		"aquaml-api":    nil,
		"aquaml-worker": {{"TCP", 443}, {"TCP", 80}},
	} {
		t.Run(name, func(t *testing.T) {
			policies := policiesFor(t, m, name)
			ingressPolicy, egressPolicy := false, false
			var ingress, egress []netPort
			for _, p := range policies {
				ingressPolicy = ingressPolicy || slices.Contains(p.PolicyTypes, "Ingress")
				egressPolicy = egressPolicy || slices.Contains(p.PolicyTypes, "Egress")
				for _, r := range p.Ingress {
					if len(r.Ports) == 0 {
						t.Error("an ingress rule allows every port")
					}
					ingress = append(ingress, r.Ports...)
				}
				for _, r := range p.Egress {
					if len(r.Ports) == 0 {
						t.Error("an egress rule allows every port")
					}
					for _, port := range r.Ports {
						port.Protocol = protocol(port)
						egress = append(egress, port)
						switch {
						case port.Port == 53 && !isKubeDNS(r.To):
							t.Errorf("DNS (%s 53) is allowed beyond kube-dns: %+v", port.Protocol, r.To)
						case slices.Contains(extraEgress, port) && !publicOnly(r.To):
							t.Errorf("%s %d is allowed to private addresses: %+v", port.Protocol, port.Port, r.To)
						}
					}
				}
			}
			if !ingressPolicy || !egressPolicy {
				t.Fatalf("no policy restricts both ingress and egress (%d policies)", len(policies))
			}
			for _, p := range ingress {
				if protocol(p) != "TCP" || p.Port != 8000 {
					t.Errorf("ingress allows %s %d, want TCP 8000 only", protocol(p), p.Port)
				}
			}
			if len(ingress) == 0 {
				t.Error("no ingress on 8000: probes, clients and Prometheus would be cut off")
			}
			allowed := append([]netPort{{"TCP", 5432}, {"TCP", 6379}, {"UDP", 53}, {"TCP", 53}}, extraEgress...)
			for _, p := range egress {
				if !slices.Contains(allowed, p) {
					t.Errorf("egress allows %s %d, want only %v", p.Protocol, p.Port, allowed)
				}
			}
			for _, want := range allowed[:4] {
				if !slices.Contains(egress, want) {
					t.Errorf("egress lacks %s %d", want.Protocol, want.Port)
				}
			}
		})
	}
}

// The PodMonitors name their jobs as the alert rules do, and select the
// pods of the Deployment with that role, on a port the pods expose.
func TestK8sPodMonitorsMatchTheAlerts(t *testing.T) {
	m := loadK8s(t)
	kust := decodeOneYAML[kustomization](t, path.Join(k8sOperatorDir, "kustomization.yaml"))
	if kust.Namespace != m.kust.Namespace {
		t.Errorf("PodMonitors in namespace %q, the pods in %q", kust.Namespace, m.kust.Namespace)
	}
	type podMonitor struct {
		Kind     string
		Metadata struct{ Name string }
		Spec     struct {
			Selector struct {
				MatchLabels map[string]string `yaml:"matchLabels"`
			}
			PodMetricsEndpoints []struct {
				Port, Path  string
				Relabelings []struct {
					TargetLabel string `yaml:"targetLabel"`
					Replacement string
					Action      string
				}
			} `yaml:"podMetricsEndpoints"`
		}
	}
	jobs := map[string]string{} // job -> Deployment it scrapes
	for _, file := range kust.Resources {
		for _, pm := range decodeYAML[podMonitor](t, path.Join(k8sOperatorDir, file)) {
			if pm.Kind != "PodMonitor" {
				continue
			}
			var selected []string
			for _, d := range m.ofKind("Deployment") {
				if subset(pm.Spec.Selector.MatchLabels, decodeSpec[deploymentSpec](t, d).Template.Metadata.Labels) {
					selected = append(selected, d.Metadata.Name)
				}
			}
			if len(selected) != 1 {
				t.Errorf("PodMonitor %s selects %v, want one Deployment", pm.Metadata.Name, selected)
				continue
			}
			c := decodeSpec[deploymentSpec](t, m.get(t, "Deployment", selected[0])).Template.Spec.Containers[0]
			for _, ep := range pm.Spec.PodMetricsEndpoints {
				if c.port(ep.Port) < 0 || (ep.Path != "" && ep.Path != "/metrics") {
					t.Errorf("PodMonitor %s scrapes port %q path %q, not the pods' /metrics", pm.Metadata.Name, ep.Port, ep.Path)
				}
				for _, r := range ep.Relabelings {
					if r.TargetLabel == "job" && (r.Action == "" || r.Action == "replace") {
						jobs[r.Replacement] = selected[0]
					}
				}
			}
		}
	}
	want := map[string]string{"aquaml-api": "aquaml-api", "aquaml-worker": "aquaml-worker"}
	for job, deployment := range want {
		if jobs[job] != deployment {
			t.Errorf("job %s scrapes %q, want Deployment %s (jobs: %v)", job, jobs[job], deployment, jobs)
		}
	}
	cfg := decodeOneYAML[prometheusConfig](t, prometheusFile)
	for _, file := range cfg.RuleFiles {
		for _, g := range decodeOneYAML[alertRules](t, path.Join(path.Dir(prometheusFile), file)).Groups {
			for _, r := range g.Rules {
				for _, j := range jobsNamed(r.Expr) {
					if _, ok := jobs[j]; !ok && strings.HasPrefix(j, "aquaml") {
						t.Errorf("alert %s names job %q, which no PodMonitor produces", r.Alert, j)
					}
				}
			}
		}
	}
}
