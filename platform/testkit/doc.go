// Package testkit groups the helpers that only tests import: a database
// per test (dbtest), a Redis per test (redistest), network faults in front
// of either (nettest) and the shared photo sets (sharedtest). Nothing the
// aquaml binary is built from may import them; app's TestBinaryLeavesOutTestKits
// holds that.
package testkit
