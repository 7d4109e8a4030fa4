package datasets

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/ziplimit"
	"github.com/labstack/echo/v4"
)

// Limits of an upload's fields.
const (
	maxLabelLen     = 100
	maxGroupLen     = 200
	maxFilenameLen  = 255
	fieldReadLimit  = 4096
	sideFileLimit   = 4 << 20 // a CSV or labels file
	contentTypeZip  = "application/zip"
	contentTypeZipX = "application/x-zip-compressed"
	// Names a zip may hold at its root instead of sending them as parts.
	zipIndexName  = "items.csv"
	zipLabelsName = "labels.csv"
)

// photo is one file of an upload, before it is read: loose files carry
// their bytes, archive entries are read one at a time when stored.
type photo struct {
	name  string // as sent: a file name, or a path inside an archive
	label string
	group string
	data  []byte   // loose files only
	entry *zipFile // archive entries only
}

// upload is a dataset upload being received. Everything but the
// archives' entries is in memory, bounded by the body limit.
type upload struct {
	cfg    Config
	loose  []photo
	zips   []*archive
	index  []byte // the CSV: filename,label[,group]
	labels []byte // the labels file: label,scientific_name,common_name
	label  string // applies to photos nothing else labels
	group  string
}

// read parses a multipart form or a raw zip body.
func (u *upload) read(c echo.Context) error {
	req := c.Request()
	mt, params, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEMultipartForm:
		return u.readMultipart(multipart.NewReader(req.Body, params["boundary"]))
	case contentTypeZip, contentTypeZipX:
		data, err := io.ReadAll(req.Body)
		if err != nil {
			return apperr.Wrap(apperr.BadRequest, "bad_body", "the upload was cut short", err)
		}
		u.label, u.group = c.QueryParam("label"), c.QueryParam("group")
		return u.addZip(data)
	}
	return apperr.New(apperr.Unsupported, "unsupported_media_type",
		"send a zip archive of folders (folder name = label) with Content-Type application/zip, or multipart/form-data "+
			"with photos or zip archives in \"files\", a \"label\" field, a \"csv\" file (filename,label[,group]) and a \"labels\" file")
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
		switch field := part.FormName(); field {
		case "label":
			u.label, err = readField(part)
		case "group":
			u.group, err = readField(part)
		case "csv", "index":
			u.index, err = readSide(part, field)
		case "labels":
			u.labels, err = readSide(part, field)
		default:
			if part.FileName() == "" && field != "files" && field != "file" && field != "archive" {
				_, err = io.Copy(io.Discard, part)
				break
			}
			err = u.readFile(part)
		}
		if err != nil {
			return err
		}
	}
}

func cutShort(err error) error {
	return apperr.Wrap(apperr.BadRequest, "bad_multipart", "the upload was cut short", err)
}

func readField(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, fieldReadLimit))
	if err != nil {
		return "", cutShort(err)
	}
	return strings.TrimSpace(string(b)), nil
}

func readSide(p *multipart.Part, field string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(p, sideFileLimit+1))
	if err != nil {
		return nil, cutShort(err)
	}
	if len(b) > sideFileLimit {
		return nil, apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("the %s file is larger than %d MB", field, sideFileLimit>>20))
	}
	return b, nil
}

func (u *upload) readFile(p *multipart.Part) error {
	data, err := io.ReadAll(p) // the server's body limit bounds it
	if err != nil {
		return cutShort(err)
	}
	ct := p.Header.Get(echo.HeaderContentType)
	if ziplimit.IsZip(data) || ct == contentTypeZip || ct == contentTypeZipX {
		return u.addZip(data)
	}
	if len(u.loose) >= u.cfg.MaxUpload {
		return tooMany(u.cfg.MaxUpload)
	}
	u.loose = append(u.loose, photo{name: cleanName(p.FileName()), data: data})
	return nil
}

func tooMany(limit int) error {
	return apperr.New(apperr.TooLarge, "too_many_images", fmt.Sprintf("one upload adds at most %d photos (DATASET_MAX_UPLOAD_IMAGES)", limit))
}

