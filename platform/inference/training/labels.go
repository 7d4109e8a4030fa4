package training

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

// ReadLabels reads a labels CSV, rows of label,scientific_name,common_name
// (a first row starting with "label" is a header), into the form of
// Options.Labels. name is how errors refer to the file.
func ReadLabels(r io.Reader, name string) (map[string]modelfile.Label, error) {
	cr := csv.NewReader(r)
	// Rows of the wrong width get the message below, naming the format,
	// rather than csv's own.
	cr.FieldsPerRecord = -1
	out := map[string]modelfile.Label{}
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if line == 1 && rec[0] == "label" {
			continue
		}
		if len(rec) != 3 || rec[0] == "" {
			return nil, fmt.Errorf("%s line %d: want label,scientific_name,common_name", name, line)
		}
		out[rec[0]] = modelfile.Label{Name: rec[0], ScientificName: rec[1], CommonName: rec[2]}
	}
}
