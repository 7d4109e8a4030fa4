package training

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"regexp"
	"strconv"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/nn"
	"github.com/labstack/echo/v4"
)

// maxBody bounds a job request; an honest one is a few hundred bytes.
const maxBody = 16 << 10

// Defaults of a job request: a recipe that suits a few hundred photos.
// From scratch, SmallCNN (three convolutions, no batch norm) scored as
// FishNet on one group of the small-data protocol and above it on the
// two others (BENCHMARKS.md, "AMD EPYC family 26 model 2"), and its wide
// version, at about FishNet's cost, above SmallCNN on all three (macro-F1
// +0.012 to +0.032; "A wider SmallCNN, and flip TTA"); a job with a base
// keeps the base's architecture.
const (
	defaultBase         = "scratch"
	defaultArch         = "smallcnn-wide"
	defaultInput        = "64x64"
	defaultEpochs       = 30
	defaultSeed         = 1
	defaultAugmentation = "standard"
	defaultFraction     = 0.2
)

// jobRequest is the body of POST /training-jobs; after normalise every
// field holds its effective value and is stored with the job.
type jobRequest struct {
	DatasetVersion string          `json:"dataset_version"`
	Base           string          `json:"base"`
	Architecture   string          `json:"architecture,omitempty"` // empty: the base model's
	Input          string          `json:"input"`
	Epochs         int             `json:"epochs"`
	Seed           *int64          `json:"seed"`
	Augmentation   string          `json:"augmentation"` // standard, strong or none
	Recipe         recipeRequest   `json:"recipe"`
	Validation     validationSplit `json:"validation"`
}

// validationSplit says how validation photos are held out: whole groups
// at a time, a group being GroupBy's first capture group matched against
// "<item group>~<sha256>.<ext>" (so "^([^~]+)~" groups by the item's own
// group, the default when items have groups).
type validationSplit struct {
	GroupBy  string  `json:"group_by"`
	Fraction float64 `json:"fraction"`
}

var inputPattern = regexp.MustCompile(`^([0-9]{1,4})x([0-9]{1,4})$`)

// parseRequest reads and checks the body: 400 for JSON that is not an
// object of the request's fields, 422 naming each invalid field.
func parseRequest(c echo.Context, maxEpochs int) (jobRequest, inputSize, error) {
	var req jobRequest
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return req, inputSize{}, apperr.New(apperr.Unsupported, "unsupported_media_type", "send Content-Type: application/json")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxBody+1))
	if err != nil {
		return req, inputSize{}, err
	}
	if len(body) > maxBody {
		return req, inputSize{}, apperr.New(apperr.TooLarge, "body_too_large", "the request body is too large")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return req, inputSize{}, apperr.Validation(map[string]string{te.Field: "has the wrong type"})
		}
		return req, inputSize{}, apperr.New(apperr.BadRequest, "invalid_json", "the body is not a valid JSON training job: "+err.Error())
	}
	if dec.More() {
		return req, inputSize{}, apperr.New(apperr.BadRequest, "invalid_json", "the body holds more than one JSON value")
	}
	size, fields := req.normalise(maxEpochs)
	if len(fields) > 0 {
		return req, inputSize{}, apperr.Validation(fields)
	}
	return req, size, nil
}

// inputSize is the width and height of a job's input.
type inputSize struct{ width, height int }

// normalise fills the defaults and returns the input size and the
// problems, by field.
func (r *jobRequest) normalise(maxEpochs int) (inputSize, map[string]string) {
	fields := map[string]string{}
	if r.DatasetVersion == "" {
		fields["dataset_version"] = "is required"
	} else if len(r.DatasetVersion) > 200 {
		fields["dataset_version"] = "is too long"
	}
	if r.Base == "" {
		r.Base = defaultBase
	} else if len(r.Base) > 200 {
		fields["base"] = "is too long"
	}
	if r.Architecture == "" && r.Base == defaultBase {
		r.Architecture = defaultArch
	}
	if r.Architecture != "" {
		if _, err := nn.Named(r.Architecture, 64, 64, 2); err != nil {
			fields["architecture"] = "is not a known architecture (" + nn.ArchNames() + ")"
		}
	}
	if r.Input == "" {
		r.Input = defaultInput
	}
	var size inputSize
	if m := inputPattern.FindStringSubmatch(r.Input); m == nil {
		fields["input"] = `must read WIDTHxHEIGHT, e.g. "64x64" or "128x64"`
	} else {
		w, _ := strconv.Atoi(m[1])
		h, _ := strconv.Atoi(m[2])
		if w < 8 || w > 1024 || h < 8 || h > 1024 {
			fields["input"] = "sides must be 8 to 1024 pixels"
		} else {
			size = inputSize{w, h}
		}
	}
	if r.Epochs == 0 {
		r.Epochs = defaultEpochs
	}
	if r.Epochs < 1 || r.Epochs > maxEpochs {
		fields["epochs"] = fmt.Sprintf("must be 1 to %d (TRAINING_MAX_EPOCHS)", maxEpochs)
	}
	if r.Seed == nil {
		s := int64(defaultSeed)
		r.Seed = &s
	}
	if r.Augmentation == "" {
		r.Augmentation = defaultAugmentation
	}
	if r.Augmentation != "standard" && r.Augmentation != "strong" && r.Augmentation != "none" {
		fields["augmentation"] = "must be standard, strong or none"
	}
	r.normaliseRecipe(fields)
	if r.Validation.Fraction == 0 {
		r.Validation.Fraction = defaultFraction
	}
	if !(r.Validation.Fraction > 0 && r.Validation.Fraction < 1) {
		fields["validation.fraction"] = "must be between 0 and 1"
	}
	if g := r.Validation.GroupBy; g != "" {
		re, err := regexp.Compile(g)
		switch {
		case len(g) > 500:
			fields["validation.group_by"] = "is too long"
		case err != nil:
			fields["validation.group_by"] = "is not a valid regular expression"
		case re.NumSubexp() < 1:
			fields["validation.group_by"] = "needs a capture group naming the group"
		}
	}
	return size, fields
}
