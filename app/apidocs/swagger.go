package apidocs

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"

	"github.com/labstack/echo/v4"
	swaggerfiles "github.com/swaggo/files/v2"
)

// The page loads Swagger UI from the binary (github.com/swaggo/files/v2
// embeds its release files) and nothing inline, so a strict
// Content-Security-Policy of 'self' holds.
const pageHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AquaML API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head><body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body></html>
`

// initScript starts Swagger UI on the served spec. Authorization is kept
// across reloads, and "Try it out" is on from the start: the page exists
// to call the API (sign in with the password flow or an API key, upload a
// photo).
const initScript = `window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: %s,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    tryItOutEnabled: true,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
};
`

// uiFiles are the Swagger UI files the page uses; the rest of the release
// (source maps, other bundles) is not served.
var uiFiles = []string{"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png", "favicon-16x16.png"}

// asset is one file under /docs/.
type asset struct {
	contentType string
	body        []byte
}

func loadAssets(specURL string) (map[string]asset, error) {
	url, err := json.Marshal(specURL)
	if err != nil {
		return nil, err
	}
	assets := map[string]asset{
		"init.js": {"text/javascript; charset=utf-8", fmt.Appendf(nil, initScript, url)},
	}
	for _, name := range uiFiles {
		body, err := fs.ReadFile(swaggerfiles.FS, name)
		if err != nil {
			return nil, fmt.Errorf("apidocs: swagger UI: %w", err)
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = http.DetectContentType(body)
		}
		assets[name] = asset{ct, body}
	}
	return assets, nil
}

// HTML serves the interactive documentation.
func (d *Docs) HTML(c echo.Context) error {
	return c.HTMLBlob(http.StatusOK, []byte(pageHTML))
}

// Asset serves the page's scripts, styles and icons (route /docs/:asset).
func (d *Docs) Asset(c echo.Context) error {
	a, ok := d.assets[c.Param("asset")]
	if !ok {
		return echo.ErrNotFound
	}
	// Released with the binary: a day of caching is safe, and a new
	// version brings new bytes under the same names only on upgrade.
	c.Response().Header().Set("Cache-Control", "public, max-age=86400")
	return c.Blob(http.StatusOK, a.contentType, a.body)
}
