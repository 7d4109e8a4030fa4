package principal

import (
	"strconv"

	"github.com/aquaml/aquaml/platform/apperr"
)

// ListOwner is whose rows a listing shows the caller, from its all query
// parameter: the caller's own, or every user's (owner "") for an admin
// asking all=true. A value that is not a boolean adds a message to fields
// under "all"; a user asking for all is refused with 403, naming what is
// listed ("batches", "datasets").
func ListOwner(caller Principal, all string, what string, fields map[string]string) (string, error) {
	if all == "" {
		return caller.ID, nil
	}
	b, err := strconv.ParseBool(all)
	switch {
	case err != nil:
		fields["all"] = "must be true or false"
	case b && !caller.IsAdmin():
		return "", apperr.New(apperr.Forbidden, "forbidden", "only admins list every user's "+what)
	case b:
		return "", nil
	}
	return caller.ID, nil
}
