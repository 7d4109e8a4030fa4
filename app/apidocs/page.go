package apidocs

import "html/template"

var page = template.Must(template.New("docs").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1b2a33;background:#f6f9fa}
header{background:#0b4f6c;color:#fff;padding:1.5rem 2rem}
main{max-width:60rem;margin:0 auto;padding:1rem 2rem 4rem}
nav a{margin-right:1rem;color:#0b4f6c}
h2{border-bottom:2px solid #0b4f6c;padding-bottom:.2rem;margin-top:2.5rem}
details{background:#fff;border:1px solid #d5e1e6;border-radius:6px;margin:.5rem 0;padding:.3rem .8rem}
summary{cursor:pointer;font-family:ui-monospace,monospace}
.m{display:inline-block;min-width:4.5rem;font-weight:bold}
.GET{color:#1a7f37}.POST{color:#0b5cad}.PATCH,.PUT{color:#9a6700}.DELETE{color:#cf222e}
.lock{color:#9a6700}.t{color:#57606a}.req{color:#cf222e;font-size:.85em}
table{border-collapse:collapse;margin:.3rem 0}td,th{border:1px solid #d5e1e6;padding:.2rem .5rem;text-align:left}
code{background:#eef3f5;padding:0 .2rem;border-radius:3px}
</style></head><body>
<header><h1>{{.Title}}</h1><p>Machine-readable spec: <a style="color:#fff" href="{{.SpecURL}}">{{.SpecURL}}</a></p></header>
<main>
<p style="white-space:pre-line">{{.Description}}</p>
<nav>{{range .Tags}}<a href="#{{.Name}}">{{.Name}}</a>{{end}}</nav>
{{range .Tags}}<h2 id="{{.Name}}">{{.Name}}</h2>{{if .Description}}<p>{{.Description}}</p>{{end}}
{{range .Ops}}<details><summary><span class="m {{.Method}}">{{.Method}}</span> {{.Path}} {{if .Secured}}<span class=lock title="needs a token or API key">&#128274;</span>{{end}} — {{.Summary}}</summary>
{{if .Description}}<p style="white-space:pre-line">{{.Description}}</p>{{end}}
{{if .Params}}<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>description</th></tr>
{{range .Params}}<tr><td><code>{{.Name}}</code>{{if .Required}} <span class=req>required</span>{{end}}</td><td>{{.In}}</td><td>{{.Type}}</td><td>{{.Description}}</td></tr>{{end}}</table>{{end}}
{{if .Body}}<h4>Request body</h4>{{range .Body}}<p><code>{{.Type}}</code></p>{{.Schema}}{{end}}{{end}}
<h4>Responses</h4>{{range .Responses}}<p><b>{{.Code}}</b> {{.Description}}</p>{{range .Content}}{{.Schema}}{{end}}{{end}}
</details>{{end}}{{end}}
</main></body></html>
`))
