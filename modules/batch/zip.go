package batch

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/ziplimit"
)

// Zip bomb guards: see platform/ziplimit, whose measures batches share
// with the other features that take archives.
const (
	maxEntryRatio      = ziplimit.MaxEntryRatio
	entryRatioMinBytes = ziplimit.EntryRatioMinBytes
	maxTotalRatio      = ziplimit.MaxTotalRatio
)

var (
	isZip              = ziplimit.IsZip
	entryTooCompressed = ziplimit.EntryTooCompressed
	safePath           = ziplimit.SafePath
	ignored            = ziplimit.Ignored
	declaredEntries    = ziplimit.DeclaredEntries
)

// maxEntries bounds the entries an archive may list, folders and ignored
// files included (a Mac archive doubles every file under __MACOSX).
func (u *upload) maxEntries() int { return 3*u.cfg.MaxImages + 100 }

func badArchive(msg string, err error) error {
	return apperr.Wrap(apperr.Invalid, "bad_archive", msg, err)
}

func suspicious(msg string) error {
	return apperr.New(apperr.Invalid, "suspicious_archive", msg+": not photos")
}

// checkTotals refuses an upload whose archives expand to more than
// BATCH_MAX_UNZIPPED_MB or more than maxTotalRatio times their size.
func (u *upload) checkTotals(expanded int64) error {
	if expanded > u.cfg.MaxUnzipped {
		return apperr.New(apperr.TooLarge, "archive_too_large", fmt.Sprintf("the archive expands to more than %d MB", u.cfg.MaxUnzipped>>20))
	}
	if ziplimit.TotalTooExpanded(expanded, u.zipSize) {
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
