package classification

import (
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strconv"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/labstack/echo/v4"
)

// Limits of a classify request.
const (
	defaultTopK = 3
	maxTopK     = 10
	maxModelRef = 200
)

// upload is what a client sent: the photo and the options.
type upload struct {
	data  []byte
	topK  int
	model string // id, name or name:version; empty for the default
}

// readUpload accepts a multipart form with the photo in field "file" (or
// "image") and an optional "top_k" field, or a raw body with an image
// content type. top_k may also come in the query string. The body size is
// already bounded by the server's body limit.
func readUpload(c echo.Context) (upload, error) {
	u := upload{topK: defaultTopK, model: c.QueryParam("model")}
	topK := c.QueryParam("top_k")
	req := c.Request()
	mt, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch {
	case mt == echo.MIMEMultipartForm:
		mr := multipart.NewReader(req.Body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return u, apperr.Wrap(apperr.BadRequest, "bad_multipart", "the multipart body is malformed", err)
			}
			switch part.FormName() {
			case "file", "image":
				if u.data != nil {
					return u, apperr.Validation(map[string]string{"file": "send one image per request (use batches for many)"})
				}
				if u.data, err = io.ReadAll(part); err != nil {
					return u, apperr.Wrap(apperr.BadRequest, "bad_multipart", "the upload was cut short", err)
				}
			case "top_k":
				v, _ := io.ReadAll(io.LimitReader(part, 16))
				topK = strings.TrimSpace(string(v))
			case "model":
				v, _ := io.ReadAll(io.LimitReader(part, maxModelRef+1))
				u.model = strings.TrimSpace(string(v))
			default:
				io.Copy(io.Discard, part)
			}
		}
	case strings.HasPrefix(mt, "image/") || mt == "application/octet-stream":
		var err error
		if u.data, err = io.ReadAll(req.Body); err != nil {
			return u, apperr.Wrap(apperr.BadRequest, "bad_body", "the upload was cut short", err)
		}
	case mt == "" && req.ContentLength == 0:
		// No body at all: the file is missing, not of the wrong type.
	default:
		return u, apperr.New(apperr.Unsupported, "unsupported_media_type",
			"send multipart/form-data with the photo in field \"file\", or the image itself with an image/* content type")
	}
	if len(u.data) == 0 {
		return u, apperr.Validation(map[string]string{"file": "an image file is required (multipart field \"file\" or \"image\")"})
	}
	if len(u.model) > maxModelRef {
		return u, apperr.Validation(map[string]string{"model": "must be a model id, name or name:version"})
	}
	if topK != "" {
		n, err := strconv.Atoi(topK)
		if err != nil || n < 1 || n > maxTopK {
			return u, apperr.Validation(map[string]string{"top_k": "must be an integer from 1 to 10"})
		}
		u.topK = n
	}
	return u, nil
}
