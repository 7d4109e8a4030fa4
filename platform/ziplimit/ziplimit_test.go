package ziplimit

import (
	"archive/zip"
	"bytes"
	"testing"
)

func TestSafePath(t *testing.T) {
	for name, want := range map[string]bool{
		"trout/a.jpg": true, "a.jpg": true, "trout/": true,
		"": false, "/etc/passwd": false, "../a.jpg": false, "trout/../../a.jpg": false,
		`trout\a.jpg`: false, "a\x00.jpg": false, "./a.jpg": false,
	} {
		if got := SafePath(name); got != want {
			t.Errorf("SafePath(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestDeclaredEntriesAndIgnored(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"trout/a.jpg", "__MACOSX/trout/._a.jpg", "trout/.DS_Store", "trout/"} {
		if _, err := zw.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if n, ok := DeclaredEntries(buf.Bytes()); !ok || n != 4 {
		t.Errorf("DeclaredEntries = %d, %v; want 4", n, ok)
	}
	if !IsZip(buf.Bytes()) || IsZip([]byte("GIF89a")) {
		t.Error("IsZip misjudges")
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, f := range zr.File {
		if !Ignored(f) {
			kept = append(kept, f.Name)
		}
	}
	if len(kept) != 1 || kept[0] != "trout/a.jpg" {
		t.Errorf("kept %v, want only trout/a.jpg", kept)
	}
}

func TestRatios(t *testing.T) {
	if EntryTooCompressed(EntryRatioMinBytes-1, 1) {
		t.Error("a tiny entry is judged by its ratio")
	}
	if !EntryTooCompressed(1<<20, 1<<10) || EntryTooCompressed(1<<20, 1<<15) {
		t.Error("entry ratio misjudged")
	}
	if !TotalTooExpanded(64<<20, 1<<20) || TotalTooExpanded(10<<20, 1<<20) || TotalTooExpanded(TotalRatioMinBytes-1, 1) {
		t.Error("total ratio misjudged")
	}
}
