package datasets

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/inference/training"
)

// indexRow is one row of an upload's CSV.
type indexRow struct {
	line                   int
	filename, label, group string
}

// readIndex parses filename,label[,group] rows; a first row starting
// with "filename" is a header. A file named twice is refused, since the
// two rows could disagree.
func readIndex(data []byte) ([]indexRow, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	var out []indexRow
	seen := map[string]int{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, apperr.Wrap(apperr.Invalid, "bad_csv", "the CSV is malformed: "+err.Error(), err)
		}
		if line == 1 && strings.EqualFold(strings.TrimSpace(rec[0]), "filename") {
			continue
		}
		if len(rec) < 2 || len(rec) > 3 {
			return nil, invalid("bad_csv", fmt.Sprintf("CSV line %d: want filename,label[,group]", line))
		}
		r := indexRow{line: line, filename: strings.TrimSpace(rec[0]), label: strings.TrimSpace(rec[1])}
		if len(rec) == 3 {
			r.group = strings.TrimSpace(rec[2])
		}
		if r.filename == "" {
			return nil, invalid("bad_csv", fmt.Sprintf("CSV line %d: the filename is empty", line))
		}
		if r.label == "" {
			return nil, invalid("missing_label", fmt.Sprintf("CSV line %d: %q has an empty label", line, r.filename))
		}
		if first, dup := seen[r.filename]; dup {
			return nil, invalid("duplicate_name", fmt.Sprintf("CSV lines %d and %d both name %q", first, line, r.filename))
		}
		seen[r.filename] = line
		out = append(out, r)
	}
}

// readLabelNames parses a labels file in the format `aquaml train`
// reads (label,scientific_name,common_name), for the dataset's labels.
func readLabelNames(data []byte, datasetID string) ([]labelRow, error) {
	names, err := training.ReadLabels(bytes.NewReader(data), "the labels file")
	if err != nil {
		return nil, apperr.Wrap(apperr.Invalid, "bad_labels_file", err.Error(), err)
	}
	out := make([]labelRow, 0, len(names))
	for _, l := range names {
		if err := checkLabel(l.Name); err != nil {
			return nil, invalid("invalid_label", fmt.Sprintf("the labels file: the label %q %v", l.Name, err))
		}
		if !printable(l.ScientificName) || !printable(l.CommonName) || len(l.ScientificName) > 200 || len(l.CommonName) > 200 {
			return nil, invalid("bad_labels_file", fmt.Sprintf("the labels file: the names of %q must be printable and at most 200 bytes", l.Name))
		}
		out = append(out, labelRow{DatasetID: datasetID, Name: l.Name, ScientificName: l.ScientificName, CommonName: l.CommonName})
	}
	return out, nil
}
