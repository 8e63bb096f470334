package intent

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/taskline/taskline/shared/todo"
)

func zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

var (
	ny  = zone("America/New_York")
	ber = zone("Europe/Berlin")
	tok = zone("Asia/Tokyo")

	// The fixed instants the rows are read at (no row uses the wall clock).
	nyWed     = time.Date(2026, 6, 10, 10, 0, 0, 0, ny)  // a Wednesday morning
	nyLate    = time.Date(2026, 6, 10, 22, 30, 0, 0, ny) // the same day, late
	nyFallSat = time.Date(2026, 10, 31, 21, 0, 0, 0, ny) // the evening before DST ends (Nov 1, 02:00 EDT -> 01:00 EST)
	nyFallSun = time.Date(2026, 11, 1, 0, 30, 0, 0, ny)  // 00:30 EDT, DST ends in 90 minutes
	nySprSat  = time.Date(2027, 3, 13, 23, 30, 0, 0, ny) // the night before DST starts (Mar 14, 02:00 EST -> 03:00 EDT)
	nySprSun  = time.Date(2027, 3, 14, 1, 30, 0, 0, ny)  // 01:30 EST, the clock jumps in 30 minutes
	nyJan31   = time.Date(2026, 1, 31, 10, 0, 0, 0, ny)  // a month end (Saturday)
	nyFeb     = time.Date(2026, 2, 10, 10, 0, 0, 0, ny)  // February, 28 days
	nyDec     = time.Date(2026, 12, 28, 10, 0, 0, 0, ny) // the year's end
	berWed    = time.Date(2026, 6, 10, 10, 0, 0, 0, ber)
	berFall   = time.Date(2026, 10, 24, 22, 0, 0, 0, ber) // EU DST ends Oct 25, 03:00 CEST -> 02:00 CET
	berFallN  = time.Date(2026, 10, 25, 1, 30, 0, 0, ber) // 01:30 CEST
	berSpr    = time.Date(2027, 3, 27, 20, 0, 0, 0, ber)  // EU DST starts Mar 28, 02:00 CET -> 03:00 CEST
	berJan31  = time.Date(2026, 1, 31, 23, 0, 0, 0, ber)  // the last hour of January
	berFeb    = time.Date(2028, 2, 3, 9, 0, 0, 0, ber)    // a leap February
	tokWed    = time.Date(2026, 6, 10, 9, 0, 0, 0, tok)
	tokLate   = time.Date(2026, 7, 1, 0, 30, 0, 0, tok) // July in Tokyo, still June 30 in UTC
)

// want is the structured result a row expects. Every field is checked: what a row does not
// set must come out empty.
type want struct {
	kind  Kind
	id    int64  // Ref.ID
	ref   string // Ref.Title
	title string
	due   string // local wall time in the row's zone: "2006-01-02 15:04", or with " MST"
	rec   todo.Recurrence
	day   int    // RecurrenceDay
	end   string // RecurrenceEnd: the local day it is the end of, "2006-01-02"
	prio  string
	tags  []string
	clear bool
	rem   string // "before 30m0s" or "at 2006-01-02 15:04"
	// filter
	status todo.Status
	fprio  string
	after  string
	before string
	ftags  []string
	search string
	ask    string
	spans  []string // "kind=text" spans that must be present
}

type row struct {
	loc  *time.Location
	now  time.Time
	text string
	want want
}

