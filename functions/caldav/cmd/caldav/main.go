// Command caldav serves the CalDAV function (/dav/, /.well-known/caldav) and the calendar
// feed (/feeds/{token}.ics).
package main

import (
	"github.com/taskline/taskline/functions/caldav"
	"github.com/taskline/taskline/shared/runtime"
)

func main() { runtime.Main(caldav.Name, caldav.Routes) }
