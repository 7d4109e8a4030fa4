package classification

import (
	"bytes"
	"fmt"
	"math"
	"net/http/httptest"
	"testing"
)

// FuzzV2Request feeds arbitrary bodies through the inference request
// parsing: it never panics, and whatever it accepts is complete.
func FuzzV2Request(f *testing.F) {
	for _, seed := range []string{
		`{"id":"42","inputs":[{"name":"input0","shape":[2,2],"datatype":"UINT32","data":[1,2,3,4]},{"name":"input1","shape":[3],"datatype":"BOOL","data":[true]}],"outputs":[{"name":"output0"}]}`,
		`{"inputs":[{"name":"image","shape":[2],"datatype":"BYTES","data":["aGVsbG8=","d29ybGQ"]}],"outputs":[{"name":"probabilities","parameters":{"classification":2}}]}`,
		`{"inputs":[{"name":"image","shape":[1,1],"datatype":"BYTES","data":[["aGVsbG8="]]}]}`,
		`{"inputs":[{"name":"tensor","shape":[1,3,2,2],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10,11,12]}]}`,
		`{"inputs":[{"name":"tensor","shape":[1,3,2,2],"datatype":"FP32","data":[[[[1,2],[3,4]],[[5,6],[7,8]],[[9,1e-3],[-1.5e2,0]]]]}]}`,
		`{"inputs":[{"name":"tensor","shape":[1,3,2,2],"datatype":"FP32","data":[[1,2],[3]]}]}`,
		`{"inputs":null,"outputs":[{"name":"probabilities","parameters":{"classification":"3"}}]}`,
	} {
		f.Add([]byte(seed))
	}
	const size, classes = 2, 5
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := readV2Request(httptest.NewRequest("POST", "/v2/models/m/infer", bytes.NewReader(body)))
		if err != nil {
			return
		}
		if topKs, err := v2RequestedOutputs(req.Outputs, classes); err == nil {
			for _, k := range topKs {
				if k < 0 || k > classes {
					t.Fatalf("top-k %d of %d classes", k, classes)
				}
			}
		}
		for _, in := range req.Inputs {
			if n, err := v2BatchSize(in.Shape, "BYTES", "", len(in.Shape) == 1); err == nil {
				if images, err := v2DecodeImages(in.Data, n, false); err == nil && len(images) != n {
					t.Fatalf("%d images for shape %v", len(images), in.Shape)
				}
			}
			fits := len(in.Shape) == 4 && in.Shape[1] == 3 && in.Shape[2] == size && in.Shape[3] == size
			if n, err := v2BatchSize(in.Shape, "FP32", "", fits); err == nil {
				x := make([]float32, n*3*size*size)
				for i := range x {
					x[i] = float32(math.NaN())
				}
				if v2ParseFP32(in.Data, in.Shape, x) == nil {
					for i, v := range x {
						if v != v {
							t.Fatalf("value %d of %v left unset", i, in.Shape)
						}
					}
				}
			}
		}
	})
}

// BenchmarkV2ParseFP32 parses the largest tensor a request may carry: 64
// images of 3x64x64, flat.
func BenchmarkV2ParseFP32(b *testing.B) {
	const n, size = v2MaxImages, 64
	shape := []int64{n, 3, size, size}
	var buf bytes.Buffer
	buf.WriteByte('[')
	for i := range n * 3 * size * size {
		if i > 0 {
			buf.WriteByte(',')
		}
		fmt.Fprintf(&buf, "%g", float32(i%255)/63.75-2)
	}
	buf.WriteByte(']')
	data := buf.Bytes()
	x := make([]float32, n*3*size*size)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := v2ParseFP32(data, shape, x); err != nil {
			b.Fatal(err)
		}
	}
}
