"""Complaint deadlines: calendar hours, or working hours of the department's own calendar.

Everything is computed from the clock when asked (no background process), so overdue is the
same answer in every process on every machine.
"""

import datetime

from models.complaints.labels import DEFAULT_HOURS
from models.core import Setting, clock


class WorkCalendar:
    """The department's working time: days of the week, hours of the day, holidays and the
    weekend days worked instead (调休), all from Settings, in the department's time zone."""

    def __init__(self, values=None):
        values = values if values is not None else Setting.all_values()
        self.values = values
        self.mode = values.get("complaint_hours_mode", "calendar")
        self.days = {int(d) for d in values.get("working_days", ["0", "1", "2", "3", "4"])}
        self.start = datetime.time.fromisoformat(values.get("working_day_start", "09:00"))
        self.end = datetime.time.fromisoformat(values.get("working_day_end", "18:00"))
        self.holidays = {datetime.date.fromisoformat(d) for d in values.get("holidays", [])}
        self.extra = {datetime.date.fromisoformat(d) for d in values.get("extra_working_days", [])}

    def hours_for(self, severity):
        """(hours to contact the customer, hours to resolve) for a severity."""
        ack, resolve = DEFAULT_HOURS[severity]
        return (
            self.values.get(f"complaint_ack_hours_{severity}", ack),
            self.values.get(f"complaint_resolve_hours_{severity}", resolve),
        )

    def is_working_day(self, day):
        if day in self.extra:
            return True
        return day.weekday() in self.days and day not in self.holidays

    def add(self, start, hours):
        """The moment ``hours`` after ``start`` (UTC naive), in calendar or working hours."""
        if self.mode != "working" or self.end <= self.start or not (self.days or self.extra):
            return start + datetime.timedelta(hours=hours)
        zone = clock().zone
        left = datetime.timedelta(hours=hours)
        cursor = clock().to_local(start)
        for _ in range(3700):  # ten years of days: a calendar with no working day ends here
            day = cursor.date()
            if self.is_working_day(day):
                opens = datetime.datetime.combine(day, self.start, zone)
                closes = datetime.datetime.combine(day, self.end, zone)
                begin = max(cursor, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return (begin + left).astimezone(datetime.UTC).replace(tzinfo=None)
                    left -= closes - begin
            cursor = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0), zone)
        return start + datetime.timedelta(hours=hours)

    def deadlines(self, severity, start):
        """(contact the customer by, resolve by) for a complaint of ``severity`` made at ``start``."""
        ack, resolve = self.hours_for(severity)
        return self.add(start, ack), self.add(start, resolve)
