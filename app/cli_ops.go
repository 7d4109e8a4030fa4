package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/aquaml/aquaml/db"
	"github.com/aquaml/aquaml/platform/database"
	"github.com/spf13/cobra"
)

func (c *cli) migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:       "migrate up|down|status|reset",
		Short:     "Apply, roll back or list database migrations",
		Args:      cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs),
		ValidArgs: []string{"up", "down", "status", "reset"},
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := c.load(nil)
			if err != nil {
				return err
			}
			d, err := database.Open(database.Options{URL: cfg.Database.URL, PoolSize: 1, SQLitePath: cfg.Database.SQLitePath})
			if err != nil {
				return err
			}
			defer d.Close()
			m, err := database.NewMigrator(d, db.Migrations())
			if err != nil {
				return err
			}
			return c.migrate(cmd.Context(), m, args[0])
		},
	}
	return cmd
}

func (c *cli) migrate(ctx context.Context, m *database.Migrator, action string) error {
	switch action {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "applied %d migration(s)\n", n)
	case "down":
		if err := m.Down(ctx); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "rolled back one migration")
	case "reset":
		if err := m.Reset(ctx); err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, "rolled back every migration")
	}
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tMIGRATION\tAPPLIED AT")
	for _, s := range st {
		at := "pending"
		if s.Applied {
			at = s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", s.Version, s.Name, at)
	}
	return tw.Flush()
}

func (c *cli) healthcheckCmd() *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Exit 0 if the local server answers /live, 1 otherwise (for Docker HEALTHCHECK)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if url == "" {
				cfg, err := c.load(nil)
				if err != nil {
					return err
				}
				url = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(cfg.API.Port)) + "/live"
			}
			client := &http.Client{Timeout: 3 * time.Second}
			resp, err := client.Get(url)
			if err != nil {
				return fmt.Errorf("healthcheck: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("healthcheck: %s answered %s", url, resp.Status)
			}
			fmt.Fprintln(c.stdout, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "URL to check (default http://127.0.0.1:API_PORT/live)")
	return cmd
}
