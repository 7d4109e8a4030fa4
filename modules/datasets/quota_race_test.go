package datasets_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
)

// TestQuotaRace: uploads racing for the last room of a quota cannot
// pass it together; exactly the ones that fit are kept.
func TestQuotaRace(t *testing.T) {
	ta := apptest.New(t, func(c *configT) { c.Datasets.QuotaPhotos = 5 })
	alice := ta.NewUser("alice")
	a, b := createDataset(t, ta, alice, "a"), createDataset(t, ta, alice, "b")
	archives := [][]byte{zipped(t, folders(t, 1, 3, "trout")), zipped(t, folders(t, 10, 3, "carp"))}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, id := range []string{a.ID, b.ID} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = postZip(ta, alice, id, archives[i]).Status
		}()
	}
	wg.Wait()
	created := 0
	for _, s := range statuses {
		if s == http.StatusCreated {
			created++
		} else if s != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d", s)
		}
	}
	total := getDataset(t, ta, alice, a.ID).Photos + getDataset(t, ta, alice, b.ID).Photos
	if created != 1 || total != 3 {
		t.Errorf("%d uploads kept, %d photos; want 1 and 3 (quota 5)", created, total)
	}
}
