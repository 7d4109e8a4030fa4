package app

import "runtime/debug"

// version and revision are stamped at build time (images are built
// without .git, so Go cannot record the revision itself):
// go build -ldflags "-X github.com/aquaml/aquaml/app.version=1.2.3 -X github.com/aquaml/aquaml/app.revision=abc123".
var version, revision = "", ""

// Version is the binary's version: the stamped one, else the module
// version Go recorded, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// Revision is the stamped revision, else the one Go recorded, if any.
func Revision() string {
	if revision != "" {
		return revision
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
	}
	return "unknown"
}
