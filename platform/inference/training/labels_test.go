package training

import (
	"reflect"
	"strings"
	"testing"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

func TestReadLabels(t *testing.T) {
	for _, tc := range []struct {
		name, csv string
		want      map[string]modelfile.Label
		wantErr   string
	}{
		{"header", "label,scientific_name,common_name\nred,Rubrum piscis,red fish\n",
			map[string]modelfile.Label{"red": {Name: "red", ScientificName: "Rubrum piscis", CommonName: "red fish"}}, ""},
		{"no header, quoted comma", "red,Rubrum piscis,\"red, or pink, fish\"\nblue,,\n",
			map[string]modelfile.Label{
				"red":  {Name: "red", ScientificName: "Rubrum piscis", CommonName: "red, or pink, fish"},
				"blue": {Name: "blue"},
			}, ""},
		{"empty", "", map[string]modelfile.Label{}, ""},
		{"short row", "label,scientific_name,common_name\nred,Rubrum piscis\n", nil,
			"labels.csv line 2: want label,scientific_name,common_name"},
		{"no label", ",Rubrum piscis,red fish\n", nil, "labels.csv line 1: want label,scientific_name,common_name"},
		{"bad quoting", "a,\"b\n", nil, `parse error on line 1, column 6: extraneous or missing " in quoted-field`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadLabels(strings.NewReader(tc.csv), "labels.csv")
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
