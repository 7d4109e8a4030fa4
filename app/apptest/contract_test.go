package apptest_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

func TestWrongMethodAnswers405WithAllow(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	for _, tc := range []struct {
		method, path string
		allow        []string
	}{
		{"GET", ta.API("/classify"), []string{"POST"}},
		{"PUT", ta.API("/auth/me"), []string{"GET", "PATCH"}},
		{"DELETE", "/v2/models/aquaml-fish4knowledge/infer", []string{"POST"}},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res := ta.Do(tc.method, tc.path, nil, alice.Auth()).Want(http.StatusMethodNotAllowed)
			allow := strings.Split(strings.ReplaceAll(res.Header.Get("Allow"), " ", ""), ",")
			for _, m := range tc.allow {
				if !contains(allow, m) {
					t.Errorf("Allow = %q, lacks %s", res.Header.Get("Allow"), m)
				}
			}
			if contains(allow, tc.method) {
				t.Errorf("Allow = %q lists the refused method", res.Header.Get("Allow"))
			}
		})
	}
	if code := ta.Do("GET", ta.API("/classify"), nil, alice.Auth()).Error().Code; code != "method_not_allowed" {
		t.Errorf("code = %q, want method_not_allowed", code)
	}
	// An unknown path is still 404, not 405.
	ta.Do("GET", ta.API("/no-such-thing"), nil, alice.Auth()).Want(http.StatusNotFound)
}

// TestV2AuthErrorsUseTheProtocolShape: Triton and KServe clients read
// {"error": "message"}, a string, from every /v2 error.
func TestV2AuthErrorsUseTheProtocolShape(t *testing.T) {
	ta := apptest.New(t, nil)
	body := `{"inputs":[{"name":"image","shape":[1],"datatype":"BYTES","data":["aGVsbG8="]}]}`
	for _, tc := range []struct {
		name    string
		path    string
		headers map[string]string
		status  int
	}{
		{"no token", "/v2/models/aquaml-fish4knowledge/infer", nil, http.StatusUnauthorized},
		{"bad token", "/v2/models/aquaml-fish4knowledge/infer", apptest.Bearer("not-a-token"), http.StatusUnauthorized},
		{"bad API key", "/v2/repository/index", map[string]string{"X-API-Key": "aqk_0000000000000000"}, http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := ta.Do(http.MethodPost, tc.path, body, tc.headers).Want(tc.status)
			var v2 map[string]json.RawMessage
			res.JSON(&v2)
			var msg string
			if err := json.Unmarshal(v2["error"], &msg); err != nil || msg == "" || len(v2) != 1 {
				t.Errorf("body %s, want {\"error\": \"message\"}", res.Body)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
