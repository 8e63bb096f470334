package validate

import (
	"embed"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/dapr/dapr/pkg/apis/common"
	"sigs.k8s.io/yaml"
)

//go:embed daprschema/*.yaml
var daprSchemaFS embed.FS

// daprField is one metadata item a component documents.
type daprField struct {
	Name          string   `json:"name"`
	AllowedValues []string `json:"allowedValues"`
}

type daprSchema struct {
	Type     string      `json:"type"`
	Binding  *struct{}   `json:"binding"`
	Metadata []daprField `json:"metadata"`
	Profiles []struct {
		Metadata []daprField `json:"metadata"`
	} `json:"authenticationProfiles"`
	Builtin []struct {
		Metadata []daprField `json:"metadata"`
	} `json:"builtinAuthenticationProfiles"`
}

// daprGenericFields are accepted by Dapr itself for every component of a kind, outside the
// component's own metadata.yaml.
var daprGenericFields = map[string][]string{
	"bindings": {"direction", "route"},
}

var loadDaprSchemas = sync.OnceValues(func() (map[string]map[string]daprField, error) {
	out := map[string]map[string]daprField{}
	entries, err := daprSchemaFS.ReadDir("daprschema")
	if err != nil {
		return nil, fmt.Errorf("reading embedded Dapr schemas: %w", err)
	}
	for _, e := range entries {
		b, err := daprSchemaFS.ReadFile("daprschema/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", e.Name(), err)
		}
		var s daprSchema
		if err := yaml.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("parsing %s: %w", e.Name(), err)
		}
		fields := map[string]daprField{}
		add := func(fs []daprField) {
			for _, f := range fs {
				if old, ok := fields[f.Name]; ok {
					// A name in several auth profiles: its allowed values are the union.
					if len(old.AllowedValues) > 0 && len(f.AllowedValues) > 0 {
						f.AllowedValues = append(slices.Clone(old.AllowedValues), f.AllowedValues...)
					} else {
						f.AllowedValues = nil
					}
				}
				fields[f.Name] = f
			}
		}
		add(s.Metadata)
		for _, p := range s.Profiles {
			add(p.Metadata)
		}
		for _, p := range s.Builtin {
			add(p.Metadata)
		}
		for _, g := range daprGenericFields[s.Type] {
			add([]daprField{{Name: g}})
		}
		out[strings.TrimSuffix(e.Name(), ".yaml")] = fields
	}
	return out, nil
})

// checkComponentMetadata checks a component's metadata against the component's own
// documented names and allowed values. Dapr ignores unknown names, so a misspelt one
// would otherwise silently fall back to a default.
func checkComponentMetadata(componentType string, items []common.NameValuePair) error {
	schemas, err := loadDaprSchemas()
	if err != nil {
		return err
	}
	fields, ok := schemas[componentType]
	if !ok {
		return fmt.Errorf("component type %q is not one Taskline uses (no schema in daprschema/)", componentType)
	}
	seen := map[string]bool{}
	for _, it := range items {
		if seen[it.Name] {
			return fmt.Errorf("metadata %q is set twice", it.Name)
		}
		seen[it.Name] = true
		f, ok := fields[it.Name]
		if !ok {
			var names []string
			for n := range fields {
				names = append(names, n)
			}
			slices.Sort(names)
			return fmt.Errorf("%s has no metadata named %q (it knows %s)", componentType, it.Name, strings.Join(names, ", "))
		}
		if it.SecretKeyRef.Name != "" || len(f.AllowedValues) == 0 {
			continue
		}
		v := it.Value.String()
		if !slices.ContainsFunc(f.AllowedValues, func(a string) bool { return strings.Trim(a, `"`) == v }) {
			return fmt.Errorf("%s metadata %s: %q is not one of %v", componentType, it.Name, v, f.AllowedValues)
		}
	}
	return nil
}
