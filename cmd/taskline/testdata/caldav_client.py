"""Drives Taskline's CalDAV server with Debian's python3-caldav, as a script would.

usage: caldav_client.py URL USER PASSWORD create|complete|list
Prints one JSON object: what the client saw.
"""
import json
import sys

import caldav

url, user, password, step = sys.argv[1:5]
client = caldav.DAVClient(url=url, username=user, password=password)
principal = client.principal()
calendars = principal.calendars()
out = {"calendars": [c.name for c in calendars]}
cal = calendars[0]

if step == "create":
    cal.save_todo(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//python3-caldav test//EN\r\n"
        "BEGIN:VTODO\r\nUID:python-task-1\r\nDTSTAMP:20261201T000000Z\r\n"
        "SUMMARY:Stretch\r\nDESCRIPTION:ten minutes\r\nPRIORITY:2\r\nCATEGORIES:health\r\n"
        "DUE:%s\r\nRRULE:FREQ=DAILY\r\nX-PYTHON-CLIENT:kept\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n" % sys.argv[5]
    )
elif step == "complete":
    for t in cal.todos():
        if str(t.icalendar_component.get("uid")) == "python-task-1":
            t.complete()
            out["completed"] = str(t.icalendar_component.get("summary"))

todos = []
for t in cal.todos(include_completed=True):
    c = t.icalendar_component
    todos.append({
        "uid": str(c.get("uid")),
        "summary": str(c.get("summary")),
        "status": str(c.get("status", "")),
        "priority": int(c.get("priority", 0)),
        "due": c.decoded("due").isoformat() if c.get("due") else None,
        "x": str(c.get("x-python-client", "")),
    })
out["todos"] = todos
print(json.dumps(out))
