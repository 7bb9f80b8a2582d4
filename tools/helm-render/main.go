// Command helm-render renders a Helm chart's templates the way `helm template` does, with the template engine
// Helm itself uses: Go's text/template plus Sprig's TxtFuncMap and Helm's own functions (funcs.go). It exists
// because CI has no helm binary and no network for Go modules; it builds offline against Debian's packages
// (golang-go, golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v2-dev) in GOPATH mode.
//
// Usage: helm-render [flags] CHART_DIR
//
// What it does not cover (hooks, subcharts, lookup against a cluster, ...) is listed in docs/chart.md.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/Masterminds/semver"
	"gopkg.in/yaml.v2"
)

// Metadata is Chart.yaml as Helm exposes it to templates: .Chart.Name, .Chart.Version, .Chart.AppVersion...
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []interface{}     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []interface{}     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// KubeVersion is .Capabilities.KubeVersion.
type KubeVersion struct {
	Version string
	Major   string
	Minor   string
}

func (k KubeVersion) String() string     { return k.Version }
func (k KubeVersion) GitVersion() string { return k.Version }

// VersionSet is .Capabilities.APIVersions; templates call .Has "group/version".
type VersionSet []string

// Has reports whether the set contains the api version.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// Capabilities is .Capabilities as `helm template` fills it without a cluster.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion map[string]string
}

// The group versions a 1.32 API server serves. Helm's own default set also lists "group/version/Kind" entries.
var builtinAPIVersions = []string{
	"v1", "admissionregistration.k8s.io/v1", "apiextensions.k8s.io/v1", "apiregistration.k8s.io/v1",
	"apps/v1", "authentication.k8s.io/v1", "authorization.k8s.io/v1", "autoscaling/v1", "autoscaling/v2",
	"batch/v1", "certificates.k8s.io/v1", "coordination.k8s.io/v1", "discovery.k8s.io/v1", "events.k8s.io/v1",
	"flowcontrol.apiserver.k8s.io/v1", "networking.k8s.io/v1", "node.k8s.io/v1", "policy/v1",
	"rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1", "storage.k8s.io/v1",
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "Error: %v\n", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("helm-render", flag.ContinueOnError)
	name := fs.String("name", "release-name", "release name (.Release.Name)")
	namespace := fs.String("namespace", "default", "release namespace (.Release.Namespace)")
	kubeVersion := fs.String("kube-version", "v1.32.0", "Kubernetes version for .Capabilities.KubeVersion")
	includeCRDs := fs.Bool("include-crds", false, "print the chart's crds/ before the templates")
	showValues := fs.Bool("show-values", false, "print the coalesced values as JSON (for schema validation) and exit")
	notes := fs.Bool("notes", false, "print the rendered NOTES.txt instead of the manifests")
	var valueFiles, apiVersions stringList
	fs.Var(&valueFiles, "f", "values file (YAML or JSON), may repeat; later files win")
	fs.Var(&valueFiles, "values", "same as -f")
	fs.Var(&apiVersions, "api-versions", "extra api version for .Capabilities.APIVersions, may repeat")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("expected exactly one argument: the chart directory")
	}
	chartDir := fs.Arg(0)

	meta, err := loadMetadata(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	defaults, err := readValuesFile(filepath.Join(chartDir, "values.yaml"), true)
	if err != nil {
		return err
	}
	user := map[string]interface{}{}
	for _, file := range valueFiles {
		v, err := readValuesFile(file, false)
		if err != nil {
			return err
		}
		user = mergeMaps(user, v)
	}
	values := coalesce(user, defaults)
	if *showValues {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(values)
	}

	kv, err := semver.NewVersion(*kubeVersion)
	if err != nil {
		return fmt.Errorf("--kube-version %q: %v", *kubeVersion, err)
	}
	// As helm: a chart whose kubeVersion constraint excludes the target Kubernetes version does not render.
	if meta.KubeVersion != "" {
		constraint, err := semver.NewConstraint(meta.KubeVersion)
		if err != nil {
			return fmt.Errorf("chart.metadata.kubeVersion %q: %v", meta.KubeVersion, err)
		}
		if !constraint.Check(kv) {
			return fmt.Errorf("chart requires kubeVersion: %s which is incompatible with Kubernetes v%s", meta.KubeVersion, kv)
		}
	}
	top := map[string]interface{}{
		"Chart": meta,
		"Release": map[string]interface{}{
			"Name": *name, "Namespace": *namespace, "IsInstall": true, "IsUpgrade": false,
			"Revision": 1, "Service": "Helm",
		},
		"Capabilities": &Capabilities{
			KubeVersion: KubeVersion{
				Version: "v" + kv.String(), Major: fmt.Sprint(kv.Major()), Minor: fmt.Sprint(kv.Minor()),
			},
			APIVersions: append(append(VersionSet{}, builtinAPIVersions...), apiVersions...),
			HelmVersion: map[string]string{"Version": "v3", "GoVersion": "helm-render"},
		},
		"Values": values,
		"Files":  files{dir: chartDir},
	}
	templates, err := loadTemplates(chartDir, meta.Name)
	if err != nil {
		return err
	}
	rendered, err := renderAll(templates, top)
	if err != nil {
		return err
	}
	notesName := meta.Name + "/templates/NOTES.txt"
	if *notes {
		_, err := io.WriteString(out, rendered[notesName])
		return err
	}
	delete(rendered, notesName)
	manifests, err := sortManifests(rendered)
	if err != nil {
		return err
	}
	if *includeCRDs {
		if err := printCRDs(out, chartDir, meta.Name); err != nil {
			return err
		}
	}
	for _, m := range manifests {
		fmt.Fprintf(out, "---\n# Source: %s\n%s\n", m.source, m.content)
	}
	return nil
}