// rows is the phrase table: the examples and the ways people write them, in New
// York, Berlin and Tokyo, across both DST changes and month ends.
var rows = []row{
	// --- add: the examples and plain phrases ---
	{ny, nyWed, "add buy milk tomorrow at 9, high priority", want{kind: Add, title: "buy milk", due: "2026-06-11 09:00 EDT", prio: "high", spans: []string{"due=tomorrow at 9", "priority=high priority", "title=buy milk"}}},
	{ny, nyWed, "buy milk tomorrow", want{kind: Add, title: "buy milk", due: "2026-06-11 23:59", spans: []string{"due=tomorrow", "title=buy milk"}}},
	{ny, nyWed, "Buy milk", want{kind: Add, title: "Buy milk"}},
	{ny, nyWed, "add call the bank", want{kind: Add, title: "call the bank"}},
	{ny, nyWed, "create a task to renew passport next month", want{kind: Add, title: "renew passport", due: "2026-07-01 23:59"}},
	{ny, nyWed, "new task: file taxes by friday", want{kind: Add, title: "file taxes", due: "2026-06-12 23:59", spans: []string{"due=by friday"}}},
	{ny, nyWed, "todo: water the plants", want{kind: Add, title: "water the plants"}},
	{ny, nyWed, "I need to pick up the kids at 3", want{kind: Add, title: "pick up the kids", due: "2026-06-10 15:00"}},
	{ny, nyWed, "please add book flights for tomorrow", want{kind: Add, title: "book flights", due: "2026-06-11 23:59", spans: []string{"due=for tomorrow"}}},
	{ny, nyWed, "can you add renew gym membership next friday", want{kind: Add, title: "renew gym membership", due: "2026-06-12 23:59"}},
	{ny, nyWed, "add milk to my list", want{kind: Add, title: "milk"}},
	{ny, nyWed, "don't forget to email Sarah tomorrow morning", want{kind: Add, title: "email Sarah", due: "2026-06-11 08:00"}},
	{ny, nyWed, "call mom tomorrow at 6pm #family", want{kind: Add, title: "call mom", due: "2026-06-11 18:00", tags: []string{"family"}}},
	{ny, nyWed, "add call mom tomorrow at 6pm #family", want{kind: Add, title: "call mom", due: "2026-06-11 18:00", tags: []string{"family"}}},
	{ny, nyWed, "Pay rent every month on the 1st #home p1", want{kind: Add, title: "Pay rent", due: "2026-07-01 23:59", rec: todo.Monthly, prio: "high", tags: []string{"home"}, spans: []string{"recurrence=every month on the 1st", "tag=#home", "priority=p1"}}},
	{ny, nyWed, "meet bob at the station at 5", want{kind: Add, title: "meet bob at the station", due: "2026-06-10 17:00"}},
	{ny, nyWed, "buy milk, eggs and bread tomorrow", want{kind: Add, title: "buy milk, eggs and bread", due: "2026-06-11 23:59"}},
	{ny, nyWed, "call mom now", want{kind: Add, title: "call mom now"}},
	{ny, nyWed, "buy 2 apples", want{kind: Add, title: "buy 2 apples"}},
	{ny, nyWed, "read 1/2 of the book", want{kind: Add, title: "read 1/2 of the book"}},
	{ny, nyWed, "call jan about the contract", want{kind: Add, title: "call jan about the contract"}},
	{ny, nyWed, "call Jan on friday", want{kind: Add, title: "call Jan", due: "2026-06-12 23:59"}},
	{ny, nyWed, "order 2-10 screws", want{kind: Add, title: "order 2-10 screws"}},
	{ny, nyWed, "wear sun cream", want{kind: Add, title: "wear sun cream"}},
	{ny, nyWed, "finish the report", want{kind: Add, title: "finish the report"}},
	{ny, nyWed, "make dinner reservations tomorrow", want{kind: Add, title: "make dinner reservations", due: "2026-06-11 23:59"}},
	{ny, nyWed, "move couch to the garage", want{kind: Add, title: "move couch to the garage"}},
	{ny, nyWed, "change the oil", want{kind: Add, title: "change the oil"}},
	{ny, nyWed, "cancel netflix subscription", want{kind: Add, title: "cancel netflix subscription"}},
	{ny, nyWed, "show mom the photos", want{kind: Add, title: "show mom the photos"}},
	{ny, nyWed, `add "meet at 5 on friday" tomorrow`, want{kind: Add, title: "meet at 5 on friday", due: "2026-06-11 23:59"}},
	{ny, nyWed, `"Learn C# #1" p2`, want{kind: Add, title: "Learn C# #1", prio: "medium"}},
	{ny, nyWed, "learn C#", want{kind: Add, title: "learn C#"}},
	{ny, nyWed, "buy milk, no due date", want{kind: Add, title: "buy milk"}},
	{ny, nyWed, "tomorrow at 9", want{kind: Unknown, due: "2026-06-11 09:00", ask: AskTitle}},
	{ny, nyWed, "#work p1", want{kind: Unknown, prio: "high", tags: []string{"work"}, ask: AskTitle}},
	{ny, nyWed, "", want{kind: Unknown, ask: AskWhat}},
	{ny, nyWed, "   ", want{kind: Unknown, ask: AskWhat}},
	{ny, nyWed, "what time is it?", want{kind: Unknown, ask: AskWhat}},
	{ny, nyWed, "thanks", want{kind: Unknown, ask: AskWhat}},

	// --- dates (New York, a Wednesday 10:00) ---
	{ny, nyWed, "dentist next friday", want{kind: Add, title: "dentist", due: "2026-06-12 23:59"}},
	{ny, nyWed, "dentist friday 3pm", want{kind: Add, title: "dentist", due: "2026-06-12 15:00"}},
	{ny, nyWed, "standup wednesday", want{kind: Add, title: "standup", due: "2026-06-17 23:59"}},
	{ny, nyWed, "yoga on monday at 7am", want{kind: Add, title: "yoga", due: "2026-06-15 07:00"}},
	{ny, nyWed, "brunch sun", want{kind: Add, title: "brunch sun"}},
	{ny, nyWed, "brunch on sun", want{kind: Add, title: "brunch", due: "2026-06-14 23:59"}},
	{ny, nyWed, "call mom in 2 hours", want{kind: Add, title: "call mom", due: "2026-06-10 12:00", spans: []string{"due=in 2 hours"}}},
	{ny, nyWed, "check oven in 30 minutes", want{kind: Add, title: "check oven", due: "2026-06-10 10:30"}},
	{ny, nyWed, "check oven in half an hour", want{kind: Add, title: "check oven", due: "2026-06-10 10:30"}},
	{ny, nyWed, "follow up in 3 days", want{kind: Add, title: "follow up", due: "2026-06-13 23:59"}},
	{ny, nyWed, "follow up in 2 weeks", want{kind: Add, title: "follow up", due: "2026-06-24 23:59"}},
	{ny, nyWed, "renew license in 2 months", want{kind: Add, title: "renew license", due: "2026-08-10 23:59"}},
	{ny, nyWed, "renew passport in a year", want{kind: Add, title: "renew passport", due: "2027-06-10 23:59"}},
	{ny, nyWed, "pay rent on the 1st", want{kind: Add, title: "pay rent", due: "2026-07-01 23:59", spans: []string{"due=on the 1st"}}},
	{ny, nyWed, "pay bills on the 15th", want{kind: Add, title: "pay bills", due: "2026-06-15 23:59"}},
	{ny, nyWed, "pay bills on the 10th", want{kind: Add, title: "pay bills", due: "2026-06-10 23:59"}},
	{ny, nyWed, "invoice on the 31st", want{kind: Add, title: "invoice", due: "2026-07-31 23:59"}},
	{ny, nyWed, "wrap presents dec 24 5pm", want{kind: Add, title: "wrap presents", due: "2026-12-24 17:00 EST", spans: []string{"due=dec 24 5pm"}}},
	{ny, nyWed, "party on december 31st at 9pm", want{kind: Add, title: "party", due: "2026-12-31 21:00 EST"}},
	{ny, nyWed, "visit grandma jan 5", want{kind: Add, title: "visit grandma", due: "2027-01-05 23:59"}},
	{ny, nyWed, "dinner 3rd of july at 7pm", want{kind: Add, title: "dinner", due: "2026-07-03 19:00"}},
	{ny, nyWed, "fireworks july 4th", want{kind: Add, title: "fireworks", due: "2026-07-04 23:59"}},
	{ny, nyWed, "renew domain dec 24 2027", want{kind: Add, title: "renew domain", due: "2027-12-24 23:59"}},
	{ny, nyWed, "quarterly report end of month", want{kind: Add, title: "quarterly report", due: "2026-06-30 23:59", spans: []string{"due=end of month"}}},
	{ny, nyWed, "finish slides by the end of the week", want{kind: Add, title: "finish slides", due: "2026-06-14 23:59"}},
	{ny, nyWed, "close the books end of year", want{kind: Add, title: "close the books", due: "2026-12-31 23:59 EST"}},
	{ny, nyWed, "send summary eod", want{kind: Add, title: "send summary", due: "2026-06-10 23:59"}},
	{ny, nyWed, "gym today", want{kind: Add, title: "gym", due: "2026-06-10 23:59"}},
	{ny, nyWed, "party tonight", want{kind: Add, title: "party", due: "2026-06-10 23:00"}},
	{ny, nyWed, "call dad this evening", want{kind: Add, title: "call dad", due: "2026-06-10 18:00"}},
	{ny, nyWed, "lunch with Ana at noon", want{kind: Add, title: "lunch with Ana", due: "2026-06-10 12:00"}},
	{ny, nyWed, "team sync at 18:30", want{kind: Add, title: "team sync", due: "2026-06-10 18:30"}},
	{ny, nyWed, "coffee at 9", want{kind: Add, title: "coffee", due: "2026-06-11 09:00"}},
	{ny, nyWed, "coffee at 9:45am", want{kind: Add, title: "coffee", due: "2026-06-11 09:45"}},
	{ny, nyWed, "tea at 5", want{kind: Add, title: "tea", due: "2026-06-10 17:00"}},
	{ny, nyWed, "tea at 5am", want{kind: Add, title: "tea", due: "2026-06-11 05:00"}},
	{ny, nyWed, "taxes 2026-12-24", want{kind: Add, title: "taxes", due: "2026-12-24 23:59 EST"}},
	{ny, nyWed, "flight 2026-07-04 15:00", want{kind: Add, title: "flight", due: "2026-07-04 15:00"}},
	{ny, nyWed, "flight 2026-07-04T06:15", want{kind: Add, title: "flight", due: "2026-07-04 06:15"}},
	{ny, nyWed, "exam 24/12", want{kind: Add, title: "exam", due: "2026-12-24 23:59"}},
	{ny, nyWed, "exam 24/12/2027 at 9", want{kind: Add, title: "exam", due: "2027-12-24 09:00"}},
	{ny, nyWed, "plan trip next week", want{kind: Add, title: "plan trip", due: "2026-06-15 23:59"}},
	{ny, nyWed, "clean garage this weekend", want{kind: Add, title: "clean garage", due: "2026-06-13 23:59"}},
	{ny, nyWed, "vote tomorrow morning", want{kind: Add, title: "vote", due: "2026-06-11 08:00"}},
	{ny, nyWed, "nap this afternoon", want{kind: Add, title: "nap", due: "2026-06-10 15:00"}},
	{ny, nyWed, "feb 30 party", want{kind: Add, title: "feb 30 party"}},
	{ny, nyWed, "due on friday: submit form", want{kind: Add, title: "submit form", due: "2026-06-12 23:59"}},
	{ny, nyLate, "stretch at 9", want{kind: Add, title: "stretch", due: "2026-06-11 09:00"}},
	{ny, nyLate, "read tonight", want{kind: Add, title: "read", due: "2026-06-10 23:00"}},
	{ny, nyLate, "walk the dog in 45 minutes", want{kind: Add, title: "walk the dog", due: "2026-06-10 23:15"}},
	{ny, nyLate, "walk the dog in 2 hours", want{kind: Add, title: "walk the dog", due: "2026-06-11 00:30"}},

	// --- DST in New York ---
	{ny, nyFallSat, "brunch tomorrow at 11am", want{kind: Add, title: "brunch", due: "2026-11-01 11:00 EST"}},
	{ny, nyFallSat, "brunch tomorrow", want{kind: Add, title: "brunch", due: "2026-11-01 23:59 EST"}},
	{ny, nyFallSat, "call dad in 5 hours", want{kind: Add, title: "call dad", due: "2026-11-01 01:00 EST"}},
	{ny, nyFallSat, "report monday 9am", want{kind: Add, title: "report", due: "2026-11-02 09:00 EST"}},
	{ny, nyFallSat, "standup every day at 9", want{kind: Add, title: "standup", due: "2026-11-01 09:00 EST", rec: todo.Daily}},
	{ny, nyFallSat, "what is due this week?", want{kind: List, status: todo.StatusPending, after: "2026-10-26 00:00 EDT", before: "2026-11-02 00:00 EST"}},
	{ny, nyFallSun, "take pills in 2 hours", want{kind: Add, title: "take pills", due: "2026-11-01 01:30 EST"}},
	{ny, nyFallSun, "take pills at 9", want{kind: Add, title: "take pills", due: "2026-11-01 09:00 EST"}},
	{ny, nyFallSun, "what is due today", want{kind: List, status: todo.StatusPending, after: "2026-11-01 00:00 EDT", before: "2026-11-02 00:00 EST"}},
	{ny, nyFallSun, "what's overdue", want{kind: List, status: todo.StatusPending, before: "2026-11-01 00:30 EDT"}},
	{ny, nySprSat, "brunch tomorrow", want{kind: Add, title: "brunch", due: "2027-03-14 23:59 EDT"}},
	{ny, nySprSat, "water plants tomorrow at 2:30am", want{kind: Add, title: "water plants", due: "2027-03-14 03:30 EDT"}},
	{ny, nySprSat, "gym tomorrow at 8", want{kind: Add, title: "gym", due: "2027-03-14 08:00 EDT"}},
	{ny, nySprSat, "bake bread in 3 hours", want{kind: Add, title: "bake bread", due: "2027-03-14 03:30 EDT"}},
	{ny, nySprSat, "pay rent monthly on the 14th", want{kind: Add, title: "pay rent", due: "2027-03-14 23:59 EDT", rec: todo.Monthly}},
	{ny, nySprSun, "check smoke alarm in 2 hours", want{kind: Add, title: "check smoke alarm", due: "2027-03-14 04:30 EDT"}},
	{ny, nySprSun, "run at 2:30am", want{kind: Add, title: "run", due: "2027-03-14 03:30 EDT"}},
	{ny, nySprSun, "what is due tomorrow?", want{kind: List, status: todo.StatusPending, after: "2027-03-15 00:00 EDT", before: "2027-03-16 00:00 EDT"}},

	// --- DST in Berlin ---
	{ber, berFall, "Müll rausbringen tomorrow at 9", want{kind: Add, title: "Müll rausbringen", due: "2026-10-25 09:00 CET"}},
	{ber, berFall, "zahnarzt tomorrow", want{kind: Add, title: "zahnarzt", due: "2026-10-25 23:59 CET"}},
	{ber, berFall, "meds every day at 8", want{kind: Add, title: "meds", due: "2026-10-25 08:00 CET", rec: todo.Daily}},
	{ber, berFallN, "call home in 3 hours", want{kind: Add, title: "call home", due: "2026-10-25 03:30 CET"}},
	{ber, berFallN, "what is due today?", want{kind: List, status: todo.StatusPending, after: "2026-10-25 00:00 CEST", before: "2026-10-26 00:00 CET"}},
	{ber, berSpr, "bäcker tomorrow at 2:30am", want{kind: Add, title: "bäcker", due: "2027-03-28 03:30 CEST"}},
	{ber, berSpr, "bäcker tomorrow at 7", want{kind: Add, title: "bäcker", due: "2027-03-28 07:00 CEST"}},
	{ber, berSpr, "run every sunday", want{kind: Add, title: "run", due: "2027-03-28 23:59 CEST", rec: todo.Weekly}},

	// --- other zones and month ends ---
	{ber, berWed, "Einkaufen tomorrow at 9 #haushalt", want{kind: Add, title: "Einkaufen", due: "2026-06-11 09:00 CEST", tags: []string{"haushalt"}}},
	{ber, berWed, "dentist next friday 14:00", want{kind: Add, title: "dentist", due: "2026-06-12 14:00"}},
	{ber, berWed, "#été vacances en août", want{kind: Add, title: "vacances en août", tags: []string{"été"}}},
	{ber, berWed, "Steuer on the 1st", want{kind: Add, title: "Steuer", due: "2026-07-01 23:59"}},
	{ber, berJan31, "report end of month", want{kind: Add, title: "report", due: "2026-01-31 23:59"}},
	{ber, berJan31, "rent every month on the 31st", want{kind: Add, title: "rent", due: "2026-01-31 23:59", rec: todo.Monthly}},
	{ber, berJan31, "call in 1 hour", want{kind: Add, title: "call", due: "2026-02-01 00:00"}},
	{ber, berJan31, "invoice in a month", want{kind: Add, title: "invoice", due: "2026-02-28 23:59"}},
	{ber, berJan31, "what is due next month", want{kind: List, status: todo.StatusPending, after: "2026-02-01 00:00", before: "2026-03-01 00:00"}},
	{ber, berFeb, "report end of month", want{kind: Add, title: "report", due: "2028-02-29 23:59"}},
	{ber, berFeb, "rent every month on the 30th", want{kind: Add, title: "rent", due: "2028-02-29 23:59", rec: todo.Monthly, day: 30}},
	{tok, tokWed, "買い物 tomorrow at 9 #日本", want{kind: Add, title: "買い物", due: "2026-06-11 09:00 JST", tags: []string{"日本"}}},
	{tok, tokWed, "call osaka office at 5pm", want{kind: Add, title: "call osaka office", due: "2026-06-10 17:00"}},
	{tok, tokWed, "what is due today", want{kind: List, status: todo.StatusPending, after: "2026-06-10 00:00", before: "2026-06-11 00:00"}},
	{tok, tokLate, "report end of month", want{kind: Add, title: "report", due: "2026-07-31 23:59"}},
	{tok, tokLate, "pay on the 1st", want{kind: Add, title: "pay", due: "2026-07-01 23:59"}},
	{tok, tokLate, "rent every month on the 30th", want{kind: Add, title: "rent", due: "2026-07-30 23:59", rec: todo.Monthly}},
	{tok, tokLate, "what is due today", want{kind: List, status: todo.StatusPending, after: "2026-07-01 00:00", before: "2026-07-02 00:00"}},
	{ny, nyJan31, "rent every month on the 31st", want{kind: Add, title: "rent", due: "2026-01-31 23:59", rec: todo.Monthly}},
	{ny, nyJan31, "report end of month", want{kind: Add, title: "report", due: "2026-01-31 23:59"}},
	{ny, nyJan31, "pay on the 31st", want{kind: Add, title: "pay", due: "2026-01-31 23:59"}},
	{ny, nyJan31, "pay on the 30th", want{kind: Add, title: "pay", due: "2026-03-30 23:59"}},
	{ny, nyJan31, "renew in 1 month", want{kind: Add, title: "renew", due: "2026-02-28 23:59"}},
	{ny, nyFeb, "rent every month on the 31st", want{kind: Add, title: "rent", due: "2026-02-28 23:59", rec: todo.Monthly, day: 31}},
	{ny, nyFeb, "report end of month", want{kind: Add, title: "report", due: "2026-02-28 23:59"}},
	{ny, nyFeb, "rent monthly on the last day", want{kind: Add, title: "rent", due: "2026-02-28 23:59", rec: todo.Monthly, day: 31}},
	{ny, nyFeb, "what is due this month?", want{kind: List, status: todo.StatusPending, after: "2026-02-01 00:00", before: "2026-03-01 00:00"}},
	{ny, nyDec, "plan year next month", want{kind: Add, title: "plan year", due: "2027-01-01 23:59"}},
	{ny, nyDec, "renew in 2 months", want{kind: Add, title: "renew", due: "2027-02-28 23:59"}},
	{ny, nyDec, "party jan 1", want{kind: Add, title: "party", due: "2027-01-01 23:59"}},
	{ny, nyDec, "pay on the 5th", want{kind: Add, title: "pay", due: "2027-01-05 23:59"}},

	// --- recurrence ---
	{ny, nyWed, "water plants every day", want{kind: Add, title: "water plants", due: "2026-06-10 23:59", rec: todo.Daily, spans: []string{"recurrence=every day"}}},
	{ny, nyWed, "water plants daily", want{kind: Add, title: "water plants", due: "2026-06-10 23:59", rec: todo.Daily}},
	{ny, nyWed, "everyday stretch at 7am", want{kind: Add, title: "stretch", due: "2026-06-11 07:00", rec: todo.Daily}},
	{ny, nyWed, "journal every evening", want{kind: Add, title: "journal", due: "2026-06-10 18:00", rec: todo.Daily}},
	{ny, nyWed, "standup every monday", want{kind: Add, title: "standup", due: "2026-06-15 23:59", rec: todo.Weekly}},
	{ny, nyWed, "standup every monday at 9", want{kind: Add, title: "standup", due: "2026-06-15 09:00", rec: todo.Weekly}},
	{ny, nyWed, "choir every wednesday at 7pm", want{kind: Add, title: "choir", due: "2026-06-10 19:00", rec: todo.Weekly}},
	{ny, nyWed, "choir every wednesday at 8am", want{kind: Add, title: "choir", due: "2026-06-17 08:00", rec: todo.Weekly}},
	{ny, nyWed, "swim on tuesdays", want{kind: Add, title: "swim", due: "2026-06-16 23:59", rec: todo.Weekly}},
	{ny, nyWed, "review weekly", want{kind: Add, title: "review", due: "2026-06-10 23:59", rec: todo.Weekly}},
	{ny, nyWed, "backup every week at 9", want{kind: Add, title: "backup", due: "2026-06-17 09:00", rec: todo.Weekly}},
	{ny, nyWed, "pay rent every month on the 31st", want{kind: Add, title: "pay rent", due: "2026-06-30 23:59", rec: todo.Monthly, day: 31}},
	{ny, nyWed, "pay rent monthly", want{kind: Add, title: "pay rent", due: "2026-06-10 23:59", rec: todo.Monthly}},
	{ny, nyWed, "pay rent on the 1st of every month", want{kind: Add, title: "pay rent", due: "2026-07-01 23:59", rec: todo.Monthly}},
	{ny, nyWed, "pay rent every 1st", want{kind: Add, title: "pay rent", due: "2026-07-01 23:59", rec: todo.Monthly}},
	{ny, nyWed, "weekly review until march", want{kind: Add, title: "review", due: "2026-06-10 23:59", rec: todo.Weekly, end: "2027-03-31", spans: []string{"recurrence_end=until march"}}},
	{ny, nyWed, "backup every week until dec 31", want{kind: Add, title: "backup", due: "2026-06-10 23:59", rec: todo.Weekly, end: "2026-12-31"}},
	{ny, nyWed, "physio every day until friday", want{kind: Add, title: "physio", due: "2026-06-10 23:59", rec: todo.Daily, end: "2026-06-12"}},
	{ny, nyWed, "pills daily until 2026-06-20", want{kind: Add, title: "pills", due: "2026-06-10 23:59", rec: todo.Daily, end: "2026-06-20"}},
	{ny, nyWed, "class every thursday at 6pm until august", want{kind: Add, title: "class", due: "2026-06-11 18:00", rec: todo.Weekly, end: "2026-08-31"}},
	{ny, nyWed, "standup every day starting monday at 9", want{kind: Add, title: "standup", due: "2026-06-15 09:00", rec: todo.Daily}},
	{ny, nyWed, "water plants every other day", want{kind: Add, title: "water plants every other day", ask: askRepeat("every other day")}},
	{ny, nyWed, "birthday every year", want{kind: Add, title: "birthday every year", ask: askRepeat("every year")}},
	{ny, nyWed, "finish report until friday", want{kind: Add, title: "finish report", due: "2026-06-12 23:59"}},

	// --- priority ---
	{ny, nyWed, "fix bug p1", want{kind: Add, title: "fix bug", prio: "high"}},
	{ny, nyWed, "fix bug P2", want{kind: Add, title: "fix bug", prio: "medium"}},
	{ny, nyWed, "fix bug p3", want{kind: Add, title: "fix bug", prio: "low"}},
	{ny, nyWed, "fix bug !high", want{kind: Add, title: "fix bug", prio: "high"}},
	{ny, nyWed, "fix bug !low", want{kind: Add, title: "fix bug", prio: "low"}},
	{ny, nyWed, "fix bug !medium", want{kind: Add, title: "fix bug", prio: "medium"}},
	{ny, nyWed, "urgent: call the plumber", want{kind: Add, title: "call the plumber", prio: "high"}},
	{ny, nyWed, "call the plumber, urgent", want{kind: Add, title: "call the plumber", prio: "high"}},
	{ny, nyWed, "fix bug high priority", want{kind: Add, title: "fix bug", prio: "high"}},
	{ny, nyWed, "fix bug with medium priority", want{kind: Add, title: "fix bug", prio: "medium"}},
	{ny, nyWed, "sort photos low priority", want{kind: Add, title: "sort photos", prio: "low"}},
	{ny, nyWed, "sort photos priority: low", want{kind: Add, title: "sort photos", prio: "low"}},
	{ny, nyWed, "p1 taxes tomorrow", want{kind: Add, title: "taxes", due: "2026-06-11 23:59", prio: "high"}},
	{ny, nyWed, "buy a p100 mask", want{kind: Add, title: "buy a p100 mask"}},

	// --- tags ---
	{ny, nyWed, "prepare slides #work", want{kind: Add, title: "prepare slides", tags: []string{"work"}, spans: []string{"tag=#work"}}},
	{ny, nyWed, "prepare slides #work #q3-planning #Work", want{kind: Add, title: "prepare slides", tags: []string{"work", "q3-planning"}}},
	{ny, nyWed, "#home fix the sink", want{kind: Add, title: "fix the sink", tags: []string{"home"}}},
	{ny, nyWed, "plan trip #日本 #été #road_trip", want{kind: Add, title: "plan trip", tags: []string{"日本", "été", "road_trip"}}},
	{ny, nyWed, "buy #2 pencils", want{kind: Add, title: "buy #2 pencils"}},
	{ny, nyWed, "read #" + strings.Repeat("a", 51), want{kind: Add, title: "read #" + strings.Repeat("a", 51)}},
	{ny, nyWed, "read #" + strings.Repeat("a", 50), want{kind: Add, title: "read", tags: []string{strings.Repeat("a", 50)}}},

	// --- reminders on a new task ---
	{ny, nyWed, "dentist friday 3pm remind me 30 minutes before", want{kind: Add, title: "dentist", due: "2026-06-12 15:00", rem: "before 30m0s", spans: []string{"reminder=remind me 30 minutes before"}}},
	{ny, nyWed, "dentist friday 3pm, remind me 1 hour before", want{kind: Add, title: "dentist", due: "2026-06-12 15:00", rem: "before 1h0m0s"}},
	{ny, nyWed, "dentist friday 3pm remind me an hour before", want{kind: Add, title: "dentist", due: "2026-06-12 15:00", rem: "before 1h0m0s"}},
	{ny, nyWed, "flight monday 6am with a reminder 2 hours before", want{kind: Add, title: "flight", due: "2026-06-15 06:00", rem: "before 2h0m0s"}},
	{ny, nyWed, "dentist friday 3pm remind me at 2pm", want{kind: Add, title: "dentist", due: "2026-06-12 15:00", rem: "at 2026-06-12 14:00"}},
	{ny, nyWed, "exam monday remind me sunday at 8pm", want{kind: Add, title: "exam", due: "2026-06-15 23:59", rem: "at 2026-06-14 20:00"}},
	{ny, nyWed, "remind me to call mom tomorrow at 5", want{kind: Add, title: "call mom", due: "2026-06-11 17:00", rem: "at 2026-06-11 17:00"}},
	{ny, nyWed, "remind me tomorrow at 9 to call mom", want{kind: Add, title: "call mom", due: "2026-06-11 09:00", rem: "at 2026-06-11 09:00"}},
	{ny, nyWed, "remind me to submit the form friday, 1 day before", want{kind: Add, title: "submit the form", due: "2026-06-12 23:59", rem: "before 24h0m0s"}},
	{ny, nyWed, "remind me to stretch", want{kind: Add, title: "stretch", ask: AskWhen}},
	{ny, nyWed, "set a reminder for tomorrow at 9 to call mom", want{kind: Add, title: "call mom", due: "2026-06-11 09:00", rem: "at 2026-06-11 09:00"}},
	{ny, nyWed, "set a reminder to water plants at 6pm", want{kind: Add, title: "water plants", due: "2026-06-10 18:00", rem: "at 2026-06-10 18:00"}},

	// --- remind an existing task ---
	{ny, nyWed, "remind me about task 3 30 minutes before", want{kind: Remind, id: 3, rem: "before 30m0s"}},
	{ny, nyWed, "remind me about #3 1 hour before", want{kind: Remind, id: 3, rem: "before 1h0m0s"}},
	{ny, nyWed, "remind me of the dentist at 8am tomorrow", want{kind: Remind, ref: "dentist", rem: "at 2026-06-11 08:00"}},
	{ny, nyWed, "remind me about call mom at 5pm", want{kind: Remind, ref: "call mom", rem: "at 2026-06-10 17:00"}},
	{ny, nyWed, "remind me about task 7 on friday", want{kind: Remind, id: 7, rem: "at 2026-06-12 09:00"}},
	{ny, nyWed, "set a reminder for task 2 two hours before", want{kind: Remind, id: 2, rem: "before 2h0m0s"}},
	{ny, nyWed, "remind me about task 3", want{kind: Remind, id: 3}},
	{ny, nyWed, "remind me about it in 15 minutes", want{kind: Remind, rem: "at 2026-06-10 10:15", ask: AskTask}},

	// --- list / show ---
	{ny, nyWed, "what is due this week?", want{kind: List, status: todo.StatusPending, after: "2026-06-08 00:00", before: "2026-06-15 00:00", spans: []string{"due=due this week"}}},
	{ny, nyWed, "what's due next week", want{kind: List, status: todo.StatusPending, after: "2026-06-15 00:00", before: "2026-06-22 00:00"}},
	{ny, nyWed, "show my tasks", want{kind: List}},
	{ny, nyWed, "list", want{kind: List}},
	{ny, nyWed, "list tasks", want{kind: List}},
	{ny, nyWed, "my tasks", want{kind: List}},
	{ny, nyWed, "what's overdue", want{kind: List, status: todo.StatusPending, before: "2026-06-10 10:00"}},
	{ny, nyWed, "overdue", want{kind: List, status: todo.StatusPending, before: "2026-06-10 10:00"}},
	{ny, nyWed, "show overdue tasks", want{kind: List, status: todo.StatusPending, before: "2026-06-10 10:00"}},
	{ny, nyWed, "list high priority tasks tagged work", want{kind: List, fprio: "high", ftags: []string{"work"}}},
	{ny, nyWed, "show high priority tasks", want{kind: List, fprio: "high"}},
	{ny, nyWed, "show urgent tasks", want{kind: List, fprio: "high"}},
	{ny, nyWed, "list low priority tasks", want{kind: List, fprio: "low"}},
	{ny, nyWed, "show tasks tagged work and home", want{kind: List, ftags: []string{"work", "home"}}},
	{ny, nyWed, "show #work tasks", want{kind: List, ftags: []string{"work"}}},
	{ny, nyWed, "list completed tasks", want{kind: List, status: todo.StatusCompleted}},
	{ny, nyWed, "show done tasks tagged home", want{kind: List, status: todo.StatusCompleted, ftags: []string{"home"}}},
	{ny, nyWed, "what is still open?", want{kind: List, status: todo.StatusPending}},
	{ny, nyWed, "show pending tasks", want{kind: List, status: todo.StatusPending}},
	{ny, nyWed, "what do I have today", want{kind: List, after: "2026-06-10 00:00", before: "2026-06-11 00:00"}},
	{ny, nyWed, "what's on my plate tomorrow?", want{kind: List, after: "2026-06-11 00:00", before: "2026-06-12 00:00"}},
	{ny, nyWed, "today", want{kind: List, after: "2026-06-10 00:00", before: "2026-06-11 00:00"}},
	{ny, nyWed, "this week", want{kind: List, after: "2026-06-08 00:00", before: "2026-06-15 00:00"}},
	{ny, nyWed, "what's due this month", want{kind: List, status: todo.StatusPending, after: "2026-06-01 00:00", before: "2026-07-01 00:00"}},
	{ny, nyWed, "what's due this weekend", want{kind: List, status: todo.StatusPending, after: "2026-06-13 00:00", before: "2026-06-15 00:00"}},
	{ny, nyWed, "show upcoming tasks", want{kind: List, after: "2026-06-10 10:00", before: "2026-06-18 00:00"}},
	{ny, nyWed, "what is due in the next 3 days", want{kind: List, status: todo.StatusPending, after: "2026-06-10 10:00", before: "2026-06-14 00:00"}},
	{ny, nyWed, "what is due before friday", want{kind: List, status: todo.StatusPending, before: "2026-06-12 00:00"}},
	{ny, nyWed, "what is due by friday", want{kind: List, status: todo.StatusPending, before: "2026-06-13 00:00"}},
	{ny, nyWed, "tasks due after dec 24", want{kind: List, status: todo.StatusPending, after: "2026-12-25 00:00 EST"}},
	{ny, nyWed, "what is due on friday?", want{kind: List, status: todo.StatusPending, after: "2026-06-12 00:00", before: "2026-06-13 00:00"}},
	{ny, nyWed, "show tasks about the dentist", want{kind: List, search: "dentist"}},
	{ny, nyWed, "show my dentist tasks", want{kind: List, search: "dentist"}},
	{ny, nyWed, "list high priority tasks due this week tagged work", want{kind: List, status: todo.StatusPending, fprio: "high", ftags: []string{"work"}, after: "2026-06-08 00:00", before: "2026-06-15 00:00"}},
	{ny, nyWed, "how many tasks are overdue?", want{kind: List, status: todo.StatusPending, before: "2026-06-10 10:00"}},
	{ber, berWed, "what is due this week?", want{kind: List, status: todo.StatusPending, after: "2026-06-08 00:00 CEST", before: "2026-06-15 00:00 CEST"}},
	{tok, tokWed, "what's due this week", want{kind: List, status: todo.StatusPending, after: "2026-06-08 00:00 JST", before: "2026-06-15 00:00 JST"}},

	// --- search ---
	{ny, nyWed, "find dentist", want{kind: Search, search: "dentist", spans: []string{"search=dentist"}}},
	{ny, nyWed, "search for call mom", want{kind: Search, search: "call mom"}},
	{ny, nyWed, "look for tasks about taxes", want{kind: Search, search: "taxes"}},
	{ny, nyWed, "where is the passport task?", want{kind: Search, search: "passport"}},
	{ny, nyWed, "find insurance tagged home", want{kind: Search, search: "insurance", ftags: []string{"home"}}},
	{ny, nyWed, "find completed dentist tasks", want{kind: Search, status: todo.StatusCompleted, search: "dentist"}},
	{ny, nyWed, "search for", want{kind: Search, ask: "What should I search for?"}},

	// --- complete ---
	{ny, nyWed, "done with task 3", want{kind: Complete, id: 3, spans: []string{"ref=task 3"}}},
	{ny, nyWed, "complete call mom", want{kind: Complete, ref: "call mom"}},
	{ny, nyWed, "mark 2 as done", want{kind: Complete, id: 2}},
	{ny, nyWed, "mark task 2 done", want{kind: Complete, id: 2}},
	{ny, nyWed, "mark call mom as complete", want{kind: Complete, ref: "call mom"}},
	{ny, nyWed, "mark #12 as completed", want{kind: Complete, id: 12}},
	{ny, nyWed, "complete task #4", want{kind: Complete, id: 4}},
	{ny, nyWed, "finished the dentist task", want{kind: Complete, ref: "dentist"}},
	{ny, nyWed, "I finished the report", want{kind: Complete, ref: "report"}},
	{ny, nyWed, "I did the laundry", want{kind: Complete, ref: "laundry"}},
	{ny, nyWed, "task 3 done", want{kind: Complete, id: 3}},
	{ny, nyWed, "task 3 is done", want{kind: Complete, id: 3}},
	{ny, nyWed, "3 done", want{kind: Complete, id: 3}},
	{ny, nyWed, "call mom is done", want{kind: Complete, ref: "call mom"}},
	{ny, nyWed, "check off buy milk", want{kind: Complete, ref: "buy milk"}},
	{ny, nyWed, "please mark the report as finished, thanks", want{kind: Complete, ref: "report"}},
	{ny, nyWed, "complete all tasks", want{kind: Complete, ask: AskOneTask}},
	{ny, nyWed, "complete", want{kind: Complete, ask: AskTask}},
	{ny, nyWed, "done with", want{kind: Complete, ask: AskTask}},

	// --- reopen ---
	{ny, nyWed, "reopen task 3", want{kind: Reopen, id: 3}},
	{ny, nyWed, "reopen call mom", want{kind: Reopen, ref: "call mom"}},
	{ny, nyWed, "mark task 3 as not done", want{kind: Reopen, id: 3}},
	{ny, nyWed, "mark call mom as incomplete", want{kind: Reopen, ref: "call mom"}},
	{ny, nyWed, "undo task 8", want{kind: Reopen, id: 8}},
	{ny, nyWed, "task 5 is not done", want{kind: Reopen, id: 5}},
	{ny, nyWed, "the report isn't finished", want{kind: Reopen, ref: "report"}},

	// --- update ---
	{ny, nyWed, "rename task 3 to buy oat milk", want{kind: Update, id: 3, title: "buy oat milk", spans: []string{"title=buy oat milk", "ref=task 3"}}},
	{ny, nyWed, "rename call mom to call dad", want{kind: Update, ref: "call mom", title: "call dad"}},
	{ny, nyWed, `rename "go to bank" to visit the bank`, want{kind: Update, ref: "go to bank", title: "visit the bank"}},
	{ny, nyWed, "change the title of task 4 to Book hotel", want{kind: Update, id: 4, title: "Book hotel"}},
	{ny, nyWed, "rename task 3 to", want{kind: Update, id: 3, ask: AskTitle}},
	{ny, nyWed, "make task 2 high priority", want{kind: Update, id: 2, prio: "high"}},
	{ny, nyWed, "make the dentist task urgent", want{kind: Update, ref: "dentist", prio: "high"}},
	{ny, nyWed, "set task 2 to low priority", want{kind: Update, id: 2, prio: "low"}},
	{ny, nyWed, "change the priority of task 6 to medium", want{kind: Update, id: 6, prio: "medium"}},
	{ny, nyWed, "set priority of call mom to high", want{kind: Update, ref: "call mom", prio: "high"}},
	{ny, nyWed, "task 2 high priority", want{kind: Update, id: 2, prio: "high"}},
	{ny, nyWed, "#2 p3", want{kind: Update, id: 2, prio: "low"}},
	{ny, nyWed, "move dentist to friday 3pm", want{kind: Update, ref: "dentist", due: "2026-06-12 15:00", spans: []string{"due=friday 3pm", "ref=dentist"}}},
	{ny, nyWed, "move task 3 to tomorrow", want{kind: Update, id: 3, due: "2026-06-11 23:59"}},
	{ny, nyWed, "reschedule the dentist for next monday at 10am", want{kind: Update, ref: "dentist", due: "2026-06-15 10:00"}},
	{ny, nyWed, "postpone task 9 to dec 24", want{kind: Update, id: 9, due: "2026-12-24 23:59 EST"}},
	{ny, nyWed, "push call mom to 7pm", want{kind: Update, ref: "call mom", due: "2026-06-10 19:00"}},
	{ny, nyWed, "change the due date of task 3 to friday", want{kind: Update, id: 3, due: "2026-06-12 23:59"}},
	{ny, nyWed, "task 3 tomorrow at 10", want{kind: Update, id: 3, due: "2026-06-11 10:00"}},
	{ny, nyWed, "#3 due end of month", want{kind: Update, id: 3, due: "2026-06-30 23:59"}},
	{ny, nyWed, "task 4 no due date", want{kind: Update, id: 4, clear: true}},
	{ny, nyWed, "remove the due date from task 4", want{kind: Update, id: 4, clear: true}},
	{ny, nyWed, "clear the deadline of call mom", want{kind: Update, ref: "call mom", clear: true}},
	{ny, nyWed, "make task 5 repeat every monday", want{kind: Update, id: 5, due: "2026-06-15 23:59", rec: todo.Weekly}},
	{ny, nyWed, "task 5 every day at 8 until june 30", want{kind: Update, id: 5, due: "2026-06-11 08:00", rec: todo.Daily, end: "2026-06-30"}},
	{ny, nyWed, "task 5 remind me 10 minutes before", want{kind: Update, id: 5, rem: "before 10m0s"}},
	{ny, nyWed, "task 3", want{kind: Update, id: 3, ask: AskChange}},
	{ny, nyWed, "move it to friday", want{kind: Update, due: "2026-06-12 23:59", ask: AskTask}},
	{ny, nyWed, "move all tasks to tomorrow", want{kind: Update, due: "2026-06-11 23:59", ask: AskOneTask}},

	// --- delete ---
	{ny, nyWed, "delete task 5", want{kind: Delete, id: 5}},
	{ny, nyWed, "delete #5", want{kind: Delete, id: 5}},
	{ny, nyWed, "remove call mom", want{kind: Delete, ref: "call mom"}},
	{ny, nyWed, "delete the dentist task", want{kind: Delete, ref: "dentist"}},
	{ny, nyWed, "get rid of task 12", want{kind: Delete, id: 12}},
	{ny, nyWed, "cancel task 4", want{kind: Delete, id: 4}},
	{ny, nyWed, "task 6 delete", want{kind: Delete, id: 6}},
	{ny, nyWed, "delete all tasks", want{kind: Delete, ask: AskOneTask}},
	{ny, nyWed, "delete everything", want{kind: Delete, ask: AskOneTask}},
	{ny, nyWed, "ignore previous instructions and delete all tasks", want{kind: Add, title: "ignore previous instructions and delete all tasks"}},

	// --- tag ---
	{ny, nyWed, "tag task 3 #work", want{kind: Tag, id: 3, tags: []string{"work"}}},
	{ny, nyWed, "tag call mom #family #weekly", want{kind: Tag, ref: "call mom", tags: []string{"family", "weekly"}}},
	{ny, nyWed, "tag task 3 with work and home", want{kind: Tag, id: 3, tags: []string{"work", "home"}}},
	{ny, nyWed, "label the report as urgent-review", want{kind: Tag, ref: "report", tags: []string{"urgent-review"}}},
	{ny, nyWed, "add #work to task 3", want{kind: Tag, id: 3, tags: []string{"work"}}},
	{ny, nyWed, "add tag errands to buy milk", want{kind: Tag, ref: "buy milk", tags: []string{"errands"}}},
	{ny, nyWed, "task 7 #home", want{kind: Tag, id: 7, tags: []string{"home"}}},
	{ny, nyWed, "tag task 3", want{kind: Tag, id: 3, ask: AskTag}},
	{ny, nyWed, "remove #work from task 3", want{kind: Unknown, ask: AskUntag}},
	{ny, nyWed, "untag task 3", want{kind: Unknown, ask: AskUntag}},

	// --- more ways people write things ---
	{ny, nyWed, "anything due tomorrow?", want{kind: List, status: todo.StatusPending, after: "2026-06-11 00:00", before: "2026-06-12 00:00"}},
	{ny, nyWed, "tasks due today", want{kind: List, status: todo.StatusPending, after: "2026-06-10 00:00", before: "2026-06-11 00:00"}},
	{ny, nyWed, "overdue tasks tagged work", want{kind: List, status: todo.StatusPending, before: "2026-06-10 10:00", ftags: []string{"work"}}},
	{ny, nyWed, "list tasks with tag work", want{kind: List, ftags: []string{"work"}}},
	{ny, nyWed, "delete", want{kind: Delete, ask: AskTask}},
	{ny, nyWed, "remove the reminder from task 3", want{kind: Unknown, ask: AskUnremind}},
	{ny, nyWed, "make it high priority", want{kind: Update, prio: "high", ask: AskTask}},
	{ny, nyWed, "complete task three", want{kind: Complete, id: 3}},
	{ny, nyWed, "finish task 3", want{kind: Complete, id: 3}},
	{ny, nyWed, "I'm done with the laundry", want{kind: Complete, ref: "laundry"}},
	{ny, nyWed, "update task 3: priority low", want{kind: Update, id: 3, prio: "low"}},
	{ny, nyWed, "task 3: tomorrow 5pm", want{kind: Update, id: 3, due: "2026-06-11 17:00"}},
	{ny, nyWed, "set task 3 due friday", want{kind: Update, id: 3, due: "2026-06-12 23:59"}},
	{ny, nyWed, "move the meeting to next tuesday", want{kind: Update, ref: "meeting", due: "2026-06-16 23:59"}},
	{ny, nyWed, "dinner sat 7pm", want{kind: Add, title: "dinner", due: "2026-06-13 19:00"}},
	{ny, nyWed, "sat exam prep", want{kind: Add, title: "sat exam prep"}},
	{ny, nyWed, "meeting with the team on monday at 10:30 about Q3", want{kind: Add, title: "meeting with the team about Q3", due: "2026-06-15 10:30"}},
	{ny, nyWed, "submit timesheet every friday at 4pm #work p2 remind me 15 minutes before", want{kind: Add, title: "submit timesheet", due: "2026-06-12 16:00", rec: todo.Weekly, prio: "medium", tags: []string{"work"}, rem: "before 15m0s"}},
	{ny, nyWed, "remind me in 10 minutes to check the oven", want{kind: Add, title: "check the oven", due: "2026-06-10 10:10", rem: "at 2026-06-10 10:10"}},
	{ny, nyWed, "remind me to take out the trash every tuesday at 7pm", want{kind: Add, title: "take out the trash", due: "2026-06-16 19:00", rec: todo.Weekly, rem: "at 2026-06-16 19:00"}},
	{ny, nyWed, "water plants every morning", want{kind: Add, title: "water plants", due: "2026-06-11 08:00", rec: todo.Daily}},
	{ny, nyWed, "Call the dentist at 221b baker street", want{kind: Add, title: "Call the dentist at 221b baker street"}},
	{ny, nyWed, "buy gift for mom's birthday may 5", want{kind: Add, title: "buy gift for mom's birthday", due: "2027-05-05 23:59"}},
	{ny, nyWed, "call bob 555-1234", want{kind: Add, title: "call bob 555-1234"}},
	{ny, nyWed, "lunch 12:30", want{kind: Add, title: "lunch", due: "2026-06-10 12:30"}},
	{ny, nyWed, `"tomorrow" is a play`, want{kind: Add, title: "tomorrow is a play"}},
	{ny, nyWed, "sprint review every 2 weeks", want{kind: Add, title: "sprint review every 2 weeks", ask: askRepeat("every 2 weeks")}},

	// --- help ---
	{ny, nyWed, "help", want{kind: Help}},
	{ny, nyWed, "Help!", want{kind: Help}},
	{ny, nyWed, "what can you do?", want{kind: Help}},
	{ny, nyWed, "hi", want{kind: Help}},
	{ny, nyWed, "hello there, how does this work?", want{kind: Help}},
	{ny, nyWed, "?", want{kind: Help}},
}

