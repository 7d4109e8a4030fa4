package classification_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"math"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/app/apptest"
	"github.com/aquaml/aquaml/platform/config"
)

func TestClassifyAnswersAndStores(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	img := apptest.Photo(t, 3, 90, 70, "jpeg")
	var got classification
	classify(t, ta, alice, img, map[string]string{"top_k": "5"}).Want(200).JSON(&got)

	if len(got.Predictions) != 5 || got.PredictionID == "" || got.Model.ID == "" || got.Model.Version == "" {
		t.Fatalf("answer %+v", got)
	}
	sum := float32(0)
	for i, p := range got.Predictions {
		sum += p.Confidence
		if p.Label == "" || p.ScientificName == "" || p.CommonName == "" {
			t.Errorf("prediction %d lacks names: %+v", i, p)
		}
		if i > 0 && p.Confidence > got.Predictions[i-1].Confidence {
			t.Errorf("predictions not best first: %+v", got.Predictions)
		}
	}
	if sum <= 0 || sum > 1.0001 {
		t.Errorf("top-5 confidences sum to %v", sum)
	}
	if got.Image.Width != 90 || got.Image.Height != 70 || got.Image.Format != "jpeg" || got.Image.SizeBytes != len(img) || len(got.Image.SHA256) != 64 {
		t.Errorf("image %+v", got.Image)
	}
	if got.Cached || got.LatencyMS <= 0 {
		t.Errorf("cached %v latency %v", got.Cached, got.LatencyMS)
	}

	// Stored: the history has it, with the same answer.
	var stored struct {
		ID          string    `json:"id"`
		Label       string    `json:"label"`
		Predictions []species `json:"predictions"`
	}
	ta.Do("GET", ta.API("/predictions/"+got.PredictionID), nil, alice.Auth()).Want(200).JSON(&stored)
	if stored.ID != got.PredictionID || stored.Label != got.Predictions[0].Label || len(stored.Predictions) != 5 {
		t.Errorf("stored %+v", stored)
	}
}

func TestClassifyAcceptsEveryUploadForm(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	img := apptest.Photo(t, 5, 40, 40, "png")
	body, ct := apptest.Multipart(t, "image", "x.png", img, nil)
	forms := []struct {
		name        string
		body        []byte
		contentType string
		query       string
		wantTopK    int
	}{
		{"multipart field image", body, ct, "", 3},
		{"raw image/png body", img, "image/png", "?top_k=2", 2},
		{"raw octet-stream body", img, "application/octet-stream", "?top_k=1", 1},
	}
	for _, f := range forms {
		t.Run(f.name, func(t *testing.T) {
			var got classification
			res := ta.Do("POST", ta.API("/classify")+f.query, f.body, apptest.With(alice.Auth(), "Content-Type", f.contentType))
			if res.Status != http.StatusOK {
				t.Fatalf("status %d: %s", res.Status, res.Body)
			}
			res.JSON(&got)
			if len(got.Predictions) != f.wantTopK || got.Image.Format != "png" {
				t.Errorf("%d predictions, format %q", len(got.Predictions), got.Image.Format)
			}
		})
	}
	// An API key works like a token.
	var key struct {
		Key string `json:"key"`
	}
	ta.Do("POST", ta.API("/auth/api-keys"), map[string]string{"name": "camera-1"}, alice.Auth()).Want(201).JSON(&key)
	body, ct = apptest.Multipart(t, "file", "x.png", img, nil)
	ta.Do("POST", ta.API("/classify"), body, map[string]string{"X-API-Key": key.Key, "Content-Type": ct}).Want(200)
}