// loadMetadata reads Chart.yaml and checks what Helm's loader checks: an api version, a name and a SemVer version.
func loadMetadata(path string) (*Metadata, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var meta Metadata
	if err := yamlToJSONInto(raw, &meta); err != nil {
		return nil, fmt.Errorf("cannot load Chart.yaml: %v", err)
	}
	if meta.APIVersion != "v1" && meta.APIVersion != "v2" {
		return nil, fmt.Errorf("validation: chart.metadata.apiVersion %q is not v1 or v2", meta.APIVersion)
	}
	if meta.Name == "" {
		return nil, errors.New("validation: chart.metadata.name is required")
	}
	if _, err := semver.StrictNewVersion(meta.Version); err != nil {
		return nil, fmt.Errorf("validation: chart.metadata.version %q is invalid", meta.Version)
	}
	if meta.Type != "" && meta.Type != "application" {
		return nil, fmt.Errorf("only application charts are supported, not %q", meta.Type)
	}
	return &meta, nil
}

// readValuesFile parses a values file as Helm does (sigs.k8s.io/yaml: YAML to JSON, then JSON into a map), so
// numbers are float64 in templates exactly as under helm.
func readValuesFile(path string, optional bool) (map[string]interface{}, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		if optional && os.IsNotExist(err) {
			return map[string]interface{}{}, nil
		}
		return nil, err
	}
	values := map[string]interface{}{}
	if err := yamlToJSONInto(raw, &values); err != nil {
		return nil, fmt.Errorf("failed to parse %s: %v", path, err)
	}
	if values == nil {
		values = map[string]interface{}{}
	}
	return values, nil
}

// mergeMaps merges value files: b wins, maps merge recursively (Helm's MergeValues for -f).
func mergeMaps(a, b map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(a))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		if vm, ok := v.(map[string]interface{}); ok {
			if am, ok := out[k].(map[string]interface{}); ok {
				out[k] = mergeMaps(am, vm)
				continue
			}
		}
		out[k] = v
	}
	return out
}

// coalesce puts the chart's defaults under the user's values: the user wins, maps merge recursively, and a user
// null deletes the default (Helm's CoalesceValues).
func coalesce(user, defaults map[string]interface{}) map[string]interface{} {
	out := make(map[string]interface{}, len(user))
	for k, v := range user {
		out[k] = v
	}
	for k, def := range defaults {
		v, present := out[k]
		switch {
		case !present:
			out[k] = def
		case v == nil:
			delete(out, k)
		default:
			um, uok := v.(map[string]interface{})
			dm, dok := def.(map[string]interface{})
			if uok && dok {
				out[k] = coalesce(um, dm)
			}
		}
	}
	return out
}

// loadTemplates reads templates/ (recursively) under names Helm gives them: "<chart>/templates/<path>".
func loadTemplates(chartDir, chartName string) (map[string]string, error) {
	root := filepath.Join(chartDir, "templates")
	templates := map[string]string{}
	err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		templates[chartName+"/templates/"+filepath.ToSlash(rel)] = string(data)
		return nil
	})
	return templates, err
}

// printCRDs prints crds/*.yaml(s) and *.json as `helm template --include-crds` does, before everything else.
func printCRDs(out io.Writer, chartDir, chartName string) error {
	entries, err := os.ReadDir(filepath.Join(chartDir, "crds"))
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		return err
	}
	names := []string{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(chartDir, "crds", n))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "---\n# Source: %s/crds/%s\n%s\n", chartName, n, strings.TrimRight(string(data), "\n"))
	}
	return nil
}

// files is .Files: the chart's files outside templates/ (Get and GetBytes; no .helmignore).
type files struct{ dir string }

func (f files) GetBytes(name string) []byte {
	clean := filepath.Clean(name)
	if strings.HasPrefix(clean, "..") || filepath.IsAbs(clean) || strings.HasPrefix(clean, "templates") {
		return []byte{}
	}
	data, err := os.ReadFile(filepath.Join(f.dir, clean))
	if err != nil {
		return []byte{}
	}
	return data
}

func (f files) Get(name string) string { return string(f.GetBytes(name)) }

// yamlToJSONInto decodes YAML the way sigs.k8s.io/yaml does: YAML (1.1, yaml.v2) to JSON, then encoding/json.
func yamlToJSONInto(raw []byte, into interface{}) error {
	var doc interface{}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return err
	}
	j, err := json.Marshal(jsonable(doc))
	if err != nil {
		return err
	}
	return json.Unmarshal(j, into)
}

// jsonable turns yaml.v2's map[interface{}]interface{} into map[string]interface{} (keys printed as strings).
func jsonable(v interface{}) interface{} {
	switch t := v.(type) {
	case map[interface{}]interface{}:
		m := make(map[string]interface{}, len(t))
		for k, x := range t {
			m[fmt.Sprint(k)] = jsonable(x)
		}
		return m
	case []interface{}:
		s := make([]interface{}, len(t))
		for i, x := range t {
			s[i] = jsonable(x)
		}
		return s
	default:
		return v
	}
}
