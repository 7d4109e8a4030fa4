package batch_test

import (
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestAdminsReadEveryBatch: an admin lists and reads every user's batches
// but cannot cancel them; a user asking for all is refused, and a
// misspelt filter is an error rather than silently ignored.
func TestAdminsReadEveryBatch(t *testing.T) {
	ta := apptest.New(t, nil)
	admin, alice, bob := ta.Admin(), ta.NewUser("alice"), ta.NewUser("bob")
	a := submitPhotos(t, ta, alice, photos(t, 1, 32), nil)
	b := submitPhotos(t, ta, bob, photos(t, 1, 32), nil)

	var page struct {
		Items []batchJSON
		Total int
	}
	ta.Do("GET", ta.API("/batches?all=true"), nil, admin.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 2 || len(page.Items) != 2 {
		t.Errorf("admin all=true: %+v", page)
	}
	ta.Do("GET", ta.API("/batches"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 1 || page.Items[0].ID != a.ID {
		t.Errorf("alice's own list: %+v", page)
	}
	ta.Do("GET", ta.API("/batches?all=true"), nil, alice.Auth()).Want(http.StatusForbidden)
	ta.Do("GET", ta.API("/batches/"+b.ID), nil, admin.Auth()).Want(http.StatusOK)
	ta.Do("GET", ta.API("/batches/"+b.ID+"/results"), nil, admin.Auth()).Want(http.StatusOK)
	ta.Do("GET", ta.API("/batches/"+b.ID), nil, alice.Auth()).Want(http.StatusNotFound)
	ta.Do("POST", ta.API("/batches/"+b.ID+"/cancel"), nil, admin.Auth()).Want(http.StatusNotFound)

	for _, path := range []string{"/batches?stauts=running", "/batches/" + a.ID + "/results?limit=5", "/batches?all=maybe"} {
		if res := ta.Do("GET", ta.API(path), nil, alice.Auth()); res.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s, want 422", path, res.Status, res.Body)
		}
	}
	if res := ta.Do("GET", ta.API("/users?rol=admin"), nil, admin.Auth()); res.Status != http.StatusUnprocessableEntity {
		t.Errorf("/users with a misspelt filter: %d %s", res.Status, res.Body)
	}
}