// empty reports an upload without a single photo.
func (u *upload) empty() bool {
	for _, z := range u.zips {
		if len(z.photos) > 0 {
			return false
		}
	}
	return len(u.loose) == 0
}

// photos labels every photo of the upload: the CSV's row for it, else
// its archive folder's name, else the label field. Names must be
// unique, and every photo must end with a label.
func (u *upload) photos() ([]photo, error) {
	all := append([]photo(nil), u.loose...)
	for _, z := range u.zips {
		all = append(all, z.photos...)
	}
	if len(all) == 0 {
		return nil, apperr.New(apperr.Invalid, "no_photos", "the upload holds no photos")
	}
	if len(all) > u.cfg.MaxUpload {
		return nil, tooMany(u.cfg.MaxUpload)
	}
	byName := make(map[string]int, len(all))
	byBase := map[string][]int{}
	for i, p := range all {
		if p.name == "" {
			return nil, invalid("missing_filename", "every file needs a file name")
		}
		if _, dup := byName[p.name]; dup {
			return nil, invalid("duplicate_name", fmt.Sprintf("the upload names %q twice", p.name))
		}
		byName[p.name] = i
		base := path.Base(p.name)
		byBase[base] = append(byBase[base], i)
	}
	if u.index != nil {
		rows, err := readIndex(u.index)
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			i, ok := byName[r.filename]
			if !ok {
				switch n := byBase[r.filename]; {
				case len(n) == 1:
					i, ok = n[0], true
				case len(n) > 1:
					return nil, invalid("ambiguous_filename", fmt.Sprintf("CSV line %d: %q names %d files of the upload; give its path in the archive", r.line, r.filename, len(n)))
				}
			}
			if !ok {
				return nil, invalid("unknown_filename", fmt.Sprintf("CSV line %d: the upload holds no file %q", r.line, r.filename))
			}
			all[i].label, all[i].group = r.label, r.group
		}
	}
	for i := range all {
		p := &all[i]
		if p.label == "" && p.entry != nil {
			if dir := path.Dir(p.name); dir != "." {
				p.label = path.Base(dir)
			}
		}
		if p.label == "" {
			p.label = u.label
		}
		if p.group == "" {
			p.group = u.group
		}
		if p.label == "" {
			return nil, invalid("missing_label", fmt.Sprintf("%q has no label: put it in a folder named after its label, name it in the CSV, or send a label field", p.name))
		}
		if err := checkLabel(p.label); err != nil {
			return nil, invalid("invalid_label", fmt.Sprintf("%q: the label %v", p.name, err))
		}
		if err := checkGroup(p.group); err != nil {
			return nil, invalid("invalid_group", fmt.Sprintf("%q: the group %v", p.name, err))
		}
	}
	return all, nil
}

func invalid(code, msg string) error { return apperr.New(apperr.Invalid, code, msg) }

// checkLabel refuses labels a model could not carry as a class name.
func checkLabel(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("is empty")
	case s != strings.TrimSpace(s):
		return errors.New("starts or ends with spaces")
	case utf8.RuneCountInString(s) > maxLabelLen:
		return fmt.Errorf("is longer than %d characters", maxLabelLen)
	case !printable(s):
		return errors.New("holds control characters or is not UTF-8")
	}
	return nil
}

func checkGroup(s string) error {
	switch {
	case utf8.RuneCountInString(s) > maxGroupLen:
		return fmt.Errorf("is longer than %d characters", maxGroupLen)
	case !printable(s):
		return errors.New("holds control characters or is not UTF-8")
	}
	return nil
}

func printable(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// cleanName keeps a client's file name printable and short; it is only
// shown back and matched against the CSV, never used as a path.
func cleanName(name string) string {
	name = strings.TrimSpace(strings.Map(func(r rune) rune {
		if r == utf8.RuneError || unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, "")))
	for len(name) > maxFilenameLen {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}
