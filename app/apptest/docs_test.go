package apptest_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

var assetRef = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

// TestDocsPageIsSelfContained: farms run on closed networks, so /docs may
// only load what this server serves, and all of it must load.
func TestDocsPageIsSelfContained(t *testing.T) {
	ta := apptest.New(t, nil)
	res := ta.Do("GET", "/docs", nil, nil).Want(http.StatusOK)
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("/docs Content-Type %q", ct)
	}
	refs := assetRef.FindAllStringSubmatch(string(res.Body), -1)
	if len(refs) < 3 {
		t.Fatalf("/docs references %d assets, want the Swagger UI script, its styles and the start script: %s", len(refs), res.Body)
	}
	var script strings.Builder
	for _, m := range refs {
		ref := m[1]
		u, err := url.Parse(ref)
		if err != nil || u.Scheme != "" || u.Host != "" || !strings.HasPrefix(ref, "/") {
			t.Errorf("/docs references %q, not a same-origin path", ref)
			continue
		}
		a := ta.Do("GET", ref, nil, nil).Want(http.StatusOK)
		if len(a.Body) == 0 || a.Header.Get("Content-Type") == "" {
			t.Errorf("%s: %d bytes, Content-Type %q", ref, len(a.Body), a.Header.Get("Content-Type"))
		}
		if strings.HasSuffix(ref, ".js") {
			script.Write(a.Body)
		}
	}
	// The page is Swagger UI, started on this server's spec.
	for _, want := range []string{"SwaggerUIBundle", `url: "/api/v1/openapi.json"`} {
		if !strings.Contains(script.String(), want) {
			t.Errorf("the page's scripts lack %q", want)
		}
	}
	ta.Do("GET", "/docs/nothing-here.js", nil, nil).Want(http.StatusNotFound)
}

// TestDocsAuthorizeAndTryItOut does what Swagger UI does with the served
// spec: sign in at the password flow's token URL with the form it sends,
// call with the token and with an API key in the scheme's header, and
// upload a photo in the multipart field the spec names.
func TestDocsAuthorizeAndTryItOut(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("diver")
	var spec struct {
		Components struct {
			SecuritySchemes map[string]struct {
				Type, In, Name string
				Flows          struct {
					Password struct {
						TokenURL string `json:"tokenUrl"`
					}
				}
			} `json:"securitySchemes"`
		}
		Paths map[string]map[string]struct {
			RequestBody struct {
				Content map[string]struct {
					Schema struct {
						Properties map[string]struct{ Type, Format string }
					}
				}
			} `json:"requestBody"`
		}
	}
	ta.Do("GET", ta.API("/openapi.json"), nil, nil).Want(http.StatusOK).JSON(&spec)
	schemes := spec.Components.SecuritySchemes

	tokenURL := schemes["oauth2"].Flows.Password.TokenURL
	if tokenURL != ta.API("/auth/login") {
		t.Fatalf("password flow tokenUrl %q, want %q", tokenURL, ta.API("/auth/login"))
	}
	// Swagger UI's password grant, with no scopes and its default client
	// credentials location: an Authorization header with an empty client
	// id and secret.
	form := url.Values{"grant_type": {"password"}, "username": {"diver"}, "password": {apptest.Password}, "scope": {""}}
	var pair struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	ta.Do("POST", tokenURL, form, map[string]string{"Accept": "application/json", "Authorization": "Basic Og=="}).
		Want(http.StatusOK).JSON(&pair)
	if pair.AccessToken == "" || !strings.EqualFold(pair.TokenType, "bearer") {
		t.Fatalf("token answer %+v", pair)
	}
	bearer := apptest.Bearer(pair.AccessToken)
	ta.Do("GET", ta.API("/auth/me"), nil, bearer).Want(http.StatusOK)

	key := schemes["apiKey"]
	if key.Type != "apiKey" || key.In != "header" || key.Name == "" {
		t.Fatalf("apiKey scheme %+v", key)
	}
	var created struct{ Key string }
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "docs"}, bearer).Want(http.StatusCreated).JSON(&created)
	ta.Do("GET", ta.API("/auth/me"), nil, map[string]string{key.Name: created.Key}).Want(http.StatusOK)

	photo := spec.Paths[ta.API("/classify")]["post"].RequestBody.Content["multipart/form-data"].Schema.Properties
	for _, field := range []string{"file", "image"} {
		if p := photo[field]; p.Type != "string" || p.Format != "binary" {
			t.Fatalf("classify multipart field %q is %+v, want a binary string", field, p)
		}
		body, ct := apptest.Multipart(t, field, "reef.jpg", apptest.Photo(t, 1, 64, 48, "jpeg"), nil)
		res := ta.Do("POST", ta.API("/classify"), body, apptest.With(bearer, "Content-Type", ct)).Want(http.StatusOK)
		if preds, _ := res.Map()["predictions"].([]any); len(preds) == 0 {
			t.Errorf("upload in %q: no predictions: %s", field, res.Body)
		}
	}
}
