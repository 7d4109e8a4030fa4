package dataset

import "math/rand/v2"

// Stream identifiers keep the random sequences of different purposes apart
// even when they share a seed.
const (
	streamSplit uint64 = iota + 1
	streamOrder
	streamAugment
)

// splitmix64 scrambles a 64-bit value; it turns structured inputs (seed,
// epoch, index) into well-spread PCG seeds.
func splitmix64(x uint64) uint64 {
	x += 0x9E3779B97F4A7C15
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9
	x = (x ^ (x >> 27)) * 0x94D049BB133111EB
	return x ^ (x >> 31)
}

// newRand returns a generator determined only by its arguments.
func newRand(seed int64, stream uint64, a, b uint64) *rand.Rand {
	hi := splitmix64(uint64(seed) ^ splitmix64(stream))
	lo := splitmix64(hi ^ splitmix64(a) ^ splitmix64(b+0x632BE59BD9B4E019))
	return rand.New(rand.NewPCG(hi, lo))
}
