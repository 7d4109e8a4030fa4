package batch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/blobstore"
	"github.com/aquaml/aquaml/platform/inference"
	"github.com/aquaml/aquaml/platform/inference/imageio"
	"github.com/labstack/echo/v4"
)

// Limits of a submission's fields.
const (
	defaultTopK     = 3
	maxTopK         = 10
	maxNameLen      = 200
	maxCallbackLen  = 2048
	maxModelRefLen  = 200
	maxFilenameLen  = 255
	fieldReadLimit  = 4096
	contentTypeZip  = "application/zip"
	contentTypeZipX = "application/x-zip-compressed"
)

// imageTypes are the formats the classifier decodes, as sniffed from the
// first bytes; anything else becomes a failed item at once.
var imageTypes = map[string]bool{"image/jpeg": true, "image/png": true, "image/gif": true, "image/bmp": true, "image/webp": true}

// upload is a submission being received. Photos are stored as they
// arrive (only one is in memory at a time); the items are written by the
// caller once the whole body was read.
type upload struct {
	ctx    context.Context // the request's: a client that hangs up stops the writes
	cfg    Config
	writer *photoWriter
	items  []itemRow
	// fields as sent; validated once the body is read, since a form may
	// send them after the files.
	name, topK, callback, model string
	// groupBy (a regular expression whose first capture group, matched
	// on a file's base name, names its group) and groups (CSV lines
	// filename,group) give photos their groups.
	groupBy, groups string
	zipBytes        int64 // expanded so far, over every archive
	zipSize         int64 // the archives' own size
	// The owner's quota and what their batches held when the upload
	// began: each photo is admitted before it is written, so an upload
	// never stores more than the room left. The final word is the
	// guarded charge when the batch is created.
	limits quota
	used   usage
	stored int64 // bytes of the photos stored so far
}

// admit checks that the upload still fits the quota with photos more
// items and bytes more of stored photos.
func (u *upload) admit(photos int, bytes int64) error {
	return u.limits.check(u.used, usage{Batches: 1, Photos: len(u.items) + photos, Bytes: u.stored + bytes})
}

// admitPhotos checks that n more items fit the photo quota, before an
// archive's entries are read.
func (u *upload) admitPhotos(n int) error { return u.admit(n, 0) }

// read parses a multipart form (files in "files", or any file part; zip
// archives among them are expanded) or a raw zip body.
func (u *upload) read(c echo.Context) error {
	req := c.Request()
	u.topK, u.model, u.groupBy = c.QueryParam("top_k"), c.QueryParam("model"), c.QueryParam("group_by")
	mt, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEMultipartForm:
		return u.readMultipart(multipart.NewReader(req.Body, params["boundary"]))
	case contentTypeZip, contentTypeZipX:
		data, err := io.ReadAll(req.Body)
		if err != nil {
			return apperr.Wrap(apperr.BadRequest, "bad_body", "the upload was cut short", err)
		}
		u.name, u.callback = c.QueryParam("name"), c.QueryParam("callback_url")
		return u.expandZip(data)
	}
	return apperr.New(apperr.Unsupported, "unsupported_media_type",
		"send multipart/form-data with the photos (or a zip archive of them) in field \"files\", or a zip archive with Content-Type application/zip")
}

func (u *upload) readMultipart(mr *multipart.Reader) error {
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return apperr.Wrap(apperr.BadRequest, "bad_multipart", "the multipart body is malformed", err)
		}
		switch field := part.FormName(); {
		case field == "name":
			u.name, err = readField(part)
		case field == "top_k":
			u.topK, err = readField(part)
		case field == "callback_url":
			u.callback, err = readField(part)
		case field == "model":
			u.model, err = readField(part)
		case field == "group_by":
			u.groupBy, err = readField(part)
		case field == "groups":
			u.groups, err = readGroups(part)
		case part.FileName() != "" || field == "files" || field == "files[]" || field == "file" || field == "archive":
			err = u.readFile(part)
		default:
			if _, err = io.Copy(io.Discard, part); err != nil {
				err = apperr.Wrap(apperr.BadRequest, "bad_multipart", "the upload was cut short", err)
			}
		}
		if err != nil {
			return err
		}
	}
}

