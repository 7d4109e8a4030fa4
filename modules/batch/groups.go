package batch

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"path"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/aquaml/aquaml/platform/apperr"
)

// Limits of the group fields.
const (
	maxGroupsBytes = 1 << 20 // the groups CSV: ~20k lines of filename,group
	maxGroupLen    = 200
	maxGroupByLen  = 200
	// allScores asks the classifier for every label (it clamps to the
	// model's count), so a grouped photo keeps its whole distribution.
	allScores = 1 << 16
)

// readGroups reads the groups CSV part, bounded.
func readGroups(p *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(p, maxGroupsBytes+1))
	if err != nil {
		return "", apperr.Wrap(apperr.BadRequest, "bad_multipart", "the upload was cut short", err)
	}
	if len(b) > maxGroupsBytes {
		return "", apperr.Validation(map[string]string{"groups": "must be at most 1 MB of filename,group lines"})
	}
	return string(b), nil
}

// assignGroups gives each photo its group: a line of the groups CSV
// naming its file, else group_by's capture on its base name. Problems
// go into fields.
func (u *upload) assignGroups(fields map[string]string) {
	byName := map[string]string{}
	if strings.TrimSpace(u.groups) != "" {
		r := csv.NewReader(strings.NewReader(u.groups))
		r.FieldsPerRecord, r.TrimLeadingSpace = 2, true
		for line := 1; ; line++ {
			rec, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				fields["groups"] = fmt.Sprintf("line %d: want filename,group: %v", line, err)
				return
			}
			if line == 1 && strings.EqualFold(rec[0], "filename") {
				continue // a header
			}
			if rec[1] == "" || len(rec[1]) > maxGroupLen || !utf8.ValidString(rec[1]) {
				fields["groups"] = fmt.Sprintf("line %d: the group must be text of 1 to %d characters", line, maxGroupLen)
				return
			}
			byName[rec[0]] = rec[1]
		}
	}
	var re *regexp.Regexp
	if u.groupBy != "" {
		var err error
		re, err = regexp.Compile(u.groupBy)
		switch {
		case len(u.groupBy) > maxGroupByLen:
			fields["group_by"] = "must be a regular expression of at most 200 characters"
			return
		case err != nil:
			fields["group_by"] = "must be a regular expression: " + err.Error()
			return
		case re.NumSubexp() < 1:
			fields["group_by"] = "must have a capture group naming the group, e.g. ^(track[0-9]+)_"
			return
		}
	}
	for i := range u.items {
		it := &u.items[i]
		if g, ok := byName[it.Filename]; ok {
			it.GroupName = g
		} else if g, ok := byName[path.Base(it.Filename)]; ok {
			it.GroupName = g
		} else if re != nil {
			if m := re.FindStringSubmatch(path.Base(it.Filename)); m != nil && m[1] != "" {
				it.GroupName = truncate(m[1], maxGroupLen)
			}
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// grouped reports whether any photo has a group.
func (u *upload) grouped() bool {
	for _, it := range u.items {
		if it.GroupName != "" {
			return true
		}
	}
	return false
}
