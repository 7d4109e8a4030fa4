// Package smalldata is the small-data protocol that chooses the training
// recipe for a farm's few hundred photos without fooling itself.
//
// From an ImageFolder train split whose file names group frames of one
// tracked object (Fish4Knowledge: fish_<track>_<frame>.jpg), it draws a
// few photos per target label, whole tracks at a time and seeded, trains
// on them, and scores on the val split of the same labels, which no run
// ever trains on nor chooses anything on: the epoch kept and the open-set
// threshold come from a validation split carved from the drawn photos by
// track. A base model for fine-tuning is trained once on the other labels
// only (MakeBase), so it has never seen a target species, as a reef model
// has never seen a farm's river fish. Every recipe runs on the same draws
// for several seeds; Bench reports accuracy and macro-F1 per run.
package smalldata