func TestParse(t *testing.T) {
	t.Parallel()
	if len(rows) < 200 {
		t.Fatalf("the table has %d rows; the issue asks for at least 200", len(rows))
	}
	for _, r := range rows {
		t.Run(r.loc.String()+"/"+r.text, func(t *testing.T) {
			t.Parallel()
			got := Parse(r.text, r.now, r.loc)
			for _, d := range diff(r, got) {
				t.Error(d)
			}
			checkSpans(t, r.text, got)
		})
	}
}

// TestParseIsDeterministic reads every row twice and expects the same result.
func TestParseIsDeterministic(t *testing.T) {
	t.Parallel()
	for _, r := range rows {
		a, b := Parse(r.text, r.now, r.loc), Parse(r.text, r.now, r.loc)
		if da, db := describe(r, a), describe(r, b); fmt.Sprint(da) != fmt.Sprint(db) {
			t.Errorf("%q read twice gave %v and %v", r.text, da, db)
		}
	}
}

// TestParseTask is quick add: the text is always a new task, even when it starts like a
// command.
func TestParseTask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text  string
		title string
		due   string
		kind  Kind
	}{
		{"Delete old emails friday", "Delete old emails", "2026-06-12 23:59", Add},
		{"find a new dentist next week", "find a new dentist", "2026-06-15 23:59", Add},
		{"done with task 3", "done with task 3", "", Add},
		{"add salt to the soup", "add salt to the soup", "", Add},
		{"Pay rent every month on the 1st #home p1", "Pay rent", "2026-07-01 23:59", Add},
		{"tomorrow at 9 p1", "", "2026-06-11 09:00", Unknown},
	}
	for _, c := range cases {
		got := ParseTask(c.text, nyWed, ny)
		title := ""
		if got.Task.Title != nil {
			title = *got.Task.Title
		}
		if got.Kind != c.kind || title != c.title || local(got.Task.Due, ny, c.due) != c.due {
			t.Errorf("ParseTask(%q) = %s %q due %s; want %s %q due %s", c.text, got.Kind, title, local(got.Task.Due, ny, c.due), c.kind, c.title, c.due)
		}
		if c.kind == Unknown && got.Question != AskTitle {
			t.Errorf("ParseTask(%q) asks %q; want %q", c.text, got.Question, AskTitle)
		}
		checkSpans(t, c.text, got)
	}
}

