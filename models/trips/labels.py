"""Out-of-town service (Art. 12) and the cost of every job: vocabulary, actions, settings."""

from models.core import N_, Action, SettingSpec, register_actions, register_settings

STATES = {
    "applied": N_("Applied, awaiting approval"),
    "approved": N_("Approved: may leave"),
    "rejected": N_("Rejected"),
    "costs_entered": N_("Back, costs awaiting approval"),
    "booked": N_("Costs approved and booked"),
    "cancelled": N_("Cancelled"),
}
OPEN_STATES = ("applied", "approved", "costs_entered")
TRANSPORT = {
    "train": N_("Train"),
    "plane": N_("Plane"),
    "bus": N_("Coach"),
    "car": N_("Company car"),
    "other": N_("Other"),
}
COST_KINDS = {
    "transport": N_("Transport (差旅费)"),
    "lodging": N_("Lodging (差旅费)"),
    "other": N_("Other travel costs (差旅费)"),
    "allowance": N_("Allowance (补贴费)"),
}
SPLITS = (("equal", N_("equally across the jobs")), ("time", N_("by time on site")))

register_actions(
    {
        "trip.apply": Action(
            N_("Apply for out-of-town service and enter its costs"),
            ("manager",),
            own=("technician",),
            own_label=N_("only their own trips"),
        ),
        "trip.view": Action(
            N_("Read out-of-town applications"),
            ("manager", "finance", "clerk"),
            own=("technician",),
            own_label=N_("only their own trips"),
        ),
        "trip.approve": Action(N_("Approve out-of-town trips and their costs"), ("manager",)),
        "job.out_of_town": Action(N_("Mark a job as out-of-town"), ("manager",)),
        "costs.view": Action(N_("Read the cost of jobs"), ("manager", "finance")),
    },
    group=N_("Out-of-town service and costs"),
)

register_settings(
    [
        SettingSpec(
            "department_city", "text", "上海", N_("The department's city (jobs elsewhere are out-of-town)")
        ),
        SettingSpec(
            "allowance_per_day_fen",
            "money",
            10000,
            N_("Travel allowance per day (补贴费)"),
            minimum=0,
            maximum=100_000_00,
        ),
        SettingSpec(
            "internal_labour_rate_fen",
            "money",
            6000,
            N_("Internal labour cost per hour (for the cost of a job)"),
            minimum=0,
            maximum=100_000_00,
        ),
        SettingSpec(
            "trip_cost_split", "choice", "equal", N_("Trip costs are split across its jobs"), options=SPLITS
        ),
    ],
    section=N_("Out-of-town service and costs"),
)
