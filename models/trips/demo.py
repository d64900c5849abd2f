"""Out-of-town trips in the demo: one waiting for approval (its job held back), one back with
its costs approved and booked."""

import datetime

from models.core import Event, today
from models.service import Job
from models.trips.trip import OutOfTown, Trip, TripJob


def activity(users):
    manager = users["manager"]
    away = [
        j
        for j in Job.select()
        .where(Job.state.in_(("dispatched", "done", "countersigned", "filed")))
        .order_by(Job.id)
        if OutOfTown.proposed(j) and j.technician_id
    ]
    techs = {u.id: u for u in (users["tech1"], users["tech2"])}
    waiting = next((j for j in away if j.state == "dispatched"), None)
    if waiting is not None:
        tech = techs[waiting.technician_id]
        OutOfTown.mark(manager, waiting)
        Trip.apply_for(
            tech,
            tech,
            [waiting],
            destination=(waiting.address or "")[:6] or "苏州",
            depart_on=today(),
            return_on=today() + datetime.timedelta(days=1),
            transport="train",
            purpose="上门检修",
            travel_fen=18000,
            lodging_fen=35000,
            allowance_days=2,
        )
    done = [j for j in away if j.state in ("done", "countersigned", "filed")][:2]
    if done:
        tech = techs[done[0].technician_id]
        done = [j for j in done if j.technician_id == tech.id]
        # applied while the jobs were dispatched: the demo builds the approved trip afterwards
        trip = Trip.create(
            number=f"YD{today().year}-900001",
            technician=tech.id,
            applied_by=tech.id,
            destination="杭州",
            depart_on=today() - datetime.timedelta(days=3),
            return_on=today() - datetime.timedelta(days=2),
            transport="train",
            purpose="两家客户的年度保养",
            est_travel_fen=20000,
            est_lodging_fen=30000,
            est_allowance_days=2,
            allowance_rate_fen=10000,
            state="approved",
            decided_by=manager.id,
        )
        for job in done:
            TripJob.create(trip=trip, job=job.id)
        Event.record(tech, trip, "apply", to_state="applied", note=trip.destination)
        Event.record(manager, trip, "approve", "applied", "approved")
        trip.enter_costs(tech, [("transport", 19800, 2, "高铁往返"), ("lodging", 28800, 1, "")], 2)
        Trip.get_by_id(trip.id).approve_costs(manager)
