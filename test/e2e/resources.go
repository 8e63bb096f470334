package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Overrides sets Dapr component metadata: component name -> metadata name -> value.
// A metadata item that the component does not have yet is added.
type Overrides map[string]map[string]string

// renderResources copies the Dapr resource documents (Component, Subscription, Resiliency,
// Configuration, ...) of the YAML files in src to dst, pointing every pubsub.kafka component
// at brokers and applying overrides. The files in src stay the single source of truth: only
// values that differ per run (the broker address) are substituted, everything else (topics,
// dead letter topics, scopes, retry policies) is used exactly as written.
// YAML documents that are not Dapr resources (a Helm values.yaml, say) are skipped so daprd
// does not choke on them. It returns the names of the resources written, for messages.
func renderResources(src, dst, brokers string, overrides Overrides) ([]string, error) {
	entries, err := os.ReadDir(src)
	if err != nil {
		return nil, fmt.Errorf("reading Dapr resources folder %s (written by infra/dapr's owner): %w", src, err)
	}
	var written []string
	kafkaComponents := 0
	seen := map[string]bool{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		in, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading Dapr resource file: %w", err)
		}
		docs, err := decodeAll(in)
		if err != nil {
			return nil, fmt.Errorf("parsing Dapr resource file %s: %w", filepath.Join(src, e.Name()), err)
		}
		var kept []*yaml.Node
		for _, doc := range docs {
			kind := scalar(doc, "kind")
			if !strings.HasPrefix(scalar(doc, "apiVersion"), "dapr.io/") || kind == "" {
				continue
			}
			name := scalar(doc, "metadata", "name")
			if kind == "Component" {
				if strings.HasPrefix(scalar(doc, "spec", "type"), "pubsub.kafka") {
					if err := setMetadata(doc, "brokers", brokers); err != nil {
						return nil, fmt.Errorf("setting brokers of component %s in %s: %w", name, e.Name(), err)
					}
					kafkaComponents++
				}
				for k, v := range overrides[name] {
					if err := setMetadata(doc, k, v); err != nil {
						return nil, fmt.Errorf("overriding %s of component %s in %s: %w", k, name, e.Name(), err)
					}
				}
				seen[name] = true
			}
			kept = append(kept, doc)
			written = append(written, kind+"/"+name)
		}
		if len(kept) == 0 {
			continue
		}
		var out bytes.Buffer
		enc := yaml.NewEncoder(&out)
		enc.SetIndent(2)
		for _, doc := range kept {
			if err := enc.Encode(doc); err != nil {
				return nil, fmt.Errorf("encoding %s: %w", e.Name(), err)
			}
		}
		if err := enc.Close(); err != nil {
			return nil, fmt.Errorf("encoding %s: %w", e.Name(), err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), out.Bytes(), 0o644); err != nil {
			return nil, fmt.Errorf("writing rendered Dapr resource: %w", err)
		}
	}
	if kafkaComponents == 0 {
		return nil, fmt.Errorf("no pubsub.kafka Component among the Dapr resources in %s (found %v); the Kafka pubsub `pubsub` is expected there", src, written)
	}
	var missing []string
	for name := range overrides {
		if !seen[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("overrides name components that are not in %s: %v", src, missing)
	}
	return written, nil
}

func decodeAll(b []byte) ([]*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return docs, nil
		}
		if err != nil {
			return nil, err
		}
		if len(n.Content) == 1 && n.Content[0].Kind == yaml.MappingNode {
			docs = append(docs, n.Content[0])
		}
	}
}

// lookup follows mapping keys from n; nil when a key is missing.
func lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				next = n.Content[i+1]
				break
			}
		}
		n = next
	}
	return n
}

func scalar(n *yaml.Node, path ...string) string {
	if v := lookup(n, path...); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// setMetadata sets spec.metadata[name=key].value, adding the item when it is missing.
// A secretKeyRef on the item is replaced by the plain value.
func setMetadata(component *yaml.Node, key, value string) error {
	md := lookup(component, "spec", "metadata")
	if md == nil || md.Kind != yaml.SequenceNode {
		return fmt.Errorf("component has no spec.metadata list")
	}
	str := func(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s} }
	for _, item := range md.Content {
		if scalar(item, "name") != key {
			continue
		}
		item.Content = []*yaml.Node{str("name"), str(key), str("value"), str(value)}
		return nil
	}
	md.Content = append(md.Content, &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map",
		Content: []*yaml.Node{str("name"), str(key), str("value"), str(value)}})
	return nil
}
