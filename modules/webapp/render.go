package webapp

import (
	"bytes"
	"fmt"
	"html/template"

	"github.com/aquaml/aquaml/platform/principal"
	"github.com/labstack/echo/v4"
)

// pageNames are the templates that are whole pages (each with layout.html).
var pageNames = []string{"signin", "register", "classify", "history", "batches", "datasets", "dataset", "training", "job",
	"operations", "models", "forbidden"}

type pages struct{ byName map[string]*template.Template }

func parsePages() (*pages, error) {
	p := &pages{byName: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New("layout.html").ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("webapp: template %s: %w", name, err)
		}
		p.byName[name] = t
	}
	return p, nil
}

// view is what every page template gets.
type view struct {
	App       string
	Title     string
	Page      string // the template name, for the navigation
	CSRF      string
	APIPrefix string
	User      *principal.Principal
	Error     string
	Fields    map[string]string
	Form      map[string]string
	Next      string
	ID        string // the dataset or job a detail page shows
}

func (m *Module) view(c echo.Context, page, title string) view {
	v := view{App: m.deps.Name, Title: title, Page: page, APIPrefix: m.deps.APIPrefix,
		Fields: map[string]string{}, Form: map[string]string{}}
	v.CSRF, _ = c.Get(csrfKey).(string)
	if p, ok := principal.From(c.Request().Context()); ok {
		v.User = &p
	}
	return v
}

// render writes a page; pages carry the caller's data, so no cache keeps them.
func (m *Module) render(c echo.Context, status int, v view) error {
	t, ok := m.pages.byName[v.Page]
	if !ok {
		return fmt.Errorf("webapp: no page %q", v.Page)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, v); err != nil {
		return fmt.Errorf("webapp: render %s: %w", v.Page, err)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.HTMLBlob(status, buf.Bytes())
}
