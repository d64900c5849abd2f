"""Art. 11: the register of a day reconciled against its vouchers (核对)."""

from models.core import N_, Signature
from models.service.job import Job
from models.service.labels import IN_HAND_STATES

OUTSTANDING = (*IN_HAND_STATES, "done", "countersigned")


def reconciliation(day):
    """Art. 11: the register of a day against its vouchers, and what is carried over into it."""
    entries = list(Job.with_people().where(Job.register_day == day).order_by(Job.seq))
    carried = list(
        Job.with_people()
        .where(Job.register_day < day, Job.state == "registered")
        .order_by(Job.register_day, Job.seq)
    )
    # Every voucher still outstanding on the day, whatever day it was registered: a job
    # dispatched on the 29th and never back is on the 1st's page too (oldest first).
    earlier = list(
        Job.with_people()
        .where(Job.register_day < day, Job.state.in_(OUTSTANDING))
        .order_by(Job.register_day, Job.seq)
    )
    open_jobs = earlier + [j for j in entries if j.state in OUTSTANDING]
    buckets = {
        "not_dispatched": [j for j in entries if j.state == "registered"],
        "not_back": [j for j in open_jobs if j.state in IN_HAND_STATES],
        "not_countersigned": [j for j in open_jobs if j.state == "done"],
        "not_filed": [j for j in open_jobs if j.state == "countersigned"],
    }
    ids = [j.id for j in entries]
    signed = set()
    if ids:
        signed = {
            s.subject_id
            for s in Signature.select(Signature.subject_id).where(
                Signature.subject == Job.subject,
                Signature.subject_id.in_(ids),
                Signature.kind == "completion",
            )
        }
    problems = []
    for job in entries:
        if job.state in ("done", "countersigned", "filed") and job.id not in signed:
            problems.append((job, N_("Completed without the customer's signature")))
        if job.state in (*IN_HAND_STATES, "done", "countersigned", "filed") and not job.technician_id:
            problems.append((job, N_("Dispatched without a technician")))
        if job.state in ("countersigned", "filed") and not job.countersigned_at:
            problems.append((job, N_("Filed without a countersignature")))
        if job.finished_at and job.arrived_at and job.finished_at < job.arrived_at:
            problems.append((job, N_("Service ends before it starts")))
    return {
        "day": day,
        "entries": entries,
        "carried": carried,
        "buckets": buckets,
        "problems": problems,
    }
