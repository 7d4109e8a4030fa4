package datasets_test

import (
	"archive/zip"
	"errors"
	"io/fs"
	"math/rand"
	"path/filepath"

	"bytes"
	"fmt"
	"github.com/aquaml/aquaml/platform/config"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

type file struct {
	name string
	data []byte
}

// photo is a distinct small JPEG for each seed.
func photo(t testing.TB, seed int) []byte { return apptest.Photo(t, seed, 24, 16, "jpeg") }

// folders makes n photos under each label's folder, seeds from seed.
func folders(t testing.TB, seed int, n int, labels ...string) []file {
	var out []file
	for _, l := range labels {
		for i := range n {
			out = append(out, file{fmt.Sprintf("%s/%04d.jpg", l, i), photo(t, seed)})
			seed++
		}
	}
	return out
}

func zipped(t testing.TB, entries []file) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// part is one part of a multipart body: a field (no filename) or a file.
type part struct {
	field, filename, contentType string
	data                         []byte
}

func multipartBody(t testing.TB, parts ...part) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		if p.filename == "" {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q`, p.field))
		} else {
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, p.field, p.filename))
			ct := p.contentType
			if ct == "" {
				ct = "application/octet-stream"
			}
			h.Set("Content-Type", ct)
		}
		pw, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		pw.Write(p.data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

type labelView struct {
	Name           string `json:"name"`
	ScientificName string `json:"scientific_name"`
	CommonName     string `json:"common_name"`
	Count          int    `json:"count"`
}

type dataset struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	OwnerID     string      `json:"owner_id"`
	Photos      int         `json:"photos"`
	Labels      []labelView `json:"labels"`
	MinPerLabel int         `json:"min_per_label"`
	Warnings    []struct {
		Code, Label, Message string
	} `json:"warnings"`
}

type added struct {
	Added       int     `json:"added"`
	Duplicates  int     `json:"duplicates"`
	Unavailable int     `json:"unavailable"`
	Dataset     dataset `json:"dataset"`
}

type item struct {
	ID, Filename, Label, Group, SHA256, Source, Format string
	PredictionID                                       string `json:"prediction_id"`
	Width, Height                                      int
}

type version struct {
	ID         string      `json:"id"`
	DatasetID  string      `json:"dataset_id"`
	Photos     int         `json:"photos"`
	LabelCount int         `json:"label_count"`
	Labels     []labelView `json:"labels"`
}

func with(headers map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for hk, hv := range headers {
		out[hk] = hv
	}
	return out
}

func createDataset(t testing.TB, ta *apptest.TestApp, s apptest.Session, name string) dataset {
	t.Helper()
	var d dataset
	ta.Do("POST", ta.API("/datasets"), map[string]string{"name": name, "description": "pond " + name}, s.Auth()).Want(http.StatusCreated).JSON(&d)
	return d
}

// postZip uploads a raw zip body.
func postZip(ta *apptest.TestApp, s apptest.Session, id string, data []byte) *apptest.Response {
	return ta.Do("POST", ta.API("/datasets/"+id+"/items"), data, with(s.Auth(), "Content-Type", "application/zip"))
}

func postForm(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string, parts ...part) *apptest.Response {
	body, ct := multipartBody(t, parts...)
	return ta.Do("POST", ta.API("/datasets/"+id+"/items"), body, with(s.Auth(), "Content-Type", ct))
}

func getDataset(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string) dataset {
	t.Helper()
	var d dataset
	ta.Do("GET", ta.API("/datasets/"+id), nil, s.Auth()).Want(http.StatusOK).JSON(&d)
	return d
}

func counts(d dataset) map[string]int {
	out := map[string]int{}
	for _, l := range d.Labels {
		out[l.Name] = l.Count
	}
	return out
}

func listItems(t testing.TB, ta *apptest.TestApp, s apptest.Session, id, query string) []item {
	t.Helper()
	var page struct {
		Items []item `json:"items"`
		Total int    `json:"total"`
	}
	ta.Do("GET", ta.API("/datasets/"+id+"/items"+query), nil, s.Auth()).Want(http.StatusOK).JSON(&page)
	return page.Items
}

// wantError fails unless res is status with the error code.
func wantError(t testing.TB, res *apptest.Response, status int, code string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("%d %s, want %d %s", res.Status, res.Body, status, code)
	}
	if got := res.Error().Code; got != code {
		t.Fatalf("code %q (%s), want %q", got, res.Body, code)
	}
}

type configT = config.Config

// blobFiles counts the photo files under DATASET_DIR.
func blobFiles(t testing.TB, ta *apptest.TestApp) int {
	t.Helper()
	n := 0
	err := filepath.WalkDir(ta.Config().Datasets.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			n++
		}
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	return n
}

// noise is n bytes that do not compress, to pad a photo's size honestly.
func noise(seed, n int) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(int64(seed))).Read(b)
	return b
}
