package classification

import (
	"net/http"
	"strings"
)

// PhotoReads reports the requests that fetch a stored photo of the
// history (GET {prefix}/predictions/{id}/image), which the rate limiter
// counts apart from classifying.
func PhotoReads(prefix string) func(*http.Request) bool {
	base := prefix + "/predictions/"
	return func(r *http.Request) bool {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return false
		}
		id, ok := strings.CutPrefix(r.URL.Path, base)
		if !ok {
			return false
		}
		id, ok = strings.CutSuffix(id, "/image")
		return ok && id != "" && !strings.Contains(id, "/")
	}
}
