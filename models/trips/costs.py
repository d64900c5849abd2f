"""The cost of every job (服务成本): time on site at the internal labour rate, parts at cost,
and its share of trip costs; beside its charge, the margin. Every figure an integer of fen,
so the report's totals add up exactly."""

import datetime

from models.core import Setting, User, clock
from models.money import Charge, ChargeLine, PriceItem, part_code
from models.service import Job, PartLine
from models.trips.trip import JobCost

DONE = ("done", "countersigned", "filed")


def _minutes(job):
    if job.arrived_at and job.finished_at and job.finished_at > job.arrived_at:
        return int((job.finished_at - job.arrived_at).total_seconds() // 60)
    return 0


def costs_of(jobs):
    """{job id: {labour, parts, trips, total, charge, margin, minutes}} in four queries."""
    jobs = list(jobs)
    ids = [j.id for j in jobs]
    if not ids:
        return {}
    rate = Setting.get_value("internal_labour_rate_fen")
    charges = {c.job_id: c for c in Charge.select().where(Charge.job.in_(ids))}
    charged_parts = {}
    if charges:
        by_charge = {c.id: c.job_id for c in charges.values()}
        for line in ChargeLine.select().where(
            ChargeLine.charge.in_(list(by_charge)), ChargeLine.kind == "part"
        ):
            job_id = by_charge[line.charge_id]
            charged_parts[job_id] = charged_parts.get(job_id, 0) + line.cost_fen * line.quantity
    loose = [(p.job_id, p.name, p.quantity) for p in PartLine.select().where(PartLine.job.in_(ids))]
    prices = PriceItem.by_code(part_code(name) for _, name, _ in loose)
    loose_parts = {}
    for job_id, name, quantity in loose:
        item = prices.get(part_code(name))
        if item is not None:
            loose_parts[job_id] = loose_parts.get(job_id, 0) + item.cost_fen * quantity
    trips = JobCost.for_jobs(ids)
    result = {}
    for job in jobs:
        minutes = _minutes(job)
        labour = (minutes * rate + 30) // 60
        parts = charged_parts.get(job.id, 0) if job.id in charges else loose_parts.get(job.id, 0)
        trip = trips.get(job.id, 0)
        total = labour + parts + trip
        charge = charges[job.id].total_fen if job.id in charges else None
        result[job.id] = {
            "minutes": minutes,
            "labour": labour,
            "parts": parts,
            "trips": trip,
            "total": total,
            "charge": charge,
            "margin": None if charge is None else charge - total,
        }
    return result


def cost_report(start, end, technician_id=None, service_type=None):
    """Jobs finished between two local days with their costs, and totals by technician,
    service type and month (each total the exact sum of its jobs)."""
    zone = clock().zone
    low = (
        datetime.datetime.combine(start, datetime.time(0), zone).astimezone(datetime.UTC).replace(tzinfo=None)
    )
    high = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(0), zone)
    high = high.astimezone(datetime.UTC).replace(tzinfo=None)
    query = Job.with_people().where(Job.state.in_(DONE), Job.finished_at >= low, Job.finished_at < high)
    if technician_id:
        query = query.where(Job.technician == technician_id)
    if service_type:
        query = query.where(Job.service_type == service_type)
    jobs = list(query.order_by(Job.finished_at, Job.id))
    costs = costs_of(jobs)
    keys = ("labour", "parts", "trips", "total")
    totals = {k: 0 for k in (*keys, "charge", "margin")}
    groups = {"technician": {}, "type": {}, "month": {}}
    rows = []
    for job in jobs:
        figures = costs[job.id]
        month = clock().to_local(job.finished_at).strftime("%Y-%m")
        names = {
            "technician": job.tech.full_name if job.tech else "—",
            "type": job.service_type,
            "month": month,
        }
        for group, name in names.items():
            bucket = groups[group].setdefault(name, {k: 0 for k in (*keys, "charge", "margin", "jobs")})
            bucket["jobs"] += 1
            for k in keys:
                bucket[k] += figures[k]
            bucket["charge"] += figures["charge"] or 0
            bucket["margin"] += figures["margin"] or 0
        for k in keys:
            totals[k] += figures[k]
        totals["charge"] += figures["charge"] or 0
        totals["margin"] += figures["margin"] or 0
        rows.append((job, month, figures))
    return {"rows": rows, "totals": totals, "groups": groups, "technicians": list(User.active_technicians())}