// pngHeader is a valid PNG signature and IHDR declaring w x h pixels, with
// no pixel data: what a decompression bomb looks like before decoding.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestClassifyRejectsBadInput(t *testing.T) {
	ta := apptest.New(t, func(c *config.Config) { c.HTTP.BodyLimit = 2 << 20 })
	alice := ta.NewUser("alice")
	good := apptest.Photo(t, 2, 60, 60, "jpeg")
	multipart := func(field string, data []byte, fields map[string]string) ([]byte, string) {
		return apptest.Multipart(t, field, "upload", data, fields)
	}
	type tc struct {
		name   string
		body   []byte
		ct     string
		query  string
		auth   bool
		status int
		code   string
	}
	noFile, noFileCT := multipart("", nil, map[string]string{"top_k": "3"})
	text, textCT := multipart("file", []byte("these are not the pixels you are looking for"), nil)
	trunc, truncCT := multipart("file", good[:len(good)/2], nil)
	bomb, bombCT := multipart("file", pngHeader(50000, 50000), nil)
	big, bigCT := multipart("file", bytes.Repeat([]byte{0xff}, 3<<20), nil)
	ok, okCT := multipart("file", good, nil)
	zeroK, zeroKCT := multipart("file", good, map[string]string{"top_k": "0"})
	two, twoCT := twoFiles(t, good)
	cases := []tc{
		{"no credentials", ok, okCT, "", false, 401, ""},
		{"no file in the form", noFile, noFileCT, "", true, 422, "validation_error"},
		{"empty body", nil, "", "", true, 422, "validation_error"},
		{"json instead of an image", []byte(`{"image":"x"}`), "application/json", "", true, 415, "unsupported_media_type"},
		{"a text file", text, textCT, "", true, 415, "unsupported_image"},
		{"a text body claiming image/png", []byte("hello"), "image/png", "", true, 415, "unsupported_image"},
		{"truncated jpeg", trunc, truncCT, "", true, 422, "corrupt_image"},
		{"50,000 x 50,000 png", bomb, bombCT, "", true, 413, "image_too_large"},
		{"body over the limit", big, bigCT, "", true, 413, "body_too_large"},
		{"top_k 0", zeroK, zeroKCT, "", true, 422, "validation_error"},
		{"top_k 11", ok, okCT, "?top_k=11", true, 422, "validation_error"},
		{"top_k not a number", ok, okCT, "?top_k=three", true, 422, "validation_error"},
		{"two files", two, twoCT, "", true, 422, "validation_error"},
		{"multipart cut short", []byte("--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc"), "multipart/form-data; boundary=xyz", "", true, 400, "bad_multipart"},
	}
	before := countPredictions(t, ta)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := map[string]string{}
			if c.auth {
				h = alice.Auth()
			}
			if c.ct != "" {
				h = apptest.With(h, "Content-Type", c.ct)
			}
			var body any
			if c.body != nil {
				body = c.body
			}
			res := ta.Do("POST", ta.API("/classify")+c.query, body, h)
			if res.Status != c.status {
				t.Fatalf("status %d, want %d: %s", res.Status, c.status, res.Body)
			}
			if c.code != "" && res.Error().Code != c.code {
				t.Errorf("code %q, want %q (%s)", res.Error().Code, c.code, res.Body)
			}
		})
	}
	if after := countPredictions(t, ta); after != before {
		t.Errorf("failed requests left %d prediction rows", after-before)
	}
	if strings.Contains(ta.Logs(), "panic") {
		t.Error("a bad upload made a handler panic")
	}
}

func twoFiles(t *testing.T, img []byte) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, name := range []string{"a.jpg", "b.jpg"} {
		fw, _ := w.CreateFormFile("file", name)
		fw.Write(img)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}

func TestRepeatedPhotoIsCached(t *testing.T) {
	ta := apptest.New(t, nil)
	alice, bob := ta.NewUser("alice"), ta.NewUser("bob")
	img := apptest.Photo(t, 7, 50, 50, "png")
	var first, second, other, otherK classification
	classify(t, ta, alice, img, nil).Want(200).JSON(&first)
	classify(t, ta, bob, img, nil).Want(200).JSON(&second)
	classify(t, ta, alice, apptest.Photo(t, 8, 50, 50, "png"), nil).Want(200).JSON(&other)
	classify(t, ta, alice, img, map[string]string{"top_k": "4"}).Want(200).JSON(&otherK)
	if first.Cached || !second.Cached || other.Cached || otherK.Cached {
		t.Errorf("cached flags: first %v, repeat %v, other photo %v, other top_k %v", first.Cached, second.Cached, other.Cached, otherK.Cached)
	}
	for i := range first.Predictions {
		if first.Predictions[i] != second.Predictions[i] {
			t.Errorf("cached answer differs: %+v vs %+v", first.Predictions, second.Predictions)
		}
	}
	if second.PredictionID == first.PredictionID {
		t.Error("a cached answer reused the prediction id; every request is its own prediction")
	}
	_, body := ta.Do("GET", "/metrics", nil, nil).Status, string(ta.Do("GET", "/metrics", nil, nil).Body)
	for _, want := range []string{"aquaml_cache_hits_total 1", "aquaml_predictions_total{", "aquaml_model_info{", "aquaml_inference_batch_size_bucket", "aquaml_inference_duration_seconds_bucket"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestStoreImagesKeepsThePhoto(t *testing.T) {
	dir := t.TempDir()
	ta := apptest.New(t, func(c *config.Config) { c.Classify.StoreImages, c.Classify.ImageDir = true, dir })
	img := apptest.Photo(t, 9, 30, 30, "png")
	var got classification
	classify(t, ta, ta.NewUser("alice"), img, nil).Want(200).JSON(&got)
	kept, err := os.ReadFile(dir + "/" + got.Image.SHA256[:2] + "/" + got.Image.SHA256)
	if err != nil || !bytes.Equal(kept, img) {
		t.Fatalf("photo not kept under its sha256: %v", err)
	}
}

func TestPredictionsAreConsistentAcrossUploadForms(t *testing.T) {
	ta := apptest.New(t, nil)
	alice := ta.NewUser("alice")
	img := apptest.Photo(t, 11, 64, 48, "png")
	var a, b classification
	classify(t, ta, alice, img, map[string]string{"top_k": "3"}).Want(200).JSON(&a)
	ta.Do("POST", ta.API("/classify?top_k=3"), img, apptest.With(alice.Auth(), "Content-Type", "image/png")).Want(200).JSON(&b)
	for i := range a.Predictions {
		if a.Predictions[i].Label != b.Predictions[i].Label || math.Abs(float64(a.Predictions[i].Confidence-b.Predictions[i].Confidence)) > 1e-6 {
			t.Errorf("multipart and raw body disagree: %+v vs %+v", a.Predictions, b.Predictions)
		}
	}
}
