package modelfile

import (
	"encoding/json"
	"time"
)

// Model is a trained network: its description and its named weights.
type Model struct {
	Meta    Metadata
	Tensors []Tensor
}

// Tensor is one named float32 array in row-major order.
type Tensor struct {
	Name  string
	Shape []int
	Data  []float32
}

// Tensor returns the tensor called name.
func (m *Model) Tensor(name string) (*Tensor, bool) {
	for i := range m.Tensors {
		if m.Tensors[i].Name == name {
			return &m.Tensors[i], true
		}
	}
	return nil, false
}

// Metadata describes a model: what it is, what it expects as input, what it
// predicts, how it was trained and how well it did.
type Metadata struct {
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	// Architecture is opaque here; the nn package defines and parses it.
	Architecture json.RawMessage `json:"architecture,omitempty"`
	Input        Input           `json:"input"`
	// Mean and Std normalise RGB values in [0,1]: (v - Mean) / Std.
	Mean   [3]float32 `json:"mean"`
	Std    [3]float32 `json:"std"`
	Labels []Label    `json:"labels"`
	// UnknownThreshold is the open-set cut-off: a top-1 probability below it
	// makes the prediction "unknown". Zero disables it.
	UnknownThreshold float32   `json:"unknown_threshold"`
	Training         *Training `json:"training,omitempty"`
	Metrics          *Metrics  `json:"metrics,omitempty"`
}

// Input is the tensor shape the network consumes, per image.
type Input struct {
	Channels int `json:"channels"`
	Height   int `json:"height"`
	Width    int `json:"width"`
}

// Label is one output class; the index in Metadata.Labels is the class id.
type Label struct {
	Name           string `json:"name"`
	ScientificName string `json:"scientific_name,omitempty"`
	CommonName     string `json:"common_name,omitempty"`
}

// Training summarises the data and the run that produced the weights.
type Training struct {
	TrainDir  string       `json:"train_dir"`
	ValDir    string       `json:"val_dir,omitempty"`
	Classes   []ClassCount `json:"classes,omitempty"`
	Epochs    int          `json:"epochs"`
	BatchSize int          `json:"batch_size,omitempty"`
	Seed      int64        `json:"seed"`
	Command   string       `json:"command,omitempty"`
	// WallTimeSeconds is the whole run, data loading and evaluation included.
	WallTimeSeconds float64 `json:"wall_time_seconds"`
	// Licence is the notice the training data requires derived works to carry.
	Licence string `json:"licence,omitempty"`
	// Hyperparameters is opaque here (learning rate, augmentation, ...).
	Hyperparameters json.RawMessage `json:"hyperparameters,omitempty"`
	History         []Epoch         `json:"history,omitempty"`
}

// ClassCount is the number of images of one class in each split.
type ClassCount struct {
	Label string `json:"label"`
	Train int    `json:"train"`
	Val   int    `json:"val"`
}

// Metrics is a model's score on one data split.
type Metrics struct {
	Split    string         `json:"split"`
	Accuracy float64        `json:"accuracy"`
	MacroF1  float64        `json:"macro_f1"`
	PerClass []ClassMetrics `json:"per_class,omitempty"`
}

// ClassMetrics is the score of one class.
type ClassMetrics struct {
	Label     string  `json:"label"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Support   int     `json:"support"`
}
