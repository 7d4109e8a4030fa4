package apidocs

import (
	"context"
	"fmt"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestSpecIsValidOpenAPI loads the served document the way generated
// clients and validators do, so a YAML slip that cuts a schema, a missing
// security scheme or a duplicate operationId fails here first.
func TestSpecIsValidOpenAPI(t *testing.T) {
	for _, prefix := range []string{specPrefix, "/fish/v9"} {
		docs, err := Load(prefix)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := openapi3.NewLoader().LoadFromData(docs.JSONBytes())
		if err != nil {
			t.Fatalf("%s: load: %v", prefix, err)
		}
		if err := doc.Validate(context.Background()); err != nil {
			t.Fatalf("%s: invalid OpenAPI document: %v", prefix, err)
		}
		// Generated clients name their methods after operationIds;
		// Validate checks they are unique, not that they are there.
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if op.OperationID == "" {
					t.Errorf("%s %s has no operationId", method, path)
				}
			}
		}
		flow := doc.Components.SecuritySchemes["oauth2"].Value.Flows.Password
		if want := prefix + "/auth/login"; flow.TokenURL != want {
			t.Errorf("password flow tokenUrl %q, want %q", flow.TokenURL, want)
		}
		if len(doc.Servers) == 0 || len(doc.Security) == 0 {
			t.Errorf("servers %v, root security %v: want both", doc.Servers, doc.Security)
		}
	}
}

// TestSpecHasNoCutValues catches the YAML slip that validators may let
// through where extra keys are allowed: an unquoted comma inside a flow
// mapping ({description: a, b}) turns "b" into a key with no value.
func TestSpecHasNoCutValues(t *testing.T) {
	docs, err := Load(specPrefix)
	if err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch v := v.(type) {
		case nil:
			t.Errorf("%s has no value: quote the text before it if it holds a comma", path)
		case map[string]any:
			for k, e := range v {
				walk(path+"/"+k, e)
			}
		case []any:
			for i, e := range v {
				walk(fmt.Sprintf("%s/%d", path, i), e)
			}
		}
	}
	walk("#", docs.Spec)
}
