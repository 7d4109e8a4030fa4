// Package ziplimit holds the checks that keep an uploaded zip archive from
// being a zip bomb or naming paths outside itself. It knows nothing of
// what the archive holds: callers apply their own entry and size limits
// with these measures.
package ziplimit

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"io/fs"
	"strings"
)

// Zip bomb guards. Photos barely compress, so an archive that expands
// much more than its own size is not a camera's but an attempt to make
// the server write what the client never sent. Each entry (from
// EntryRatioMinBytes, below which deflate's fixed cost makes ratios
// meaningless and the bytes do not matter) may expand at most
// MaxEntryRatio times, and an upload's archives together at most
// MaxTotalRatio times their size on the wire (from TotalRatioMinBytes).
// The total is measured against the archive's real size, not the sizes
// its entries declare, so entries that share one compressed stream
// (overlapping entries) gain nothing.
const (
	MaxEntryRatio      = 100
	EntryRatioMinBytes = 4 << 10
	MaxTotalRatio      = 20
	TotalRatioMinBytes = 1 << 20
)

// IsZip reports whether data starts like a zip archive.
func IsZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

// EntryTooCompressed reports an entry of size bytes that came out of
// packed bytes more than MaxEntryRatio times over.
func EntryTooCompressed(size, packed uint64) bool {
	return size >= EntryRatioMinBytes && size > MaxEntryRatio*max(packed, 1)
}

// TotalTooExpanded reports archives of size bytes on the wire that
// expanded to more than MaxTotalRatio times that.
func TotalTooExpanded(expanded, size int64) bool {
	return expanded >= TotalRatioMinBytes && expanded > MaxTotalRatio*max(size, 1)
}

// SafePath refuses absolute paths, parent references, backslashes and
// NULs: nothing need ever be written under an entry's name, but an
// archive that tries is not one a camera made.
func SafePath(name string) bool {
	if name == "" || strings.ContainsAny(name, "\\\x00") {
		return false
	}
	return fs.ValidPath(strings.TrimSuffix(name, "/"))
}

// Ignored reports entries that are not the user's files: folders, links,
// macOS resource forks and dotfiles.
func Ignored(f *zip.File) bool {
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

// DeclaredEntries reads the entry count from the end-of-central-directory
// record, so an archive claiming millions of entries is refused before
// its directory is parsed. A ZIP64 count reads as the 16-bit maximum.
func DeclaredEntries(data []byte) (int, bool) {
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
