package webapp_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// The writes the datasets, training and models pages make are refused
// with the session cookie alone (what a form on another site can send)
// and go through with the page's CSRF header.
func TestWorkshopWritesNeedTheCSRFToken(t *testing.T) {
	ta := apptest.New(t, nil)
	b := newHTTPClient(t, ta)
	b.signIn(apptest.AdminEmail, apptest.AdminPassword)
	csrf := b.cookie("aquaml_csrf")
	var ds struct{ ID string }
	ta.Do("POST", ta.API("/datasets"), map[string]any{"name": "pond"}, ta.Admin().Auth()).Want(http.StatusCreated).JSON(&ds)
	zip, zipType := apptest.Multipart(t, "files", "a.png", apptest.Photo(t, 1, 20, 20, "png"), map[string]string{"label": "perch"})
	model, modelType := apptest.Multipart(t, "file", "perch.aqm", perchModel(t), nil)
	for _, tc := range []struct {
		name, path, ctype, body string
		want                    int
	}{
		{"create a dataset", ta.API("/datasets"), "application/json", `{"name":"farm"}`, http.StatusCreated},
		{"upload labelled photos", ta.API("/datasets/" + ds.ID + "/items"), zipType, string(zip), http.StatusCreated},
		{"add corrected predictions", ta.API("/datasets/" + ds.ID + "/items/from-feedback"), "", "", http.StatusCreated},
		{"freeze a version", ta.API("/datasets/" + ds.ID + "/versions"), "", "", http.StatusCreated},
		{"start training", ta.API("/training-jobs"), "application/json", `{"dataset_version":"nope"}`, http.StatusNotFound},
		{"upload a model", ta.API("/models"), modelType, string(model), http.StatusCreated},
	} {
		headers := map[string]string{"Content-Type": tc.ctype}
		if res, _ := b.raw("POST", tc.path, tc.body, headers); res.StatusCode != http.StatusForbidden {
			t.Errorf("%s with the cookie and no CSRF header: %d, want 403", tc.name, res.StatusCode)
		}
		headers["X-CSRF-Token"] = csrf
		if res, body := b.raw("POST", tc.path, tc.body, headers); res.StatusCode != tc.want {
			t.Errorf("%s with the CSRF header: %d %s, want %d", tc.name, res.StatusCode, body, tc.want)
		}
	}
}

// A detail page repeats the id of its path only as escaped text: a
// crafted link cannot put markup on the page.
func TestDetailPagesEscapeTheID(t *testing.T) {
	ta := apptest.New(t, nil)
	ta.NewUser("nemo")
	b := newHTTPClient(t, ta)
	b.signIn("nemo", apptest.Password)
	for _, path := range []string{"/app/datasets/", "/app/training/"} {
		res, body := b.do("GET", path+`%22%3E%3Cimg%20src=x%3E`, nil, nil)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s…: %d", path, res.StatusCode)
		}
		if strings.Contains(body, `"><img`) || !strings.Contains(body, `data-id="&#34;&gt;&lt;img src=x&gt;"`) {
			t.Errorf("GET %s…: the id is not escaped:\n%s", path, body)
		}
	}
}

// raw sends body as it is, with the client's cookies.
func (b *httpClient) raw(method, path, body string, headers map[string]string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.ta.URL+path, strings.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	for k, v := range headers {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res, string(raw)
}
