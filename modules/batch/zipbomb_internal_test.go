package batch

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io/fs"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/config"
)

// pngMagicZeros is what the disk-filling archive holds: n bytes that
// sniff as a PNG and are zeros after that.
func pngMagicZeros(n int) []byte {
	data := make([]byte, n)
	copy(data, "\x89PNG\r\n\x1a\n")
	return data
}

// repeatedZip packs n entries of data, compressing it once and copying
// the compressed bytes n times: what a zip tool makes, in a fraction of
// the time.
func repeatedZip(t testing.TB, n int, data []byte) []byte {
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	fw.Write(data)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i := range n {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("cam/%04d.png", i), Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(data), CompressedSize64: uint64(packed.Len()), UncompressedSize64: uint64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(packed.Bytes())
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// overlappingZip is a zip whose n central directory entries all point at
// one stored entry of data: n times its size expanded from one copy, each
// entry on its own looking like an honest stored photo.
func overlappingZip(data []byte, n int) []byte {
	var buf bytes.Buffer
	le := binary.LittleEndian
	crc := crc32.ChecksumIEEE(data)
	local := make([]byte, 30)
	le.PutUint32(local[0:], 0x04034b50)
	le.PutUint16(local[4:], 20)
	le.PutUint32(local[14:], crc)
	le.PutUint32(local[18:], uint32(len(data)))
	le.PutUint32(local[22:], uint32(len(data)))
	le.PutUint16(local[26:], 5)
	buf.Write(local)
	buf.WriteString("a.png")
	buf.Write(data)
	dirStart := buf.Len()
	for i := range n {
		name := fmt.Sprintf("%05d.png", i)
		rec := make([]byte, 46)
		le.PutUint32(rec[0:], 0x02014b50)
		le.PutUint16(rec[4:], 20)
		le.PutUint16(rec[6:], 20)
		le.PutUint32(rec[16:], crc)
		le.PutUint32(rec[20:], uint32(len(data)))
		le.PutUint32(rec[24:], uint32(len(data)))
		le.PutUint16(rec[28:], uint16(len(name)))
		buf.Write(rec) // local header offset 0: the one entry
		buf.WriteString(name)
	}
	end := make([]byte, 22)
	le.PutUint32(end[0:], 0x06054b50)
	le.PutUint16(end[8:], uint16(n))
	le.PutUint16(end[10:], uint16(n))
	le.PutUint32(end[12:], uint32(buf.Len()-dirStart))
	le.PutUint32(end[16:], uint32(dirStart))
	buf.Write(end)
	return buf.Bytes()
}

// noise is n bytes that sniff as a PNG and do not compress.
func noise(n int) []byte {
	data := make([]byte, n)
	rand.NewChaCha8([32]byte{1}).Read(data)
	copy(data, "\x89PNG\r\n\x1a\n")
	return data
}

// sparse is n bytes that sniff as a PNG, zeros but for a random byte
// every stride bytes: deflate packs them about stride/4 times.
func sparse(n, stride int) []byte {
	data := pngMagicZeros(n)
	r := rand.New(rand.NewPCG(3, 4))
	for i := 8; i < n; i += stride {
		data[i] = byte(r.Uint32())
	}
	return data
}

// entryRatio is how many times the first entry of archive expands.
func entryRatio(t testing.TB, archive []byte) uint64 {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	return zr.File[0].UncompressedSize64 / zr.File[0].CompressedSize64
}

func diskUse(t testing.TB, dir string) (total int64) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				total += info.Size()
			}
		}
		return nil
	})
	return total
}

// productionLimits are the default settings: 1,000 photos, 1 GB
// unzipped, the 20 MB body limit as the photo limit.
var productionLimits = Config{Batch: config.Batch{MaxImages: 1000, MaxUnzipped: 1024 << 20}, MaxFileBytes: 20 << 20}