func readField(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, fieldReadLimit))
	if err != nil {
		return "", apperr.Wrap(apperr.BadRequest, "bad_multipart", "the upload was cut short", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func (u *upload) readFile(p *multipart.Part) error {
	// The server's body limit bounds what one part can hold.
	data, err := io.ReadAll(p)
	if err != nil {
		return apperr.Wrap(apperr.BadRequest, "bad_multipart", "the upload was cut short", err)
	}
	ct := p.Header.Get(echo.HeaderContentType)
	if isZip(data) || ct == contentTypeZip || ct == contentTypeZipX {
		return u.expandZip(data)
	}
	return u.add(p.FileName(), data)
}

// add makes one item of a file: queued with its photo stored, or failed
// at once when it is not an image.
func (u *upload) add(filename string, data []byte) error {
	if len(u.items) >= u.cfg.MaxImages {
		return tooManyImages(u.cfg.MaxImages)
	}
	it := itemRow{Seq: len(u.items), Filename: cleanFilename(filename, len(u.items)), SizeBytes: int64(len(data)), Status: itemQueued}
	switch {
	case len(data) == 0:
		it.Status, it.ErrorCode, it.Error = itemFailed, "empty_file", "the file is empty"
	case int64(len(data)) > u.cfg.MaxFileBytes:
		it.Status, it.ErrorCode, it.Error = itemFailed, "file_too_large", fmt.Sprintf("the file is larger than %d MB", u.cfg.MaxFileBytes>>20)
	case !imageTypes[http.DetectContentType(data)]:
		e, _ := apperr.As(inference.APIError(imageio.ErrUnsupportedFormat))
		it.Status, it.ErrorCode, it.Error = itemFailed, e.Code, e.Message
	}
	if it.Status == itemFailed {
		if err := u.admit(1, 0); err != nil {
			return err
		}
		if len(data) > 0 {
			it.ImageSHA256 = blobstore.Sum(data)
		}
		u.items = append(u.items, it)
		return nil
	}
	if err := u.admit(1, int64(len(data))); err != nil {
		return err
	}
	it.ImageSHA256 = blobstore.Sum(data)
	if err := u.writer.put(u.ctx, it.ImageSHA256, data); err != nil {
		return err
	}
	u.stored += int64(len(data))
	u.items = append(u.items, it)
	return nil
}

// flush waits until every photo is on disk (synced).
func (u *upload) flush() error {
	if err := u.writer.wait(); err != nil {
		return apperr.Wrap(apperr.Unavailable, "storage_unavailable", "the photos could not be stored; retry later", err)
	}
	return nil
}

// failed adds an item that failed before it could be read.
func (u *upload) failed(filename string, size int64, code, reason string) error {
	if len(u.items) >= u.cfg.MaxImages {
		return tooManyImages(u.cfg.MaxImages)
	}
	if err := u.admit(1, 0); err != nil {
		return err
	}
	u.items = append(u.items, itemRow{Seq: len(u.items), Filename: cleanFilename(filename, len(u.items)), SizeBytes: size,
		Status: itemFailed, ErrorCode: code, Error: reason})
	return nil
}

func tooManyImages(limit int) error {
	return apperr.New(apperr.TooLarge, "too_many_images", fmt.Sprintf("a batch holds at most %d photos", limit))
}

// cleanFilename keeps a client's file name printable and short; it is
// only ever shown back, never used as a path.
func cleanFilename(name string, seq int) string {
	name = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	for len(name) > maxFilenameLen {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" {
		return fmt.Sprintf("file-%d", seq+1)
	}
	return name
}
