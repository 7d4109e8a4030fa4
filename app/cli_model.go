package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
)

// Environment variables the commands that talk to a running server read
// their credential from, so it stays out of the shell history.
const (
	tokenEnv  = "AQUAML_TOKEN"
	apiKeyEnv = "AQUAML_API_KEY"
)

// The model commands go through a running server's API rather than the
// database: only the servers know which processes serve a model, and a
// delete must unload it everywhere and is refused for the default model
// or one that batches are pinned to. The API does all of that.
func (c *cli) modelCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "model",
		Short: "List and delete the models a running server knows",
		Args:  cobra.NoArgs,
	}
	var api apiClient
	pf := cmd.PersistentFlags()
	pf.StringVar(&api.base, "url", "", "API base URL (default http://127.0.0.1:API_PORT plus API_V1_PREFIX)")
	pf.StringVar(&api.token, "token", "", "access token (default $"+tokenEnv+")")
	pf.StringVar(&api.apiKey, "api-key", "", "API key (default $"+apiKeyEnv+")")
	cmd.AddCommand(c.modelListCmd(&api), c.modelDeleteCmd(&api))
	return cmd
}

type modelRow struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Version   string    `json:"version"`
	Source    string    `json:"source"`
	SizeBytes int64     `json:"size_bytes"`
	Active    bool      `json:"active"`
	Ready     bool      `json:"ready"`
	CreatedAt time.Time `json:"created_at"`
	Labels    []struct {
		Name string `json:"name"`
	} `json:"labels"`
}

func (c *cli) modelListCmd(api *apiClient) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list [--url URL] [--token T | --api-key K] [--json]",
		Short: "List registered models, newest first; * marks the default",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := c.prepare(api); err != nil {
				return err
			}
			body, err := api.do(http.MethodGet, "/models")
			if err != nil {
				return err
			}
			if asJSON {
				_, err := c.stdout.Write(body)
				return err
			}
			var page struct {
				Items []modelRow `json:"items"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				return fmt.Errorf("the server's model list is not JSON: %w", err)
			}
			tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "\tID\tNAME\tVERSION\tSOURCE\tCLASSES\tSIZE\tREADY\tCREATED")
			for _, m := range page.Items {
				mark := ""
				if m.Active {
					mark = "*"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%.1f MB\t%t\t%s\n", mark, m.ID, m.Name, m.Version, m.Source,
					len(m.Labels), float64(m.SizeBytes)/(1<<20), m.Ready, m.CreatedAt.UTC().Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the server's answer as JSON")
	return cmd
}

func (c *cli) modelDeleteCmd(api *apiClient) *cobra.Command {
	return &cobra.Command{
		Use:   "delete ID [--url URL] [--token T | --api-key K]",
		Short: "Delete a model and its file (admin); not the default, nor one running batches use",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := c.prepare(api); err != nil {
				return err
			}
			if _, err := api.do(http.MethodDelete, "/models/"+args[0]); err != nil {
				return fmt.Errorf("model %s: %w", args[0], err)
			}
			fmt.Fprintf(c.stdout, "deleted model %s\n", args[0])
			return nil
		},
	}
}

// apiClient calls a running server's API with one credential.
type apiClient struct {
	base, token, apiKey string
	client              *http.Client
}

// prepare fills in what the flags left out: the local server's URL from
// the configuration and the credential from the environment.
func (c *cli) prepare(api *apiClient) error {
	if api.base == "" {
		cfg, err := c.load(nil)
		if err != nil {
			return err
		}
		api.base = "http://127.0.0.1:" + strconv.Itoa(cfg.API.Port) + cfg.API.V1Prefix
	}
	api.base = strings.TrimRight(api.base, "/")
	if api.token == "" {
		api.token = os.Getenv(tokenEnv)
	}
	if api.apiKey == "" {
		api.apiKey = os.Getenv(apiKeyEnv)
	}
	if api.token == "" && api.apiKey == "" {
		return fmt.Errorf("no credential: pass --token or --api-key, or set %s or %s", tokenEnv, apiKeyEnv)
	}
	api.client = &http.Client{Timeout: 30 * time.Second}
	return nil
}

// do sends one request and returns the body of a 2xx answer; any other
// answer becomes an error carrying the API's message.
func (a *apiClient) do(method, path string) ([]byte, error) {
	req, err := http.NewRequest(method, a.base+path, nil)
	if err != nil {
		return nil, err
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	} else {
		req.Header.Set("X-API-Key", a.apiKey)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("is the server running? %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	if res.StatusCode/100 == 2 {
		return body, nil
	}
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		return nil, fmt.Errorf("%d %s: %s", res.StatusCode, e.Error.Code, e.Error.Message)
	}
	return nil, errors.New(res.Status)
}
