package app

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apidocs"
)

var pathParam = regexp.MustCompile(`:([A-Za-z_]+)`)

// TestEveryRouteIsDocumented keeps the embedded spec and the router in
// step both ways: no undocumented route, no documented route that is gone.
func TestEveryRouteIsDocumented(t *testing.T) {
	cfg := testConfig(t)
	cfg.API.V1Prefix = "/fish/v9" // the spec must follow the configured prefix
	r := start(t, cfg, Mode{API: true})
	docs, err := apidocs.Load(cfg.API.V1Prefix)
	if err != nil {
		t.Fatal(err)
	}
	documented := docs.Operations()
	var routed []string
	for _, rt := range r.HTTP.Echo.Routes() {
		if strings.HasPrefix(rt.Method, "echo_") {
			continue
		}
		op := rt.Method + " " + pathParam.ReplaceAllString(rt.Path, "{$1}")
		routed = append(routed, op)
		if !slices.Contains(documented, op) {
			t.Errorf("route %s is not in the OpenAPI spec", op)
		}
	}
	for _, op := range documented {
		if !slices.Contains(routed, op) {
			t.Errorf("spec documents %s, which no route serves", op)
		}
	}
	if len(routed) < 8 {
		t.Errorf("only %d routes registered: %v", len(routed), routed)
	}
}

func TestDocsAreSelfContained(t *testing.T) {
	r := start(t, testConfig(t), Mode{API: true})
	resp, page := r.do(t, "GET", "/docs", nil, nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"AquaML API", "/health/detailed", "/api/v1/openapi.json"} {
		if !strings.Contains(page, want) {
			t.Errorf("/docs lacks %q", want)
		}
	}
	// Closed networks: nothing may be loaded from elsewhere.
	if m := regexp.MustCompile(`(src|href)="(https?:)?//`).FindString(page); m != "" {
		t.Errorf("/docs loads an external asset: %s", m)
	}
	_, spec := r.do(t, "GET", "/api/v1/openapi.json", nil, nil)
	var doc struct {
		OpenAPI string         `json:"openapi"`
		Paths   map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(spec), &doc); err != nil || !strings.HasPrefix(doc.OpenAPI, "3.") || len(doc.Paths) == 0 {
		t.Errorf("openapi.json: %v %q %d paths", err, doc.OpenAPI, len(doc.Paths))
	}
}

func TestRootLinks(t *testing.T) {
	r := start(t, testConfig(t), Mode{API: true})
	_, body := r.do(t, "GET", "/", nil, nil)
	var root map[string]string
	if err := json.Unmarshal([]byte(body), &root); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"name": "AquaML", "docs": "/docs", "health": "/health"} {
		if root[k] != want {
			t.Errorf("%s = %q, want %q", k, root[k], want)
		}
	}
	if root["version"] == "" {
		t.Error("no version")
	}
}
