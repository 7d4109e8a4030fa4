// Package dataset reads ImageFolder training data (<root>/<label>/<file>),
// splits it without leaking tracked objects across splits, weights and
// samples unbalanced classes, and streams augmented, normalised batches.
//
// Every image goes through imageio.Decode and imageio's resize, the same path
// serving uses. Augmentation is applied to the decoded image inside the
// resize step (random crop and horizontal flip as an imageio.Transform) and
// to the resized [0,1] values (colour jitter), before normalisation: the
// documented equivalent of augmenting the image and then calling ToTensor.
//
// Everything random is derived from a seed: the epoch order from
// (seed, epoch) and each sample's augmentation from (seed, epoch, position),
// so batches are identical whatever the number of workers or their timing.
package dataset
