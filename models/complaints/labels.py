"""Complaint management's vocabulary (section 四) and what it registers with the core:
its actions in the permission map and its settings (deadlines per severity, working hours)."""

from models.core import N_, STAFF, Action, SettingSpec, register_actions, register_settings

STATES = {
    "registered": N_("Registered, customer not yet contacted"),
    "acknowledged": N_("Customer contacted"),
    "investigating": N_("Under investigation"),
    "resolved": N_("Resolved, awaiting the customer's verdict"),
    "closed": N_("Closed, customer satisfied"),
    "void": N_("Void"),
}
OPEN_STATES = ("registered", "acknowledged", "investigating", "resolved")
UNRESOLVED_STATES = ("registered", "acknowledged", "investigating")

SEVERITIES = {"normal": N_("Normal"), "serious": N_("Serious"), "urgent": N_("Urgent")}
CHANNELS = {
    "phone": N_("Phone"),
    "visit": N_("Visit"),
    "letter": N_("Letter"),
    "message": N_("WeChat or other message"),
    "survey": N_("Survey answer"),
    "technician": N_("Reported by a technician on site"),
}
CAUSES = {
    "quality": N_("Product quality"),
    "attitude": N_("Service attitude"),
    "timeliness": N_("Timeliness"),
    "fees": N_("Fees"),
    "other": N_("Other"),
}
CONTACT_WAYS = {
    "phone": N_("By phone"),
    "visit": N_("In person"),
    "message": N_("By message"),
    "letter": N_("By letter"),
}
WEEKDAYS = (
    ("0", N_("Monday")),
    ("1", N_("Tuesday")),
    ("2", N_("Wednesday")),
    ("3", N_("Thursday")),
    ("4", N_("Friday")),
    ("5", N_("Saturday")),
    ("6", N_("Sunday")),
)
# Defaults (section 四): contact within 24 hours, resolve within 48; tighter for worse cases.
DEFAULT_HOURS = {"normal": (24, 48), "serious": (8, 24), "urgent": (2, 8)}

register_actions(
    {
        "complaint.record": Action(N_("Record a complaint"), STAFF),
        "complaint.view": Action(
            N_("Read complaints"),
            ("clerk", "manager"),
            own=("technician", "finance", "admin"),
            own_label=N_("only those they recorded, own or, once resolved, that concern them"),
        ),
        "complaint.handle": Action(
            N_("Handle complaints (contact, investigate, resolve, hand over)"),
            ("manager",),
            own=("clerk", "technician", "finance", "admin"),
            own_label=N_("only complaints they own"),
        ),
        "complaint.reassign": Action(N_("Take over or reassign any complaint"), ("manager",)),
        "staff.record": Action(N_("Read a technician's record (complaints, surveys)"), ("manager",)),
    },
    group=N_("Complaints"),
)

_HOUR_LABELS = {
    ("ack", "normal"): N_("Contact the customer within (hours): normal"),
    ("ack", "serious"): N_("Contact the customer within (hours): serious"),
    ("ack", "urgent"): N_("Contact the customer within (hours): urgent"),
    ("resolve", "normal"): N_("Resolve within (hours): normal"),
    ("resolve", "serious"): N_("Resolve within (hours): serious"),
    ("resolve", "urgent"): N_("Resolve within (hours): urgent"),
}

register_settings(
    [
        *(
            SettingSpec(
                f"complaint_{kind}_hours_{severity}",
                "int",
                DEFAULT_HOURS[severity][0 if kind == "ack" else 1],
                label,
                minimum=1,
                maximum=24 * 60,
            )
            for (kind, severity), label in _HOUR_LABELS.items()
        ),
        SettingSpec(
            "complaint_hours_mode",
            "choice",
            "calendar",
            N_("Deadlines count"),
            options=(("calendar", N_("calendar hours")), ("working", N_("working hours"))),
        ),
        SettingSpec(
            "working_days", "choices", ["0", "1", "2", "3", "4"], N_("Working days"), options=WEEKDAYS
        ),
        SettingSpec("working_day_start", "time", "09:00", N_("Working day starts at")),
        SettingSpec("working_day_end", "time", "18:00", N_("Working day ends at")),
        SettingSpec(
            "holidays",
            "dates",
            [],
            N_("Holidays (one date a line, YYYY-MM-DD)"),
            hint=N_("Days off that fall on a working day, such as the Spring Festival."),
        ),
        SettingSpec(
            "extra_working_days",
            "dates",
            [],
            N_("Extra working days (调休, one date a line)"),
            hint=N_("Weekend days that are worked instead of a holiday."),
        ),
    ],
    section=N_("Complaint deadlines"),
)
