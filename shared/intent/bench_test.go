package intent

import (
	"testing"
	"time"
	"unicode/utf8"
)

// BenchmarkParse reads every phrase of the table once per iteration and reports the p99
// of single calls next to the mean (the target is a p99 under 1 ms).
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range rows {
			Parse(r.text, r.now, r.loc)
		}
	}
	b.StopTimer()
	l := MeasureLatency(texts(), nyWed, ny, 20)
	b.ReportMetric(float64(len(rows)), "phrases/op")
	b.ReportMetric(float64(l.P99.Nanoseconds()), "p99-ns/phrase")
	b.ReportMetric(float64(l.P50.Nanoseconds()), "p50-ns/phrase")
}

func texts() []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.text
	}
	return out
}

// TestMeasureLatency checks the helper `make bench` uses: every call is counted and the
// percentiles are ordered. (It asserts no duration: thresholds belong in the benchmark.)
func TestMeasureLatency(t *testing.T) {
	t.Parallel()
	l := MeasureLatency(Examples, nyWed, ny, 3)
	if l.Calls != 3*len(Examples) || l.P50 <= 0 || l.P50 > l.P99 || l.P99 > l.Max {
		t.Fatalf("MeasureLatency = %+v; want %d calls with 0 < p50 <= p99 <= max", l, 3*len(Examples))
	}
	if (MeasureLatency(nil, nyWed, ny, 3) != Latency{}) {
		t.Fatal("no messages must measure nothing")
	}
}

// TestExamples checks the exported examples read as what they show.
func TestExamples(t *testing.T) {
	t.Parallel()
	for _, e := range Examples {
		if in := Parse(e, nyWed, ny); in.Kind == Unknown || in.Question != "" {
			t.Errorf("example %q reads as %s asking %q", e, in.Kind, in.Question)
		}
	}
}

// FuzzParse feeds arbitrary text, instants and zones: Parse must not panic, its spans must
// lie inside the text in order without overlapping, and every string it returns must be
// valid UTF-8 when the input was.
func FuzzParse(f *testing.F) {
	for i, r := range rows {
		f.Add(r.text, r.now.Unix(), uint8(i))
	}
	f.Add("\xff\xfe #\xff p1 tomorrow", int64(0), uint8(0))
	f.Add(`"unterminated quote tomorrow`, int64(1<<40), uint8(1))
	zones := []*time.Location{time.UTC, ny, ber, tok, zone("Pacific/Chatham"), zone("America/Santiago"), zone("Asia/Kathmandu")}
	f.Fuzz(func(t *testing.T, text string, unix int64, z uint8) {
		// Instants from 1900 to 2200: the range a calendar date can name.
		now := time.Unix(-2208988800+abs(unix)%(300*365*86400), 0)
		loc := zones[int(z)%len(zones)]
		for _, in := range []Intent{Parse(text, now, loc), ParseTask(text, now, loc)} {
			prev := 0
			for _, s := range in.Spans {
				if s.Start < prev || s.End <= s.Start || s.End > len(text) {
					t.Fatalf("span %+v out of order or range in %q (%v)", s, text, in.Spans)
				}
				prev = s.End
			}
			if !utf8.ValidString(text) {
				continue
			}
			strs := []string{in.Question, in.Filter.Search}
			if in.Task.Title != nil {
				strs = append(strs, *in.Task.Title)
			}
			if in.Ref != nil {
				strs = append(strs, in.Ref.Title)
			}
			strs = append(strs, in.Task.Tags...)
			strs = append(strs, in.Filter.Tags...)
			for _, s := range strs {
				if !utf8.ValidString(s) {
					t.Fatalf("%q gave invalid UTF-8 %q", text, s)
				}
			}
			if in.Kind == Add && (in.Task.Title == nil || *in.Task.Title == "") {
				t.Fatalf("%q is an add without a title", text)
			}
			if in.Reminder != nil && (in.Reminder.At == nil) == (in.Reminder.Before == 0) {
				t.Fatalf("%q: reminder %+v must have exactly one of At and Before", text, *in.Reminder)
			}
		}
	})
}

func abs(v int64) int64 {
	if v < 0 {
		if v == -v { // math.MinInt64
			return 0
		}
		return -v
	}
	return v
}
