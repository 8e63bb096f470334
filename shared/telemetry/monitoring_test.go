package telemetry

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"gopkg.in/yaml.v3"
)

// monitoring is where the chart keeps the alerts and the dashboard it ships.
const monitoring = "../../helm/taskline/files/monitoring"

// external are the metrics the alerts read from other exporters: KEDA's own metrics and
// kube-state-metrics.
var external = []string{"keda_scaler_metrics_value", "kube_horizontalpodautoscaler_status_current_replicas",
	"kube_horizontalpodautoscaler_spec_max_replicas"}

// The alert rules are valid, and each fires on the series of its unit test (promtool's
// own rule evaluation; .ci/run installs Debian's prometheus package for it).
func TestAlertRules(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("promtool not found (apt-get install prometheus); .ci/run installs it")
	}
	for _, args := range [][]string{{"check", "rules", "alerts.yaml"}, {"test", "rules", "alerts_test.yaml"}} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = monitoring
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	// Every alert has a test that makes it fire.
	var rules struct {
		Groups []struct {
			Rules []struct{ Alert string }
		}
	}
	var tests struct {
		Tests []struct {
			AlertRuleTest []struct {
				Alertname string
				ExpAlerts []any `yaml:"exp_alerts"`
			} `yaml:"alert_rule_test"`
		}
	}
	readYAML(t, "alerts.yaml", &rules)
	readYAML(t, "alerts_test.yaml", &tests)
	fired := map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fired[a.Alertname] = true
			}
		}
	}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if !fired[r.Alert] {
				t.Errorf("alert %s has no test that makes it fire", r.Alert)
			}
		}
	}
}

// The alerts and the dashboard read only metrics the code exports (or KEDA and
// kube-state-metrics do), so a renamed metric cannot leave a silent panel or a dead alert.
func TestMonitoringUsesRealMetrics(t *testing.T) {
	known := familyNames()
	for _, want := range []string{"http_server_request_duration_seconds", "taskline_reminder_lateness_seconds", "db_client_connection_count"} {
		if !known[want] {
			t.Fatalf("the registry does not describe %s; the name list is wrong", want)
		}
	}
	var exprs []string
	var rules struct {
		Groups []struct {
			Rules []struct{ Alert, Expr string }
		}
	}
	readYAML(t, "alerts.yaml", &rules)
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			exprs = append(exprs, r.Expr)
		}
	}
	b, err := os.ReadFile(filepath.Join(monitoring, "dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID    string
		Panels []struct {
			ID      int
			Type    string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	ids := map[int]bool{}
	graphs := 0
	for _, p := range dash.Panels {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.Type != "row" {
			graphs++
			if len(p.Targets) == 0 {
				t.Errorf("panel %d has no query", p.ID)
			}
		}
		for _, q := range p.Targets {
			exprs = append(exprs, q.Expr)
		}
	}
	if dash.UID == "" || graphs < 10 {
		t.Errorf("dashboard uid %q with %d graphs", dash.UID, graphs)
	}
	for _, e := range exprs {
		names := metricNames(e)
		if len(names) == 0 {
			t.Errorf("no metric found in %q", e)
		}
		for _, n := range names {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count"), "_sum")
			if !known[n] && !known[base] && !slices.Contains(external, n) {
				t.Errorf("%q reads %s, which no code exports", e, n)
			}
		}
	}
}

func readYAML(t *testing.T, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(monitoring, name))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// familyNames are the metric families the process describes: the registry's, and those
// of the per-process collectors.
func familyNames() map[string]bool {
	ch := make(chan *prometheus.Desc, 1000)
	for _, c := range append(slices.Clone(collected), NewPoolCollector(nil), NewOutboxCollector(nil)) {
		c.Describe(ch)
	}
	close(ch)
	out := map[string]bool{}
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			out[m[1]] = true
		}
	}
	return out
}

var (
	quoted    = regexp.MustCompile(`"[^"]*"`)
	braces    = regexp.MustCompile(`\{[^}]*\}|\[[^\]]*\]`)
	grouping  = regexp.MustCompile(`\b(by|on|without|ignoring|group_left|group_right)\s*\([^)]*\)`)
	ident     = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
	functions = []string{"sum", "max", "min", "avg", "count", "rate", "increase", "deriv", "histogram_quantile",
		"label_replace", "and", "or", "unless", "by", "on", "abs", "clamp_min", "le"}
)

// metricNames are the metric names a PromQL expression reads.
func metricNames(expr string) []string {
	s := quoted.ReplaceAllString(expr, " ")
	s = braces.ReplaceAllString(s, " ")
	s = grouping.ReplaceAllString(s, " ")
	var out []string
	for _, w := range ident.FindAllString(s, -1) {
		if !slices.Contains(functions, w) && !slices.Contains(out, w) {
			out = append(out, w)
		}
	}
	return out
}
