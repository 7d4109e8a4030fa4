// Package testkit groups the helpers that only tests import: a database
// per test (dbtest), a Redis per test (redistest), network faults in front
// of either (nettest), the shared photo sets (sharedtest) and the real
// aquaml command run as a subprocess (proctest). Nothing the
// aquaml binary is built from may import them; app's TestBinaryLeavesOutTestKits
// holds that.
package testkit
