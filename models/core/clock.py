"""The department's clock: UTC for storage, the department's zone for "today".

The zone belongs to the database the app opened (``init_database`` is given it from the app's
config), so every model that asks for "today" asks the same department. Tests move the clock
(``travel``) instead of sleeping.
"""

import datetime
import zoneinfo


class Clock:
    def __init__(self, zone="Asia/Shanghai"):
        self.zone = zoneinfo.ZoneInfo(zone)
        self.offset = datetime.timedelta(0)

    def now(self):
        """Current time, UTC, naive (stored as is; shown in the local zone by the UI)."""
        return datetime.datetime.now(datetime.UTC).replace(tzinfo=None) + self.offset

    def today(self):
        return self.to_local(self.now()).date()

    def to_local(self, utc_naive):
        return utc_naive.replace(tzinfo=datetime.UTC).astimezone(self.zone)

    def to_utc(self, local_naive):
        """A wall-clock time of the department (as typed in a form), as stored."""
        aware = local_naive.replace(tzinfo=self.zone)
        return aware.astimezone(datetime.UTC).replace(tzinfo=None)

    def travel(self, delta):
        """Move the clock (tests and demos only): deadlines and ageing follow it."""
        self.offset += delta
