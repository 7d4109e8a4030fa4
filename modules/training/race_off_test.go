//go:build !race

package training_test

const raceEnabled = false
