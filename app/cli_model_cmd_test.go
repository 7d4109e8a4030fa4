package app

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
	"github.com/aquaml/aquaml/platform/inference/nn"
)

// smallModel is a servable model file with random weights.
func smallModel(t *testing.T, name, version string) []byte {
	t.Helper()
	arch, err := nn.SmallCNN(16, 16, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := arch.MarshalJSON()
	m := &modelfile.Model{
		Meta: modelfile.Metadata{Name: name, Version: version, Architecture: raw,
			Input: modelfile.Input{Channels: 3, Height: 16, Width: 16},
			Mean:  [3]float32{.5, .5, .5}, Std: [3]float32{.25, .25, .25},
			Labels: []modelfile.Label{{Name: "perch"}, {Name: "pike"}}},
		Tensors: arch.Init(7),
	}
	var buf bytes.Buffer
	if err := modelfile.Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestModelListAndDeleteCommands(t *testing.T) {
	cfg := testConfig(t)
	cfg.Auth.FirstAdminEmail, cfg.Auth.FirstAdminPassword = "admin@farm.example", "admin-password-1"
	srv := start(t, cfg, Mode{API: true})
	srv.waitReady(t)
	form := url.Values{"username": {"admin@farm.example"}, "password": {"admin-password-1"}}
	_, body := srv.do(t, "POST", "/api/v1/auth/login", strings.NewReader(form.Encode()),
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	json.Unmarshal([]byte(body), &tok)
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	fw, _ := w.CreateFormFile("file", "perch.aqm")
	fw.Write(smallModel(t, "perch-counter", "2"))
	w.Close()
	resp, body := srv.do(t, "POST", "/api/v1/models", &mp,
		map[string]string{"Content-Type": w.FormDataContentType(), "Authorization": "Bearer " + tok.AccessToken})
	var uploaded struct{ ID string }
	if json.Unmarshal([]byte(body), &uploaded); resp.StatusCode != 201 || uploaded.ID == "" {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}

	ctx := context.Background()
	api := []string{"--url", srv.base + "/api/v1/", "--token", tok.AccessToken}
	code, out, errs := runCLI(t, ctx, append([]string{"model", "list"}, api...)...)
	if code != 0 || !strings.Contains(out, uploaded.ID) || !strings.Contains(out, "perch-counter") ||
		!regexp.MustCompile(`(?m)^\*\s+\S+\s+\S+\s+\S+\s+bundled`).MatchString(out) {
		t.Fatalf("model list: exit %d\n%s%s", code, out, errs)
	}
	var bundled string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "*") {
			bundled = strings.Fields(line)[1]
		}
	}
	code, out, _ = runCLI(t, ctx, append([]string{"model", "list", "--json"}, api...)...)
	var page struct{ Items []modelRow }
	if err := json.Unmarshal([]byte(out), &page); err != nil || code != 0 || len(page.Items) != 2 {
		t.Fatalf("model list --json: %d %v %s", code, err, out)
	}

	// The server decides what may go: not the default model.
	code, _, errs = runCLI(t, ctx, append([]string{"model", "delete", bundled}, api...)...)
	if code != 1 || !strings.Contains(errs, "409") {
		t.Errorf("deleting the default model: exit %d %q", code, errs)
	}
	code, out, errs = runCLI(t, ctx, append([]string{"model", "delete", uploaded.ID}, api...)...)
	if code != 0 || strings.TrimSpace(out) != "deleted model "+uploaded.ID {
		t.Fatalf("model delete: exit %d %q %q", code, out, errs)
	}
	if _, out, _ = runCLI(t, ctx, append([]string{"model", "list"}, api...)...); strings.Contains(out, "perch-counter") {
		t.Errorf("the deleted model is still listed:\n%s", out)
	}
	if code, _, errs = runCLI(t, ctx, append([]string{"model", "delete", "no-such-model"}, api...)...); code != 1 || !strings.Contains(errs, "404") {
		t.Errorf("deleting an unknown model: exit %d %q", code, errs)
	}
	t.Setenv(tokenEnv, "")
	t.Setenv(apiKeyEnv, "")
	if code, _, errs = runCLI(t, ctx, "model", "list", "--url", srv.base+"/api/v1"); code != 1 || !strings.Contains(errs, tokenEnv) {
		t.Errorf("no credential: exit %d %q", code, errs)
	}
	t.Setenv(tokenEnv, "not-a-token")
	if code, _, errs = runCLI(t, ctx, "model", "list", "--url", srv.base+"/api/v1"); code != 1 || !strings.Contains(errs, "401") {
		t.Errorf("a bad token from %s: exit %d %q", tokenEnv, code, errs)
	}
}
