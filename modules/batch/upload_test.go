package batch_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

// TestUploadForms sends the forms a client may use and checks what each
// batch holds once processed.
func TestUploadForms(t *testing.T) {
	ta := apptest.New(t, withWorker(nil))
	alice := ta.NewUser("alice")
	imgs := photos(t, 4, 40)
	pngPhoto := apptest.Photo(t, 9, 30, 20, "png")
	truncated := imgs[0].data[:len(imgs[0].data)/3]

	archive := zipped(t, []file{
		{"cam1/", nil},
		{"cam1/a.jpg", imgs[0].data},
		{"cam1/night/b.png", pngPhoto},
		{"__MACOSX/cam1/._a.jpg", []byte("resource fork")},
		{".DS_Store", []byte("finder")},
		{"cam1/.hidden.jpg", imgs[1].data},
		{"notes.txt", []byte("not a photo")},
	}, true)
	multi, multiCT := form(t, imgs, map[string]string{"top_k": "1"})
	zipForm, zipFormCT := form(t, []file{{"photos.zip", archive}}, map[string]string{"name": "zipped"})
	mixed, mixedCT := form(t, []file{imgs[2], {"empty.jpg", nil}, {"readme.txt", []byte("hello")}, {"cut.jpg", truncated}}, nil)
	allBad, allBadCT := form(t, []file{{"a.txt", []byte("a")}, {"b.csv", []byte("1,2")}}, nil)

	cases := []struct {
		name        string
		path        string
		body        []byte
		contentType string
		wantStatus  string
		wantItems   map[string]string // filename -> status or error code
	}{
		{"multipart, many files", "/batches", multi, multiCT, "completed",
			map[string]string{"cam-0000.jpg": "done", "cam-0001.jpg": "done", "cam-0002.jpg": "done", "cam-0003.jpg": "done"}},
		{"zip archive in a form", "/batches", zipForm, zipFormCT, "completed_with_errors",
			map[string]string{"cam1/a.jpg": "done", "cam1/night/b.png": "done", "notes.txt": "unsupported_image"}},
		{"raw zip body", "/batches?name=raw&top_k=4", archive, "application/zip", "completed_with_errors",
			map[string]string{"cam1/a.jpg": "done", "cam1/night/b.png": "done", "notes.txt": "unsupported_image"}},
		{"mixed bad files", "/batches", mixed, mixedCT, "completed_with_errors",
			map[string]string{"cam-0002.jpg": "done", "empty.jpg": "empty_file", "readme.txt": "unsupported_image", "cut.jpg": "corrupt_image"}},
		{"nothing classifiable", "/batches", allBad, allBadCT, "failed",
			map[string]string{"a.txt": "unsupported_image", "b.csv": "unsupported_image"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := ta.Do("POST", ta.API(tc.path), tc.body, apptest.With(alice.Auth(), "Content-Type", tc.contentType))
			res.Want(http.StatusAccepted)
			accepted := decode[batchJSON](t, res.Body)
			if accepted.Total != len(tc.wantItems) || res.Header.Get("Location") != accepted.Links["self"] {
				t.Fatalf("accepted %+v, location %q", accepted, res.Header.Get("Location"))
			}
			b := waitEnded(t, ta, alice, accepted.ID, 30*time.Second)
			if b.Status != tc.wantStatus {
				t.Errorf("status %s, want %s (%+v)", b.Status, tc.wantStatus, b)
			}
			got := map[string]string{}
			for _, it := range allResults(t, ta, alice, b.ID) {
				got[it.Filename] = it.Status
				if it.Error != nil {
					got[it.Filename] = it.Error.Code
					if it.Error.Message == "" {
						t.Errorf("%s failed without a reason", it.Filename)
					}
				}
			}
			for name, want := range tc.wantItems {
				if got[name] != want {
					t.Errorf("%s: %q, want %q (all: %v)", name, got[name], want, got)
				}
			}
			if len(got) != len(tc.wantItems) {
				t.Errorf("items %v, want %v", got, tc.wantItems)
			}
		})
	}
	if b := getBatchByName(t, ta, alice, "raw"); b.TopK != 4 {
		t.Errorf("raw zip body: top_k %d, want 4 from the query", b.TopK)
	}
}

