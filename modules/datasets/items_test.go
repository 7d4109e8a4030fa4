package datasets_test

import (
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestItems: items are listed in pages and by label, relabelled and
// removed, and the counts follow.
func TestItems(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	d := createDataset(t, ta, alice, "edits")
	postZip(ta, alice, d.ID, zipped(t, folders(t, 1, 3, "trout", "carp"))).Want(http.StatusCreated)

	var page struct {
		Items    []item `json:"items"`
		Total    int    `json:"total"`
		PageSize int    `json:"page_size"`
	}
	ta.Do("GET", ta.API("/datasets/"+d.ID+"/items?page_size=4"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 6 || len(page.Items) != 4 {
		t.Fatalf("first page: %+v", page)
	}
	first := append([]item(nil), page.Items...)
	ta.Do("GET", ta.API("/datasets/"+d.ID+"/items?page_size=4&page=2"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if len(page.Items) != 2 {
		t.Fatalf("second page: %+v", page)
	}
	seen := map[string]bool{}
	for _, it := range append(first, page.Items...) {
		if seen[it.ID] {
			t.Errorf("item %s on two pages", it.ID)
		}
		seen[it.ID] = true
	}
	if carp := listItems(t, ta, alice, d.ID, "?label=carp"); len(carp) != 3 {
		t.Errorf("carp: %d items", len(carp))
	}
	wantError(t, ta.Do("GET", ta.API("/datasets/"+d.ID+"/items?lable=carp"), nil, alice.Auth()), 422, "validation_error")
	wantError(t, ta.Do("GET", ta.API("/datasets/"+d.ID+"/items?page_size=5000"), nil, alice.Auth()), 422, "validation_error")

	trout := listItems(t, ta, alice, d.ID, "?label=trout")
	var it item
	ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/"+trout[0].ID), map[string]string{"label": "brown trout", "group": "cam2"}, alice.Auth()).
		Want(http.StatusOK).JSON(&it)
	if it.Label != "brown trout" || it.Group != "cam2" {
		t.Errorf("patched: %+v", it)
	}
	wantError(t, ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/"+trout[1].ID), map[string]string{"label": ""}, alice.Auth()), 422, "validation_error")
	wantError(t, ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/"+trout[1].ID), `{}`, alice.Auth()), 422, "validation_error")
	wantError(t, ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/nope"), map[string]string{"label": "x"}, alice.Auth()), 404, "dataset_item_not_found")

	ta.Do("DELETE", ta.API("/datasets/"+d.ID+"/items/"+trout[1].ID), nil, alice.Auth()).Want(http.StatusNoContent)
	ta.Do("DELETE", ta.API("/datasets/"+d.ID+"/items/"+trout[1].ID), nil, alice.Auth()).Want(http.StatusNotFound)
	got := counts(getDataset(t, ta, alice, d.ID))
	if got["trout"] != 1 || got["brown trout"] != 1 || got["carp"] != 3 {
		t.Errorf("counts after edits: %v", got)
	}
	if n := blobFiles(t, ta); n != 5 {
		t.Errorf("%d photo files on disk, want 5 (the removed photo is deleted)", n)
	}

	// An item of another dataset is not found through this one.
	other := createDataset(t, ta, alice, "other")
	wantError(t, ta.Do("DELETE", ta.API("/datasets/"+other.ID+"/items/"+trout[0].ID), nil, alice.Auth()), 404, "dataset_item_not_found")
}

// TestQuotas: the per-user dataset, photo and storage quotas refuse with
// 413 and keep nothing of the refused upload.
func TestQuotas(t *testing.T) {
	ta := apptest.New(t, func(c *configT) {
		c.Datasets.QuotaDatasets, c.Datasets.QuotaPhotos = 2, 5
	})
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	a := createDataset(t, ta, alice, "one")
	b := createDataset(t, ta, alice, "two")
	wantError(t, ta.Do("POST", ta.API("/datasets"), map[string]string{"name": "three"}, alice.Auth()), 413, "dataset_quota_exceeded")
	createDataset(t, ta, bob, "bob's") // quotas are per user

	postZip(ta, alice, a.ID, zipped(t, folders(t, 1, 3, "trout"))).Want(http.StatusCreated)
	// The quota counts every dataset of the user.
	wantError(t, postZip(ta, alice, b.ID, zipped(t, folders(t, 10, 3, "carp"))), 413, "dataset_photo_quota_exceeded")
	if got := getDataset(t, ta, alice, b.ID); got.Photos != 0 {
		t.Errorf("refused upload kept %d photos", got.Photos)
	}
	// Photos the dataset holds already cost nothing.
	var res added
	postZip(ta, alice, a.ID, zipped(t, append(folders(t, 1, 3, "trout"), folders(t, 20, 2, "carp")...))).Want(http.StatusCreated).JSON(&res)
	if res.Added != 2 || res.Duplicates != 3 {
		t.Errorf("upload to the brim: %+v", res)
	}
	if n := blobFiles(t, ta); n != 5 {
		t.Errorf("%d photo files on disk, want 5", n)
	}

	// Storage: 1 MB, and photos padded to 400 KB each.
	tb := apptest.New(t, func(c *configT) { c.Datasets.QuotaBytes = 1 << 20 })
	carol := tb.NewUser("carol")
	d := createDataset(t, tb, carol, "heavy")
	var heavy []file
	for i := range 3 {
		heavy = append(heavy, file{"trout/" + string(rune('a'+i)) + ".jpg", append(photo(t, i+1), noise(i, 400<<10)...)})
	}
	postZip(tb, carol, d.ID, zipped(t, heavy[:2])).Want(http.StatusCreated)
	body, ct := multipartBody(t, part{field: "label", data: []byte("trout")}, part{field: "files", filename: "c.jpg", data: heavy[2].data})
	wantError(t, tb.Do("POST", tb.API("/datasets/"+d.ID+"/items"), body, with(carol.Auth(), "Content-Type", ct)), 413, "dataset_storage_quota_exceeded")
}
