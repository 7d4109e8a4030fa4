package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/aquaml/aquaml/platform/loadtest"
	"github.com/spf13/cobra"
)

func (c *cli) loadtestCmd() *cobra.Command {
	var (
		url, image, images, token, apiKey, field string
		concurrency                              int
		duration                                 time.Duration
		requests                                 int64
		maxImages                                int
		maxErrors                                float64
		asJSON                                   bool
	)
	cmd := &cobra.Command{
		Use:   "loadtest --url URL [--image FILE | --images DIR] [--token T] [-c 8] [-d 30s]",
		Short: "Load an AquaML endpoint and print requests/s, errors and latency percentiles",
		Long: `Send requests from -c concurrent clients for -d (or -n requests). With --image or --images
each request uploads a photo as multipart field "file" (POST); --images cycles through every image
under DIR so the result cache does not answer. Without either, it sends GET requests (e.g. /health).

Answers other than 2xx are errors: they are counted per status and the run fails (exit 1) when
there are more than --max-errors of them (a count, or a fraction of all requests when below 1).
Refused requests are fast, so a run full of 429s would otherwise look like a fast server.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bodies, err := loadBodies(image, images, field, maxImages)
			if err != nil {
				return err
			}
			header := http.Header{}
			if token != "" {
				header.Set("Authorization", "Bearer "+token)
			}
			if apiKey != "" {
				header.Set("X-API-Key", apiKey)
			}
			build := func(ctx context.Context, client, i int) (*http.Request, error) {
				if len(bodies) == 0 {
					req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
					if err == nil {
						req.Header = header.Clone()
					}
					return req, err
				}
				// Clients start at different photos and stride through all.
				b := bodies[(client*len(bodies)/max(concurrency, 1)+i)%len(bodies)]
				req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b.data))
				if err == nil {
					req.Header = header.Clone()
					req.Header.Set("Content-Type", b.contentType)
				}
				return req, err
			}
			if maxErrors < 0 {
				return fmt.Errorf("--max-errors %g: must not be negative", maxErrors)
			}
			fmt.Fprintf(c.stderr, "loading %s with %d clients for %s (%d distinct bodies)\n", url, concurrency, duration, max(len(bodies), 1))
			res := loadtest.Run(cmd.Context(), build, loadtest.Options{Concurrency: concurrency, Duration: duration, Requests: requests})
			within := res.Within(maxErrors)
			if asJSON {
				err = json.NewEncoder(c.stdout).Encode(map[string]any{
					"requests": res.Requests, "ok": res.OK(), "errors": res.Errors, "transport_errors": res.TransportErrors,
					"error_rate": res.ErrorRate(), "within_max_errors": within, "seconds": res.Elapsed.Seconds(),
					"requests_per_second": res.PerSecond(), "p50_ms": ms(res.P50), "p95_ms": ms(res.P95),
					"p99_ms": ms(res.P99), "max_ms": ms(res.Max), "statuses": res.Statuses, "first_error": res.FirstErr,
				})
				if err != nil {
					return err
				}
			} else {
				fmt.Fprintln(c.stdout, res)
				for _, code := range sortedCodes(res.Statuses) {
					fmt.Fprintf(c.stdout, "  %d %s: %d\n", code, http.StatusText(code), res.Statuses[code])
				}
				if res.TransportErrors > 0 {
					fmt.Fprintf(c.stdout, "  no answer: %d\n", res.TransportErrors)
				}
				if res.FirstErr != "" {
					fmt.Fprintf(c.stdout, "first error: %.300s\n", res.FirstErr)
				}
			}
			return c.judgeLoad(res, within, maxErrors)
		},
	}
	f := cmd.Flags()
	f.StringVar(&url, "url", "http://127.0.0.1:8000/api/v1/classify", "endpoint to load")
	f.StringVar(&image, "image", "", "photo to upload with every request")
	f.StringVar(&images, "images", "", "folder of photos to upload in turn (searched recursively)")
	f.IntVar(&maxImages, "max-images", 10000, "at most this many photos from --images")
	f.StringVar(&field, "field", "file", "multipart field name of the photo")
	f.StringVar(&token, "token", "", "access token (Authorization: Bearer)")
	f.StringVar(&apiKey, "api-key", "", "API key (X-API-Key)")
	f.IntVarP(&concurrency, "concurrency", "c", 8, "concurrent clients")
	f.DurationVarP(&duration, "duration", "d", 30*time.Second, "how long to run")
	f.Int64VarP(&requests, "requests", "n", 0, "stop after this many requests (0: run for the duration)")
	f.Float64Var(&maxErrors, "max-errors", 0, "fail (exit 1) beyond this many non-2xx answers; below 1, a fraction of all requests")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func sortedCodes(statuses map[int]int64) []int {
	codes := make([]int, 0, len(statuses))
	for code := range statuses {
		codes = append(codes, code)
	}
	sort.Ints(codes)
	return codes
}

// judgeLoad says on stderr, where it is seen even with --json, what the
// errors were and what to do about them, and fails a run beyond
// --max-errors: its throughput and latency measure refusals, not work.
func (c *cli) judgeLoad(res loadtest.Result, within bool, maxErrors float64) error {
	if res.Errors == 0 && within {
		return nil
	}
	verdict := "WARNING"
	if !within {
		verdict = "FAILED"
	}
	fmt.Fprintf(c.stderr, "%s: %d of %d requests (%.1f%%) failed, --max-errors %g; the figures above are not the service's work\n",
		verdict, res.Errors, res.Requests+res.TransportErrors, 100*res.ErrorRate(), maxErrors)
	for _, code := range sortedCodes(res.Statuses) {
		if code < 300 {
			continue
		}
		fmt.Fprintf(c.stderr, "  %d %s: %d", code, http.StatusText(code), res.Statuses[code])
		if hint := statusHint(code); hint != "" {
			fmt.Fprintf(c.stderr, ": %s", hint)
		}
		fmt.Fprintln(c.stderr)
	}
	if res.TransportErrors > 0 {
		fmt.Fprintf(c.stderr, "  no answer: %d: the server is unreachable or timed out (%.200s)\n", res.TransportErrors, res.FirstErr)
	}
	if !within {
		return errQuiet
	}
	return nil
}

func statusHint(code int) string {
	switch {
	case code == http.StatusTooManyRequests:
		return "rate limited; use an API key made with a higher rate_limit_per_minute, or raise RATE_LIMIT_PER_MINUTE"
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return "check --token or --api-key"
	case code == http.StatusNotFound || code == http.StatusMethodNotAllowed:
		return "check --url"
	case code == http.StatusRequestEntityTooLarge:
		return "the photos are larger than the server accepts"
	case code == http.StatusUnsupportedMediaType || code == http.StatusUnprocessableEntity || code == http.StatusBadRequest:
		return "the server refused the request itself; check --field and the photos"
	case code == http.StatusServiceUnavailable:
		return "overloaded or not ready; fewer clients (-c) or more replicas"
	case code >= 500:
		return "server errors; see the server's log"
	}
	return ""
}

type body struct {
	data        []byte
	contentType string
}

// loadBodies prepares every multipart body up front, so the client's own
// encoding is not part of what is measured.
func loadBodies(image, dir, field string, limit int) ([]body, error) {
	var paths []string
	if image != "" {
		paths = append(paths, image)
	}
	if dir != "" {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isPhotoPath(p) && len(paths) < limit {
				paths = append(paths, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("--images %s: no images found", dir)
		}
	}
	out := make([]body, 0, len(paths))
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		fw, err := w.CreateFormFile(field, filepath.Base(p))
		if err != nil {
			return nil, err
		}
		fw.Write(data)
		w.Close()
		out = append(out, body{buf.Bytes(), w.FormDataContentType()})
	}
	return out, nil
}
