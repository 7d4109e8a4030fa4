//go:build race

package training_test

// raceOn is 1 when the tests, and the worker subprocesses built for them,
// run under the race detector.
const raceOn = 1
