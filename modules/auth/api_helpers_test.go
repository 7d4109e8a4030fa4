package auth_test

import (
	"slices"
	"sort"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// apiCase is one request through the real router and what must come back.
type apiCase struct {
	name       string
	method     string
	path       string // under the API prefix
	body       any    // see apptest.TestApp.Do
	headers    map[string]string
	wantStatus int
	wantCode   string   // the error code, for error answers
	wantFields []string // fields named by a 409 or 422
	check      func(t *testing.T, r *apptest.Response)
}

func runCases(t *testing.T, ta *apptest.TestApp, cases []apiCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := ta.Do(tc.method, ta.API(tc.path), tc.body, tc.headers).Want(tc.wantStatus)
			if tc.wantCode != "" || tc.wantStatus >= 400 {
				e := r.Error()
				if tc.wantCode != "" && e.Code != tc.wantCode {
					t.Errorf("error code %q, want %q (%s)", e.Code, tc.wantCode, e.Message)
				}
				var fields []string
				for f := range e.Fields {
					fields = append(fields, f)
				}
				sort.Strings(fields)
				want := slices.Clone(tc.wantFields)
				sort.Strings(want)
				if !slices.Equal(fields, want) {
					t.Errorf("fields %v, want %v (%v)", fields, want, e.Fields)
				}
			}
			if tc.check != nil {
				tc.check(t, r)
			}
		})
	}
}

func register(email, username, password string) map[string]string {
	return map[string]string{"email": email, "username": username, "password": password}
}
