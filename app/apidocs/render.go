package apidocs

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
)

type opView struct {
	Method, Path, Summary, Description string
	Secured                            bool
	Params                             []paramView
	Body                               []contentView
	Responses                          []respView
}

type paramView struct {
	Name, In, Type, Description string
	Required                    bool
}

type contentView struct {
	Type   string
	Schema template.HTML
}

type respView struct {
	Code, Description string
	Content           []contentView
}

type tagView struct {
	Name, Description string
	Ops               []opView
}

var methodOrder = map[string]int{"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}

func render(w io.Writer, spec map[string]any, specURL string) error {
	info, _ := spec["info"].(map[string]any)
	view := struct {
		Title, Description, SpecURL string
		Tags                        []tagView
	}{Title: str(info["title"]), Description: str(info["description"]), SpecURL: specURL}

	byTag := map[string]*tagView{}
	var order []string
	for _, t := range list(spec["tags"]) {
		tm, _ := t.(map[string]any)
		name := str(tm["name"])
		if _, dup := byTag[name]; !dup {
			byTag[name] = &tagView{Name: name, Description: str(tm["description"])}
			order = append(order, name)
		}
	}
	paths, _ := spec["paths"].(map[string]any)
	for path, item := range paths {
		ops, _ := item.(map[string]any)
		for method, raw := range ops {
			if !isMethod(method) {
				continue
			}
			op, _ := raw.(map[string]any)
			tag := "other"
			if tags := list(op["tags"]); len(tags) > 0 {
				tag = str(tags[0])
			}
			if byTag[tag] == nil {
				byTag[tag] = &tagView{Name: tag}
				order = append(order, tag)
			}
			byTag[tag].Ops = append(byTag[tag].Ops, operation(spec, method, path, op))
		}
	}
	for _, name := range order {
		t := byTag[name]
		sort.Slice(t.Ops, func(i, j int) bool {
			if t.Ops[i].Path != t.Ops[j].Path {
				return t.Ops[i].Path < t.Ops[j].Path
			}
			return methodOrder[strings.ToLower(t.Ops[i].Method)] < methodOrder[strings.ToLower(t.Ops[j].Method)]
		})
		if len(t.Ops) > 0 {
			view.Tags = append(view.Tags, *t)
		}
	}
	return page.Execute(w, view)
}

func operation(spec map[string]any, method, path string, op map[string]any) opView {
	v := opView{Method: strings.ToUpper(method), Path: path, Summary: str(op["summary"]),
		Description: str(op["description"]), Secured: len(list(op["security"])) > 0}
	for _, p := range list(op["parameters"]) {
		pm := resolve(spec, p)
		sch := resolve(spec, pm["schema"])
		v.Params = append(v.Params, paramView{Name: str(pm["name"]), In: str(pm["in"]), Type: typeName(spec, sch),
			Description: str(pm["description"]), Required: pm["required"] == true})
	}
	if rb := resolve(spec, op["requestBody"]); rb != nil {
		v.Body = contents(spec, rb["content"])
	}
	resps, _ := op["responses"].(map[string]any)
	codes := make([]string, 0, len(resps))
	for c := range resps {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		r := resolve(spec, resps[c])
		v.Responses = append(v.Responses, respView{Code: c, Description: str(r["description"]), Content: contents(spec, r["content"])})
	}
	return v
}

func contents(spec map[string]any, raw any) []contentView {
	cm, _ := raw.(map[string]any)
	types := make([]string, 0, len(cm))
	for t := range cm {
		types = append(types, t)
	}
	sort.Strings(types)
	var out []contentView
	for _, t := range types {
		m, _ := cm[t].(map[string]any)
		out = append(out, contentView{Type: t, Schema: schemaHTML(spec, m["schema"], 0)})
	}
	return out
}

// schemaHTML renders a schema as nested lists of "field: type — text".
func schemaHTML(spec map[string]any, raw any, depth int) template.HTML {
	s := resolve(spec, raw)
	if s == nil || depth > 6 {
		return ""
	}
	var b strings.Builder
	if props, ok := s["properties"].(map[string]any); ok {
		required := map[string]bool{}
		for _, r := range list(s["required"]) {
			required[str(r)] = true
		}
		names := make([]string, 0, len(props))
		for n := range props {
			names = append(names, n)
		}
		sort.Strings(names)
		b.WriteString("<ul>")
		for _, n := range names {
			ps := resolve(spec, props[n])
			fmt.Fprintf(&b, "<li><code>%s</code> <span class=t>%s</span>", template.HTMLEscapeString(n),
				template.HTMLEscapeString(typeName(spec, ps)))
			if required[n] {
				b.WriteString(" <span class=req>required</span>")
			}
			if d := str(ps["description"]); d != "" {
				fmt.Fprintf(&b, " — %s", template.HTMLEscapeString(d))
			}
			b.WriteString(string(schemaHTML(spec, ps, depth+1)))
			if items := resolve(spec, ps["items"]); items != nil {
				b.WriteString(string(schemaHTML(spec, items, depth+1)))
			}
			b.WriteString("</li>")
		}
		b.WriteString("</ul>")
	} else if items := resolve(spec, s["items"]); items != nil && depth == 0 {
		fmt.Fprintf(&b, "<p>array of %s</p>", template.HTMLEscapeString(typeName(spec, items)))
		b.WriteString(string(schemaHTML(spec, items, depth+1)))
	}
	return template.HTML(b.String())
}

func typeName(spec map[string]any, s map[string]any) string {
	if s == nil {
		return ""
	}
	t := str(s["type"])
	if t == "array" {
		t = "array of " + typeName(spec, resolve(spec, s["items"]))
	}
	if f := str(s["format"]); f != "" {
		t += " (" + f + ")"
	}
	if e := list(s["enum"]); len(e) > 0 {
		parts := make([]string, len(e))
		for i, x := range e {
			parts[i] = fmt.Sprint(x)
		}
		t += ": " + strings.Join(parts, " | ")
	}
	return t
}

// resolve follows a local $ref ("#/components/...").
func resolve(spec map[string]any, raw any) map[string]any {
	m, _ := raw.(map[string]any)
	for i := 0; m != nil && i < 8; i++ {
		ref := str(m["$ref"])
		if ref == "" {
			return m
		}
		var cur any = spec
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			cm, _ := cur.(map[string]any)
			cur = cm[part]
		}
		m, _ = cur.(map[string]any)
	}
	return m
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}
