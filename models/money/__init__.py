"""Money (Art. 3, 6, 9): the price list, each job's charge by service type, collection on site
with numbered receipts, handover to finance, invoices and their reversal, receivables and
collection visits, the cash journal. Every fen is an integer and every step an event."""

from models.core import N_, Label, Subject, follow_step, register_guard, register_subject, sign_also
from models.money.amounts import parse_yuan, rmb_capitals, yuan_text
from models.money.charges import Charge, ChargeLine, compute, labour_minutes, on_site_minutes, part_code
from models.money.invoices import (
    AGE_BUCKETS,
    CollectionVisits,
    Invoice,
    InvoiceTitle,
    check_taxpayer,
    owed_on,
    receivables,
    to_invoice,
)
from models.money.labels import (
    BUYER_KINDS,
    CHARGE_STATES,
    DELIVERY,
    HANDOVER_STATES,
    INVOICE_KINDS,
    INVOICE_STATES,
    METHODS,
    PAYMENT_KINDS,
    PAYMENT_STATES,
    PRICE_KINDS,
    TAX_RATES,
    UNITS,
)
from models.money.payments import CollectionVisit, Handover, JournalDay, JournalLine, Payment
from models.money.prices import PriceItem, PriceVersion

MODELS = [
    PriceItem,
    PriceVersion,
    Charge,
    ChargeLine,
    Handover,
    Payment,
    JournalDay,
    JournalLine,
    Invoice,
    InvoiceTitle,
    CollectionVisit,
]


def _charge_on_finish(job, by):
    Charge.charge(job, by)


follow_step("job", "finish", _charge_on_finish)
follow_step("job", "paper_finish", _charge_on_finish)


def _signed_amount(job):
    """The customer signs for the amount too (when the job has a charge)."""
    charge = Charge.for_job(job.id)
    return {"charge_fen": charge.total_fen} if charge is not None else {}


sign_also("job", _signed_amount)


@register_guard
def _money_in_hand(user):
    n = Payment.select().where(Payment.collected_by == user.id, Payment.state == "in_hand").count()
    if n:
        return N_("%(name)s still has %(n)s collected sums to hand over to finance."), {"n": n}
    return None


def _titles(model, column):
    return lambda ids: {
        row.id: str(getattr(row, column)) for row in model.select().where(model.id.in_(list(ids)))
    }


def _money_phrase(event):
    data = event.data if isinstance(event.data, dict) else {}
    amount = data.get("amount") if isinstance(data.get("amount"), int) else data.get("total")
    if isinstance(amount, int):
        words = {
            "collect": N_("collected ¥%(amount)s (%(method)s)"),
            "bank": N_("recorded ¥%(amount)s received"),
            "issue": N_("issued an invoice of ¥%(amount)s"),
            "submit": N_("handed ¥%(amount)s over to finance"),
            "charge": N_("charged ¥%(amount)s"),
            "close": N_("closed the day at ¥%(amount)s"),
        }.get(event.action)
        if words:
            return words, {"amount": yuan_text(amount), "method": Label(METHODS.get(data.get("method"), ""))}
    return None


for key, label, states, actions, titles in (
    (
        "price",
        N_("Price-list item"),
        {},
        {"create": N_("added to the price list"), "price": N_("changed the price")},
        _titles(PriceItem, "code"),
    ),
    (
        "charge",
        N_("Charge"),
        CHARGE_STATES,
        {"charge": N_("charged the job"), "revise": N_("changed the charge")},
        lambda ids: {c.id: c.job.number for c in Charge.select().where(Charge.id.in_(list(ids)))},
    ),
    (
        "payment",
        N_("Payment"),
        PAYMENT_STATES,
        {
            "collect": N_("collected on site"),
            "bank": N_("recorded a payment received"),
            "hand": N_("handed it over"),
            "receive": N_("counted it"),
            "void": N_("voided it"),
        },
        _titles(Payment, "title"),
    ),
    (
        "handover",
        N_("Handover to finance"),
        HANDOVER_STATES,
        {
            "submit": N_("handed over to finance"),
            "settle": N_("counted the handover"),
            "resolve": N_("resolved the difference"),
        },
        _titles(Handover, "number"),
    ),
    (
        "invoice",
        N_("Invoice"),
        INVOICE_STATES,
        {"issue": N_("issued the invoice"), "reverse": N_("reversed the invoice")},
        _titles(Invoice, "title"),
    ),
    ("journal", N_("Cash journal"), {}, {"close": N_("closed the day")}, _titles(JournalDay, "day")),
):
    register_subject(
        Subject(
            key,
            label,
            states=states,
            actions=actions,
            reader="money.view",
            titles=titles,
            phrase=_money_phrase,
        )
    )

__all__ = [
    "AGE_BUCKETS",
    "BUYER_KINDS",
    "CHARGE_STATES",
    "DELIVERY",
    "HANDOVER_STATES",
    "INVOICE_KINDS",
    "INVOICE_STATES",
    "METHODS",
    "MODELS",
    "PAYMENT_KINDS",
    "PAYMENT_STATES",
    "PRICE_KINDS",
    "TAX_RATES",
    "UNITS",
    "Charge",
    "ChargeLine",
    "CollectionVisit",
    "CollectionVisits",
    "Handover",
    "Invoice",
    "InvoiceTitle",
    "JournalDay",
    "JournalLine",
    "Payment",
    "PriceItem",
    "PriceVersion",
    "check_taxpayer",
    "compute",
    "labour_minutes",
    "on_site_minutes",
    "owed_on",
    "parse_yuan",
    "part_code",
    "receivables",
    "rmb_capitals",
    "to_invoice",
    "yuan_text",
]
