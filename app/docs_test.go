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
