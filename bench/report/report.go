// Package report holds the benchmark's results and writes them as a markdown table and as
// JSON. Every figure can carry the baseline measured in the same run and their ratio, and
// the target from docs (DESIGN.md section 6) with whether it was met and by how much not.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Direction says which way a figure is better.
type Direction string

// Directions.
const (
	LowerIsBetter  Direction = "lower"
	HigherIsBetter Direction = "higher"
)

// Figure is one measured number (or the reason it was not measured).
type Figure struct {
	Scenario string `json:"scenario"` // "1 cold start", ...
	Metric   string `json:"metric"`   // what was measured, in words
	Unit     string `json:"unit,omitempty"`
	// Value is nil when the figure could not be measured; NotMeasured says why.
	Value       *float64 `json:"value,omitempty"`
	NotMeasured string   `json:"not_measured,omitempty"`
	// Baseline is the same quantity for the baseline named, measured in the same run.
	Baseline     *float64 `json:"baseline,omitempty"`
	BaselineName string   `json:"baseline_name,omitempty"`
	// Ratio is Value / Baseline.
	Ratio *float64 `json:"ratio,omitempty"`
	// Target is DESIGN.md's number for this figure, if it has one.
	Target    *float64  `json:"target,omitempty"`
	Better    Direction `json:"better,omitempty"`
	MeetsGoal *bool     `json:"meets_target,omitempty"`
	Note      string    `json:"note,omitempty"`
	// Details are secondary numbers of the same measurement (p50 next to a p99, counts).
	Details map[string]float64 `json:"details,omitempty"`
}

// Measured returns a figure with a value; baseline and target are added with With*.
func Measured(scenario, metric, unit string, v float64) Figure {
	return Figure{Scenario: scenario, Metric: metric, Unit: unit, Value: &v}
}

// Missing returns a figure that could not be measured, with the reason.
func Missing(scenario, metric, reason string) Figure {
	return Figure{Scenario: scenario, Metric: metric, NotMeasured: reason}
}

// WithBaseline sets the baseline and the ratio value/baseline.
func (f Figure) WithBaseline(name string, b float64) Figure {
	f.BaselineName, f.Baseline = name, &b
	if f.Value != nil && b != 0 {
		r := *f.Value / b
		f.Ratio = &r
	}
	return f
}

// WithTarget sets the target and whether the value meets it; a miss is explained in the
// note by how much.
func (f Figure) WithTarget(t float64, better Direction) Figure {
	f.Target, f.Better = &t, better
	if f.Value != nil {
		ok := *f.Value <= t
		if better == HigherIsBetter {
			ok = *f.Value >= t
		}
		f.MeetsGoal = &ok
	}
	return f
}

// WithNote appends to the note.
func (f Figure) WithNote(format string, a ...any) Figure {
	n := fmt.Sprintf(format, a...)
	if f.Note != "" {
		f.Note += "; " + n
	} else {
		f.Note = n
	}
	return f
}

// WithDetail records a secondary number of the same measurement.
func (f Figure) WithDetail(name string, v float64) Figure {
	if f.Details == nil {
		f.Details = map[string]float64{}
	}
	f.Details[name] = v
	return f
}

// Miss describes by how much a missed target is missed, e.g. "misses target by 2.3x".
func (f Figure) Miss() string {
	if f.MeetsGoal == nil || *f.MeetsGoal || f.Value == nil || f.Target == nil || *f.Value == 0 || *f.Target == 0 {
		return ""
	}
	x := *f.Value / *f.Target
	if f.Better == HigherIsBetter {
		x = *f.Target / *f.Value
	}
	if x < 1.1 {
		return fmt.Sprintf("misses target by %.1f%%", (x-1)*100)
	}
	return fmt.Sprintf("misses target by %.1fx", x)
}

// Report is one run of the benchmark.
type Report struct {
	Date     time.Time     `json:"date"`
	Machine  Machine       `json:"machine"`
	Elapsed  time.Duration `json:"-"`
	Seconds  float64       `json:"elapsed_seconds"`
	Settings []string      `json:"settings,omitempty"` // how the run was set up, one line each
	Figures  []Figure      `json:"figures"`
	// Profiles are evidence for misses: EXPLAIN ANALYZE plans, pprof tops.
	Profiles []Profile `json:"profiles,omitempty"`
}

