"""Out-of-town service (异地服务, Art. 12) and the cost of every job (服务成本): applications
approved before departure, an out-of-town job that may not start before, actual costs booked
to the trip's jobs to the fen, and the cost report."""

from models.core import N_, Label, RuleError, Subject, guard_step, register_subject
from models.money import yuan_text
from models.trips.costs import cost_report, costs_of
from models.trips.labels import COST_KINDS, OPEN_STATES, SPLITS, STATES, TRANSPORT
from models.trips.trip import (
    TRANSITIONS,
    JobCost,
    OutOfTown,
    Trip,
    TripCost,
    TripJob,
    may_start,
    split_fen,
    travel_days,
)

MODELS = [Trip, TripJob, TripCost, JobCost, OutOfTown]


def _held_back(job, by):
    """An out-of-town job does not start (arrive, or finish without arriving) before its trip
    is approved; the technician's screen says why."""
    trip = may_start(job)
    if trip is None:
        return
    if trip is False:
        raise RuleError(
            N_("Voucher %(number)s is out-of-town: apply for the trip and wait for approval."),
            number=job.number,
        )
    raise RuleError(
        N_("Voucher %(number)s is out-of-town: application %(trip)s is %(state)s, not yet approved."),
        number=job.number,
        trip=trip.number,
        state=Label(STATES[trip.state]),
    )


for _action in ("arrive", "finish", "carry_back", "paper_finish", "paper_carry_back"):
    guard_step("job", _action, _held_back)


def _phrase(event):
    data = event.data if isinstance(event.data, dict) else {}
    if event.action in ("enter_costs", "approve_costs") and isinstance(data.get("total"), int):
        msgid = (
            N_("entered costs of ¥%(amount)s")
            if event.action == "enter_costs"
            else N_("approved and booked ¥%(amount)s to the jobs")
        )
        return msgid, {"amount": yuan_text(data["total"])}
    return None


register_subject(
    Subject(
        "trip",
        N_("Out-of-town application"),
        states=STATES,
        actions={
            "apply": N_("applied for out-of-town service"),
            "approve": N_("approved the trip"),
            "reject": N_("rejected the trip"),
            "enter_costs": N_("entered the costs"),
            "approve_costs": N_("approved the costs"),
            "return_costs": N_("sent the costs back"),
            "cancel": N_("cancelled the trip"),
        },
        reader="trip.view",
        titles=lambda ids: {
            t.id: t.number for t in Trip.select(Trip.id, Trip.number).where(Trip.id.in_(list(ids)))
        },
        phrase=_phrase,
    )
)
register_subject(
    Subject("out_of_town", N_("Out-of-town job"), actions={"mark": N_("marked the job out-of-town")})
)

__all__ = [
    "COST_KINDS",
    "MODELS",
    "OPEN_STATES",
    "SPLITS",
    "STATES",
    "TRANSITIONS",
    "TRANSPORT",
    "JobCost",
    "OutOfTown",
    "Trip",
    "TripCost",
    "TripJob",
    "cost_report",
    "costs_of",
    "may_start",
    "split_fen",
    "travel_days",
]
