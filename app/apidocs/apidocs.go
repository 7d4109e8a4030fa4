// Package apidocs serves the OpenAPI 3 description of the API and
// interactive documentation of it (Swagger UI). Everything is embedded in
// the binary: fish farms run on closed networks, so nothing is fetched
// from a CDN.
//
// The spec is kept as one YAML fragment per module under spec/, merged in
// file-name order, so each module documents its own routes.
package apidocs

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"
	"go.yaml.in/yaml/v3"
)

//go:embed spec/*.yaml
var specFS embed.FS

// specPrefix is the API prefix the fragments are written with; Load swaps
// in the configured one.
const specPrefix = "/api/v1"

// Docs is the merged spec, ready to serve.
type Docs struct {
	Spec   map[string]any
	json   []byte
	assets map[string]asset
}

// Load merges the fragments and prepares the documentation page once.
func Load(prefix string) (*Docs, error) {
	spec, err := merge(prefix)
	if err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("apidocs: %w", err)
	}
	assets, err := loadAssets(prefix + "/openapi.json")
	if err != nil {
		return nil, err
	}
	return &Docs{Spec: spec, json: js, assets: assets}, nil
}

func merge(prefix string) (map[string]any, error) {
	names, err := fs.Glob(specFS, "spec/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	spec := map[string]any{}
	for _, name := range names {
		raw, err := specFS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		var frag map[string]any
		if err := yaml.Unmarshal(raw, &frag); err != nil {
			return nil, fmt.Errorf("apidocs: %s: %w", name, err)
		}
		deepMerge(spec, frag)
	}
	if paths, ok := spec["paths"].(map[string]any); ok && prefix != specPrefix {
		moved := make(map[string]any, len(paths))
		for p, item := range paths {
			if strings.HasPrefix(p, specPrefix+"/") {
				p = prefix + strings.TrimPrefix(p, specPrefix)
			}
			moved[p] = item
		}
		spec["paths"] = moved
		if flow := passwordFlow(spec); flow != nil {
			if u, ok := flow["tokenUrl"].(string); ok && strings.HasPrefix(u, specPrefix+"/") {
				flow["tokenUrl"] = prefix + strings.TrimPrefix(u, specPrefix)
			}
		}
	}
	return spec, nil
}

// passwordFlow is the OAuth2 password flow of the spec, whose token URL
// sits under the API prefix.
func passwordFlow(spec map[string]any) map[string]any {
	m := spec
	for _, k := range []string{"components", "securitySchemes", "oauth2", "flows", "password"} {
		next, ok := m[k].(map[string]any)
		if !ok {
			return nil
		}
		m = next
	}
	return m
}

// deepMerge adds src into dst: maps merge key by key, lists append (tags),
// anything else from src wins.
func deepMerge(dst, src map[string]any) {
	for k, v := range src {
		switch sv := v.(type) {
		case map[string]any:
			if dv, ok := dst[k].(map[string]any); ok {
				deepMerge(dv, sv)
				continue
			}
		case []any:
			if dv, ok := dst[k].([]any); ok {
				dst[k] = append(dv, sv...)
				continue
			}
		}
		dst[k] = v
	}
}

// JSONBytes is the merged spec as served, for validators and tests.
func (d *Docs) JSONBytes() []byte { return d.json }

// JSON serves the spec.
func (d *Docs) JSON(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, d.json)
}

// Operations lists "METHOD /path" for every documented operation, in the
// spec's own path syntax ({id}).
func (d *Docs) Operations() []string {
	var out []string
	paths, _ := d.Spec["paths"].(map[string]any)
	for p, item := range paths {
		ops, _ := item.(map[string]any)
		for m := range ops {
			if isMethod(m) {
				out = append(out, strings.ToUpper(m)+" "+p)
			}
		}
	}
	sort.Strings(out)
	return out
}

func isMethod(m string) bool {
	switch m {
	case "get", "put", "post", "delete", "options", "head", "patch", "trace":
		return true
	}
	return false
}
