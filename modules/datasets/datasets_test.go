package datasets_test

import (
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestDatasetLifecycle: a user creates a dataset, uploads a zip of
// folders, sees per-label counts with warnings for thin labels, lists it
// and deletes it.
func TestDatasetLifecycle(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	d := createDataset(t, ta, alice, "trout farm")
	if d.OwnerID != alice.UserID || d.Photos != 0 || d.MinPerLabel != 20 {
		t.Fatalf("new dataset: %+v", d)
	}
	var res added
	postZip(ta, alice, d.ID, zipped(t, folders(t, 1, 3, "trout", "carp"))).Want(http.StatusCreated).JSON(&res)
	if res.Added != 6 || res.Duplicates != 0 {
		t.Fatalf("upload: %+v", res)
	}
	got := getDataset(t, ta, alice, d.ID)
	if c := counts(got); got.Photos != 6 || c["trout"] != 3 || c["carp"] != 3 {
		t.Fatalf("counts: %+v", got)
	}
	if len(got.Warnings) != 2 || got.Warnings[0].Code != "few_photos" {
		t.Errorf("two labels of 3 photos each should warn (minimum 20): %+v", got.Warnings)
	}

	var page struct {
		Items []dataset `json:"items"`
		Total int       `json:"total"`
	}
	ta.Do("GET", ta.API("/datasets"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 1 || page.Items[0].ID != d.ID || page.Items[0].Photos != 6 {
		t.Errorf("list: %+v", page)
	}
	wantError(t, ta.Do("GET", ta.API("/datasets?colour=red"), nil, alice.Auth()), http.StatusUnprocessableEntity, "validation_error")

	ta.Do("DELETE", ta.API("/datasets/"+d.ID), nil, alice.Auth()).Want(http.StatusNoContent)
	ta.Do("GET", ta.API("/datasets/"+d.ID), nil, alice.Auth()).Want(http.StatusNotFound)
	ta.Do("GET", ta.API("/datasets"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 0 {
		t.Errorf("deleted dataset still listed: %+v", page)
	}
}

func TestCreateValidation(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	for _, tc := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"no name", `{"description":"x"}`, 422, "validation_error"},
		{"blank name", `{"name":"   "}`, 422, "validation_error"},
		{"unknown field", `{"name":"a","colour":"red"}`, 422, "validation_error"},
		{"not json", `{"name":`, 400, "invalid_json"},
		{"wrong type", `{"name":5}`, 422, "validation_error"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, ta.Do("POST", ta.API("/datasets"), tc.body, alice.Auth()), tc.status, tc.code)
		})
	}
	wantError(t, ta.Do("POST", ta.API("/datasets"), "name=a", with(alice.Auth(), "Content-Type", "text/plain")), 415, "unsupported_media_type")
	ta.Do("POST", ta.API("/datasets"), `{"name":"a"}`, nil).Want(http.StatusUnauthorized)
}

// TestOtherUsersDatasetIsNotFound: every route answers 404 for another
// user's dataset; an admin reads it but may not change it.
func TestOtherUsersDatasetIsNotFound(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob, admin := ta.NewUser("alice"), ta.NewUser("bob"), ta.Admin()
	d := createDataset(t, ta, alice, "alice's")
	postZip(ta, alice, d.ID, zipped(t, folders(t, 1, 2, "trout", "carp"))).Want(http.StatusCreated)
	it := listItems(t, ta, alice, d.ID, "")[0]
	routes := []struct{ method, path string }{
		{"GET", "/datasets/" + d.ID},
		{"DELETE", "/datasets/" + d.ID},
		{"GET", "/datasets/" + d.ID + "/items"},
		{"POST", "/datasets/" + d.ID + "/items/from-feedback"},
		{"PATCH", "/datasets/" + d.ID + "/items/" + it.ID},
		{"DELETE", "/datasets/" + d.ID + "/items/" + it.ID},
		{"POST", "/datasets/" + d.ID + "/versions"},
		{"GET", "/datasets/" + d.ID + "/versions"},
	}
	for _, r := range routes {
		res := ta.Do(r.method, ta.API(r.path), `{"label":"pike"}`, bob.Auth())
		wantError(t, res, http.StatusNotFound, "dataset_not_found")
	}
	wantError(t, postZip(ta, bob, d.ID, zipped(t, folders(t, 50, 1, "pike"))), http.StatusNotFound, "dataset_not_found")

	if got := getDataset(t, ta, admin, d.ID); got.Photos != 4 {
		t.Errorf("admin reads: %+v", got)
	}
	if items := listItems(t, ta, admin, d.ID, ""); len(items) != 4 {
		t.Errorf("admin lists %d items", len(items))
	}
	wantError(t, ta.Do("DELETE", ta.API("/datasets/"+d.ID), nil, admin.Auth()), http.StatusForbidden, "not_owner")
	var all struct{ Total int }
	ta.Do("GET", ta.API("/datasets?all=true"), nil, admin.Auth()).Want(http.StatusOK).JSON(&all)
	if all.Total != 1 {
		t.Errorf("admin all=true lists %d", all.Total)
	}
	ta.Do("GET", ta.API("/datasets?all=true"), nil, bob.Auth()).Want(http.StatusForbidden)
	// Nothing bob did changed alice's dataset.
	if got := getDataset(t, ta, alice, d.ID); got.Photos != 4 || counts(got)["pike"] != 0 {
		t.Errorf("after bob: %+v", got)
	}
}