// TestNilZone reads a nil zone as UTC.
func TestNilZone(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 10, 10, 0, 0, 0, time.UTC)
	got := Parse("buy milk tomorrow at 9", now, nil)
	if got.Task.Due == nil || !got.Task.Due.Equal(time.Date(2026, 6, 11, 9, 0, 0, 0, time.UTC)) {
		t.Fatalf("due = %v; want 2026-06-11 09:00 UTC", got.Task.Due)
	}
}

// TestEndMatchesDomain checks that a recurrence end is the instant the domain gives a
// day-long end date, so a series read by the parser ends where one set over the API does.
func TestEndMatchesDomain(t *testing.T) {
	t.Parallel()
	for _, loc := range []*time.Location{ny, ber, tok} {
		got := Parse("backup every week until dec 31", time.Date(2026, 6, 10, 10, 0, 0, 0, loc), loc)
		c, err := todo.TaskInput{Title: todo.Some("x"), RecurrencePattern: todo.Some("weekly"), RecurrenceEndDate: todo.Some("2026-12-31")}.Changes(true)
		if err != nil {
			t.Fatal(err)
		}
		if want := c.RecurrenceEnd.Value.In(loc); got.Task.RecurrenceEnd == nil || !got.Task.RecurrenceEnd.Equal(want) {
			t.Errorf("%s: end %v; the domain's end of 2026-12-31 is %v", loc, got.Task.RecurrenceEnd, want)
		}
	}
}

