package app

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/aquaml/aquaml/modules/auth"
	"github.com/aquaml/aquaml/platform/principal"
	"github.com/spf13/cobra"
)

func (c *cli) userListCmd() *cobra.Command {
	var role string
	var inactive, asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--role admin|user] [--inactive] [--json]",
		Short: "List accounts, oldest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var f auth.UserFilter
			switch role {
			case "":
			case principal.RoleAdmin, principal.RoleUser:
				f.Role = &role
			default:
				return fmt.Errorf("--role %q: must be admin or user", role)
			}
			if inactive {
				active := false
				f.IsActive = &active
			}
			cfg, err := c.load(nil)
			if err != nil {
				return err
			}
			var users []auth.UserView
			err = withAccounts(cmd.Context(), cfg, func(accounts *auth.Module) (err error) {
				users, err = accounts.AllUsers(cmd.Context(), f)
				return err
			})
			if err != nil {
				return describe(err)
			}
			if asJSON {
				if users == nil {
					users = []auth.UserView{}
				}
				enc := json.NewEncoder(c.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(users)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "USERNAME\tEMAIL\tROLE\tACTIVE\tCREATED\tID")
			for _, u := range users {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\t%s\n", u.Username, u.Email, u.Role, u.IsActive,
					u.CreatedAt.UTC().Format("2006-01-02 15:04"), u.ID)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(c.stderr, "%d accounts\n", len(users))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&role, "role", "", "only accounts with this role: admin or user")
	f.BoolVar(&inactive, "inactive", false, "only deactivated accounts")
	f.BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func (c *cli) userSetPasswordCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set-password USERNAME|EMAIL",
		Short: "Set an account's password and sign it out everywhere",
		Long: "Set the password of an account directly in the database, e.g. a forgotten admin password, and end\n" +
			"every session of it. The password is read from " + passwordEnv + " if it is set, otherwise from the\n" +
			"first line of standard input:\n\n" +
			"  printf '%s\\n' \"$PASSWORD\" | aquaml user set-password ops",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			password, err := readPassword(cmd.InOrStdin(), c.stderr)
			if err != nil {
				return err
			}
			cfg, err := c.load(nil)
			if err != nil {
				return err
			}
			var u auth.UserView
			var ended int
			err = withAccounts(cmd.Context(), cfg, func(accounts *auth.Module) (err error) {
				u, ended, err = accounts.SetPassword(cmd.Context(), args[0], password)
				return err
			})
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], describe(err))
			}
			fmt.Fprintf(c.stdout, "set the password of %s <%s>; signed out %d sessions\n", u.Username, u.Email, ended)
			return nil
		},
	}
}