// TestArchivesCannotFillTheDisk sends the archives that expand far
// beyond what was uploaded, at the production limits: each is refused as
// a whole before one entry is written.
func TestArchivesCannotFillTheDisk(t *testing.T) {
	mib := pngMagicZeros(1 << 20)
	// The reported attack: 1,000 entries of exactly 1 MiB, about 1.1 MB.
	attack := repeatedZip(t, 1000, mib)
	if len(attack) > 2<<20 {
		t.Fatalf("the attack archive is %d bytes", len(attack))
	}
	// Entries each just below the per-entry floor: the total catches them.
	small := repeatedZip(t, 1000, pngMagicZeros(entryRatioMinBytes-1))
	// Entries that each compress about 50 times, under the per-entry
	// limit: 400 MiB from 8 MB.
	moderate := repeatedZip(t, 400, sparse(1<<20, 150))
	if r := entryRatio(t, moderate); r <= maxTotalRatio || r >= maxEntryRatio {
		t.Fatalf("the moderate entries expand %d times", r)
	}
	// One stored copy of noise listed 1,000 times.
	overlap := overlappingZip(noise(256<<10), 1000)
	if zr, err := zip.NewReader(bytes.NewReader(overlap), int64(len(overlap))); err != nil || len(zr.File) != 1000 {
		t.Fatalf("the overlapping archive does not read as 1,000 entries: %v", err)
	}
	for _, tc := range []struct {
		name    string
		archive []byte
		want    string // the guard that refuses it, by its message
	}{
		{"1,000 entries of 1 MiB of zeros", attack, `"cam/0000.png" expands`},
		{"1,000 small entries of zeros", small, "the archive expands"},
		{"400 entries of 1 MiB compressed 50 times each", moderate, "the archive expands"},
		{"1,000 entries sharing one stored photo", overlap, "the archive expands"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			u := uploadTo(dir)
			u.cfg = productionLimits
			err := u.expandZip(tc.archive)
			u.flush()
			if e, ok := apperr.As(err); !ok || e.Code != "suspicious_archive" || e.Kind != apperr.Invalid || !strings.Contains(e.Message, tc.want) {
				t.Fatalf("err %v, want suspicious_archive: %s", err, tc.want)
			}
			if n := diskUse(t, dir); n != 0 || len(u.items) != 0 {
				t.Errorf("%d bytes written, %d items, from a %d-byte archive", n, len(u.items), len(tc.archive))
			}
		})
	}
}

// TestArchiveOfPhotosExpandsFreely: archives of real (incompressible)
// photos and the odd compressible one pass the guards.
func TestArchiveOfPhotosExpandsFreely(t *testing.T) {
	dir := t.TempDir()
	u := uploadTo(dir)
	u.cfg = productionLimits
	type file struct {
		name string
		data []byte
	}
	var entries []file
	for i := range 20 {
		entries = append(entries, file{fmt.Sprintf("%02d.png", i), noise(200<<10 + i)})
	}
	entries = append(entries, file{"flat.png", sparse(256<<10, 200)}) // compresses about 50 times: a flat frame
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, e := range entries {
		method := zip.Store // as zip tools keep photos that do not shrink
		if i == len(entries)-1 {
			method = zip.Deflate
		}
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: e.name, Method: method})
		w.Write(e.data)
	}
	zw.Close()
	zr, _ := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if flat := zr.File[len(zr.File)-1]; flat.UncompressedSize64 < maxTotalRatio*flat.CompressedSize64 {
		t.Fatalf("the flat frame expands only %d times", flat.UncompressedSize64/flat.CompressedSize64)
	}
	if err := u.expandZip(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := u.flush(); err != nil {
		t.Fatal(err)
	}
	if len(u.items) != len(entries) || diskUse(t, dir) < 20*200<<10 {
		t.Errorf("%d items, %d bytes stored", len(u.items), diskUse(t, dir))
	}
}

// TestEntryLyingAboutItsSize: an entry whose data expands beyond the size
// it declares is read no further than the declared size.
func TestEntryLyingAboutItsSize(t *testing.T) {
	real := noise(64 << 10)
	var packed bytes.Buffer
	fw, _ := flate.NewWriter(&packed, flate.BestSpeed)
	fw.Write(real)
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.CreateRaw(&zip.FileHeader{Name: "liar.png", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(real[:1000]),
		CompressedSize64: uint64(packed.Len()), UncompressedSize64: 1000})
	w.Write(packed.Bytes())
	zw.Close()
	dir := t.TempDir()
	u := uploadTo(dir)
	if err := u.expandZip(buf.Bytes()); err != nil {
		t.Fatal(err)
	}
	u.flush()
	if len(u.items) != 1 || u.items[0].Status != itemFailed || u.items[0].ErrorCode != "unreadable_entry" {
		t.Fatalf("items %+v", u.items)
	}
	if n := diskUse(t, dir); n != 0 {
		t.Errorf("%d bytes written", n)
	}
}
