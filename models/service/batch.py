"""Steps a manager takes on several vouchers at once, each through the voucher's own method."""

from models.core import N_, RuleError
from models.service.job import Job

MAX_BATCH = 50


def countersign_batch(by, items):
    """Countersign (核签) each ``(job id, version the manager looked at)``: every voucher in its
    own transaction with its own event, so one refused (changed since, the manager's own work)
    leaves the others countersigned. Returns (countersigned jobs, [(number or id, message)])."""
    items = list(items)[:MAX_BATCH]
    if not items:
        raise RuleError(N_("Tick the vouchers to countersign."), field="job")
    jobs = {j.id: j for j in Job.select().where(Job.id.in_([job_id for job_id, _ in items]))}
    done, refused = [], []
    for job_id, version in items:
        job = jobs.get(job_id)
        if job is None or not job.can_view(by):
            refused.append((str(job_id), RuleError(N_("This voucher does not exist."))))
            continue
        try:
            done.append(job.countersign(by, version=version))
        except RuleError as error:  # a conflict too: changed since the manager looked
            refused.append((job.number, error))
    return done, refused
