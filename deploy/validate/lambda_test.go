package validate

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	yaml3 "sigs.k8s.io/yaml/goyaml.v3"
)

type samTemplate struct {
	Transform string `yaml:"Transform"`
	Globals   struct {
		Function struct {
			Runtime       string   `yaml:"Runtime"`
			Handler       string   `yaml:"Handler"`
			Architectures []string `yaml:"Architectures"`
		} `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]struct {
		Type       string `yaml:"Type"`
		Properties struct {
			FunctionName string `yaml:"FunctionName"`
			CodeURI      string `yaml:"CodeUri"`
			Environment  struct {
				Variables map[string]any `yaml:"Variables"`
			} `yaml:"Environment"`
			Events map[string]struct {
				Type       string `yaml:"Type"`
				Properties struct {
					Method            string   `yaml:"Method"`
					Path              string   `yaml:"Path"`
					Topics            []string `yaml:"Topics"`
					ConsumerGroupID   string   `yaml:"ConsumerGroupId"`
					StartingPosition  string   `yaml:"StartingPosition"`
					PayloadFormat     string   `yaml:"PayloadFormatVersion"`
					ScheduleExpressio string   `yaml:"ScheduleExpression"`
				} `yaml:"Properties"`
			} `yaml:"Events"`
		} `yaml:"Properties"`
	} `yaml:"Resources"`
}

type chartRoute struct {
	fn      string
	regex   *regexp.Regexp
	prefix  string
	methods []string
}

func chartRoutes(t *testing.T) ([]chartRoute, chartutil.Values) {
	t.Helper()
	vals, err := chartutil.ReadValuesFile(filepath.Join(chartDir, "values.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var routes []chartRoute
	fns, _ := vals["functions"].(map[string]any)
	for name, f := range fns {
		fm, _ := f.(map[string]any)
		rs, _ := fm["routes"].([]any)
		for _, r := range rs {
			rm, _ := r.(map[string]any)
			cr := chartRoute{fn: name}
			if p, ok := rm["prefix"].(string); ok {
				cr.prefix = p
			} else {
				cr.regex = regexp.MustCompile("^" + rm["path"].(string) + "$")
				for _, m := range rm["methods"].([]any) {
					cr.methods = append(cr.methods, m.(string))
				}
			}
			routes = append(routes, cr)
		}
	}
	return routes, vals
}

// routeOf is where the chart's HTTPRoute sends a request: a path+method match wins over a
// prefix, the longest prefix over a shorter one.
func routeOf(routes []chartRoute, method, path string) string {
	best, bestPrefix := "", -1
	for _, r := range routes {
		if r.regex != nil && r.regex.MatchString(path) && (method == "ANY" || slices.Contains(r.methods, method)) {
			return r.fn
		}
		if r.prefix != "" && strings.HasPrefix(path, r.prefix) && len(r.prefix) > bestPrefix {
			best, bestPrefix = r.fn, len(r.prefix)
		}
	}
	return best
}

// samplePath turns an API Gateway route path into a concrete request path.
func samplePath(p string) string {
	p = strings.ReplaceAll(p, "{proxy+}", "assets/app.js")
	return regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(p, "42")
}

// The Lambda template deploys every function from its `make lambda` bundle on
// provided.al2023, routes each HTTP request to the same function the Kubernetes HTTPRoute
// does, and consumes each topic with the consumer group and start offset Dapr uses.
func TestLambdaTemplateMatchesTheFunctionsAndTheChart(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy/lambda/template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tpl samTemplate
	if err := yaml3.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	g := tpl.Globals.Function
	if tpl.Transform != "AWS::Serverless-2016-10-31" || g.Runtime != "provided.al2023" || g.Handler != "bootstrap" || len(g.Architectures) != 1 || g.Architectures[0] != "arm64" {
		t.Errorf("globals: transform %q runtime %q handler %q arch %v; want SAM, provided.al2023, bootstrap, arm64 (make lambda's LAMBDA_ARCH)", tpl.Transform, g.Runtime, g.Handler, g.Architectures)
	}
	routes, vals := chartRoutes(t)
	fnValues, _ := vals["functions"].(map[string]any)
	deployed := map[string]bool{}
	covered := map[string]bool{} // fn + method + regex
	for res, r := range tpl.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		fn := strings.TrimPrefix(r.Properties.FunctionName, "taskline-")
		if deployed[fn] {
			t.Errorf("%s deployed twice", fn)
		}
		deployed[fn] = true
		if want := "../../dist/lambda/" + fn + ".zip"; r.Properties.CodeURI != want {
			t.Errorf("%s: CodeUri %q, want %q (what make lambda writes)", res, r.Properties.CodeURI, want)
		}
		fv, _ := fnValues[fn].(map[string]any)
		if fv == nil {
			t.Errorf("%s: %s is not a function of the chart", res, fn)
			continue
		}
		if pub, _ := fv["publishes"].(bool); pub && r.Properties.Environment.Variables["PUBLISHER"] != "kafka" {
			t.Errorf("%s publishes but has no PUBLISHER=kafka (no Dapr on Lambda)", res)
		}
		for ev, e := range r.Properties.Events {
			switch e.Type {
			case "HttpApi":
				p := samplePath(e.Properties.Path)
				if got := routeOf(routes, e.Properties.Method, p); got != fn {
					t.Errorf("%s.%s: %s %s goes to %s on Lambda but to %q on Kubernetes", res, ev, e.Properties.Method, e.Properties.Path, fn, got)
				}
				if e.Properties.PayloadFormat != "2.0" {
					t.Errorf("%s.%s: payload format %q; the handler reads 2.0", res, ev, e.Properties.PayloadFormat)
				}
				for _, cr := range routes {
					if cr.fn == fn && cr.regex != nil && cr.regex.MatchString(p) {
						covered[fn+" "+e.Properties.Method+" "+cr.regex.String()] = true
					}
				}
			case "MSK":
				if want, _ := fv["topic"].(string); len(e.Properties.Topics) != 1 || e.Properties.Topics[0] != want {
					t.Errorf("%s.%s: topics %v, the chart subscribes %s to %q", res, ev, e.Properties.Topics, fn, want)
				}
				if e.Properties.ConsumerGroupID != fn {
					t.Errorf("%s.%s: consumer group %q, want %q (the Dapr app id, as on Kubernetes)", res, ev, e.Properties.ConsumerGroupID, fn)
				}
				if e.Properties.StartingPosition != "TRIM_HORIZON" {
					t.Errorf("%s.%s: StartingPosition %q; Dapr's initialOffset oldest is TRIM_HORIZON", res, ev, e.Properties.StartingPosition)
				}
			case "ScheduleV2":
				if fn != "tick-reminders" || !strings.HasPrefix(e.Properties.ScheduleExpressio, "rate(") {
					t.Errorf("%s.%s: schedule %q on %s", res, ev, e.Properties.ScheduleExpressio, fn)
				}
			default:
				t.Errorf("%s.%s: event type %q is not one Taskline's Lambda handler understands", res, ev, e.Type)
			}
		}
	}
	mains, _ := filepath.Glob(filepath.Join(repoRoot, "functions/*/cmd/*/main.go"))
	for _, m := range mains {
		if fn := filepath.Base(filepath.Dir(m)); !deployed[fn] {
			t.Errorf("function %s is not in the Lambda template", fn)
		}
	}
	for _, cr := range routes {
		if cr.regex == nil {
			continue
		}
		for _, m := range cr.methods {
			if !covered[cr.fn+" "+m+" "+cr.regex.String()] {
				t.Errorf("the chart routes %s %s to %s; the Lambda API has no such route", m, cr.regex, cr.fn)
			}
		}
	}
}

// Lambda reaches MSK over TLS and keeps secrets out of the functions' configuration: only
// ARNs in the environment, read at start through the Secrets extension, each function
// allowed to read exactly the secrets it names.
func TestLambdaUsesTLSAndSecretsManager(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join(repoRoot, "deploy/lambda/template.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if strings.Contains(s, "{{resolve:secretsmanager") {
		t.Error("a secret is resolved into a plain environment variable at deploy time")
	}
	for _, want := range []string{`KAFKA_TLS: "true"`, "Ref: SecretsExtensionLayerArn", ":9094"} {
		if !strings.Contains(s, want) {
			t.Errorf("template lacks %s", want)
		}
	}
	blocks := regexp.MustCompile(`(?m)^  [A-Za-z0-9]+:\n    Type: AWS::Serverless::Function\n`).Split(s, -1)
	arn := regexp.MustCompile(`_SECRET_ARN:\n\s+Ref: (\w+)`)
	policy := regexp.MustCompile(`AWSSecretsManagerGetSecretValuePolicy:\n\s+SecretArn:\n\s+Ref: (\w+)`)
	for i, blk := range blocks[1:] {
		var refs, allowed []string
		for _, m := range arn.FindAllStringSubmatch(blk, -1) {
			refs = append(refs, m[1])
		}
		for _, m := range policy.FindAllStringSubmatch(blk, -1) {
			allowed = append(allowed, m[1])
		}
		slices.Sort(refs)
		slices.Sort(allowed)
		if !slices.Equal(slices.Compact(refs), allowed) {
			t.Errorf("function %d reads secrets %v but may read %v", i+1, refs, allowed)
		}
	}
}
