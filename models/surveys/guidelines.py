"""The service guidelines (客户服务准则, section 五): the company's own rules in Markdown, every
version kept with who wrote it, when and what changed; and the rules the software enforces, read
from the settings so the page and the software never disagree."""

import difflib

from peewee import CharField, DateTimeField, ForeignKeyField, IntegerField, IntegrityError, TextField, fn

from models.complaints.labels import DEFAULT_HOURS, SEVERITIES
from models.core import N_, BaseModel, Event, RuleError, Setting, User, db, now, require

MAX_TEXT = 50_000


class GuidelineVersion(BaseModel):
    subject = "guideline"

    number = IntegerField(unique=True)
    text = TextField()
    note = CharField(max_length=200, default="")  # what changed, in the writer's words
    created_at = DateTimeField(default=now)
    created_by = ForeignKeyField(User, backref="+", lazy_load=False)

    class Meta:
        table_name = "guideline_version"

    @property
    def title(self):
        return f"v{self.number}"

    @classmethod
    def current(cls):
        return cls.select().order_by(cls.number.desc()).first()

    @classmethod
    def history(cls):
        """Every version, newest first, with its writer (one query)."""
        writer = User.alias("writer")
        return list(
            cls.select(cls, writer)
            .join(writer, on=(cls.created_by == writer.id), attr="writer")
            .order_by(cls.number.desc())
        )

    @classmethod
    def publish(cls, by, text, note=""):
        """A new version of the guidelines; the old ones stay as they were."""
        require(by, "guidelines.edit")
        text = (text or "").replace("\r\n", "\n").strip()
        if not text:
            raise RuleError(N_("Write the guidelines."), field="text")
        if len(text) > MAX_TEXT:
            raise RuleError(N_("The guidelines are too long."), field="text")
        note = " ".join((note or "").split())[:200]
        current = cls.current()
        if current is not None and current.text == text:
            raise RuleError(N_("Nothing was changed."), field="text")
        for _ in range(3):
            try:
                with db.atomic():
                    number = (cls.select(fn.MAX(cls.number)).scalar() or 0) + 1
                    version = cls.create(number=number, text=text, note=note, created_by=by.id)
                    Event.record(by, version, "publish", note=note, data={"version": number})
                return version
            except IntegrityError:
                continue  # another administrator saved at the same moment: take the next number
        raise RuleError(N_("Somebody else saved the guidelines at the same moment. Try again."))

    def diff(self, other):
        """The lines changed from ``self`` to ``other``: (kind, text), kind in " +-@"."""
        lines = difflib.unified_diff(
            self.text.splitlines(),
            other.text.splitlines(),
            f"v{self.number}",
            f"v{other.number}",
            n=2,
            lineterm="",
        )
        changes = []
        for line in lines:
            if line.startswith(("---", "+++")):
                continue
            changes.append((line[:1] if line[:1] in "+-@" else " ", line[1:] if line[:1] in "+- " else line))
        return changes


def enforced_rules():
    """What the software enforces, from the settings: the complaint deadlines per severity, the
    way they count, the working day, and how long a survey link lasts."""
    values = Setting.all_values()
    deadlines = [
        (
            label,
            values.get(f"complaint_ack_hours_{severity}", DEFAULT_HOURS[severity][0]),
            values.get(f"complaint_resolve_hours_{severity}", DEFAULT_HOURS[severity][1]),
        )
        for severity, label in SEVERITIES.items()
    ]
    return {
        "deadlines": deadlines,
        "mode": values.get("complaint_hours_mode", "calendar"),
        "day_start": values.get("working_day_start", "09:00"),
        "day_end": values.get("working_day_end", "18:00"),
        "link_days": values.get("survey_link_days"),
        "low_score": values.get("survey_low_score"),
    }
