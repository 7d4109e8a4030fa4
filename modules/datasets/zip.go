package datasets

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/ziplimit"
)

// archive is one zip of an upload: its photos are listed from the
// directory at once and read one at a time when stored.
type archive struct {
	size   int64
	photos []photo
}

// zipFile is an archive entry still to read.
type zipFile struct{ *zip.File }

func badArchive(msg string, err error) error {
	return apperr.Wrap(apperr.Invalid, "bad_archive", msg, err)
}

func suspicious(msg string) error {
	return apperr.New(apperr.Invalid, "suspicious_archive", msg+": not photos")
}

// maxEntries bounds the entries an archive may list, folders and ignored
// files included (a Mac archive doubles every file under __MACOSX).
func (u *upload) maxEntries() int { return 3*u.cfg.MaxUpload + 100 }

// addZip lists an archive's photos. Archives that would expand beyond
// the limits, list too many entries, compress suspiciously well or name
// paths outside themselves are refused as a whole before any photo is
// read; folders, __MACOSX and dotfiles are ignored, and items.csv and
// labels.csv at the root are the CSV and the labels file.
func (u *upload) addZip(data []byte) error {
	tooMany := apperr.New(apperr.TooLarge, "archive_too_large", fmt.Sprintf("the archive lists more than %d entries", u.maxEntries()))
	if n, ok := ziplimit.DeclaredEntries(data); ok && n > u.maxEntries() {
		return tooMany
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return badArchive("the zip archive is malformed", err)
	}
	if len(zr.File) > u.maxEntries() {
		return tooMany
	}
	a := &archive{size: int64(len(data))}
	for _, f := range zr.File {
		if !ziplimit.SafePath(f.Name) {
			return apperr.New(apperr.Invalid, "unsafe_archive_path", fmt.Sprintf("the archive names a path outside itself: %q", cleanName(f.Name)))
		}
		if ziplimit.Ignored(f) {
			continue
		}
		if ziplimit.EntryTooCompressed(f.UncompressedSize64, f.CompressedSize64) {
			return suspicious(fmt.Sprintf("%q expands %d times", cleanName(f.Name), f.UncompressedSize64/max(f.CompressedSize64, 1)))
		}
		if f.UncompressedSize64 > uint64(u.cfg.MaxFileBytes) {
			return apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("%q is larger than %d MB", cleanName(f.Name), u.cfg.MaxFileBytes>>20))
		}
		switch f.Name {
		case zipIndexName, zipLabelsName:
			side, err := readEntry(f, sideFileLimit)
			if err != nil {
				return err
			}
			if f.Name == zipIndexName {
				u.index = side
			} else {
				u.labels = side
			}
			continue
		}
		a.photos = append(a.photos, photo{name: cleanName(f.Name), entry: &zipFile{f}})
	}
	u.zips = append(u.zips, a)
	return u.checkDeclared()
}

// checkDeclared refuses an upload whose archives declare more than the
// limits allow, before anything is read.
func (u *upload) checkDeclared() error {
	var declared, size int64
	for _, z := range u.zips {
		size += z.size
		for _, p := range z.photos {
			declared += int64(p.entry.UncompressedSize64)
		}
	}
	return u.checkTotals(declared, size)
}

func (u *upload) checkTotals(expanded, size int64) error {
	if expanded > u.cfg.MaxUnzipped {
		return apperr.New(apperr.TooLarge, "archive_too_large", fmt.Sprintf("the archives expand to more than %d MB (DATASET_MAX_UNZIPPED_MB)", u.cfg.MaxUnzipped>>20))
	}
	if ziplimit.TotalTooExpanded(expanded, size) {
		return suspicious(fmt.Sprintf("the archives expand %d times", expanded/max(size, 1)))
	}
	return nil
}

// zipSize is the archives' own size, for the expansion ratio.
func (u *upload) zipSize() int64 {
	var n int64
	for _, z := range u.zips {
		n += z.size
	}
	return n
}

// readEntry reads an entry, never more than it declares nor than limit,
// and checks its ratio again on what it read.
func readEntry(f *zip.File, limit int64) ([]byte, error) {
	name := cleanName(f.Name)
	if f.UncompressedSize64 > uint64(limit) {
		return nil, apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("%q is larger than %d MB", name, limit>>20))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, badArchive(fmt.Sprintf("the archive entry %q cannot be read", name), err)
	}
	data, err := io.ReadAll(io.LimitReader(rc, int64(f.UncompressedSize64)+1))
	rc.Close()
	if err == nil && uint64(len(data)) != f.UncompressedSize64 {
		err = errors.New("its size is not the one it declares")
	}
	if err != nil {
		return nil, badArchive(fmt.Sprintf("the archive entry %q cannot be read", name), err)
	}
	if ziplimit.EntryTooCompressed(uint64(len(data)), f.CompressedSize64) {
		return nil, suspicious(fmt.Sprintf("%q expands %d times", name, uint64(len(data))/max(f.CompressedSize64, 1)))
	}
	return data, nil
}
