package classification_test

import (
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

type v2Entry struct {
	Name, Version, State, Reason string
}

func v2Index(t *testing.T, ta *apptest.TestApp, body any) map[string]v2Entry {
	t.Helper()
	var list []v2Entry
	ta.Do("POST", "/v2/repository/index", body, ta.Admin().Auth()).Want(200).JSON(&list)
	out := map[string]v2Entry{}
	for _, e := range list {
		out[e.Name+":"+e.Version] = e
	}
	return out
}

// TestV2Repository walks the protocol's repository extension: the index
// lists every model with its state, load and unload change it, and the
// metadata and infer endpoints serve every loaded model.
func TestV2Repository(t *testing.T) {
	ta := apptest.New(t, nil)
	admin, alice := ta.Admin(), ta.NewUser("alice")
	upload(t, ta, admin, modelFile(t, "tilapia", "2", 91, labelsN(5))).Want(201)

	idx := v2Index(t, ta, nil)
	if e := idx["tilapia:2"]; e.State != "UNAVAILABLE" || e.Reason == "" {
		t.Errorf("a stored model in the index: %+v", e)
	}
	if e := idx["aquaml-fish4knowledge:1"]; e.State != "READY" {
		t.Errorf("the default in the index: %+v", e)
	}
	if ready := v2Index(t, ta, map[string]bool{"ready": true}); len(ready) != 1 {
		t.Errorf("ready-only index lists %v", ready)
	}
	ta.Do("GET", "/v2/models/tilapia", nil, nil).Want(503)

	for _, c := range []struct {
		name, path string
		who        apptest.Session
		status     int
	}{
		{"a user cannot load", "/v2/repository/models/tilapia/load", alice, 403},
		{"unknown model", "/v2/repository/models/cod/load", admin, 404},
		{"load", "/v2/repository/models/tilapia/load", admin, 200},
	} {
		if res := ta.Do("POST", c.path, nil, c.who.Auth()); res.Status != c.status {
			t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
		} else if c.status == 404 && res.Map()["error"] == nil {
			t.Errorf("%s: not the protocol's error shape: %s", c.name, res.Body)
		}
	}
	if e := v2Index(t, ta, nil)["tilapia:2"]; e.State != "READY" {
		t.Errorf("after load: %+v", e)
	}
	var meta struct {
		Name     string
		Versions []string
		Outputs  []struct{ Shape []int }
	}
	ta.Do("GET", "/v2/models/tilapia/versions/2", nil, nil).Want(200).JSON(&meta)
	if meta.Name != "tilapia" || len(meta.Outputs) != 1 || meta.Outputs[0].Shape[1] != 5 {
		t.Errorf("metadata %+v", meta)
	}
	var got v2Response
	ta.Do("POST", "/v2/models/tilapia/infer", v2Bytes(v2Photo(t, 3, 40, 40)), alice.Auth()).Want(200).JSON(&got)
	if got.ModelName != "tilapia" || got.ModelVersion != "2" {
		t.Errorf("infer answered as %s %s", got.ModelName, got.ModelVersion)
	}
	probabilities(t, got, 1, 5)
	// The default answers beside it, and cannot be unloaded.
	ta.Do("POST", "/v2/models/aquaml-fish4knowledge/infer", v2Bytes(v2Photo(t, 3, 40, 40)), alice.Auth()).Want(200)
	if res := ta.Do("POST", "/v2/repository/models/aquaml-fish4knowledge/unload", nil, admin.Auth()); res.Status != 409 || res.Map()["error"] == nil {
		t.Errorf("unloading the default: %d %s", res.Status, res.Body)
	}
	ta.Do("POST", "/v2/repository/models/tilapia/unload", nil, admin.Auth()).Want(200)
	if e := v2Index(t, ta, nil)["tilapia:2"]; e.State != "UNAVAILABLE" {
		t.Errorf("after unload: %+v", e)
	}
	ta.Do("POST", "/v2/models/tilapia/infer", v2Bytes(v2Photo(t, 3, 40, 40)), alice.Auth()).Want(503)
}
