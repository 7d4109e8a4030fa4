package classification_test

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// readyModel uploads a model and loads it, answering its registry view.
func readyModel(t *testing.T, ta *apptest.TestApp, file []byte) modelView {
	t.Helper()
	var v modelView
	upload(t, ta, ta.Admin(), file).Want(201).JSON(&v)
	ta.Do("POST", ta.API("/models/"+v.ID+"/load"), nil, ta.Admin().Auth()).Want(200)
	return v
}

func classifyWith(t testing.TB, ta *apptest.TestApp, s apptest.Session, img []byte, model string) *apptest.Response {
	t.Helper()
	return ta.Do("POST", ta.API("/classify?model="+url.QueryEscape(model)), img, apptest.With(s.Auth(), "Content-Type", "image/png"))
}

// TestTwoModelsSideBySide loads a farm's model beside the default and has
// many clients ask each for the model they want, by every kind of name:
// every answer comes from the model it names, computed by that model.
func TestTwoModelsSideBySide(t *testing.T) {
	ta := apptest.New(t, nil)
	trout := modelFile(t, "trout-farm", "3", 31, []string{"brown_trout", "rainbow_trout", "char"})
	carp := modelFile(t, "carp-pond", "1", 32, []string{"common_carp", "grass_carp", "tench", "roach"})
	tv, cv := readyModel(t, ta, trout), readyModel(t, ta, carp)
	img := apptest.Photo(t, 9, 48, 48, "png")
	want := map[string]string{tv.ID: expected(t, trout, img), cv.ID: expected(t, carp, img)}
	refs := map[string]string{ // what a client sends -> the model that must answer
		"trout-farm": tv.ID, "trout-farm:3": tv.ID, tv.ID: tv.ID,
		"carp-pond": cv.ID, "carp-pond:1": cv.ID, cv.ID: cv.ID,
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		failures []string
	)
	for i := range 6 {
		s := ta.NewUser(fmt.Sprintf("farmer%d", i))
		wg.Go(func() {
			for j := range 15 {
				ref := []string{"trout-farm", "trout-farm:3", tv.ID, "carp-pond", "carp-pond:1", cv.ID}[(i+j)%6]
				// top_k varies so most answers are computed, not cached.
				res := ta.Do("POST", ta.API(fmt.Sprintf("/classify?model=%s&top_k=%d", url.QueryEscape(ref), j%3+1)),
					img, apptest.With(s.Auth(), "Content-Type", "image/png"))
				var got classification
				if res.Status == 200 {
					res.JSON(&got)
				}
				mu.Lock()
				switch {
				case res.Status != 200:
					failures = append(failures, fmt.Sprintf("%s: %d %s", ref, res.Status, res.Body))
				case got.Model.ID != refs[ref]:
					failures = append(failures, fmt.Sprintf("asked for %s, answered by %s", ref, got.Model.ID))
				case got.Predictions[0].Label != want[got.Model.ID]:
					failures = append(failures, fmt.Sprintf("%s answered %s, the model says %s", ref, got.Predictions[0].Label, want[got.Model.ID]))
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d wrong answers, e.g. %s", len(failures), failures[0])
	}
	// Without a model the default answers, as before.
	var def classification
	classify(t, ta, ta.Admin(), img, nil).Want(200).JSON(&def)
	if def.Model.Name != "aquaml-fish4knowledge" {
		t.Errorf("the default answered as %+v", def.Model)
	}
	// The form field works like the query parameter, and history names
	// the model that answered.
	var viaForm classification
	classify(t, ta, ta.Admin(), img, map[string]string{"model": "carp-pond"}).Want(200).JSON(&viaForm)
	if viaForm.Model.ID != cv.ID {
		t.Errorf("form field model=carp-pond answered by %+v", viaForm.Model)
	}
	var history struct {
		Items []struct {
			Model struct{ ID, Name, Version string }
		}
	}
	ta.Do("GET", ta.API("/predictions?page_size=1"), nil, ta.Admin().Auth()).Want(200).JSON(&history)
	if len(history.Items) != 1 || history.Items[0].Model.Name != "carp-pond" || history.Items[0].Model.Version != "1" {
		t.Errorf("history shows %+v, want carp-pond 1", history.Items)
	}
	metrics := string(ta.Do("GET", "/metrics", nil, nil).Body)
	for _, want := range []string{`aquaml_predictions_total{label=`, `model="carp-pond",model_version="1"`,
		`aquaml_inference_batch_size_count{model="trout-farm",model_version="3"}`, `aquaml_model_info{default="false",name="carp-pond",version="1"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}

func TestChoosingAModelThatIsNotServed(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	var stored modelView
	upload(t, ta, admin, modelFile(t, "perch", "2", 41, labelsN(3))).Want(201).JSON(&stored)
	img := apptest.Photo(t, 2, 40, 40, "png")
	for _, c := range []struct {
		model  string
		status int
		code   string
	}{
		{"cod-detector", 404, "model_not_found"},
		{"perch:9", 404, "model_not_found"},
		{"perch", 409, "model_not_ready"},
		{stored.ID, 409, "model_not_ready"},
		{strings.Repeat("x", 300), 422, "validation_error"},
	} {
		res := classifyWith(t, ta, admin, img, c.model)
		if res.Status != c.status || res.Error().Code != c.code {
			t.Errorf("model=%.20s: %d %s, want %d %s", c.model, res.Status, res.Body, c.status, c.code)
		}
	}
}

func TestLoadUnloadDeleteRules(t *testing.T) {
	modelDir := t.TempDir()
	ta := apptest.New(t, func(c *config.Config) { c.Model.Dir = modelDir })
	admin, alice := ta.Admin(), ta.NewUser("alice")
	perch := readyModel(t, ta, modelFile(t, "perch", "2", 51, labelsN(3)))
	img := apptest.Photo(t, 5, 40, 40, "png")
	classifyWith(t, ta, alice, img, "perch").Want(200)

	var list struct{ Items []modelView }
	ta.Do("GET", ta.API("/models"), nil, admin.Auth()).Want(200).JSON(&list)
	var bundled modelView
	for _, m := range list.Items {
		if m.Source == "bundled" {
			bundled = m
		}
	}
	api := func(method, path string) *apptest.Response { return ta.Do(method, ta.API(path), nil, admin.Auth()) }
	for _, c := range []struct {
		name, method, path string
		status             int
		code               string
	}{
		{"a user cannot load", "POST", "/models/" + perch.ID + "/load", 403, ""},
		{"unload the default", "POST", "/models/" + bundled.ID + "/unload", 409, "model_is_default"},
		{"delete the default", "DELETE", "/models/" + bundled.ID, 409, "model_is_default"},
		{"load a model that does not exist", "POST", "/models/nope/load", 404, "model_not_found"},
	} {
		res := api(c.method, c.path)
		if c.status == 403 {
			res = ta.Do(c.method, ta.API(c.path), nil, alice.Auth())
		}
		if res.Status != c.status || c.code != "" && res.Error().Code != c.code {
			t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
		}
	}
	// Unloaded, it is stored only: asking for it is a conflict, and it
	// can be loaded again.
	var v modelView
	api("POST", "/models/"+perch.ID+"/unload").Want(200).JSON(&v)
	if v.Ready || v.Serving {
		t.Errorf("after unload: %+v", v)
	}
	classifyWith(t, ta, alice, img, "perch").Want(409)
	api("POST", "/models/"+perch.ID+"/load").Want(200)
	classifyWith(t, ta, alice, img, "perch").Want(200)

	// Deleted: gone from the registry and from disk, still named in history.
	api("DELETE", "/models/"+perch.ID).Want(204)
	api("GET", "/models/"+perch.ID).Want(404)
	classifyWith(t, ta, alice, img, "perch").Want(404)
	filepath.WalkDir(modelDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("the deleted model's file is still there: %s", path)
		}
		return nil
	})
	var history struct {
		Items []struct{ Model struct{ ID, Name string } }
	}
	ta.Do("GET", ta.API("/predictions"), nil, alice.Auth()).Want(200).JSON(&history)
	if len(history.Items) == 0 || history.Items[0].Model.Name != "perch" {
		t.Errorf("history after the deletion: %+v", history.Items)
	}
	// The bundled model is registered at every start: protected once it
	// is no longer the default.
	other := readyModel(t, ta, modelFile(t, "roach", "1", 52, labelsN(2)))
	api("POST", "/models/"+other.ID+"/activate").Want(200)
	api("POST", "/models/"+bundled.ID+"/unload").Want(200)
	if res := api("DELETE", "/models/"+bundled.ID); res.Status != 409 || res.Error().Code != "model_protected" {
		t.Errorf("deleting the bundled model: %d %s", res.Status, res.Body)
	}
}

func TestModelMemoryIsBounded(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Model.MemoryMB = 300 })
	admin := ta.Admin()
	// A small file declaring a large input: its graphs at BATCH_SIZE would
	// take gigabytes. It is refused from its shapes, before any is built.
	huge := modelFile(t, "whale", "1", 61, labelsN(2), 1024)
	res := upload(t, ta, admin, huge)
	if res.Status != 422 || res.Error().Code != "model_too_large" || !strings.Contains(res.Error().Message, "MODEL_MEMORY_MB (300 MB)") {
		t.Fatalf("uploading a model too large to serve: %d %s", res.Status, res.Body)
	}
	// Models that fit alone but not together: the load past the budget is
	// refused with the figures.
	var loaded, refused int
	var last string
	for i := range 6 {
		var v modelView
		upload(t, ta, admin, modelFile(t, fmt.Sprintf("pike%d", i), "1", uint64(70+i), labelsN(2), 64)).Want(201).JSON(&v)
		res := ta.Do("POST", ta.API("/models/"+v.ID+"/load"), nil, admin.Auth())
		switch res.Status {
		case 200:
			loaded++
		case 409:
			refused++
			last = res.Error().Message
			if res.Error().Code != "model_memory_exceeded" {
				t.Errorf("refused with %s", res.Body)
			}
		default:
			t.Fatalf("load: %d %s", res.Status, res.Body)
		}
	}
	if loaded == 0 || refused == 0 || !strings.Contains(last, "of MODEL_MEMORY_MB (300 MB)") {
		t.Errorf("%d loaded, %d refused, last message %q", loaded, refused, last)
	}
	ta.Do("GET", "/health", nil, nil).Want(200)
}

// TestLoadsReachEveryProcess: a load on one replica is served by the other
// within seconds, the load answers once both serve it, and a process
// started afterwards serves it from the start.
func TestLoadsReachEveryProcess(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	a := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	cfg := a.Config()
	replica := func(override func(*config.Config)) *apptest.TestApp {
		return apptest.New(t, func(c *config.Config) {
			c.Redis.URL, c.Database, c.Model.Dir = redisURL, cfg.Database, cfg.Model.Dir
			c.Model.SyncInterval = time.Hour // only the announcement can reach it in time
			if override != nil {
				override(c)
			}
		})
	}
	b := replica(nil)
	var v modelView
	upload(t, a, a.Admin(), modelFile(t, "bream", "4", 81, labelsN(3))).Want(201).JSON(&v)
	var loaded struct {
		modelView
		Rollout struct{ Processes, Loaded int }
	}
	a.Do("POST", a.API("/models/"+v.ID+"/load"), nil, a.Admin().Auth()).Want(200).JSON(&loaded)
	if loaded.Rollout.Processes != 2 || loaded.Rollout.Loaded != 2 {
		t.Errorf("the load answered with rollout %+v, want both processes", loaded.Rollout)
	}
	img := apptest.Photo(t, 3, 40, 40, "png")
	classifyWith(t, b, b.Admin(), img, "bream:4").Want(200)
	late := replica(nil)
	classifyWith(t, late, late.Admin(), img, "bream").Want(200)

	// A process that cannot serve a model makes its load fail, naming why;
	// the model is then not ready anywhere.
	small := replica(func(c *config.Config) { c.Model.MemoryMB = 240 }) // the bundled model and bream fit, sturgeon does not
	var big modelView
	upload(t, a, a.Admin(), modelFile(t, "sturgeon", "1", 82, labelsN(3), 160)).Want(201).JSON(&big)
	res := a.Do("POST", a.API("/models/"+big.ID+"/load"), nil, a.Admin().Auth())
	if res.Status != 409 || res.Error().Code != "model_unloadable" || !strings.Contains(res.Error().Message, "MODEL_MEMORY_MB") {
		t.Fatalf("loading a model one process cannot hold: %d %s", res.Status, res.Body)
	}
	classifyWith(t, a, a.Admin(), img, "sturgeon").Want(409)
	// Activation waits the same way: the default stays where it was.
	if res := a.Do("POST", a.API("/models/"+big.ID+"/activate"), nil, a.Admin().Auth()); res.Status != 409 {
		t.Errorf("activating it: %d %s", res.Status, res.Body)
	}
	var def classification
	classify(t, small, small.Admin(), img, nil).Want(200).JSON(&def)
	if def.Model.Name != "aquaml-fish4knowledge" {
		t.Errorf("the default moved to %+v", def.Model)
	}
}
