package classification

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/labstack/echo/v4"
)

// v2MaxImages bounds one request's batch, so a single call cannot claim
// the whole engine queue or unbounded memory.
const v2MaxImages = 64

type v2ResponseOutput struct {
	Name     string  `json:"name"`
	Datatype string  `json:"datatype"`
	Shape    []int64 `json:"shape"`
	Data     any     `json:"data"`
}

type v2InferResponse struct {
	ModelName    string             `json:"model_name"`
	ModelVersion string             `json:"model_version"`
	ID           string             `json:"id,omitempty"`
	Outputs      []v2ResponseOutput `json:"outputs"`
}

func (m *Module) v2Infer(c echo.Context) error {
	if c.Request().Header.Get("Inference-Header-Content-Length") != "" {
		return v2Errorf(http.StatusBadRequest, "binary tensor data is not supported: send the tensors in the JSON body")
	}
	l, err := m.v2Acquire(c)
	if err != nil {
		return err
	}
	defer l.release()
	req, err := readV2Request(c.Request())
	if err != nil {
		return err
	}
	topKs, err := v2RequestedOutputs(req.Outputs, l.engine.Classes())
	if err != nil {
		return err
	}
	if len(req.Inputs) != 1 {
		return v2Errorf(http.StatusBadRequest, "expected 1 input ('%s' BYTES or '%s' FP32), got %d", v2InputImage, v2InputTensor, len(req.Inputs))
	}
	in := req.Inputs[0]
	var results []inference.Answer
	switch in.Datatype {
	case "BYTES":
		results, err = m.v2ClassifyImages(c.Request().Context(), l, in)
	case "FP32":
		results, err = m.v2ClassifyTensors(c.Request().Context(), l, in)
	default:
		err = v2Errorf(http.StatusBadRequest, "input '%s' has datatype '%s': the model takes BYTES (encoded photos, base64) or FP32 (preprocessed tensors)", in.Name, in.Datatype)
	}
	if err != nil {
		return err
	}
	resp := v2InferResponse{ModelName: l.record.Name, ModelVersion: l.record.Version, ID: req.ID}
	for _, k := range topKs {
		resp.Outputs = append(resp.Outputs, v2OutputOf(results, k, l))
	}
	return c.JSON(http.StatusOK, resp)
}

// v2RequestedOutputs returns, per requested output, how many top classes
// to return as labels (Triton's classification extension), or 0 for the
// raw probabilities. No outputs requested means the probabilities.
func v2RequestedOutputs(req []v2RequestedOutput, classes int) ([]int, error) {
	if len(req) == 0 {
		return []int{0}, nil
	}
	topKs := make([]int, 0, len(req))
	seen := map[string]bool{}
	for _, o := range req {
		if o.Name != v2Output {
			return nil, v2Errorf(http.StatusBadRequest, "unknown output '%s': the model's output is '%s'", o.Name, v2Output)
		}
		if seen[o.Name] {
			return nil, v2Errorf(http.StatusBadRequest, "output '%s' is requested twice", o.Name)
		}
		seen[o.Name] = true
		k := 0
		if raw := o.Parameters.Classification; len(raw) > 0 && string(raw) != "null" {
			n, err := strconv.ParseInt(strings.Trim(string(raw), `"`), 10, 64)
			if err != nil || n < 1 {
				return nil, v2Errorf(http.StatusBadRequest, "the '%s' parameter of output '%s' must be a positive integer, got %s", v2Classification, o.Name, raw)
			}
			k = int(min(n, int64(classes)))
		}
		topKs = append(topKs, k)
	}
	return topKs, nil
}

// v2ClassifyImages decodes base64 photos and classifies them exactly as
// /classify does, with the model the request resolved to.
func (m *Module) v2ClassifyImages(ctx context.Context, l *loadedModel, in v2Input) ([]inference.Answer, error) {
	n, err := v2BatchSize(in.Shape, "BYTES", "[N] or [N,1]", len(in.Shape) == 1 || len(in.Shape) == 2 && in.Shape[1] == 1)
	if err != nil {
		return nil, err
	}
	images, err := v2DecodeImages(in.Data, n, len(in.Shape) == 2)
	if err != nil {
		return nil, err
	}
	return v2Run(ctx, n, func(ctx context.Context, i int) (inference.Answer, error) {
		return m.service.Classify(ctx, inference.Request{Photo: images[i], TopK: 1, Model: l.record.ID})
	})
}

