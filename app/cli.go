package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(ctx, args, stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		if !errors.Is(err, errQuiet) {
			fmt.Fprintln(stderr, "aquaml:", err)
		}
		return 1
	}
	return 0
}

// errQuiet marks failures the command already explained on stderr.
var errQuiet = errors.New("failed")

type cli struct {
	args           []string // the command line, recorded with trained models
	stdout, stderr io.Writer
	configFile     string
	envFile        string
}

func newRoot(ctx context.Context, args []string, stdout, stderr io.Writer) *cobra.Command {
	c := &cli{args: args, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Use:           "aquaml",
		Short:         "Fish-species classification service",
		Long:          "aquaml serves a fish-species classifier over HTTP, runs its batch workers, and trains and evaluates models.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.PersistentFlags().StringVar(&c.configFile, "config", "", "YAML config file (default configs/config.yaml if present)")
	root.PersistentFlags().StringVar(&c.envFile, "env-file", "", "dotenv file (default .env if present)")
	root.AddCommand(c.commands()...)
	return root
}

// commands is every sub-command, in one place so that a reader sees the
// whole command line here and a new command is added here, nowhere else.
func (c *cli) commands() []*cobra.Command {
	return []*cobra.Command{
		// Running the service.
		c.serveCmd(),
		c.workerCmd(),
		c.migrateCmd(),
		c.healthcheckCmd(),
		c.userCmd(),
		// Models.
		c.trainCmd(),
		c.evalCmd(),
		c.predictCmd(),
		c.modelCmd(),
		c.smalldataCmd(),
		// Tools.
		c.loadtestCmd(),
		c.versionCmd(),
	}
}

// load reads the configuration with the given flags bound to their keys,
// and the secrets generated at first start when none are configured.
func (c *cli) load(flags map[string]*pflag.Flag) (config.Config, error) {
	cfg, err := config.Load(config.Options{ConfigFile: c.configFile, EnvFile: c.envFile, Flags: flags})
	if err != nil {
		return cfg, err
	}
	return withSecrets(cfg, NewLogger(cfg, c.stderr))
}

// changed returns the flag only if the user set it, so unset flags never
// shadow the environment.
func changed(fs *pflag.FlagSet, name string) *pflag.Flag {
	if f := fs.Lookup(name); f != nil && f.Changed {
		return f
	}
	return nil
}

func (c *cli) serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API (and the queue worker unless --worker=false)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			cfg, err := c.load(map[string]*pflag.Flag{
				"API_HOST": changed(fs, "host"), "API_PORT": changed(fs, "port"),
				"WORKER_ENABLED": changed(fs, "worker"), "MIGRATE_ON_START": changed(fs, "migrate"),
				"LOG_LEVEL": changed(fs, "log-level"),
			})
			if err != nil {
				return err
			}
			return c.run(cmd.Context(), cfg, Mode{API: true, Worker: cfg.Worker.Enabled})
		},
	}
	cmd.Flags().String("host", "0.0.0.0", "interface to listen on (API_HOST)")
	cmd.Flags().Int("port", 8000, "port to listen on (API_PORT)")
	cmd.Flags().Bool("worker", true, "also run the queue worker in this process (WORKER_ENABLED)")
	cmd.Flags().Bool("migrate", true, "apply database migrations at start (MIGRATE_ON_START)")
	cmd.Flags().String("log-level", "INFO", "DEBUG, INFO, WARNING or ERROR (LOG_LEVEL)")
	return cmd
}

func (c *cli) workerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run only the queue worker (health and metrics are served on API_PORT)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fs := cmd.Flags()
			cfg, err := c.load(map[string]*pflag.Flag{"API_PORT": changed(fs, "port"), "LOG_LEVEL": changed(fs, "log-level")})
			if err != nil {
				return err
			}
			return c.run(cmd.Context(), cfg, Mode{Worker: true})
		},
	}
	cmd.Flags().Int("port", 8000, "port for /live, /ready and /metrics (API_PORT)")
	cmd.Flags().String("log-level", "INFO", "DEBUG, INFO, WARNING or ERROR (LOG_LEVEL)")
	return cmd
}

func (c *cli) run(ctx context.Context, cfg config.Config, mode Mode) error {
	log := NewLogger(cfg, c.stderr)
	slog.SetDefault(log)
	a, err := New(cfg, log, mode)
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Run(ctx)
}

func (c *cli) versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintf(c.stdout, "aquaml %s (revision %s)\n", Version(), Revision())
		},
	}
}
