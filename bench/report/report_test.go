package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFigures(t *testing.T) {
	t.Parallel()
	slow := Measured("3 list", "p99", "ms", 50).WithBaseline("pk select", 0.5).WithTarget(20, LowerIsBetter)
	if *slow.Ratio != 100 || *slow.MeetsGoal {
		t.Fatalf("ratio %v meets %v; want 100 and a miss", *slow.Ratio, *slow.MeetsGoal)
	}
	if got := slow.Miss(); got != "misses target by 2.5x" {
		t.Fatalf("Miss() = %q", got)
	}
	fast := Measured("4", "emails/s", "/s", 4000).WithTarget(2000, HigherIsBetter)
	if !*fast.MeetsGoal || fast.Miss() != "" {
		t.Fatalf("4000/s against ≥ 2000/s must meet the target")
	}
	close := Measured("4", "p99", "ms", 1003).WithTarget(1000, LowerIsBetter)
	if close.Miss() != "misses target by 0.3%" {
		t.Fatalf("Miss() = %q", close.Miss())
	}
	few := Measured("4", "emails/s", "/s", 500).WithTarget(2000, HigherIsBetter)
	if few.Miss() != "misses target by 4.0x" {
		t.Fatalf("Miss() = %q", few.Miss())
	}
}

func TestWriteFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := &Report{Date: time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC), Machine: Machine{CPUs: 2}, Elapsed: 90 * time.Second}
	r.Add(Measured("2 create", "req/s at c=1", "req/s", 1234.5).WithBaseline("INSERT", 5000),
		Missing("4 reminders", "lateness p99", "the pipeline is not built yet"))
	r.Profiles = append(r.Profiles, Profile{Title: "plan", Text: "Seq Scan"})
	if err := r.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	md, _ := os.ReadFile(filepath.Join(dir, "latest.md"))
	for _, want := range []string{"| 2 create | req/s at c=1 | 1,234 req/s | INSERT: 5,000 req/s | 0.25x |", "not measured: the pipeline is not built yet", "Seq Scan"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("latest.md lacks %q:\n%s", want, md)
		}
	}
	var back Report
	b, _ := os.ReadFile(filepath.Join(dir, "latest.json"))
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Figures) != 2 || back.Figures[1].Value != nil || back.Figures[1].NotMeasured == "" || back.Seconds != 90 {
		t.Fatalf("JSON round trip lost data: %+v", back)
	}
}
