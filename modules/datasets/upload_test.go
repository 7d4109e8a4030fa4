package datasets_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestUploadForms: the ways photos arrive (a zip of folders inside a
// form, labelled files, a zip with a CSV and a labels file) each end
// with the labels the user meant, and the same photo is stored once.
func TestUploadForms(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	d := createDataset(t, ta, alice, "mixed")

	// Labelled files: the label field applies to the photos in the form,
	// and so does the group.
	var res added
	postForm(t, ta, alice, d.ID,
		part{field: "label", data: []byte("perch")}, part{field: "group", data: []byte("cam1_20260101")},
		part{field: "files", filename: "a.jpg", data: photo(t, 1)}, part{field: "files", filename: "b.jpg", data: photo(t, 2)},
	).Want(http.StatusCreated).JSON(&res)
	if res.Added != 2 {
		t.Fatalf("labelled files: %+v", res)
	}
	perch := listItems(t, ta, alice, d.ID, "?label=perch")
	if len(perch) != 2 || perch[0].Group != "cam1_20260101" || perch[0].Format != "jpeg" || perch[0].Width != 24 || perch[0].Source != "upload" {
		t.Fatalf("perch items: %+v", perch)
	}

	// A zip plus a CSV: the CSV names files by path or by bare name, and
	// its label wins over the folder; labels.csv at the root names them.
	archive := zipped(t, []file{
		{"raw/x1.jpg", photo(t, 10)}, {"raw/x2.jpg", photo(t, 11)}, {"carp/x3.jpg", photo(t, 12)},
		{"labels.csv", []byte("label,scientific_name,common_name\nsalmon,Salmo salar,Atlantic salmon\ncarp,Cyprinus carpio,Common carp\n")},
	})
	csv := "filename,label,group\nraw/x1.jpg,salmon,track-7\nx2.jpg,salmon,track-7\n"
	postForm(t, ta, alice, d.ID, part{field: "files", filename: "batch.zip", contentType: "application/zip", data: archive},
		part{field: "csv", filename: "items.csv", data: []byte(csv)}).Want(http.StatusCreated).JSON(&res)
	if res.Added != 3 {
		t.Fatalf("zip plus CSV: %+v", res)
	}
	got := getDataset(t, ta, alice, d.ID)
	want := map[string]labelView{
		"perch":  {Name: "perch", Count: 2},
		"salmon": {Name: "salmon", ScientificName: "Salmo salar", CommonName: "Atlantic salmon", Count: 2},
		"carp":   {Name: "carp", ScientificName: "Cyprinus carpio", CommonName: "Common carp", Count: 1},
	}
	if len(got.Labels) != len(want) {
		t.Fatalf("labels: %+v", got.Labels)
	}
	for _, l := range got.Labels {
		if l != want[l.Name] {
			t.Errorf("label %+v, want %+v", l, want[l.Name])
		}
	}
	for _, it := range listItems(t, ta, alice, d.ID, "?label=salmon") {
		if it.Group != "track-7" {
			t.Errorf("salmon item without the CSV's group: %+v", it)
		}
	}

	// A labels file alone renames species, adding nothing.
	postForm(t, ta, alice, d.ID, part{field: "labels", filename: "labels.csv", data: []byte("perch,Perca fluviatilis,European perch\n")}).
		Want(http.StatusCreated).JSON(&res)
	if res.Added != 0 || counts(res.Dataset)["perch"] != 2 {
		t.Errorf("labels alone: %+v", res)
	}
	for _, l := range res.Dataset.Labels {
		if l.Name == "perch" && l.ScientificName != "Perca fluviatilis" {
			t.Errorf("perch not renamed: %+v", l)
		}
	}

	// The same bytes again, under any name: nothing new is stored.
	postZip(ta, alice, d.ID, zipped(t, []file{{"perch/again.jpg", photo(t, 1)}, {"pike/new.jpg", photo(t, 20)}})).
		Want(http.StatusCreated).JSON(&res)
	if res.Added != 1 || res.Duplicates != 1 {
		t.Errorf("re-upload: %+v", res)
	}
	var blobs int
	if err := ta.DB.Table("dataset_items").Select("COUNT(DISTINCT sha256)").Scan(&blobs).Error; err != nil || blobs != 6 {
		t.Errorf("distinct photos %d (%v), want 6", blobs, err)
	}
}

// TestUploadRefusals: every bad upload is a clear 4xx and adds nothing.
func TestUploadRefusals(t *testing.T) {
	ta := apptest.New(t, func(c *configT) { c.Datasets.MaxUpload = 5 })
	alice := ta.NewUser("alice")
	d := createDataset(t, ta, alice, "strict")
	jpg := photo(t, 1)
	cases := []struct {
		name   string
		send   func() *apptest.Response
		status int
		code   string
	}{
		{"not an image", func() *apptest.Response {
			return postZip(ta, alice, d.ID, zipped(t, []file{{"trout/a.jpg", jpg}, {"trout/notes.txt", []byte("hello fish")}}))
		}, 422, "not_an_image"},
		{"truncated image", func() *apptest.Response {
			return postZip(ta, alice, d.ID, zipped(t, []file{{"trout/a.jpg", jpg[:40]}}))
		}, 422, "not_an_image"},
		{"no folder no label", func() *apptest.Response {
			return postZip(ta, alice, d.ID, zipped(t, []file{{"a.jpg", jpg}}))
		}, 422, "missing_label"},
		{"file without label", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "files", filename: "a.jpg", data: jpg})
		}, 422, "missing_label"},
		{"empty label in CSV", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "files", filename: "a.jpg", data: jpg}, part{field: "csv", filename: "i.csv", data: []byte("a.jpg, \n")})
		}, 422, "missing_label"},
		{"label with control characters", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "label", data: []byte("tr\x01out")}, part{field: "files", filename: "a.jpg", data: jpg})
		}, 422, "invalid_label"},
		{"duplicate file names", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "label", data: []byte("trout")},
				part{field: "files", filename: "a.jpg", data: jpg}, part{field: "files", filename: "a.jpg", data: photo(t, 2)})
		}, 422, "duplicate_name"},
		{"CSV names a file twice", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "files", filename: "a.jpg", data: jpg}, part{field: "csv", filename: "i.csv", data: []byte("a.jpg,trout\na.jpg,carp\n")})
		}, 422, "duplicate_name"},
		{"CSV names a missing file", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "files", filename: "a.jpg", data: jpg}, part{field: "csv", filename: "i.csv", data: []byte("b.jpg,trout\n")})
		}, 422, "unknown_filename"},
		{"ambiguous bare name", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "files", filename: "z.zip", data: zipped(t, []file{{"a/x.jpg", jpg}, {"b/x.jpg", photo(t, 2)}})},
				part{field: "csv", filename: "i.csv", data: []byte("x.jpg,trout\n")})
		}, 422, "ambiguous_filename"},
		{"same photo two labels", func() *apptest.Response {
			return postZip(ta, alice, d.ID, zipped(t, []file{{"trout/a.jpg", jpg}, {"carp/a.jpg", jpg}}))
		}, 422, "conflicting_labels"},
		{"path outside the archive", func() *apptest.Response {
			return postZip(ta, alice, d.ID, zipped(t, []file{{"../trout/a.jpg", jpg}}))
		}, 422, "unsafe_archive_path"},
		{"too many photos", func() *apptest.Response {
			return postZip(ta, alice, d.ID, zipped(t, folders(t, 100, 6, "trout")))
		}, 413, "too_many_images"},
		{"malformed archive", func() *apptest.Response {
			return postZip(ta, alice, d.ID, []byte("PK\x03\x04 this is not really a zip"))
		}, 422, "bad_archive"},
		{"bad labels file", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "label", data: []byte("trout")}, part{field: "files", filename: "a.jpg", data: jpg},
				part{field: "labels", filename: "l.csv", data: []byte("trout,Salmo trutta\n")})
		}, 422, "bad_labels_file"},
		{"empty upload", func() *apptest.Response {
			return postForm(t, ta, alice, d.ID, part{field: "label", data: []byte("trout")})
		}, 422, "no_photos"},
		{"wrong media type", func() *apptest.Response {
			return ta.Do("POST", ta.API("/datasets/"+d.ID+"/items"), `{"files":[]}`, alice.Auth())
		}, 415, "unsupported_media_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, tc.send(), tc.status, tc.code)
		})
	}
	if got := getDataset(t, ta, alice, d.ID); got.Photos != 0 {
		t.Errorf("refused uploads left %d photos", got.Photos)
	}
	if n := blobFiles(t, ta); n != 0 {
		t.Errorf("refused uploads left %d photo files on disk", n)
	}
}

// TestZipBombs: archives that expand far beyond what was sent are
// refused before they are read.
func TestZipBombs(t *testing.T) {
	ta := apptest.New(t, func(c *configT) { c.Datasets.MaxUnzipped = 1 << 20 })
	alice := ta.NewUser("alice")
	d := createDataset(t, ta, alice, "bombs")
	// One entry of zeros behind a PNG signature: it compresses a
	// thousand times over.
	bomb := append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 1<<20)...)
	wantError(t, postZip(ta, alice, d.ID, zipped(t, []file{{"trout/bomb.png", bomb}})), 422, "suspicious_archive")
	// Honest photos (a header, then bytes that do not compress), too
	// many of them: over DATASET_MAX_UNZIPPED_MB.
	var entries []file
	for i := range 4 {
		entries = append(entries, file{"trout/" + strings.Repeat("b", i+1) + ".jpg", append(photo(t, i+1), noise(i, 400<<10)...)})
	}
	wantError(t, postZip(ta, alice, d.ID, zipped(t, entries)), 413, "archive_too_large")
	if got := getDataset(t, ta, alice, d.ID); got.Photos != 0 {
		t.Errorf("bombs left %d photos", got.Photos)
	}
}
