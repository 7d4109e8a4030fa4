package kernels

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

func TestSgemmMatchesReference(t *testing.T) {
	shapes := []struct{ m, n, k int }{
		{1, 1, 1}, {3, 5, 7}, {17, 33, 9}, {8, 32, 256}, {33, 65, 257}, {200, 70, 300},
		{16, 4096, 27}, {64, 256, 288}, {5, 2050, 3}, {190, 3, 513},
	}
	forEachKernel(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for _, s := range shapes {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
					name := fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/alpha=%g/beta=%g", s.m, s.n, s.k, tr[0], tr[1], ab[0], ab[1])
					// Strides wider than the matrices catch code that assumes packed storage.
					lda, ldb, ldc := s.k+3, s.n+1, s.n+5
					ar, br := s.m, s.k
					if tr[0] {
						lda, ar = s.m+2, s.k
					}
					if tr[1] {
						ldb, br = s.k+4, s.n
					}
					a, b := randSlice(r, (ar-1)*lda+lda), randSlice(r, (br-1)*ldb+ldb)
					c := randSlice(r, (s.m-1)*ldc+s.n)
					if ab[1] == 0 {
						for i := range c {
							c[i] = float32(math.NaN()) // beta == 0 must ignore C
						}
					}
					want := refGemm(tr[0], tr[1], s.m, s.n, s.k, float64(ab[0]), a, lda, b, ldb, float64(ab[1]), c, ldc)
					Sgemm(tr[0], tr[1], s.m, s.n, s.k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					checkClose(t, name, c, want)
					// The gaps between rows of C must be left alone.
					for i := 0; i < s.m-1; i++ {
						for j := s.n; j < ldc; j++ {
							if got := c[i*ldc+j]; float64(got) != want[i*ldc+j] && !(math.IsNaN(float64(got)) && math.IsNaN(want[i*ldc+j])) {
								t.Fatalf("%s: C[%d][%d] outside the matrix changed to %g", name, i, j, got)
							}
						}
					}
				}
			}
		}
	})
}

func TestSgemmDegenerate(t *testing.T) {
	c := []float32{1, 2, 3, 4}
	Sgemm(false, false, 2, 2, 0, 1, nil, 1, nil, 2, 3, c, 2)
	if want := []float32{3, 6, 9, 12}; fmt.Sprint(c) != fmt.Sprint(want) {
		t.Errorf("k=0, beta=3: C = %v, want %v", c, want)
	}
	a, b := []float32{1, 2}, []float32{3, 4}
	nan := float32(math.NaN())
	c = []float32{nan, nan, nan, nan}
	Sgemm(false, false, 2, 2, 1, 0, a, 1, b, 2, 0, c, 2)
	if fmt.Sprint(c) != fmt.Sprint([]float32{0, 0, 0, 0}) {
		t.Errorf("alpha=0, beta=0: C = %v, want zeros", c)
	}
}

func TestSgemmPanicsOnShortSlices(t *testing.T) {
	cases := []struct {
		name string
		f    func()
	}{
		{"short A", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 3), 2, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"small lda", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 1, make([]float32, 4), 2, 0, make([]float32, 4), 2)
		}},
		{"short C", func() {
			Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 4), 2, 0, make([]float32, 3), 2)
		}},
		{"negative m", func() { Sgemm(false, false, -1, 2, 2, 1, nil, 2, nil, 2, 0, nil, 2) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			tc.f()
		})
	}
}
