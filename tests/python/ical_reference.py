"""The week of calendar feeds as a widely used reader sees it: `recurring-ical-events` over
`icalendar` (PyPI, installed into .tools/ical-ref by `cargo xtask`), for the differential test
of the `ical` source (issue O).

Reads JSON on stdin: {"today": "YYYY-MM-DD", "zone": "Area/City", "feeds": [text, ...]}.
Writes JSON on stdout: one entry per feed, either {"events": [[date, start|null, summary], ...]}
(the window is today through today + 7 in the site's zone; a timed occurrence counts on the
day it starts, an all-day one on each day it covers; `start` is the wall-clock "HH:MM" in the
site's zone) or {"error": "..."} when the reader refuses the feed.
"""

import datetime as dt
import json
import sys
import zoneinfo

import icalendar
import recurring_ical_events


def week(text, today, zone):
    cal = icalendar.Calendar.from_ical(text)
    first = dt.datetime.combine(today, dt.time(0), tzinfo=zone)
    # A day before the window too: an all-day occurrence that began then covers its first days.
    lookback = first - dt.timedelta(days=40)
    end = dt.datetime.combine(today + dt.timedelta(days=8), dt.time(0), tzinfo=zone)
    out = []
    for ev in recurring_ical_events.of(cal).between(lookback, end):
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        summary = " ".join(str(ev.get("SUMMARY", "")).split())
        start = ev["DTSTART"].dt
        if isinstance(start, dt.datetime):
            if start.tzinfo is None:
                start = start.replace(tzinfo=zone)
            local = start.astimezone(zone)
            day = local.date()
            if today <= day <= today + dt.timedelta(days=7):
                out.append([day.isoformat(), local.strftime("%H:%M"), summary])
        else:
            end_prop = ev.get("DTEND")
            last = end_prop.dt if end_prop is not None else start + dt.timedelta(days=1)
            if isinstance(last, dt.datetime):
                last = last.date()
            days = max((last - start).days, 1)
            for n in range(days):
                day = start + dt.timedelta(days=n)
                if today <= day <= today + dt.timedelta(days=7):
                    out.append([day.isoformat(), None, summary])
    out.sort(key=lambda e: (e[0], e[1] or "", e[2]))
    return out


def main():
    request = json.load(sys.stdin)
    today = dt.date.fromisoformat(request["today"])
    zone = zoneinfo.ZoneInfo(request["zone"])
    answers = []
    for text in request["feeds"]:
        try:
            answers.append({"events": week(text, today, zone)})
        except Exception as e:  # the reader's refusal, whatever it is
            answers.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
