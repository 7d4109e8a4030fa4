package app

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/modules/auth"
	"github.com/aquaml/aquaml/platform/apperr"
	"github.com/aquaml/aquaml/platform/config"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/spf13/cobra"
)

// passwordEnv lets scripts pass the password without a pipe.
const passwordEnv = "AQUAML_ADMIN_PASSWORD"

func (c *cli) userCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage user accounts",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(c.userCreateCmd())
	return cmd
}

func (c *cli) userCreateCmd() *cobra.Command {
	var in auth.NewUser
	cmd := &cobra.Command{
		Use:   "create --email E --username U [--full-name N] [--admin]",
		Short: "Create an account, e.g. the first admin",
		Long: "Create an account directly in the database (applying pending migrations first when MIGRATE_ON_START\n" +
			"is true). The password is read from " + passwordEnv + " if it is set, otherwise from the first\n" +
			"line of standard input:\n\n" +
			"  printf '%s\\n' \"$PASSWORD\" | aquaml user create --email ops@farm.example --username ops --admin",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			password, err := readPassword(cmd.InOrStdin(), c.stderr)
			if err != nil {
				return err
			}
			in.Password = password
			cfg, err := c.load(nil)
			if err != nil {
				return err
			}
			u, err := createUser(cmd.Context(), cfg, in)
			if err != nil {
				return describe(err)
			}
			fmt.Fprintf(c.stdout, "created %s %s <%s> (id %s)\n", u.Role, u.Username, u.Email, u.ID)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&in.Email, "email", "", "email address (required)")
	f.StringVar(&in.Username, "username", "", "username: 3-50 of a-z 0-9 _ . - (required)")
	f.StringVar(&in.FullName, "full-name", "", "full name")
	f.BoolVar(&in.Admin, "admin", false, "give the account the admin role")
	cmd.MarkFlagRequired("email")
	cmd.MarkFlagRequired("username")
	return cmd
}

func createUser(ctx context.Context, cfg config.Config, in auth.NewUser) (auth.UserView, error) {
	d, err := database.Open(database.Options{URL: cfg.Database.URL, PoolSize: 1, SQLitePath: cfg.Database.SQLitePath})
	if err != nil {
		return auth.UserView{}, err
	}
	defer d.Close()
	m, err := database.NewMigrator(d, db.Migrations())
	if err != nil {
		return auth.UserView{}, err
	}
	if cfg.Database.MigrateOnStart {
		if _, err := m.Up(ctx); err != nil {
			return auth.UserView{}, err
		}
	} else if pending, err := m.Pending(ctx); err != nil || pending {
		if err == nil {
			err = errors.New("the database has pending migrations; run `aquaml migrate up` first")
		}
		return auth.UserView{}, err
	}
	// No Redis: creating an account touches only the database.
	accounts, err := auth.New(auth.Deps{DB: d.DB, Auth: cfg.Auth, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return auth.UserView{}, err
	}
	return accounts.CreateUser(ctx, in)
}

// readPassword takes the password from the environment or the first line
// of r. A terminal echoes what is typed, hence the advice in the prompt.
func readPassword(r io.Reader, prompt io.Writer) (string, error) {
	if p, ok := os.LookupEnv(passwordEnv); ok && p != "" {
		return p, nil
	}
	if f, ok := r.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprintf(prompt, "Password (shown as typed; set %s or pipe it to avoid that): ", passwordEnv)
		}
	}
	line, err := bufio.NewReader(io.LimitReader(r, 1024)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", fmt.Errorf("no password: set %s or write it on standard input", passwordEnv)
	}
	return line, nil
}

// describe turns an account error into one line naming each bad field.
func describe(err error) error {
	e, ok := apperr.As(err)
	if !ok || e.Kind == apperr.Internal {
		return err
	}
	if len(e.Fields) == 0 {
		return errors.New(e.Message)
	}
	parts := make([]string, 0, len(e.Fields))
	for field, msg := range e.Fields {
		parts = append(parts, field+": "+msg)
	}
	sort.Strings(parts)
	return errors.New(strings.Join(parts, "; "))
}
