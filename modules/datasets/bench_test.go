package datasets_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// BenchmarkUploadZip: one zip of 200 photos (64x64 JPEG, 4 labels) into
// a fresh dataset, through the whole App.
func BenchmarkUploadZip(b *testing.B) {
	ta := apptest.New(b, nil)
	alice := ta.NewUser("alice")
	var entries []file
	for i := range 200 {
		entries = append(entries, file{fmt.Sprintf("label%d/%04d.jpg", i%4, i), apptest.Photo(b, i+1, 64, 64, "jpeg")})
	}
	archive := zipped(b, entries)
	b.SetBytes(int64(len(archive)))
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		d := createDataset(b, ta, alice, fmt.Sprintf("bench-%d", i))
		b.StartTimer()
		postZip(ta, alice, d.ID, archive).Want(http.StatusCreated)
	}
	b.ReportMetric(float64(200*b.N)/b.Elapsed().Seconds(), "photos/s")
}
