package dataset

// StrongAugment is the preset for a few hundred photos, where the network
// would otherwise learn the photos by heart: crops down to half the area
// with a third more aspect change, and twice DefaultAugment's colour
// jitter (turbid water and camera gain vary more than the fish).
func StrongAugment() Augment {
	return Augment{FlipProb: 0.5, MinArea: 0.5, MaxAspect: 1.33, Brightness: 0.4, Contrast: 0.4, Saturation: 0.4}
}