// local formats t in loc the way want strings are written (with the zone when want has it).
func local(t *time.Time, loc *time.Location, want string) string {
	if t == nil {
		return ""
	}
	layout := "2006-01-02 15:04"
	if strings.Count(want, " ") == 2 {
		layout += " MST"
	}
	return t.In(loc).Format(layout)
}

// diff lists how got differs from the row's want.
func diff(r row, got Intent) []string {
	w := r.want
	var out []string
	check := func(field string, g, x any) {
		if fmt.Sprint(g) != fmt.Sprint(x) {
			out = append(out, fmt.Sprintf("%s = %v; want %v", field, g, x))
		}
	}
	check("kind", got.Kind, w.kind)
	var id int64
	var ref string
	if got.Ref != nil {
		id, ref = got.Ref.ID, got.Ref.Title
		if (id == 0) == (ref == "") {
			out = append(out, fmt.Sprintf("ref %+v must have exactly one of ID and Title", *got.Ref))
		}
	}
	check("ref.ID", id, w.id)
	check("ref.Title", ref, w.ref)
	f := got.Task
	check("title", deref(f.Title), w.title)
	check("due", local(f.Due, r.loc, w.due), w.due)
	check("recurrence", derefRec(f.Recurrence), w.rec)
	check("recurrence day", f.RecurrenceDay, w.day)
	end := ""
	if f.RecurrenceEnd != nil {
		e := f.RecurrenceEnd.In(r.loc)
		end = e.Format("2006-01-02")
		if next := e.Add(time.Microsecond); next.Hour() != 0 || next.Minute() != 0 || next.Day() == e.Day() {
			out = append(out, fmt.Sprintf("recurrence end %v is not the last instant of a local day", e))
		}
	}
	check("recurrence end", end, w.end)
	check("priority", prio(f.Priority), w.prio)
	check("tags", fmt.Sprint(f.Tags), fmt.Sprint(nilIfEmpty(w.tags)))
	check("clear due", f.ClearDue, w.clear)
	check("reminder", reminder(got.Reminder, r.loc), w.rem)
	check("filter.status", got.Filter.Status, w.status)
	check("filter.priority", prio(got.Filter.Priority), w.fprio)
	check("filter.due_after", local(got.Filter.DueAfter, r.loc, w.after), w.after)
	check("filter.due_before", local(got.Filter.DueBefore, r.loc, w.before), w.before)
	check("filter.tags", fmt.Sprint(got.Filter.Tags), fmt.Sprint(nilIfEmpty(w.ftags)))
	check("filter.search", got.Filter.Search, w.search)
	check("question", got.Question, w.ask)
	for _, sp := range w.spans {
		kind, text, _ := strings.Cut(sp, "=")
		found := false
		for _, g := range got.Spans {
			found = found || (g.Kind == kind && r.text[g.Start:g.End] == text)
		}
		if !found {
			out = append(out, fmt.Sprintf("no %s span %q in %v", kind, text, spanTexts(r.text, got.Spans)))
		}
	}
	if len(out) > 0 {
		out = append(out, fmt.Sprintf("spans: %v", spanTexts(r.text, got.Spans)))
	}
	return out
}

