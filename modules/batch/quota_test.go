package batch_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

type usageJSON struct {
	Batches, Photos, Bytes struct {
		Used  int64  `json:"used"`
		Limit *int64 `json:"limit"`
	}
}

func usageOf(t testing.TB, ta *apptest.TestApp, s apptest.Session) usageJSON {
	t.Helper()
	var u usageJSON
	ta.Do("GET", ta.API("/batches/usage"), nil, s.Auth()).Want(http.StatusOK).JSON(&u)
	return u
}

// stored is the bytes under BATCH_DIR and the batches in the database.
func stored(t testing.TB, ta *apptest.TestApp) (bytes int64, batches int64) {
	t.Helper()
	filepath.Walk(ta.Config().Batch.Dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			bytes += info.Size()
		}
		return nil
	})
	if err := ta.DB.Table("batches").Count(&batches).Error; err != nil {
		t.Fatal(err)
	}
	return bytes, batches
}

// deleteBatch cancels (if needed) and deletes a batch.
func deleteBatch(t testing.TB, ta *apptest.TestApp, s apptest.Session, id string) {
	t.Helper()
	ta.Do("POST", ta.API("/batches/"+id+"/cancel"), nil, s.Auth())
	ta.Do("DELETE", ta.API("/batches/"+id), nil, s.Auth()).Want(http.StatusNoContent)
}

// distinctZerosZip is n entries of size bytes: a PNG signature and the
// entry's number, then zeros; all different, so none is stored only once.
// Each entry's deflate stream is its head as a stored (uncompressed,
// not final) block, followed by one shared compressed run of zeros:
// compressing 1 GB a thousand times over would make the test slow.
func distinctZerosZip(t testing.TB, n, size int) []byte {
	zeros := make([]byte, size-16)
	var tail bytes.Buffer
	fw, _ := flate.NewWriter(&tail, flate.BestCompression)
	fw.Write(zeros)
	fw.Close()
	var archive bytes.Buffer
	zw := zip.NewWriter(&archive)
	for i := range n {
		head := fmt.Appendf([]byte("\x89PNG\r\n\x1a\n"), "%08d", i)
		// A stored block: BFINAL 0 and BTYPE 00 padded to a byte, then
		// LEN and its complement, then the bytes themselves.
		packed := append([]byte{0, byte(len(head)), 0, ^byte(len(head)), 0xff}, head...)
		packed = append(packed, tail.Bytes()...)
		crc := crc32.Update(crc32.ChecksumIEEE(head), crc32.IEEETable, zeros)
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("cam/%04d.png", i), Method: zip.Deflate,
			CRC32: crc, CompressedSize64: uint64(len(packed)), UncompressedSize64: uint64(size)})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(packed)
	}
	zw.Close()
	// Every entry reads back whole, checksum included: the archive is
	// valid, and refusing it is the guard's doing.
	zr, err := zip.NewReader(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []*zip.File{zr.File[0], zr.File[n-1]} {
		rc, _ := f.Open()
		if got, err := io.Copy(io.Discard, rc); err != nil || got != int64(size) {
			t.Fatalf("%s reads %d bytes: %v", f.Name, got, err)
		}
	}
	return archive.Bytes()
}

// TestSmallZipCannotFillTheDisk is the reported attack at the default
// settings: a 1.1 MB archive of 1,000 different entries of exactly 1 MiB
// (a PNG signature, then zeros) used to write 1,000 MB to BATCH_DIR.
func TestSmallZipCannotFillTheDisk(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	archive := bytes.NewBuffer(distinctZerosZip(t, 1000, 1<<20))
	if archive.Len() > 1500<<10 {
		t.Fatalf("the archive is %d bytes", archive.Len())
	}
	inForm, formCT := form(t, []file{{"morning.zip", archive.Bytes()}}, nil)

	for _, tc := range []struct {
		name, contentType string
		body              []byte
	}{{"raw zip body", "application/zip", archive.Bytes()}, {"zip in a form", formCT, inForm}} {
		t.Run(tc.name, func(t *testing.T) {
			res := submit(t, ta, alice, tc.body, tc.contentType)
			if res.Status != http.StatusUnprocessableEntity || res.Error().Code != "suspicious_archive" ||
				!strings.Contains(res.Error().Message, "expands") {
				t.Fatalf("%d %s, want 422 suspicious_archive", res.Status, res.Body)
			}
			if disk, batches := stored(t, ta); disk != 0 || batches != 0 {
				t.Errorf("%d bytes and %d batches stored from a %d-byte archive", disk, batches, archive.Len())
			}
		})
	}
	if u := usageOf(t, ta, alice); u.Batches.Used != 0 || u.Photos.Used != 0 || u.Bytes.Used != 0 {
		t.Errorf("usage after refusals %+v", u)
	}
}

