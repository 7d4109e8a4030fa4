//go:build race

package training_test

// raceEnabled builds the worker subprocesses with -race too, so they
// reuse this test binary's compiled packages and share its checks.
const raceEnabled = true
