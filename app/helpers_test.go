package app

import (
	"net"
	"strconv"
	"testing"

	"github.com/aquaml/aquaml/platform/config"
	"github.com/labstack/echo/v4"
)

type (
	echoContext = echo.Context
	configT     = config.Config
)

func itoa(n int) string { return strconv.Itoa(n) }

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
