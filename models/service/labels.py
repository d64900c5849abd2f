"""The service spine's vocabulary: states, types, channels, and what it registers with the core
(its actions in the permission map, how its events read, its settings, its guard)."""

from models.core import N_, Action, Label, SettingSpec, register_actions, register_settings

STATES = {
    "registered": N_("Awaiting dispatch"),
    "dispatched": N_("Dispatched"),
    "on_site": N_("In service"),
    "in_repair": N_("Carried back for repair"),
    "repaired": N_("Repaired, awaiting return"),
    "done": N_("Done, awaiting countersign"),
    "countersigned": N_("Countersigned"),
    "filed": N_("Filed"),
    "void": N_("Void"),
}
OPEN_STATES = ("registered", "dispatched", "on_site", "in_repair", "repaired", "done", "countersigned")
ACTIVE_STATES = ("registered", "dispatched", "on_site", "in_repair", "repaired", "done")
IN_HAND_STATES = ("dispatched", "on_site", "in_repair", "repaired")

SERVICE_TYPES = {
    "paid": N_("Paid service"),
    "contract": N_("Contract service"),
    "free": N_("Free (warranty) service"),
    "internal": N_("Internal work"),
}
CHANNELS = {
    "phone": N_("Phone"),
    "letter": N_("Letter"),
    "visit": N_("Visit"),
    "other": N_("Other"),
}
SIGNATURE_KINDS = {
    "completion": N_("Service completed"),
    "item_taken": N_("Item taken for repair"),
    "tech_completion": N_("Technician: service completed"),
    "tech_item_taken": N_("Technician: item taken for repair"),
}
# The technician's signature that goes with each of the customer's.
TECHNICIAN_KINDS = {"completion": "tech_completion", "item_taken": "tech_item_taken"}
# A signature for an item taken covers the carry-back receipt alone (see Job.content_version_for).
RECEIPT_KINDS = ("item_taken", "tech_item_taken")

# Fields a manager may amend after the customer signed (with their names), and in which states.
AMENDABLE = {
    "fault": N_("Fault as reported"),
    "contact_person": N_("Contact"),
    "phone": N_("Phone"),
    "address": N_("Address"),
    "arrived_at": N_("Arrived at"),
    "finished_at": N_("Finished at"),
    "work_done": N_("Work done"),
}
AMEND_STATES = ("in_repair", "repaired", "done", "countersigned")

EVENT_WORDS = {
    "register": N_("registered the call"),
    "dispatch": N_("dispatched to %(technician)s"),
    "arrive": N_("arrived on site"),
    "finish": N_("finished, signed by the customer"),
    "carry_back": N_("carried back for repair, signed for the item"),
    "repair": N_("repaired in the workshop, awaiting return"),
    "paper_finish": N_("entered the signed paper voucher: finished"),
    "paper_carry_back": N_("entered the signed paper voucher: carried back for repair"),
    "countersign": N_("countersigned"),
    "file": N_("filed the voucher"),
    "void": N_("voided the voucher"),
    "amend": N_("amended the signed voucher"),
}


def event_phrase(event):
    """A re-dispatch names both technicians; a type changed at registration says so; a
    countersign by whoever recorded the service says that the settings allowed it."""
    data = event.data if isinstance(event.data, dict) else {}
    if event.action == "countersign" and data.get("own_work"):
        return N_("countersigned the service they recorded themselves (allowed by the settings)")
    if event.action == "finish" and event.from_state == "repaired":
        return N_("delivered the repaired item, signed by the customer")
    if event.action == "arrive" and data.get("late"):
        return N_("arrived on site at %(at)s (recorded afterwards)"), {"at": data.get("at", "")}
    if event.action == "dispatch" and data.get("from_technician"):
        return N_("re-dispatched %(from_technician)s → %(technician)s")
    if event.action == "register" and data.get("type"):
        return (
            N_("registered the call as %(type)s (proposed: %(proposed)s)"),
            {
                "type": Label(SERVICE_TYPES.get(data["type"], data["type"])),
                "proposed": Label(SERVICE_TYPES.get(data.get("proposed"), data.get("proposed") or "")),
            },
        )
    return None


register_actions(
    {
        "intake.register": Action(N_("Register a service call"), ("clerk", "manager")),
        "register.view": Action(N_("Read the service register"), ("clerk", "manager", "finance")),
        "job.view": Action(
            N_("Read service vouchers"),
            ("clerk", "manager", "finance"),
            own=("technician",),
            own_label=N_("only vouchers dispatched to them"),
        ),
        "job.dispatch": Action(N_("Dispatch and re-dispatch"), ("manager",)),
        "job.work": Action(
            N_("Record on-site work and signatures"),
            ("manager",),
            own=("technician",),
            own_label=N_("only jobs dispatched to them"),
        ),
        "job.paper": Action(N_("Enter a signed paper voucher"), ("manager", "clerk")),
        "job.countersign": Action(N_("Countersign vouchers"), ("manager",)),
        "job.file": Action(N_("File vouchers"), ("manager", "clerk")),
        "job.void": Action(N_("Void vouchers"), ("manager",)),
        "job.amend": Action(N_("Amend signed vouchers"), ("manager",)),
        "reconcile.view": Action(N_("Daily reconciliation"), ("manager", "clerk")),
        "board.view": Action(N_("Dispatch board"), ("manager",)),
        "dashboard.view": Action(N_("Department dashboard"), ("manager", "admin")),
        "tech.jobs": Action(N_("Own job list (technician)"), ("technician",)),
    },
    group=N_("Service work"),
)

register_settings(
    [
        SettingSpec(
            "small_fee_limit_fen",
            "money",
            50000,
            N_("Largest fee a technician collects on site"),
            minimum=0,
            maximum=100_000_000,
        ),
        SettingSpec(
            "quick_work_picks",
            "lines",
            "更换配件\n清洁保养\n调试校准\n软件升级\n检查无故障",
            N_("Quick picks for work done (one per line)"),
        ),
        SettingSpec(
            "countersign_own_work",
            "bool",
            False,
            N_("Allow countersigning a service one recorded oneself (a one-person department)"),
            hint=N_(
                "Otherwise somebody other than who finished the job or entered its paper voucher "
                "countersigns it. Only an administrator changes this."
            ),
            permission="admin.permissions",
        ),
    ],
    section=N_("Service work"),
)
