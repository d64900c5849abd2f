"""Customer opinion surveys' vocabulary (section 三, Art. 14, 15) and what they register with the
core: their actions in the permission map and their settings."""

from models.core import N_, STAFF, Action, Setting, SettingSpec, register_actions, register_settings
from models.core.settings import company
from models.service import SERVICE_TYPES

# Art. 15: the two kinds of opinion every question is about.
OPINIONS = {
    "service": N_("The service: suggestions or complaints"),
    "staff": N_("The technician's conduct and quality"),
}
QUESTION_KINDS = {
    "rating": N_("Rating 1–5"),
    "single": N_("Single choice"),
    "multiple": N_("Multiple choice"),
    "text": N_("Free text"),
}
RATINGS = (1, 2, 3, 4, 5)
RATING_WORDS = {
    5: N_("Very satisfied"),
    4: N_("Satisfied"),
    3: N_("Neutral"),
    2: N_("Dissatisfied"),
    1: N_("Very dissatisfied"),
}
# What a free-text answer is, as the customer (or the clerk on the phone) tags it.
TAGS = {
    "suggestion": N_("Suggestion"),
    "complaint": N_("Grievance"),
    "remark": N_("Other remark"),
}

QUESTIONNAIRE_STATES = {"draft": N_("Draft"), "active": N_("In use"), "retired": N_("Retired")}
CAMPAIGN_KINDS = {"periodic": N_("Periodic"), "adhoc": N_("Ad hoc")}
CAMPAIGN_STATES = {"open": N_("Running"), "closed": N_("Ended")}
REQUEST_KINDS = {"followup": N_("Follow-up call"), "campaign": N_("Campaign")}
REQUEST_STATES = {
    "pending": N_("To ask"),
    "answered": N_("Answered"),
    "refused": N_("Refused"),
    "unreachable": N_("Not reached"),
}
OPEN_REQUEST_STATES = ("pending",)
# How an answer came in.
CHANNELS = {"link": N_("Customer online"), "phone": N_("By phone"), "paper": N_("Paper form")}
# An answer's life as far as a complaint goes: nothing to do, a complaint proposed to the clerk,
# taken up into the complaint intake, or dismissed with a reason.
ANSWER_STATES = {
    "plain": N_("Nothing to act on"),
    "proposed": N_("Complaint proposed"),
    "taken": N_("Taken into a complaint"),
    "dismissed": N_("No complaint needed"),
}
SUGGESTION_STATES = {"open": N_("To review"), "considered": N_("Considered")}
# Where a link was handed over: printed on the voucher, shown on the technician's phone, sent.
LINK_PLACES = {
    "print": N_("printed on the voucher"),
    "tech": N_("shown on the technician's phone"),
    "message": N_("for a text message"),
}
PERIODS = {"off": N_("none"), "monthly": N_("every month"), "quarterly": N_("every quarter")}
FOLLOWUP_SCOPES = {
    "all": N_("every filed job"),
    "share": N_("a share of filed jobs"),
    "types": N_("jobs of the chosen service types"),
    "none": N_("none"),
}
CUSTOMER_TYPES = tuple((k, v) for k, v in SERVICE_TYPES.items() if k != "internal")

register_actions(
    {
        "survey.design": Action(N_("Design questionnaires"), ("admin", "manager")),
        "survey.call": Action(N_("Follow-up calls, answers by phone or on paper"), ("clerk", "manager")),
        "survey.campaign": Action(N_("Start and close survey campaigns"), ("clerk", "manager")),
        "survey.view": Action(
            N_("Read survey answers"),
            ("clerk", "manager"),
            own=("technician",),
            own_label=N_("only answers about their own jobs"),
        ),
        "survey.link": Action(
            N_("Give the customer a survey link (QR code)"),
            ("clerk", "manager"),
            own=("technician",),
            own_label=N_("only for jobs dispatched to them"),
        ),
        "survey.results": Action(N_("Survey results and export"), ("manager", "admin")),
        "survey.review": Action(N_("Review the customers' suggestions"), ("manager",)),
        "guidelines.view": Action(N_("Read the service guidelines"), STAFF),
        "guidelines.edit": Action(N_("Edit the service guidelines"), ("admin",)),
    },
    group=N_("Customer opinion surveys"),
)

register_settings(
    [
        SettingSpec(
            "survey_company_name",
            "text",
            "",
            N_("Company name on the survey page (empty: the one on printed forms)"),
        ),
        SettingSpec(
            "survey_link_days", "int", 14, N_("A survey link expires after (days)"), minimum=1, maximum=365
        ),
        SettingSpec(
            "survey_qr_on_voucher",
            "bool",
            True,
            N_("Survey QR code on the printed voucher and the technician's screen"),
        ),
        SettingSpec(
            "survey_followup_scope",
            "choice",
            "all",
            N_("Follow-up calls (回访) for"),
            options=tuple(FOLLOWUP_SCOPES.items()),
        ),
        SettingSpec(
            "survey_followup_share",
            "int",
            30,
            N_("Share of filed jobs to follow up (%)"),
            minimum=1,
            maximum=100,
        ),
        SettingSpec(
            "survey_followup_types",
            "choices",
            [k for k, _ in CUSTOMER_TYPES],
            N_("Service types to follow up"),
            options=CUSTOMER_TYPES,
        ),
        SettingSpec(
            "survey_followup_days",
            "int",
            30,
            N_("Follow up jobs filed within the last (days)"),
            minimum=1,
            maximum=365,
        ),
        SettingSpec(
            "survey_retry_hours",
            "int",
            4,
            N_("After no answer, call again after (hours)"),
            minimum=1,
            maximum=240,
        ),
        SettingSpec(
            "survey_max_attempts",
            "int",
            3,
            N_("Calls without an answer before giving up"),
            minimum=1,
            maximum=10,
        ),
        SettingSpec(
            "survey_low_score",
            "int",
            2,
            N_("A rating at or below this proposes a complaint"),
            minimum=1,
            maximum=4,
        ),
        SettingSpec(
            "survey_periodic",
            "choice",
            "monthly",
            N_("Periodic survey (定期) of every customer served"),
            options=tuple(PERIODS.items()),
        ),
    ],
    section=N_("Customer opinion surveys"),
)


def survey_company():
    """The name customers see on the survey page: its own setting, else the letterhead's."""
    return Setting.get_value("survey_company_name") or company()["name"]
