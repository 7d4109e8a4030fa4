package batch

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
)

// Zip bomb guards. Photos barely compress, so an archive that expands
// much more than its own size is not a camera's but an attempt to make
// the server write what the client never sent. Each entry (from
// entryRatioMinBytes, below which deflate's fixed cost makes ratios
// meaningless and the bytes do not matter) may expand at most
// maxEntryRatio times, and the upload's archives together at most
// maxTotalRatio times their size on the wire (from totalRatioMinBytes).
// The total is measured against the archive's real size, not the sizes
// its entries declare, so entries that share one compressed stream
// (overlapping entries) gain nothing. Both are checked on the declared
// sizes before anything is read, and again on the bytes actually read.
const (
	maxEntryRatio      = 100
	entryRatioMinBytes = 4 << 10
	maxTotalRatio      = 20
	totalRatioMinBytes = 1 << 20
)

// maxEntries bounds the entries an archive may list, folders and ignored
// files included (a Mac archive doubles every file under __MACOSX).
func (u *upload) maxEntries() int { return 3*u.cfg.MaxImages + 100 }

func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

func badArchive(msg string, err error) error {
	return apperr.Wrap(apperr.Invalid, "bad_archive", msg, err)
}

func suspicious(msg string) error {
	return apperr.New(apperr.Invalid, "suspicious_archive", msg+": not photos")
}

// entryTooCompressed reports an entry of size bytes that came out of
// packed bytes more than maxEntryRatio times over.
func entryTooCompressed(size, packed uint64) bool {
	return size >= entryRatioMinBytes && size > maxEntryRatio*max(packed, 1)
}

// checkTotals refuses an upload whose archives expand to more than
// BATCH_MAX_UNZIPPED_MB or more than maxTotalRatio times their size.
func (u *upload) checkTotals(expanded int64) error {
	if expanded > u.cfg.MaxUnzipped {
		return apperr.New(apperr.TooLarge, "archive_too_large", fmt.Sprintf("the archive expands to more than %d MB", u.cfg.MaxUnzipped>>20))
	}
	if expanded >= totalRatioMinBytes && expanded > maxTotalRatio*max(u.zipSize, 1) {
		return suspicious(fmt.Sprintf("the archive expands %d times", expanded/max(u.zipSize, 1)))
	}
	return nil
}

// expandZip adds the photos of an in-memory zip archive (bounded by the
// body limit). Folders, __MACOSX and dotfiles are ignored; other files
// that are not photos become failed items. Archives that would expand
// beyond the limits, whose photos would not fit the user's quota, or that
// name paths outside themselves are refused as a whole before any entry
// is read.
func (u *upload) expandZip(data []byte) error {
	if n, ok := declaredEntries(data); ok && n > u.maxEntries() {
		return apperr.New(apperr.TooLarge, "archive_too_large", fmt.Sprintf("the archive lists more than %d entries", u.maxEntries()))
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return badArchive("the zip archive is malformed", err)
	}
	if len(zr.File) > u.maxEntries() {
		return apperr.New(apperr.TooLarge, "archive_too_large", fmt.Sprintf("the archive lists more than %d entries", u.maxEntries()))
	}
	u.zipSize += int64(len(data))
	var keep []*zip.File
	var declared uint64
	for _, f := range zr.File {
		if !safePath(f.Name) {
			return apperr.New(apperr.Invalid, "unsafe_archive_path", fmt.Sprintf("the archive names a path outside itself: %q", cleanFilename(f.Name, 0)))
		}
		if ignored(f) {
			continue
		}
		if entryTooCompressed(f.UncompressedSize64, f.CompressedSize64) {
			return suspicious(fmt.Sprintf("%q expands %d times", cleanFilename(f.Name, 0), f.UncompressedSize64/max(f.CompressedSize64, 1)))
		}
		if f.UncompressedSize64 <= uint64(u.cfg.MaxFileBytes) {
			declared += f.UncompressedSize64 // larger ones are never read
		}
		keep = append(keep, f)
	}
	if err := u.checkTotals(u.zipBytes + int64(min(declared, 1<<62))); err != nil {
		return err
	}
	if err := u.admitPhotos(len(keep)); err != nil {
		return err
	}
	for _, f := range keep {
		if err := u.addEntry(f); err != nil {
			return err
		}
	}
	return nil
}

// addEntry reads one entry, never more than it declares nor than the
// photo size limit, and checks the guards again on what it read.
func (u *upload) addEntry(f *zip.File) error {
	if f.UncompressedSize64 > uint64(u.cfg.MaxFileBytes) {
		return u.failed(f.Name, int64(min(f.UncompressedSize64, 1<<62)), "file_too_large",
			fmt.Sprintf("the file is larger than %d MB", u.cfg.MaxFileBytes>>20))
	}
	unreadable := func(err error) error {
		return u.failed(f.Name, int64(f.UncompressedSize64), "unreadable_entry", "the archive entry cannot be read: "+err.Error())
	}
	rc, err := f.Open()
	if err != nil {
		return unreadable(err)
	}
	data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	rc.Close()
	if err == nil && uint64(len(data)) != f.UncompressedSize64 {
		err = errors.New("its size is not the one it declares")
	}
	if err != nil {
		return unreadable(err)
	}
	if entryTooCompressed(uint64(len(data)), f.CompressedSize64) {
		return suspicious(fmt.Sprintf("%q expands %d times", cleanFilename(f.Name, 0), uint64(len(data))/max(f.CompressedSize64, 1)))
	}
	u.zipBytes += int64(len(data))
	if err := u.checkTotals(u.zipBytes); err != nil {
		return err
	}
	return u.add(f.Name, data)
}

// safePath refuses absolute paths, parent references, backslashes and
// NULs: nothing is ever written under an entry's name, but an archive
// that tries is not one a camera made.
func safePath(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") {
		return false
	}
	return fs.ValidPath(strings.TrimSuffix(name, "/"))
}

// ignored reports entries that are not the user's files: folders, links,
// macOS resource forks and dotfiles.
func ignored(f *zip.File) bool {
	if strings.HasSuffix(f.Name, "/") || !f.Mode().IsRegular() {
		return true
	}
	for _, part := range strings.Split(f.Name, "/") {
		if strings.HasPrefix(part, ".") || part == "__MACOSX" {
			return true
		}
	}
	return false
}

// declaredEntries reads the entry count from the end-of-central-directory
// record, so an archive claiming millions of entries is refused before
// its directory is parsed. A ZIP64 count reads as the 16-bit maximum.
func declaredEntries(data []byte) (int, bool) {
	const recLen = 22
	for pos := len(data) - recLen; pos >= 0 && pos >= len(data)-recLen-0xFFFF; pos-- {
		if data[pos] != 'P' || !bytes.HasPrefix(data[pos:], []byte("PK\x05\x06")) {
			continue
		}
		rec := data[pos:]
		comment := int(binary.LittleEndian.Uint16(rec[20:22]))
		if pos+recLen+comment == len(data) {
			return int(binary.LittleEndian.Uint16(rec[10:12])), true
		}
	}
	return 0, false
}
