package batch

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"mime/multipart"
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/config"
)

func testUpload(t testing.TB) *upload { return uploadTo(t.TempDir()) }

// uploadTo is an upload storing its photos under dir, with small limits
// and no quota.
func uploadTo(dir string) *upload {
	return &upload{
		ctx:    context.Background(),
		cfg:    Config{Batch: config.Batch{MaxImages: 20, MaxUnzipped: 4 << 20}, MaxFileBytes: 1 << 20},
		writer: newPhotoWriter(blobstore.New(dir)),
	}
}

func tinyPNG(t testing.TB) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zipOf(t testing.TB, names ...string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if n[len(n)-1] != '/' {
			w.Write(tinyPNG(t))
		}
	}
	zw.Close()
	return buf.Bytes()
}

func TestSafePath(t *testing.T) {
	for name, want := range map[string]bool{
		"a.jpg": true, "cam/1/a.jpg": true, "dir/": true, "..a.jpg": true,
		"../a.jpg": false, "a/../../b.jpg": false, "/etc/a.jpg": false, `a\..\b.jpg`: false,
		"a\x00.jpg": false, "": false, "./a.jpg": false, "a//b.jpg": false,
	} {
		if got := safePath(name); got != want {
			t.Errorf("safePath(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDeclaredEntries(t *testing.T) {
	data := zipOf(t, "a.png", "b/", "b/c.png")
	if n, ok := declaredEntries(data); !ok || n != 3 {
		t.Errorf("declaredEntries = %d, %v", n, ok)
	}
	// A comment that contains the record's signature does not fool it.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.SetComment("PK\x05\x06 looks like a record")
	zw.Create("x.png")
	zw.Close()
	if n, ok := declaredEntries(buf.Bytes()); !ok || n != 1 {
		t.Errorf("with a tricky comment: %d, %v", n, ok)
	}
	if _, ok := declaredEntries([]byte("not a zip")); ok {
		t.Error("found a record in plain text")
	}
}

func TestExpandZipKeepsOnlyTheUsersFiles(t *testing.T) {
	u := testUpload(t)
	if err := u.expandZip(zipOf(t, "cam/", "cam/a.png", "__MACOSX/cam/._a.png", "cam/.thumb.png", ".DS_Store", "b.png")); err != nil {
		t.Fatal(err)
	}
	if len(u.items) != 2 || u.items[0].Filename != "cam/a.png" || u.items[1].Filename != "b.png" {
		t.Fatalf("items %+v", u.items)
	}
	if err := u.flush(); err != nil {
		t.Fatal(err)
	}
	for _, it := range u.items {
		if it.Status != itemQueued || !u.writer.photos.Has(context.Background(), it.ImageSHA256) {
			t.Errorf("item %+v not stored", it)
		}
	}
}

func TestExpandZipCountsTowardsTheImageLimit(t *testing.T) {
	u := testUpload(t)
	u.cfg.MaxImages = 2
	err := u.expandZip(zipOf(t, "a.png", "b.png", "c.png"))
	u.flush()
	if e, ok := apperr.As(err); !ok || e.Code != "too_many_images" {
		t.Fatalf("err %v", err)
	}
}

// FuzzExpandZip: whatever the archive, expansion ends with items or a
// typed refusal, never a panic, never more items than allowed, and every
// queued item's photo is stored.
func FuzzExpandZip(f *testing.F) {
	f.Add(zipOf(f, "a.png", "dir/", "dir/b.png"))
	f.Add(zipOf(f, "../escape.png"))
	f.Add([]byte("PK\x05\x06\x00\x00\x00\x00\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"))
	f.Add([]byte("PK\x03\x04garbage"))
	f.Add(overlappingZip(noise(2048), 4))
	f.Add(repeatedZip(f, 3, pngMagicZeros(8<<10)))
	f.Fuzz(func(t *testing.T, data []byte) {
		u := testUpload(t)
		u.cfg.MaxImages = 5
		err := u.expandZip(data)
		if ferr := u.flush(); ferr != nil {
			t.Fatal(ferr)
		}
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(u.items) > 5 {
			t.Fatalf("%d items", len(u.items))
		}
		for _, it := range u.items {
			if it.Status == itemQueued && !u.writer.photos.Has(context.Background(), it.ImageSHA256) {
				t.Fatalf("queued item without its photo: %+v", it)
			}
		}
	})
}

// FuzzReadMultipart: any multipart body ends in items or a typed error.
func FuzzReadMultipart(f *testing.F) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.SetBoundary("fishfishfish")
	w.WriteField("top_k", "3")
	fw, _ := w.CreateFormFile("files", "a.png")
	fw.Write(tinyPNG(f))
	fz, _ := w.CreateFormFile("files", "b.zip")
	fz.Write(zipOf(f, "c.png"))
	w.Close()
	f.Add(buf.Bytes())
	f.Add([]byte("--fishfishfish\r\nContent-Disposition: form-data; name=\"files\"; filename=\"x\"\r\n\r\nabc"))
	f.Fuzz(func(t *testing.T, body []byte) {
		u := testUpload(t)
		err := u.readMultipart(multipart.NewReader(bytes.NewReader(body), "fishfishfish"))
		u.flush()
		var ae *apperr.Error
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("untyped error %v", err)
		}
		if len(u.items) > u.cfg.MaxImages {
			t.Fatalf("%d items", len(u.items))
		}
	})
}
