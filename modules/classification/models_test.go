package classification_test

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

type modelView struct {
	ID, Name, Version, Checksum, Source string
	Active, Ready                       bool
	Serving                             bool
	Labels                              []struct{ Name string }
	Card                                string
}

func upload(t testing.TB, ta *apptest.TestApp, s apptest.Session, file []byte) *apptest.Response {
	t.Helper()
	body, ct := apptest.Multipart(t, "file", "model.aqm", file, nil)
	return ta.Do("POST", ta.API("/models"), body, apptest.With(s.Auth(), "Content-Type", ct))
}

func TestRegistryListsTheBundledModel(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	var list struct{ Items []modelView }
	ta.Do("GET", ta.API("/models"), nil, alice.Auth()).Want(200).JSON(&list)
	if len(list.Items) != 1 || list.Items[0].Source != "bundled" || !list.Items[0].Active || !list.Items[0].Serving {
		t.Fatalf("models %+v", list.Items)
	}
	var detail modelView
	ta.Do("GET", ta.API("/models/"+list.Items[0].ID), nil, alice.Auth()).Want(200).JSON(&detail)
	if len(detail.Labels) == 0 || detail.Card == "" || len(detail.Checksum) != 64 {
		t.Errorf("detail lacks labels, card or checksum: %d labels, %d card bytes", len(detail.Labels), len(detail.Card))
	}
	ta.Do("GET", ta.API("/models/nope"), nil, alice.Auth()).Want(404)
	// Restarting does not register it twice: a second App on the same database.
	cfg := ta.Config()
	ta2 := apptest.New(t, func(c *config.Config) { c.Database = cfg.Database })
	ta2.Do("GET", ta2.API("/models"), nil, ta2.Admin().Auth()).Want(200).JSON(&list)
	if len(list.Items) != 1 {
		t.Errorf("%d models after a restart", len(list.Items))
	}
}

func TestUploadValidatesAndNeverActivates(t *testing.T) {
	ta := apptest.New(t, nil)
	admin, alice := ta.Admin(), ta.NewUser("alice")
	good := modelFile(t, "reef", "2", 5, labelsN(4))
	corrupt := append([]byte{}, good...)
	corrupt[len(corrupt)/2] ^= 0xff
	for _, c := range []struct {
		name   string
		who    apptest.Session
		file   []byte
		status int
		code   string
	}{
		{"not an admin", alice, good, 403, ""},
		{"not a model file", admin, []byte("hello, I am a model"), 422, "invalid_model"},
		{"corrupted bytes", admin, corrupt, 422, "invalid_model"},
		{"truncated", admin, good[:len(good)-100], 422, "invalid_model"},
		{"valid", admin, good, 201, ""},
		{"same file again", admin, good, 409, "model_exists"},
	} {
		res := upload(t, ta, c.who, c.file)
		if res.Status != c.status || c.code != "" && res.Error().Code != c.code {
			t.Errorf("%s: %d %s", c.name, res.Status, res.Body)
		}
	}
	var list struct{ Items []modelView }
	ta.Do("GET", ta.API("/models"), nil, admin.Auth()).Want(200).JSON(&list)
	active := 0
	for _, m := range list.Items {
		if m.Active {
			active++
			if m.Source != "bundled" {
				t.Errorf("upload activated %s", m.Name)
			}
		}
	}
	if len(list.Items) != 2 || active != 1 {
		t.Errorf("%d models, %d active", len(list.Items), active)
	}
}

// expected computes what a model answers for img, outside the server.
func expected(t *testing.T, file, img []byte) string {
	t.Helper()
	m, err := modelfile.Read(bytes.NewReader(file))
	if err != nil {
		t.Fatal(err)
	}
	e, err := inference.New(m, inference.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res, err := e.Classify(t.Context(), img, 1)
	if err != nil {
		t.Fatal(err)
	}
	return res.Predictions[0].Label
}

// TestActivationUnderLoad swaps models back and forth while clients
// classify without pause: no request may fail, and each answer must be
// entirely the work of the model it names.
func TestActivationUnderLoad(t *testing.T) {
	ta := apptest.New(t, nil)
	admin := ta.Admin()
	labels := labelsN(6)
	files := [][]byte{modelFile(t, "reef", "1", 11, labels), modelFile(t, "reef", "2", 12, labels)}
	img := apptest.Photo(t, 3, 48, 48, "png")
	ids := make([]string, 2)
	want := map[string]string{}
	for i, f := range files {
		var v modelView
		upload(t, ta, admin, f).Want(201).JSON(&v)
		ids[i] = v.ID
		want[v.ID] = expected(t, f, img)
	}
	if want[ids[0]] == want[ids[1]] {
		t.Log("both models agree on the photo; version mixing is then checked by id only")
	}
	ta.Do("POST", ta.API("/models/"+ids[0]+"/activate"), nil, admin.Auth()).Want(200)

	clients := make([]apptest.Session, 4)
	for i := range clients {
		clients[i] = ta.NewUser("client" + string(rune('a'+i)))
	}
	var (
		stop     atomic.Bool
		wg       sync.WaitGroup
		requests atomic.Int64
		mu       sync.Mutex
		failures []string
		seen     = map[string]int{}
	)
	for _, s := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				// top_k varies so the cache does not answer.
				k := int(requests.Add(1)%5) + 1
				body, ct := apptest.Multipart(t, "file", "f.png", img, map[string]string{"top_k": string(rune('0' + k))})
				res := ta.Do("POST", ta.API("/classify"), body, apptest.With(s.Auth(), "Content-Type", ct))
				mu.Lock()
				if res.Status != 200 {
					failures = append(failures, string(res.Body))
				} else {
					var got classification
					res.JSON(&got)
					seen[got.Model.ID]++
					if l, ok := want[got.Model.ID]; !ok || got.Predictions[0].Label != l {
						failures = append(failures, "answer of "+got.Model.ID+" is "+got.Predictions[0].Label+", that model says "+l)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for i := range 8 {
		ta.Do("POST", ta.API("/models/"+ids[(i+1)%2]+"/activate"), nil, admin.Auth()).Want(200)
		time.Sleep(60 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d of %d requests failed or mixed models, e.g. %s", len(failures), requests.Load(), failures[0])
	}
	t.Logf("%d requests during 8 activations, answers per model %v", requests.Load(), seen)
	if seen[ids[0]] == 0 || seen[ids[1]] == 0 {
		t.Errorf("answers per model %v: the swaps did not take effect", seen)
	}
}

func TestEveryReplicaFollowsAnActivation(t *testing.T) {
	redisURL := apptest.SharedRedisURL(t)
	a := apptest.New(t, func(c *config.Config) { c.Redis.URL = redisURL })
	cfg := a.Config()
	b := apptest.New(t, func(c *config.Config) {
		c.Redis.URL = redisURL
		c.Database = cfg.Database
		c.Model.Dir = cfg.Model.Dir      // replicas share the model directory
		c.Model.SyncInterval = time.Hour // only the announcement can switch b in time
	})
	var v modelView
	upload(t, a, a.Admin(), modelFile(t, "reef", "7", 21, labelsN(3))).Want(201).JSON(&v)
	a.Do("POST", a.API("/models/"+v.ID+"/activate"), nil, a.Admin().Auth()).Want(200)
	deadline := time.Now().Add(10 * time.Second)
	for {
		var got classification
		classify(t, b, b.Admin(), apptest.Photo(t, 1, 40, 40, "png"), nil).Want(200).JSON(&got)
		if got.Model.ID == v.ID {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica b still serves %s 10 s after the activation", got.Model.ID)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
