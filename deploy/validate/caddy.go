package validate

import (
	"fmt"
	"path/filepath"
	"strings"

	gatewayv1 "sigs.k8s.io/gateway-api/apis/v1"
)

// composeGateway renders the chart's HTTPRoute (httpRuntime=deployment, so each rule's
// backend is the function's Service) as the Caddyfile of compose.yaml's gateway: the same
// host-wide routing by method and path, to <function>:8080 on the compose network. Caddy
// tries the routes in the HTTPRoute's order inside one `route` block; regular expressions
// are anchored, as Gateway API's RegularExpression matches are full matches.
func composeGateway(root string) ([]byte, error) {
	r, err := RenderWith(filepath.Join(root, "helm/taskline"), DefaultRelease, map[string]any{"httpRuntime": "deployment"})
	if err != nil {
		return nil, err
	}
	var route *gatewayv1.HTTPRoute
	for _, m := range r.Manifests {
		o, err := Decode(m)
		if err != nil {
			return nil, err
		}
		if hr, ok := o.Value.(*gatewayv1.HTTPRoute); ok {
			route = hr
		}
	}
	if route == nil {
		return nil, fmt.Errorf("the chart renders no HTTPRoute")
	}
	var b strings.Builder
	b.WriteString("# Generated from helm/taskline's HTTPRoute by `make infra`. Do not edit.\n")
	b.WriteString("# compose.yaml's gateway: one host for the API, /mcp and the web app, as in a cluster.\n")
	b.WriteString(":8080 {\n\troute {\n")
	n := 0
	var fallback string
	for _, rule := range route.Spec.Rules {
		if len(rule.BackendRefs) != 1 {
			return nil, fmt.Errorf("a rule with %d backends", len(rule.BackendRefs))
		}
		backend := string(rule.BackendRefs[0].Name) + ":8080"
		for _, m := range rule.Matches {
			if m.Path == nil || m.Path.Value == nil {
				continue
			}
			path := *m.Path.Value
			if *m.Path.Type == gatewayv1.PathMatchPathPrefix && path == "/" {
				fallback = backend
				continue
			}
			fmt.Fprintf(&b, "\t\t@r%d {\n", n)
			if m.Method != nil {
				fmt.Fprintf(&b, "\t\t\tmethod %s\n", *m.Method)
			}
			switch *m.Path.Type {
			case gatewayv1.PathMatchRegularExpression:
				fmt.Fprintf(&b, "\t\t\tpath_regexp ^%s$\n", path)
			case gatewayv1.PathMatchPathPrefix:
				fmt.Fprintf(&b, "\t\t\tpath %s %s/*\n", path, strings.TrimSuffix(path, "/"))
			default:
				fmt.Fprintf(&b, "\t\t\tpath %s\n", path)
			}
			fmt.Fprintf(&b, "\t\t}\n\t\treverse_proxy @r%d %s\n", n, backend)
			n++
		}
	}
	if fallback == "" {
		return nil, fmt.Errorf("the HTTPRoute has no / prefix rule")
	}
	fmt.Fprintf(&b, "\t\treverse_proxy %s\n\t}\n}\n", fallback)
	return []byte(b.String()), nil
}
