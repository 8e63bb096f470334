package intent

import (
	"slices"
	"time"
)

// Examples are messages the parser reads, one of each kind: for a help answer, and as the
// phrases `make bench` times.
var Examples = []string{
	"add buy milk tomorrow at 9, high priority",
	"Pay rent every month on the 1st #home p1",
	"call mom tomorrow at 6pm #family",
	"dentist friday 3pm remind me 30 minutes before",
	"weekly review until march",
	"what is due this week?",
	"list high priority tasks tagged work",
	"what's overdue",
	"find dentist",
	"done with task 3",
	"reopen task 3",
	"rename task 3 to buy oat milk",
	"move dentist to friday 3pm",
	"task 4 no due date",
	"delete task 5",
	"remind me about task 3 30 minutes before",
	"remind me to call mom tomorrow at 5",
	"tag task 3 #work",
	"help",
}

// Latency is how long Parse took per message.
type Latency struct {
	Calls         int
	P50, P99, Max time.Duration
}

// MeasureLatency times Parse on each message, rounds times over, and reports the spread of
// single calls. It is for benchmarks (`make bench`), not for tests: a unit test never
// asserts a duration.
func MeasureLatency(messages []string, now time.Time, loc *time.Location, rounds int) Latency {
	if len(messages) == 0 || rounds < 1 {
		return Latency{}
	}
	ds := make([]time.Duration, 0, len(messages)*rounds)
	for range rounds {
		for _, m := range messages {
			start := time.Now()
			Parse(m, now, loc)
			ds = append(ds, time.Since(start))
		}
	}
	slices.Sort(ds)
	at := func(q float64) time.Duration { return ds[min(len(ds)-1, int(q*float64(len(ds))))] }
	return Latency{Calls: len(ds), P50: at(0.50), P99: at(0.99), Max: ds[len(ds)-1]}
}