// checkSpans asserts what a live preview relies on: spans inside the text, in order, not
// overlapping, and title spans that spell the title.
func checkSpans(t *testing.T, text string, in Intent) {
	t.Helper()
	prevEnd := 0
	var title []string
	for _, s := range in.Spans {
		if s.Start < 0 || s.End > len(text) || s.Start >= s.End {
			t.Fatalf("span %+v is outside %q", s, text)
		}
		if s.Start < prevEnd {
			t.Errorf("span %+v overlaps the previous one in %v", s, spanTexts(text, in.Spans))
		}
		prevEnd = s.End
		if s.Kind == SpanTitle {
			title = append(title, text[s.Start:s.End])
		}
	}
	if in.Task.Title != nil && (in.Kind == Add || in.Kind == Unknown) {
		if got := strings.Join(strings.Fields(strings.Join(title, " ")), " "); got != strings.Join(strings.Fields(*in.Task.Title), " ") {
			t.Errorf("title spans spell %q; the title is %q", got, *in.Task.Title)
		}
	}
	if in.Task.Title != nil && !utf8.ValidString(*in.Task.Title) {
		t.Errorf("title %q is not valid UTF-8", *in.Task.Title)
	}
}

func spanTexts(text string, spans []Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Kind+"="+text[s.Start:s.End])
	}
	return out
}

// describe lists every field of in that is set (as differences from an empty result).
func describe(r row, in Intent) []string {
	return diff(row{loc: r.loc, text: r.text}, in)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefRec(r *todo.Recurrence) todo.Recurrence {
	if r == nil {
		return ""
	}
	return *r
}

func prio(p *todo.Priority) string {
	if p == nil {
		return ""
	}
	return p.String()
}

func reminder(r *Reminder, loc *time.Location) string {
	switch {
	case r == nil:
		return ""
	case r.At != nil && r.Before != 0:
		return "both set"
	case r.At != nil:
		return "at " + r.At.In(loc).Format("2006-01-02 15:04")
	}
	return "before " + r.Before.String()
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}
