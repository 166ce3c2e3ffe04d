"""iCalendar (.ics) export of a regimen calendar, readable by common calendar programs.

Each administration becomes an all-day event (oral blocks span their days).  UIDs and
the DTSTAMP are derived from the schedule itself, so the same schedule always gives
the same file (no clock is read).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from icalendar import Calendar, Event

from her2path.engine.schedule import Schedule

PRODID = "-//her2path//course calendar//EN"


def schedule_to_ics(schedule: Schedule) -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{schedule.title} (from {schedule.start.isoformat()})")
    stamp = datetime.combine(schedule.start, time(0, 0))
    for i, a in enumerate(schedule.administrations):
        ev = Event()
        ev.add("uid", f"{schedule.regimen}-{a.date.isoformat()}-{a.drug}-{i}@her2path")
        ev.add("dtstamp", stamp)
        ev.add("dtstart", a.date)
        ev.add("dtend", (a.end or a.date) + timedelta(days=1))
        ev.add("summary", f"{a.name}: {a.dose_text} ({a.kind.value})")
        ev.add(
            "description",
            f"Regimen {schedule.regimen}, phase {a.phase}, week {a.week}, "
            f"dose {a.number} of this drug. Knowledge base {schedule.kb_version}. "
            "Planned date only: confirm doses against the current order.",
        )
        ev.add("categories", ["HER2-directed" if a.her2_directed else "partner"])
        cal.add_component(ev)
    result: bytes = cal.to_ical()
    return result
