package nn

import (
	"math"
	"math/rand/v2"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// Init returns fresh weights for the architecture, the same for the same
// seed: He (Kaiming) normal for convolutions and for dense layers followed by
// a ReLU, LeCun normal (std 1/sqrt(fan_in)) for the other dense layers, zero
// biases, and identity batchnorm (gamma 1, beta 0, running mean 0, variance 1).
// Each layer fills its own tensors; they draw from one random stream in
// Params order, which is what keeps seeded training reproducible.
func (a *Arch) Init(seed uint64) []modelfile.Tensor {
	rng := rand.New(rand.NewPCG(seed, 0x6e6e2e696e6974)) // second word: any fixed stream id
	params := a.Params()
	out := make([]modelfile.Tensor, len(params))
	for i, p := range params {
		data := make([]float32, p.Len())
		a.layers[p.Layer].initParam(p, data, rng, a.layers[p.Layer+1:])
		out[i] = modelfile.Tensor{Name: p.Name, Shape: append([]int(nil), p.Shape...), Data: data}
	}
	return out
}

// scaledNormal fills data, the values of p, with normal draws of variance
// gain/fan_in, fan_in being the inputs of one output (one row of p):
// gain 2 is He (Kaiming) initialisation, gain 1 LeCun's.
func scaledNormal(data []float32, p Param, gain float64, rng *rand.Rand) {
	fanIn := p.Len() / p.Shape[0]
	std := math.Sqrt(gain / float64(fanIn))
	for j := range data {
		data[j] = float32(rng.NormFloat64() * std)
	}
}