// TestQuotas: each per-user quota refuses the upload that would pass it
// with 413, a code and a message naming the quota and the usage; nothing
// of the refused upload stays; deleting a batch gives its room back; and
// one user's batches never count against another's.
func TestQuotas(t *testing.T) {
	imgs := photos(t, 6, 32)
	bytesOf := func(fs []file) (n int64) {
		for _, f := range fs {
			n += int64(len(f.data))
		}
		return n
	}
	fourth := bytesOf(imgs[:4]) - 1 // room for three photos, not a fourth
	cases := []struct {
		name     string
		set      func(*config.Batch)
		first    []file // accepted
		refused  []file // with wantCode
		wantCode string
		wantMsg  []string
		after    []file // accepted once first is deleted
	}{
		{"batches", func(b *config.Batch) { b.QuotaBatches = 1 }, imgs[:1], imgs[1:2], "batch_quota_exceeded",
			[]string{"you keep 1 batches", "BATCH_QUOTA_BATCHES", "is 1"}, imgs[2:3]},
		{"photos", func(b *config.Batch) { b.QuotaPhotos = 4 }, imgs[:3], imgs[3:5], "photo_quota_exceeded",
			[]string{"hold 3 photos", "bring them to 5", "limit of 4", "BATCH_QUOTA_PHOTOS"}, imgs[2:6]},
		{"bytes", func(b *config.Batch) { b.QuotaBytes = fourth }, imgs[:3], imgs[3:4], "storage_quota_exceeded",
			[]string{"BATCH_QUOTA_MB", " MB of photos", "over the limit of"}, imgs[3:5]},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ta := apptest.New(t, func(c *config.Config) { tc.set(&c.Batch) })
			alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
			first := submitPhotos(t, ta, alice, tc.first, nil)
			diskBefore, _ := stored(t, ta)

			body, ct := form(t, tc.refused, nil)
			res := submit(t, ta, alice, body, ct)
			if res.Status != http.StatusRequestEntityTooLarge || res.Error().Code != tc.wantCode {
				t.Fatalf("%d %s, want 413 %s", res.Status, res.Body, tc.wantCode)
			}
			for _, want := range tc.wantMsg {
				if !strings.Contains(res.Error().Message, want) {
					t.Errorf("message %q does not say %q", res.Error().Message, want)
				}
			}
			// The same photos as a zip archive are refused alike.
			archive := zipped(t, tc.refused, true)
			if res := submit(t, ta, alice, archive, "application/zip"); res.Status != 413 || res.Error().Code != tc.wantCode {
				t.Errorf("as a zip: %d %s", res.Status, res.Body)
			}
			if disk, batches := stored(t, ta); disk != diskBefore || batches != 1 {
				t.Errorf("refused uploads left %d bytes (had %d) and %d batches", disk, diskBefore, batches)
			}
			// Another user's room is their own.
			submitPhotos(t, ta, bob, tc.refused, nil)

			u := usageOf(t, ta, alice)
			if u.Batches.Used != 1 || u.Photos.Used != int64(len(tc.first)) || u.Bytes.Used != diskBefore {
				t.Errorf("usage %+v after one batch of %d photos, %d bytes", u, len(tc.first), diskBefore)
			}
			deleteBatch(t, ta, alice, first.ID)
			if u := usageOf(t, ta, alice); u.Batches.Used != 0 || u.Photos.Used != 0 || u.Bytes.Used != 0 {
				t.Errorf("usage after deleting the batch %+v", u)
			}
			submitPhotos(t, ta, alice, tc.after, nil)
		})
	}
}

// TestUsageShowsTheLimits: GET /batches/usage gives what is used beside
// each limit, null for a lifted one.
func TestUsageShowsTheLimits(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Batch.QuotaPhotos = 0 })
	alice := ta.NewUser("alice")
	imgs := photos(t, 2, 32)
	submitPhotos(t, ta, alice, append(imgs, file{"notes.txt", []byte("not a photo")}), nil)
	u := usageOf(t, ta, alice)
	want := int64(len(imgs[0].data) + len(imgs[1].data))
	def := ta.Config().Batch
	if u.Batches.Used != 1 || u.Photos.Used != 3 || u.Bytes.Used != want || u.Photos.Limit != nil ||
		u.Batches.Limit == nil || *u.Batches.Limit != int64(def.QuotaBatches) || u.Bytes.Limit == nil || *u.Bytes.Limit != def.QuotaBytes {
		t.Errorf("usage %+v, want 1 batch, 3 photos (one failed, not stored), %d bytes", u, want)
	}
	ta.Do("GET", ta.API("/batches/usage"), nil, nil).Want(http.StatusUnauthorized)
}

// TestConcurrentUploadsShareTheLastRoom: uploads racing for the room left
// cannot pass the quota together: exactly as many are accepted as fit.
func TestConcurrentUploadsShareTheLastRoom(t *testing.T) {
	img := photos(t, 1, 48)
	size := int64(len(img[0].data))
	for _, tc := range []struct {
		name     string
		set      func(*config.Batch)
		wantCode string
	}{
		{"batches", func(b *config.Batch) { b.QuotaBatches = 3 }, "batch_quota_exceeded"},
		{"bytes", func(b *config.Batch) { b.QuotaBytes = 3*size + size/2 }, "storage_quota_exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ta := apptest.New(t, func(c *config.Config) { tc.set(&c.Batch) })
			alice := ta.NewUser("alice")
			body, ct := form(t, img, nil)
			const racers = 10
			statuses := make([]int, racers)
			codes := make([]string, racers)
			var wg sync.WaitGroup
			for i := range racers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res := ta.Do("POST", ta.API("/batches"), body, apptest.With(alice.Auth(), "Content-Type", ct))
					statuses[i] = res.Status
					if res.Status != http.StatusAccepted {
						codes[i] = res.Error().Code
					}
				}()
			}
			wg.Wait()
			accepted := 0
			for i, s := range statuses {
				switch {
				case s == http.StatusAccepted:
					accepted++
				case s != http.StatusRequestEntityTooLarge || codes[i] != tc.wantCode:
					t.Errorf("upload %d: %d %s", i, s, codes[i])
				}
			}
			_, batches := stored(t, ta)
			u := usageOf(t, ta, alice)
			if accepted != 3 || batches != 3 || u.Batches.Used != 3 || u.Bytes.Used != 3*size {
				t.Errorf("%d accepted, %d batches stored, usage %+v; want 3 of %d", accepted, batches, u, racers)
			}
		})
	}
}
