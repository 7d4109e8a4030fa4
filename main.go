// Command aquaml serves, trains and evaluates fish-species classifiers.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/aquaml/aquaml/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
