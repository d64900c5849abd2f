"""How long a job has waited in its state, and when that is too long (thresholds in Settings)."""

from models.core import N_, SettingSpec, register_settings

# state -> (the column the wait counts from, default hours before it shows as overdue)
AGEING = {
    "registered": ("registered_at", 4),
    "dispatched": ("dispatched_at", 24),
    "on_site": ("arrived_at", 8),
    "in_repair": ("updated_at", 72),
    "repaired": ("updated_at", 24),
    "done": ("finished_at", 24),
    "countersigned": ("countersigned_at", 48),
}
_LABELS = {
    "registered": N_("Overdue after (hours): awaiting dispatch"),
    "dispatched": N_("Overdue after (hours): dispatched, not started"),
    "on_site": N_("Overdue after (hours): in service"),
    "in_repair": N_("Overdue after (hours): carried back for repair"),
    "repaired": N_("Overdue after (hours): repaired, awaiting return"),
    "done": N_("Overdue after (hours): awaiting countersign"),
    "countersigned": N_("Overdue after (hours): awaiting filing"),
}

register_settings(
    [
        SettingSpec(f"age_warn_hours_{state}", "int", hours, _LABELS[state], minimum=1, maximum=24 * 90)
        for state, (_, hours) in AGEING.items()
    ],
    section=N_("Ageing of jobs"),
)


def waiting_since(job):
    """The moment the job entered its present state (UTC naive), or None."""
    column = AGEING.get(job.state, (None,))[0]
    return getattr(job, column, None) if column else None
