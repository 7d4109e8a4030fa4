package batch

import (
	"encoding/csv"
	"encoding/json"
	"github.com/aquaml/aquaml/platform/inference"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

var csvHeader = []string{"index", "filename", "status", "label", "scientific_name", "common_name", "confidence",
	"unknown", "top_k", "model_version", "sha256", "width", "height", "format", "size_bytes", "error_code", "error", "group"}

// csvPage is how many rows are read, written and flushed at a time.
const csvPage = 500

// resultsCSV streams one row per photo, reading the items in pages so a
// large batch never sits in memory; each page gets a fresh write deadline
// so the server's write timeout does not cut a long download.
func (m *Module) resultsCSV(c echo.Context, b batchRow) error {
	ctx := c.Request().Context()
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="batch-`+b.ID+`.csv"`)
	// Read the first page before committing the status, so a database
	// failure is still an error response.
	rows, err := m.store.itemsAfter(ctx, b.ID, -1, csvPage)
	if err != nil {
		return err
	}
	res.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(res)
	w := csv.NewWriter(res)
	_ = w.Write(csvHeader)
	for len(rows) > 0 {
		_ = rc.SetWriteDeadline(time.Now().Add(time.Minute))
		for _, it := range rows {
			_ = w.Write(csvRow(it))
		}
		w.Flush()
		if err := w.Error(); err != nil {
			return nil // the client went away
		}
		_ = rc.Flush()
		if len(rows) < csvPage {
			break
		}
		if rows, err = m.store.itemsAfter(ctx, b.ID, rows[len(rows)-1].Seq, csvPage); err != nil {
			m.log.Warn("streaming batch results", "batch", b.ID, "error", err)
			return nil // the status is sent; a cut file is all that can be said
		}
	}
	return nil
}

func csvRow(it itemRow) []string {
	var preds []inference.Prediction
	_ = json.Unmarshal([]byte(it.Predictions), &preds)
	row := make([]string, 0, len(csvHeader))
	var top inference.Prediction
	if len(preds) > 0 {
		top = preds[0]
	}
	topK := make([]string, len(preds))
	for i, p := range preds {
		topK[i] = p.Label + ":" + strconv.FormatFloat(float64(p.Confidence), 'f', 4, 32)
	}
	confidence, unknown := "", ""
	if it.Status == itemDone {
		confidence = strconv.FormatFloat(float64(it.Confidence), 'f', 4, 32)
		unknown = strconv.FormatBool(it.Unknown)
	}
	dim := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	row = append(row, strconv.Itoa(it.Seq), cell(it.Filename), it.Status, it.Label, cell(top.ScientificName),
		cell(top.CommonName), confidence, unknown, strings.Join(topK, "|"), cell(it.ModelVersion), it.ImageSHA256,
		dim(it.Width), dim(it.Height), it.Format, strconv.FormatInt(it.SizeBytes, 10), it.ErrorCode, cell(it.Error),
		cell(it.GroupName))
	return row
}

// cell defuses text a spreadsheet would run as a formula: file names
// come from clients.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
