package classification_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

type storedPage struct {
	Items []struct {
		ID    string
		Model struct{ ID string }
		Image struct{ Stored bool }
	}
	Total int
}

// A kept photo is served to its owner only, and the history says which
// photos are kept.
func TestStoredPhotoIsTheOwners(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.Classify.StoreImages = true })
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	img := apptest.Photo(t, 5, 40, 30, "png")
	var got classification
	classify(t, ta, alice, img, nil).Want(http.StatusOK).JSON(&got)

	var page storedPage
	ta.Do("GET", ta.API("/predictions"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if len(page.Items) != 1 || !page.Items[0].Image.Stored {
		t.Fatalf("the history of a kept photo: %+v", page.Items)
	}
	res := ta.Do("GET", ta.API("/predictions/"+got.PredictionID+"/image"), nil, alice.Auth()).Want(http.StatusOK)
	if !bytes.Equal(res.Body, img) || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("the owner got %d bytes of %s, want the %d bytes sent as image/png", len(res.Body), res.Header.Get("Content-Type"), len(img))
	}
	if cc := res.Header.Get("Cache-Control"); cc != "private, max-age=3600" {
		t.Errorf("Cache-Control %q: a shared cache could keep a user's photo", cc)
	}
	if code := ta.Do("GET", ta.API("/predictions/"+got.PredictionID+"/image"), nil, bob.Auth()).Want(http.StatusNotFound).Error().Code; code != "prediction_not_found" {
		t.Errorf("another user asking for the photo: %s, want the same 404 as an unknown id", code)
	}
	ta.Do("GET", ta.API("/predictions/no-such-id/image"), nil, alice.Auth()).Want(http.StatusNotFound)
	ta.Do("GET", ta.API("/predictions/"+got.PredictionID+"/image"), nil, nil).Want(http.StatusUnauthorized)
}

// Without STORE_IMAGES there is no photo to serve, and the history does
// not promise one.
func TestNoStoredPhoto(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	var got classification
	classify(t, ta, alice, apptest.Photo(t, 6, 40, 30, "png"), nil).Want(http.StatusOK).JSON(&got)
	var page storedPage
	ta.Do("GET", ta.API("/predictions"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if len(page.Items) != 1 || page.Items[0].Image.Stored {
		t.Fatalf("the history of a photo not kept: %+v", page.Items)
	}
	if code := ta.Do("GET", ta.API("/predictions/"+got.PredictionID+"/image"), nil, alice.Auth()).Want(http.StatusNotFound).Error().Code; code != "photo_not_found" {
		t.Errorf("a photo not kept: %s", code)
	}
}

// The history filters by the model that answered.
func TestHistoryByModel(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	trout := readyModel(t, ta, modelFile(t, "trout-farm", "3", 31, []string{"brown_trout", "rainbow_trout", "char"}))
	for i := range 3 {
		classify(t, ta, alice, apptest.Photo(t, 40+i, 40, 40, "png"), nil).Want(http.StatusOK)
	}
	for i := range 2 {
		classifyWith(t, ta, alice, apptest.Photo(t, 50+i, 40, 40, "png"), trout.ID).Want(http.StatusOK)
	}
	var page storedPage
	ta.Do("GET", ta.API("/predictions?model="+trout.ID), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 2 || len(page.Items) != 2 {
		t.Fatalf("by the trout model: %d of %d", len(page.Items), page.Total)
	}
	for _, it := range page.Items {
		if it.Model.ID != trout.ID {
			t.Errorf("a prediction of model %s in the trout model's history", it.Model.ID)
		}
	}
	// Keyset pages keep the filter.
	var first struct {
		Items []struct{ ID string }
		Next  string
	}
	ta.Do("GET", ta.API("/predictions?page_size=1&cursor=&model="+trout.ID), nil, alice.Auth()).Want(http.StatusOK).JSON(&first)
	if first.Next == "" {
		t.Fatal("one of two on the first page, and no next cursor")
	}
	ta.Do("GET", ta.API("/predictions?page_size=1&model="+trout.ID+"&cursor="+first.Next), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if len(page.Items) != 1 || page.Items[0].ID == first.Items[0].ID || page.Items[0].Model.ID != trout.ID {
		t.Errorf("the second keyset page %+v after %+v", page.Items, first.Items)
	}
	if f := ta.Do("GET", ta.API("/predictions?model="+strings.Repeat("m", 201)), nil, alice.Auth()).Want(http.StatusUnprocessableEntity).Error().Fields; f["model"] == "" {
		t.Errorf("a model id too long to be one: fields %v", f)
	}
	ta.Do("GET", ta.API("/predictions?model=no-such-model"), nil, alice.Auth()).Want(http.StatusOK).JSON(&page)
	if page.Total != 0 {
		t.Errorf("an unknown model id matches %d predictions", page.Total)
	}
}

// A history page's thumbnails are counted apart from the API budget:
// browsing them does not stop the owner classifying, and they have a
// bound of their own.
func TestStoredPhotosHaveTheirOwnBudget(t *testing.T) {
	const perMinute = 3
	ta := apptest.New(t, func(c *config.Config) { c.Classify.StoreImages, c.RateLimitPerMinute = true, perMinute })
	alice := ta.NewUser("alice")
	var got classification
	classify(t, ta, alice, apptest.Photo(t, 7, 40, 30, "png"), nil).Want(http.StatusOK).JSON(&got)
	photo := ta.API("/predictions/" + got.PredictionID + "/image")
	for i := range perMinute * 10 {
		res := ta.Do("GET", photo, nil, alice.Auth())
		if res.Status != http.StatusOK {
			t.Fatalf("photo read %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	if code := ta.Do("GET", photo, nil, alice.Auth()).Want(http.StatusTooManyRequests).Error().Code; code != "rate_limited" {
		t.Errorf("a photo read past its budget: %s", code)
	}
	// One classification and one listing were counted: the API budget
	// still holds the rest.
	classify(t, ta, alice, apptest.Photo(t, 8, 40, 30, "png"), nil).Want(http.StatusOK)
}
