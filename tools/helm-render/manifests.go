package main

import (
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// installOrder is Helm's InstallOrder: kinds earlier in the list are printed (and installed) first; unknown kinds
// (custom resources) come last, by kind name.
var installOrder = []string{
	"Namespace", "NetworkPolicy", "ResourceQuota", "LimitRange", "PodSecurityPolicy", "PodDisruptionBudget",
	"ServiceAccount", "Secret", "SecretList", "ConfigMap", "StorageClass", "PersistentVolume",
	"PersistentVolumeClaim", "CustomResourceDefinition", "ClusterRole", "ClusterRoleList", "ClusterRoleBinding",
	"ClusterRoleBindingList", "Role", "RoleList", "RoleBinding", "RoleBindingList", "Service", "DaemonSet", "Pod",
	"ReplicationController", "ReplicaSet", "Deployment", "HorizontalPodAutoscaler", "StatefulSet", "Job",
	"CronJob", "IngressClass", "Ingress", "APIService",
}

// The document separator Helm (and Kubernetes) split a YAML stream on.
var documentSeparator = regexp.MustCompile(`(?:^|\s*\n)---\s*`)

type manifest struct {
	source  string
	content string
	kind    string
}

type head struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   *struct {
		Name        string            `json:"name"`
		Annotations map[string]string `json:"annotations"`
	} `json:"metadata"`
}

// sortManifests splits every rendered file into documents (files in path order, documents in file order), drops
// empty ones, parses each document's head (a document that is not YAML fails, naming its file) and sorts them by
// Helm's install order, keeping file order within a kind.
func sortManifests(rendered map[string]string) ([]manifest, error) {
	names := make([]string, 0, len(rendered))
	for name := range rendered {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []manifest
	for _, name := range names {
		if strings.HasPrefix(path.Base(name), "_") || strings.TrimSpace(rendered[name]) == "" {
			continue
		}
		for _, doc := range documentSeparator.Split(rendered[name], -1) {
			doc = strings.TrimSpace(doc)
			if doc == "" {
				continue
			}
			var h head
			if err := yamlToJSONInto([]byte(doc), &h); err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %v", name, err)
			}
			if h.Metadata != nil {
				if hook, ok := h.Metadata.Annotations["helm.sh/hook"]; ok {
					return nil, fmt.Errorf("%s: hooks (helm.sh/hook: %s) are not supported by helm-render", name, hook)
				}
			}
			out = append(out, manifest{source: name, content: doc, kind: h.Kind})
		}
	}
	rank := map[string]int{}
	for i, kind := range installOrder {
		rank[kind] = i
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ra, aKnown := rank[a.kind]
		rb, bKnown := rank[b.kind]
		switch {
		case aKnown && bKnown && ra != rb:
			return ra < rb
		case aKnown != bKnown:
			return aKnown
		case !aKnown && a.kind != b.kind:
			return a.kind < b.kind
		default:
			return a.source < b.source
		}
	})
	return out, nil
}
