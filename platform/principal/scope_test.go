package principal

import (
	"testing"

	"github.com/aquaml/aquaml/platform/apperr"
)

func TestListOwner(t *testing.T) {
	user, admin := Principal{ID: "u1", Role: RoleUser}, Principal{ID: "a1", Role: RoleAdmin}
	for _, c := range []struct {
		who       Principal
		all, want string
		bad       bool
		forbidden bool
	}{
		{user, "", "u1", false, false},
		{user, "false", "u1", false, false},
		{admin, "", "a1", false, false},
		{admin, "true", "", false, false},
		{user, "true", "", false, true},
		{admin, "maybe", "a1", true, false},
	} {
		fields := map[string]string{}
		got, err := ListOwner(c.who, c.all, "batches", fields)
		if c.forbidden {
			if e, ok := apperr.As(err); !ok || e.Kind != apperr.Forbidden {
				t.Errorf("%s all=%q: %v, want 403", c.who.Role, c.all, err)
			}
			continue
		}
		if err != nil || got != c.want || (fields["all"] != "") != c.bad {
			t.Errorf("%s all=%q: owner %q, fields %v, err %v; want owner %q", c.who.Role, c.all, got, fields, err, c.want)
		}
	}
}
