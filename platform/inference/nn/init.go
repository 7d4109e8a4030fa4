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
func (a *Arch) Init(seed uint64) []modelfile.Tensor {
	rng := rand.New(rand.NewPCG(seed, 0x6e6e2e696e6974)) // second word: any fixed stream id
	params := a.Params()
	out := make([]modelfile.Tensor, len(params))
	for i, p := range params {
		data := make([]float32, p.Len())
		switch {
		case p.Kind == KindWeight && a.layers[p.Layer].Type == BatchNorm, p.Kind == KindRunningVar:
			for j := range data {
				data[j] = 1
			}
		case p.Kind == KindWeight:
			fanIn := p.Len() / p.Shape[0]
			gain := 2.0
			if l := a.layers[p.Layer]; l.Type == Dense && !a.followedByReLU(p.Layer) {
				gain = 1
			}
			std := math.Sqrt(gain / float64(fanIn))
			for j := range data {
				data[j] = float32(rng.NormFloat64() * std)
			}
		}
		out[i] = modelfile.Tensor{Name: p.Name, Shape: append([]int(nil), p.Shape...), Data: data}
	}
	return out
}

// followedByReLU reports whether layer i's output goes through a ReLU,
// possibly after a batchnorm.
func (a *Arch) followedByReLU(i int) bool {
	for j := i + 1; j < len(a.layers); j++ {
		switch a.layers[j].Type {
		case ReLU:
			return true
		case BatchNorm:
			continue
		}
		return false
	}
	return false
}
