package training

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// FuzzParseRequest: any body is refused with a 4xx error or accepted as
// a request whose every field is usable by the trainer.
func FuzzParseRequest(f *testing.F) {
	for _, seed := range []string{
		`{"dataset_version": "v1"}`,
		`{"dataset_version": "v1", "base": "m", "input": "128x64", "epochs": 20, "seed": -4, "validation": {"group_by": "^(cam[0-9]+_[0-9]{8})", "fraction": 0.2}}`,
		`{"dataset_version": "v1", "input": "0008x0008", "augmentation": "none"}`,
		`[]`, `null`, `{"epochs": 1e40}`, `{"validation": {"group_by": "(((("}}`,
	} {
		f.Add(seed)
	}
	e := echo.New()
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest("POST", "/training-jobs", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		c := e.NewContext(req, httptest.NewRecorder())
		r, size, err := parseRequest(c, 200)
		if err != nil {
			if k := apperr.KindOf(err); k == apperr.Internal {
				t.Fatalf("body %q: error %v is not a client error", body, err)
			}
			return
		}
		if r.DatasetVersion == "" || r.Epochs < 1 || r.Epochs > 200 || size.width < 8 || size.width > 1024 || size.height < 8 || size.height > 1024 ||
			!(r.Validation.Fraction > 0 && r.Validation.Fraction < 1) || r.Seed == nil ||
			(r.Augmentation != "standard" && r.Augmentation != "strong" && r.Augmentation != "none") ||
			r.Recipe.Freeze == nil || r.Recipe.Mixup == nil || r.Recipe.AverageEpochs == nil || r.Recipe.FlipTTA == nil || r.Recipe.Patience == nil ||
			*r.Recipe.Freeze > 0 && r.Base == defaultBase || *r.Recipe.Mixup < 0 || *r.Recipe.Patience < 0 {
			t.Fatalf("body %q accepted as %+v (size %v)", body, r, size)
		}
		if _, err := regexp.Compile(groupRegex(r)); err != nil {
			t.Fatalf("body %q: accepted group regex does not compile: %v", body, err)
		}
		// What is stored reads back as the same request.
		stored, _ := json.Marshal(r)
		var again jobRequest
		if err := json.NewDecoder(bytes.NewReader(stored)).Decode(&again); err != nil {
			t.Fatal(err)
		}
		if s2, fields := again.normalise(200); s2 != size || len(fields) > 0 {
			t.Fatalf("stored request %s normalises to size %v, %v", stored, s2, fields)
		}
	})
}
