package datasets

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/config"
)

func fuzzConfig() Config {
	return Config{Datasets: config.Datasets{MaxUpload: 50, MaxUnzipped: 8 << 20}, MaxFileBytes: 1 << 20}
}

// FuzzArchive: whatever archive and CSV a client sends, listing and
// labelling its photos ends in photos or a 4xx error, never a panic or
// an unclassified error.
func FuzzArchive(f *testing.F) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range []string{"trout/a.jpg", "carp/b.jpg", "c.jpg", "labels.csv"} {
		w, _ := zw.Create(n)
		w.Write([]byte("\xff\xd8\xff" + n))
	}
	zw.Close()
	f.Add(buf.Bytes(), []byte("filename,label\nc.jpg,perch\n"))
	f.Add(buf.Bytes(), []byte("a.jpg,\"tr\nout\"\n"))
	f.Add([]byte("PK\x05\x06"), []byte(""))
	f.Fuzz(func(t *testing.T, archive, index []byte) {
		u := &upload{cfg: fuzzConfig(), index: index}
		err := u.addZip(archive)
		if err == nil {
			_, err = u.photos()
		}
		if err != nil && apperr.KindOf(err) == apperr.Internal {
			t.Fatalf("unclassified error: %v", err)
		}
		for _, z := range u.zips {
			for _, p := range z.photos {
				if p.entry != nil {
					if _, err := readEntry(p.entry.File, u.cfg.MaxFileBytes); err != nil && apperr.KindOf(err) == apperr.Internal {
						t.Fatalf("unclassified entry error: %v", err)
					}
				}
			}
		}
	})
}

// TestVersionIDFollowsEveryField: each part of a version's content
// changes its id.
func TestVersionIDFollowsEveryField(t *testing.T) {
	labels := []LabelInfo{{Name: "carp", ScientificName: "Cyprinus carpio"}, {Name: "trout"}}
	items := []VersionItem{{Label: "carp", SHA256: "aa"}, {Label: "trout", SHA256: "bb", Group: "cam1"}}
	base := versionID("d1", labels, items)
	if base != versionID("d1", labels, items) {
		t.Fatal("not deterministic")
	}
	variants := map[string]string{
		"dataset":         versionID("d2", labels, items),
		"scientific name": versionID("d1", []LabelInfo{{Name: "carp"}, {Name: "trout"}}, items),
		"group":           versionID("d1", labels, []VersionItem{{Label: "carp", SHA256: "aa"}, {Label: "trout", SHA256: "bb"}}),
		"label":           versionID("d1", labels, []VersionItem{{Label: "carp", SHA256: "aa"}, {Label: "carp", SHA256: "bb", Group: "cam1"}}),
		"photo":           versionID("d1", labels, []VersionItem{{Label: "carp", SHA256: "ab"}, {Label: "trout", SHA256: "bb", Group: "cam1"}}),
		"fewer items":     versionID("d1", labels, items[:1]),
	}
	for what, id := range variants {
		if id == base {
			t.Errorf("changing the %s kept the id %s", what, id)
		}
	}
}
