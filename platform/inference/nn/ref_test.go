package nn

import (
	"math"
	"math/rand/v2"
	"slices"
)

// refForward runs the architecture on n images in float64, one layer at a
// time, the plain textbook way, and returns the logits. In training mode
// batchnorm uses the batch's statistics, and dropout layers apply the keep
// masks given by layer index (none: no dropout, as in inference).
func refForward(a *Arch, w weightSet, x []float32, n int, train bool, keep ...map[int][]bool) []float64 {
	cur := make([]float64, len(x))
	for i, v := range x {
		cur[i] = float64(v)
	}
	s := a.Input()
	param := func(i int, kind string) []float64 {
		d := w[ParamName(i, kind)]
		if d == nil {
			return nil
		}
		out := make([]float64, len(d))
		for j, v := range d {
			out[j] = float64(v)
		}
		return out
	}
	for i, l := range a.Layers() {
		o := a.OutputShape(i)
		next := make([]float64, n*o.Len())
		switch l.Type {
		case Conv:
			wt, b := param(i, KindWeight), param(i, KindBias)
			k := l.Kernel
			for img := range n {
				for oc := range o.Channels {
					for oy := range o.Height {
						for ox := range o.Width {
							sum := 0.0
							if b != nil {
								sum = b[oc]
							}
							for ic := range s.Channels {
								for ky := range k {
									for kx := range k {
										iy, ix := oy*l.Stride-l.Pad+ky, ox*l.Stride-l.Pad+kx
										if iy < 0 || ix < 0 || iy >= s.Height || ix >= s.Width {
											continue
										}
										sum += cur[((img*s.Channels+ic)*s.Height+iy)*s.Width+ix] *
											wt[((oc*s.Channels+ic)*k+ky)*k+kx]
									}
								}
							}
							next[((img*o.Channels+oc)*o.Height+oy)*o.Width+ox] = sum
						}
					}
				}
			}
		case BatchNorm:
			gamma, beta := param(i, KindWeight), param(i, KindBias)
			mean, variance := param(i, KindRunningMean), param(i, KindRunningVar)
			hw := s.Height * s.Width
			for c := range s.Channels {
				if train {
					var sum, sq float64
					for img := range n {
						for _, v := range cur[(img*s.Channels+c)*hw:][:hw] {
							sum += v
						}
					}
					mean[c] = sum / float64(n*hw)
					for img := range n {
						for _, v := range cur[(img*s.Channels+c)*hw:][:hw] {
							sq += (v - mean[c]) * (v - mean[c])
						}
					}
					variance[c] = sq / float64(n*hw)
				}
				inv := 1 / math.Sqrt(variance[c]+l.Eps)
				for img := range n {
					off := (img*s.Channels + c) * hw
					for j := range hw {
						next[off+j] = gamma[c]*(cur[off+j]-mean[c])*inv + beta[c]
					}
				}
			}
		case ReLU:
			for j, v := range cur {
				next[j] = max(v, 0)
			}
		case MaxPool:
			for img := range n {
				for c := range s.Channels {
					for oy := range o.Height {
						for ox := range o.Width {
							best := math.Inf(-1)
							for ky := range l.Kernel {
								for kx := range l.Kernel {
									iy, ix := oy*l.Stride-l.Pad+ky, ox*l.Stride-l.Pad+kx
									if iy >= 0 && ix >= 0 && iy < s.Height && ix < s.Width {
										best = max(best, cur[((img*s.Channels+c)*s.Height+iy)*s.Width+ix])
									}
								}
							}
							next[((img*o.Channels+c)*o.Height+oy)*o.Width+ox] = best
						}
					}
				}
			}
		case GlobalAvgPool:
			hw := s.Height * s.Width
			for j := range n * s.Channels {
				sum := 0.0
				for _, v := range cur[j*hw : (j+1)*hw] {
					sum += v
				}
				next[j] = sum / float64(hw)
			}
		case Dropout:
			copy(next, cur)
			if len(keep) > 0 && keep[0][i] != nil {
				for j, k := range keep[0][i] {
					if k {
						next[j] /= 1 - l.P
					} else {
						next[j] = 0
					}
				}
			}
		case Flatten:
			copy(next, cur)
		case Dense:
			wt, b := param(i, KindWeight), param(i, KindBias)
			in := s.Len()
			for img := range n {
				for oc := range l.Out {
					sum := b[oc]
					for j := range in {
						sum += cur[img*in+j] * wt[oc*in+j]
					}
					next[img*l.Out+oc] = sum
				}
			}
		}
		cur, s = next, o
	}
	return cur
}

// refSoftmax turns n rows of logits into probabilities.
func refSoftmax(z []float64, k int) []float64 {
	p := make([]float64, len(z))
	for i := 0; i < len(z); i += k {
		m := slices.Max(z[i : i+k])
		sum := 0.0
		for j := range k {
			p[i+j] = math.Exp(z[i+j] - m)
			sum += p[i+j]
		}
		for j := range k {
			p[i+j] /= sum
		}
	}
	return p
}

// refLoss is PyTorch's CrossEntropyLoss(weight=weights, label_smoothing=0)
// generalised to uniform smoothing, computed from the probabilities.
func refLoss(z []float64, labels []int, weights []float32, smoothing float64) float64 {
	k := len(z) / len(labels)
	p := refSoftmax(z, k)
	var total, wsum float64
	for i, y := range labels {
		l := 0.0
		for j := range k {
			q := smoothing / float64(k)
			if j == y {
				q += 1 - smoothing
			}
			l -= q * math.Log(p[i*k+j])
		}
		total += float64(weights[y]) * l
		wsum += float64(weights[y])
	}
	return total / wsum
}

// randomWeights gives every parameter random values, batchnorm statistics
// included, so that folding and every layer are exercised.
func randomWeights(a *Arch, seed uint64) weightSet {
	rng := rand.New(rand.NewPCG(seed, 1))
	ws := weightSet{}
	for _, p := range a.Params() {
		d := make([]float32, p.Len())
		for j := range d {
			switch p.Kind {
			case KindRunningVar:
				d[j] = 0.5 + rng.Float32()
			case KindWeight:
				if a.Layers()[p.Layer].Type == BatchNorm {
					d[j] = 0.5 + rng.Float32()
					continue
				}
				d[j] = float32(rng.NormFloat64() * math.Sqrt(2/float64(p.Len()/p.Shape[0])))
			default:
				d[j] = float32(rng.NormFloat64() * 0.2)
			}
		}
		ws[p.Name] = d
	}
	return ws
}

func randomImages(n int, s Shape, seed uint64) []float32 {
	rng := rand.New(rand.NewPCG(seed, 2))
	x := make([]float32, n*s.Len())
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return x
}

// relErr is |a-b| / |b| over whole vectors.
func relErr(a []float32, b []float64) float64 {
	var d, n float64
	for i := range b {
		d += (float64(a[i]) - b[i]) * (float64(a[i]) - b[i])
		n += b[i] * b[i]
	}
	return math.Sqrt(d / n)
}
