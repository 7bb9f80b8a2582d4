package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

// Helm's limit on nested include calls of one template name (a guard against infinite recursion).
const maxIncludeDepth = 1000

// Messages of required/fail travel through text/template's error chain between these markers, so the final
// error can show just the message and its location, as helm does.
const (
	messageStart = "HELM_RENDER_MESSAGE_START"
	messageEnd   = "HELM_RENDER_MESSAGE_END"
)

var markedMessage = regexp.MustCompile(messageStart + `(.*)` + messageEnd)

func marked(message string) error { return errors.New(messageStart + message + messageEnd) }

// engine holds every template of the chart: the reference set that include and tpl resolve names against.
type engine struct {
	sources map[string]string
}

func renderAll(templates map[string]string, top map[string]interface{}) (map[string]string, error) {
	e := &engine{sources: templates}
	return e.render(templates, top)
}

// render parses `files` and then every chart template not among them into one fresh template set, and executes each
// file of `files` that is not a partial ("_" prefix). tpl calls it again with its text under the current file's
// name, so the text sees every define of the chart, exactly as Helm's renderWithReferences does.
func (e *engine) render(files map[string]string, top map[string]interface{}) (out map[string]string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("rendering template failed: %v", r)
		}
	}()
	t := template.New("gotpl")
	// Helm (not strict): a missing key is the zero value, and the "<no value>" it prints is removed below.
	t.Option("missingkey=zero")
	t.Funcs(e.funcMap(t))
	for _, name := range parseOrder(files) {
		if _, err := t.New(name).Parse(files[name]); err != nil {
			return nil, parseError(name, err)
		}
	}
	for _, name := range parseOrder(e.sources) {
		if t.Lookup(name) == nil {
			if _, err := t.New(name).Parse(e.sources[name]); err != nil {
				return nil, parseError(name, err)
			}
		}
	}
	out = map[string]string{}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") {
			continue
		}
		vals := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			vals[k] = v
		}
		vals["Template"] = map[string]interface{}{"Name": name, "BasePath": basePath(name)}
		var buf strings.Builder
		if err := t.ExecuteTemplate(&buf, name, vals); err != nil {
			return nil, execError(name, err)
		}
		out[name] = strings.ReplaceAll(buf.String(), "<no value>", "")
	}
	return out, nil
}

// basePath is "<chart>/templates" for "<chart>/templates/x/y.yaml".
func basePath(name string) string {
	if i := strings.Index(name, "/templates/"); i >= 0 {
		return name[:i+len("/templates")]
	}
	return path.Dir(name)
}

// parseOrder is Helm's: deeper paths first, then reverse lexical order, so a define in a top-level file wins.
func parseOrder(files map[string]string) []string {
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := names[i], names[j]
		da, db := strings.Count(a, "/"), strings.Count(b, "/")
		if da != db {
			return da > db
		}
		return a > b
	})
	return names
}

// funcMap is Sprig's TxtFuncMap without env/expandenv (as in Helm), plus Helm's own functions. include and tpl are
// bound to this template set.
func (e *engine) funcMap(t *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	depth := map[string]int{}
	f["include"] = func(name string, data interface{}) (string, error) {
		if depth[name] > maxIncludeDepth {
			return "", fmt.Errorf("rendering template has a nested reference name: %s", name)
		}
		depth[name]++
		defer func() { depth[name]-- }()
		var buf strings.Builder
		err := t.ExecuteTemplate(&buf, name, data)
		return buf.String(), err
	}
	f["tpl"] = func(text string, vals interface{}) (string, error) {
		top, ok := vals.(map[string]interface{})
		info, _ := top["Template"].(map[string]interface{})
		name, _ := info["Name"].(string)
		if !ok || name == "" {
			return "", fmt.Errorf("cannot retrieve Template.Name from values inside tpl function: %s", text)
		}
		out, err := e.render(map[string]string{name: text}, top)
		if err != nil {
			return "", fmt.Errorf("error during tpl function execution for %q: %v", text, err)
		}
		return out[name], nil
	}
	f["required"] = func(message string, val interface{}) (interface{}, error) {
		if s, isString := val.(string); val == nil || (isString && s == "") {
			return val, marked(message)
		}
		return val, nil
	}
	f["fail"] = func(message string) (string, error) { return "", marked(message) }
	// `helm template` has no cluster: lookup always finds nothing.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		return map[string]interface{}{}, nil
	}
	f["toYaml"] = toYAML
	f["fromYaml"] = fromYAML
	f["fromYamlArray"] = fromYAMLArray
	f["toJson"] = toJSON
	f["fromJson"] = fromJSON
	f["fromJsonArray"] = fromJSONArray
	return f
}

// toYAML is sigs.k8s.io/yaml.Marshal (JSON first, so json tags and key order apply) without the final newline; an
// error is swallowed into "", as in Helm.
func toYAML(v interface{}) string {
	j, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var doc interface{}
	if err := yaml.Unmarshal(j, &doc); err != nil {
		return ""
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(out), "\n")
}

func fromYAML(text string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := yamlToJSONInto([]byte(text), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromYAMLArray(text string) []interface{} {
	a := []interface{}{}
	if err := yamlToJSONInto([]byte(text), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

func toJSON(v interface{}) string {
	out, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(out)
}

func fromJSON(text string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(text string) []interface{} {
	a := []interface{}{}
	if err := json.Unmarshal([]byte(text), &a); err != nil {
		a = []interface{}{err.Error()}
	}
	return a
}

// parseError is "parse error at (<file>:<line>): <message>", as helm prints it.
func parseError(name string, err error) error {
	parts := strings.Split(err.Error(), ": ")
	if len(parts) < 2 {
		return fmt.Errorf("parse error in (%s): %v", name, err)
	}
	return fmt.Errorf("parse error at (%s): %s", parts[1], parts[len(parts)-1])
}

// execError is "execution error at (<file>:<line>:<col>): <message>" for required and fail, as helm prints it;
// other execution errors keep text/template's wording.
func execError(name string, err error) error {
	var execErr template.ExecError
	if !errors.As(err, &execErr) {
		return err
	}
	parts := strings.SplitN(err.Error(), ": ", 3)
	if len(parts) != 3 {
		return fmt.Errorf("execution error in (%s): %v", name, err)
	}
	if m := markedMessage.FindStringSubmatch(parts[2]); len(m) >= 2 {
		return fmt.Errorf("execution error at (%s): %s", parts[1], m[1])
	}
	return err
}