// Profile is a named block of profiling output.
type Profile struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpu_model"`
	MemoryGiB string `json:"memory"`
	GoVersion string `json:"go"`
	Postgres  string `json:"postgres"`
	OS        string `json:"os"`
}

// Add appends figures.
func (r *Report) Add(f ...Figure) { r.Figures = append(r.Figures, f...) }

// WriteFiles writes latest.md and latest.json into dir.
func (r *Report) WriteFiles(dir string) error {
	r.Seconds = math.Round(r.Elapsed.Seconds()*10) / 10
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating %s: %w", dir, err)
	}
	var md strings.Builder
	r.Markdown(&md)
	if err := os.WriteFile(filepath.Join(dir, "latest.md"), []byte(md.String()), 0o644); err != nil {
		return fmt.Errorf("writing latest.md: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding results: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "latest.json"), append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing latest.json: %w", err)
	}
	return nil
}

// Markdown writes the table, the machine and the profiles.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "Run %s on %d CPUs (%s), %s RAM; %s, PostgreSQL %s; whole run %.0f s.\n\n",
		r.Date.UTC().Format("2006-01-02 15:04 MST"), r.Machine.CPUs, r.Machine.CPUModel, r.Machine.MemoryGiB,
		r.Machine.GoVersion, r.Machine.Postgres, r.Elapsed.Seconds())
	for _, s := range r.Settings {
		fmt.Fprintf(w, "- %s\n", s)
	}
	if len(r.Settings) > 0 {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "| scenario | measure | value | baseline (same run) | ratio | target | note |")
	fmt.Fprintln(w, "|---|---|---:|---|---:|---|---|")
	for _, f := range r.Figures {
		val, base, ratio, target := "", "", "", ""
		if f.Value == nil {
			val = "not measured"
		} else {
			val = Format(*f.Value, f.Unit)
		}
		if f.Baseline != nil {
			base = f.BaselineName + ": " + Format(*f.Baseline, f.Unit)
		}
		if f.Ratio != nil {
			ratio = fmt.Sprintf("%.2fx", *f.Ratio)
		}
		if f.Target != nil {
			op := "≤"
			if f.Better == HigherIsBetter {
				op = "≥"
			}
			target = op + " " + Format(*f.Target, f.Unit)
			if f.MeetsGoal != nil {
				if *f.MeetsGoal {
					target += " ✅"
				} else {
					target += " ❌"
				}
			}
		}
		note := f.Note
		if f.NotMeasured != "" {
			note = "not measured: " + f.NotMeasured
		}
		if m := f.Miss(); m != "" {
			note = strings.TrimPrefix(note+"; "+m, "; ")
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s |\n", f.Scenario, f.Metric, val, base, ratio, target, cell(note))
	}
	for _, p := range r.Profiles {
		fmt.Fprintf(w, "\n<details><summary>%s</summary>\n\n```\n%s\n```\n</details>\n", p.Title, strings.TrimRight(p.Text, "\n"))
	}
}

func cell(s string) string { return strings.ReplaceAll(strings.ReplaceAll(s, "|", "\\|"), "\n", " ") }

// Format prints a value with its unit, with as many digits as are meaningful.
func Format(v float64, unit string) string {
	var n string
	switch a := math.Abs(v); {
	case a == 0:
		n = "0"
	case a >= 1000:
		n = fmt.Sprintf("%.0f", v)
		n = thousands(n)
	case a >= 100:
		n = fmt.Sprintf("%.0f", v)
	case a >= 10:
		n = fmt.Sprintf("%.1f", v)
	case a >= 1:
		n = fmt.Sprintf("%.2f", v)
	default:
		n = fmt.Sprintf("%.3f", v)
	}
	if unit == "" {
		return n
	}
	return n + " " + unit
}

func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