// v2ClassifyTensors classifies images the client already preprocessed:
// 3 x height x width values each (NCHW), normalised with the model's mean
// and std.
func (m *Module) v2ClassifyTensors(ctx context.Context, l *loadedModel, in v2Input) ([]inference.Answer, error) {
	width, height := l.engine.InputSize()
	w, h := int64(width), int64(height)
	want := "[N,3," + strconv.FormatInt(h, 10) + "," + strconv.FormatInt(w, 10) + "]"
	n, err := v2BatchSize(in.Shape, "FP32", want, len(in.Shape) == 4 && in.Shape[1] == 3 && in.Shape[2] == h && in.Shape[3] == w)
	if err != nil {
		return nil, err
	}
	per := int(3 * h * w)
	x := make([]float32, n*per)
	if err := v2ParseFP32(in.Data, in.Shape, x); err != nil {
		return nil, err
	}
	return v2Run(ctx, n, func(ctx context.Context, i int) (inference.Answer, error) {
		// Each image gets its own slice: the engine may still read it
		// after a cancelled call returns.
		return m.service.Classify(ctx, inference.Request{Tensor: x[i*per : (i+1)*per : (i+1)*per], TopK: 1, Model: l.record.ID})
	})
}

// v2BatchSize checks an input's shape and returns its batch size N, which
// is bounded before anything of size N is allocated.
func v2BatchSize(shape []int64, datatype, want string, fits bool) (int, error) {
	if !fits {
		return 0, v2Errorf(http.StatusBadRequest, "%s input has shape %s, the model takes %s", datatype, v2ShapeString(shape), want)
	}
	switch n := shape[0]; {
	case n < 1:
		return 0, v2Errorf(http.StatusBadRequest, "the batch is empty: shape %s", v2ShapeString(shape))
	case n > v2MaxImages:
		return 0, v2Errorf(http.StatusRequestEntityTooLarge, "too many images: %d in one request, at most %d", n, v2MaxImages)
	default:
		return int(n), nil
	}
}

func v2ShapeString(shape []int64) string {
	parts := make([]string, len(shape))
	for i, d := range shape {
		parts[i] = strconv.FormatInt(d, 10)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// v2Run classifies n images at once, so the engine batches them. The
// first failure cancels the rest and is the answer.
func v2Run(ctx context.Context, n int, one func(ctx context.Context, i int) (inference.Answer, error)) ([]inference.Answer, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	results := make([]inference.Answer, n)
	var (
		mu    sync.Mutex
		first error
		wg    sync.WaitGroup
	)
	for i := range n {
		wg.Go(func() {
			r, err := one(ctx, i)
			if err == nil {
				results[i] = r
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if first == nil {
				first = v2EngineError(i, err)
				cancel()
			}
		})
	}
	wg.Wait()
	return results, first
}

// v2EngineError says which image failed and why, with the status the
// protocol's clients expect: 400 for what the client must fix.
func v2EngineError(i int, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return v2Errorf(http.StatusServiceUnavailable, "the classifier is busy; retry shortly")
	}
	e, ok := apperr.As(err)
	if !ok {
		return err
	}
	switch e.Kind {
	case apperr.Unsupported, apperr.Invalid, apperr.BadRequest:
		return v2Errorf(http.StatusBadRequest, "image %d: %s", i, e.Message)
	case apperr.TooLarge:
		return v2Errorf(http.StatusRequestEntityTooLarge, "image %d: %s", i, e.Message)
	case apperr.NotFound:
		return v2Errorf(http.StatusNotFound, "image %d: %s", i, e.Message)
	case apperr.Unavailable:
		return v2Errorf(http.StatusServiceUnavailable, "%s", e.Message)
	}
	return err
}

// v2OutputOf is the probabilities output, or with topK > 0 Triton's
// classification form: per image the topK best classes, best first, each
// "<value>:<index>:<label>" with the value printed as C++'s
// std::to_string does (six decimals).
func v2OutputOf(results []inference.Answer, topK int, l *loadedModel) v2ResponseOutput {
	n, classes := len(results), l.engine.Classes()
	if topK == 0 {
		data := make([]float32, 0, n*classes)
		for _, r := range results {
			data = append(data, r.Probabilities...)
		}
		return v2ResponseOutput{Name: v2Output, Datatype: "FP32", Shape: []int64{int64(n), int64(classes)}, Data: data}
	}
	labels := l.meta.Labels
	data := make([]string, 0, n*topK)
	for _, r := range results {
		p := r.Probabilities
		for _, c := range inference.TopK(p, topK) {
			data = append(data, strconv.FormatFloat(float64(p[c]), 'f', 6, 64)+":"+strconv.Itoa(c)+":"+labels[c].Name)
		}
	}
	return v2ResponseOutput{Name: v2Output, Datatype: "BYTES", Shape: []int64{int64(n), int64(topK)}, Data: data}
}