func getBatchByName(t *testing.T, ta *apptest.TestApp, s apptest.Session, name string) batchJSON {
	t.Helper()
	var list struct{ Items []batchJSON }
	ta.Do("GET", ta.API("/batches?page_size=100"), nil, s.Auth()).Want(http.StatusOK).JSON(&list)
	for _, b := range list.Items {
		if b.Name == name {
			return b
		}
	}
	t.Fatalf("no batch named %q", name)
	return batchJSON{}
}

// TestUploadRefusals checks that every refused upload answers the right
// error and leaves nothing behind: no batch row, no stored photo.
func TestUploadRefusals(t *testing.T) {
	batchDir := t.TempDir()
	ta := apptest.New(t, func(c *config.Config) {
		c.Batch.Dir = batchDir
		c.Batch.MaxImages = 3
		c.Batch.MaxUnzipped = 1 << 20
		c.HTTP.BodyLimit = 2 << 20
	})
	alice := ta.NewUser("alice")
	imgs := photos(t, 4, 32)
	tooMany, tooManyCT := form(t, imgs, nil)
	none, noneCT := form(t, nil, map[string]string{"name": "empty"})
	badTopK, badTopKCT := form(t, imgs[:1], map[string]string{"top_k": "11"})
	noise := bytes.Repeat([]byte{0xA5, 0x5A, 0x3C}, 1<<20) // 3 MB, over the body limit
	huge, hugeCT := form(t, []file{{"huge.jpg", noise}}, nil)
	escape := zipped(t, []file{{"../../etc/evil.jpg", imgs[0].data}}, false)
	absolute := zipped(t, []file{{"/abs/evil.jpg", imgs[0].data}}, false)
	bomb := zipped(t, []file{{"zeros.bmp", make([]byte, 8<<20)}}, true)
	big := zipped(t, []file{{"a.jpg", noise[:700<<10]}, {"b.jpg", noise[1<<20 : 1<<20+700<<10]}}, false)
	many := zipped(t, func() []file {
		var fs []file
		for range 120 {
			fs = append(fs, file{"d/", nil})
		}
		return fs
	}(), false)

	cases := []struct {
		name        string
		body        []byte
		contentType string
		wantStatus  int
		wantCode    string
	}{
		{"more photos than BATCH_MAX_IMAGES", tooMany, tooManyCT, 413, "too_many_images"},
		{"body over the limit", huge, hugeCT, 413, "body_too_large"},
		{"no photos", none, noneCT, 422, "validation_error"},
		{"top_k out of range", badTopK, badTopKCT, 422, "validation_error"},
		{"not multipart or zip", []byte(`{"files": []}`), "application/json", 415, "unsupported_media_type"},
		{"zip entry escaping the archive", escape, "application/zip", 422, "unsafe_archive_path"},
		{"zip entry with an absolute path", absolute, "application/zip", 422, "unsafe_archive_path"},
		{"zip bomb", bomb, "application/zip", 422, "suspicious_archive"},
		{"zip expanding past BATCH_MAX_UNZIPPED_MB", big, "application/zip", 413, "archive_too_large"},
		{"zip listing too many entries", many, "application/zip", 413, "archive_too_large"},
		{"corrupt zip", []byte("PK\x03\x04 then nothing of use"), "application/zip", 422, "bad_archive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := ta.Do("POST", ta.API("/batches"), tc.body, apptest.With(alice.Auth(), "Content-Type", tc.contentType))
			if res.Status != tc.wantStatus || res.Error().Code != tc.wantCode {
				t.Fatalf("status %d %s, want %d %s", res.Status, res.Body, tc.wantStatus, tc.wantCode)
			}
		})
	}
	var n int64
	if err := ta.DB.Table("batches").Count(&n).Error; err != nil || n != 0 {
		t.Errorf("%d batches stored after refusals (%v)", n, err)
	}
	if entries, _ := os.ReadDir(batchDir); len(entries) != 0 {
		t.Errorf("photos left behind: %v", entries)
	}
	// Without a token nothing is accepted at all.
	res := ta.Do("POST", ta.API("/batches"), tooMany, map[string]string{"Content-Type": tooManyCT})
	if res.Status != http.StatusUnauthorized {
		t.Errorf("anonymous upload: %d", res.Status)
	}
	if !strings.Contains(string(ta.Do("GET", ta.API("/batches"), nil, alice.Auth()).Body), `"total":0`) {
		t.Error("refused uploads are listed")
	}
}
