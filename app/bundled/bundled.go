// Package bundled is the fish model compiled into the binary, so that
// `aquaml serve` classifies fish with no set-up. fish.md is its model card;
// the training command that produced it is recorded there.
package bundled

import (
	"bytes"
	_ "embed"

	"github.com/aquaml/aquaml/platform/inference/modelfile"
)

//go:embed fish.aqm
var file []byte

//go:embed fish.md
var card string

// File is the model file's bytes.
func File() []byte { return file }

// Card is the model card (Markdown).
func Card() string { return card }

// Model parses the bundled model file.
func Model() (*modelfile.Model, error) {
	return modelfile.Read(bytes.NewReader(file))
}
