package datasets_test

import (
	"context"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/modules/datasets"
	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
)

var versionIDPattern = regexp.MustCompile(`^dsv_[0-9a-f]{20}$`)

func freeze(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string, status int) version {
	t.Helper()
	var v version
	ta.Do("POST", ta.API("/datasets/"+id+"/versions"), nil, s.Auth()).Want(status).JSON(&v)
	return v
}

// reader is the module as training sees it, on the App's database and
// photo directory.
func reader(t testing.TB, ta *apptest.TestApp) *datasets.Module {
	t.Helper()
	m, err := datasets.New(datasets.Deps{DB: ta.DB.DB, Config: datasets.Config{Datasets: ta.Config().Datasets}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestVersions: a version's id follows its content exactly, freezing the
// same content again finds it, and later edits never reach it.
func TestVersions(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	d := createDataset(t, ta, alice, "frozen")
	wantError(t, ta.Do("POST", ta.API("/datasets/"+d.ID+"/versions"), nil, alice.Auth()), 422, "dataset_empty")

	labels := "carp,Cyprinus carpio,Common carp\ntrout,Salmo trutta,Brown trout\n"
	archive := zipped(t, append(folders(t, 1, 2, "trout", "carp"), file{"labels.csv", []byte(labels)}))
	postZip(ta, alice, d.ID, archive).Want(http.StatusCreated)
	v1 := freeze(t, ta, alice, d.ID, http.StatusCreated)
	if !versionIDPattern.MatchString(v1.ID) || v1.Photos != 4 || v1.LabelCount != 2 || v1.DatasetID != d.ID {
		t.Fatalf("version: %+v", v1)
	}
	if again := freeze(t, ta, alice, d.ID, http.StatusOK); again.ID != v1.ID {
		t.Errorf("same content frozen twice: %s then %s", v1.ID, again.ID)
	}

	// The same photos in bob's dataset are bob's version, not alice's.
	bd := createDataset(t, ta, bob, "copy")
	postZip(ta, bob, bd.ID, archive).Want(http.StatusCreated)
	if bv := freeze(t, ta, bob, bd.ID, http.StatusCreated); bv.ID == v1.ID {
		t.Errorf("two users' datasets share version %s", bv.ID)
	}

	// A relabel is new content; undoing it is the first content again.
	trout := listItems(t, ta, alice, d.ID, "?label=trout")
	ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/"+trout[0].ID), map[string]string{"label": "carp"}, alice.Auth()).Want(http.StatusOK)
	v2 := freeze(t, ta, alice, d.ID, http.StatusCreated)
	if v2.ID == v1.ID {
		t.Fatal("a relabel kept the version id")
	}
	ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/"+trout[0].ID), map[string]string{"label": "trout"}, alice.Auth()).Want(http.StatusOK)
	if back := freeze(t, ta, alice, d.ID, http.StatusOK); back.ID != v1.ID {
		t.Errorf("undone relabel: %s, want %s", back.ID, v1.ID)
	}
	// A regroup is new content too.
	ta.Do("PATCH", ta.API("/datasets/"+d.ID+"/items/"+trout[0].ID), map[string]string{"group": "cam3"}, alice.Auth()).Want(http.StatusOK)
	v3 := freeze(t, ta, alice, d.ID, http.StatusCreated)

	var page struct {
		Items []version `json:"items"`
		Total int       `json:"total"`
	}
	ta.Do("GET", ta.API("/datasets/"+d.ID+"/versions"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 3 {
		t.Errorf("versions listed: %+v", page)
	}
	var one version
	ta.Do("GET", ta.API("/datasets/"+d.ID+"/versions/"+v2.ID), nil, alice.Auth()).Want(http.StatusOK).JSON(&one)
	if len(one.Labels) != 2 || one.Labels[0] != (labelView{"carp", "Cyprinus carpio", "Common carp", 3}) || one.Labels[1].Count != 1 {
		t.Errorf("version %s labels: %+v", v2.ID, one.Labels)
	}
	wantError(t, ta.Do("GET", ta.API("/datasets/"+bd.ID+"/versions/"+v1.ID), nil, bob.Auth()), 404, "dataset_version_not_found")

	// What training reads: the version as frozen, sorted, whatever
	// happened to the dataset since; photos by their SHA-256.
	ta.Do("DELETE", ta.API("/datasets/"+d.ID+"/items/"+trout[1].ID), nil, alice.Auth()).Want(http.StatusNoContent)
	m := reader(t, ta)
	ctx := context.Background()
	fv, err := m.Version(ctx, v1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fv.ID != v1.ID || fv.DatasetID != d.ID || fv.OwnerID != alice.UserID || len(fv.Items) != 4 {
		t.Fatalf("frozen version: %+v", fv)
	}
	wantLabels := []datasets.LabelInfo{{Name: "carp", ScientificName: "Cyprinus carpio", CommonName: "Common carp"}, {Name: "trout", ScientificName: "Salmo trutta", CommonName: "Brown trout"}}
	if !slices.Equal(fv.Labels, wantLabels) {
		t.Errorf("labels %+v, want %+v", fv.Labels, wantLabels)
	}
	if !slices.IsSortedFunc(fv.Items, func(a, b datasets.VersionItem) int {
		if a.Label != b.Label {
			return strings.Compare(a.Label, b.Label)
		}
		return strings.Compare(a.SHA256, b.SHA256)
	}) {
		t.Errorf("items not sorted by (label, sha256): %+v", fv.Items)
	}
	for _, it := range fv.Items {
		if it.Group != "" {
			t.Errorf("v1 item with a group added later: %+v", it)
		}
		data, err := m.Photo(ctx, it.SHA256)
		if err != nil || blobstore.Sum(data) != it.SHA256 {
			t.Errorf("photo %s: %d bytes, %v", it.SHA256, len(data), err)
		}
	}
	if fv3, _ := m.Version(ctx, v3.ID); !slices.ContainsFunc(fv3.Items, func(it datasets.VersionItem) bool { return it.Group == "cam3" }) {
		t.Errorf("v3 lacks the regrouped photo: %+v", fv3.Items)
	}
	if _, err := m.Version(ctx, "dsv_00000000000000000000"); apperr.KindOf(err) != apperr.NotFound || mustCode(err) != "dataset_version_not_found" {
		t.Errorf("unknown version: %v", err)
	}
	if _, err := m.Photo(ctx, blobstore.Sum([]byte("never stored"))); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("unknown photo: %v", err)
	}

	// Deleting the dataset deletes its versions and the photos no one
	// else holds; bob's copy keeps the shared ones.
	ta.Do("DELETE", ta.API("/datasets/"+d.ID), nil, alice.Auth()).Want(http.StatusNoContent)
	if _, err := m.Version(ctx, v1.ID); apperr.KindOf(err) != apperr.NotFound {
		t.Errorf("version of a deleted dataset: %v", err)
	}
	for _, it := range fv.Items {
		if _, err := m.Photo(ctx, it.SHA256); err != nil {
			t.Errorf("bob's photo %s went with alice's dataset: %v", it.SHA256, err)
		}
	}
	ta.Do("DELETE", ta.API("/datasets/"+bd.ID), nil, bob.Auth()).Want(http.StatusNoContent)
	if n := blobFiles(t, ta); n != 0 {
		t.Errorf("%d photo files left after every dataset was deleted", n)
	}
}

func mustCode(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	return ""
}
