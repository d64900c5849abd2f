"""The money domain's vocabulary (Art. 3, 6, 9) and what it registers with the core."""

from models.core import N_, Action, SettingSpec, register_actions, register_settings

METHODS = {
    "cash": N_("Cash"),
    "wechat": N_("WeChat Pay"),
    "alipay": N_("Alipay"),
    "transfer": N_("Bank transfer"),
}
PAYMENT_KINDS = {
    "on_site": N_("Collected on site"),
    "visit": N_("Collected on a later visit"),
    "bank": N_("Received by finance"),
}
PAYMENT_STATES = {
    "in_hand": N_("In the technician's hand"),
    "handed_over": N_("Handed over, awaiting finance"),
    "received": N_("Received by finance"),
    "differs": N_("Received with a difference"),
    "void": N_("Void"),
}
HANDOVER_STATES = {
    "submitted": N_("Handed over, to be counted"),
    "confirmed": N_("Confirmed by finance"),
    "differs": N_("Difference to resolve"),
    "resolved": N_("Difference resolved"),
}
CHARGE_STATES = {"priced": N_("Priced"), "to_price": N_("To be priced by the office")}
INVOICE_KINDS = {"e": N_("Fully digital e-invoice (数电发票)"), "paper": N_("Paper invoice")}
INVOICE_STATES = {"issued": N_("Issued"), "reversed": N_("Reversed (红冲)")}
DELIVERY = {
    "mail": N_("Mailed afterwards (补寄)"),
    "hand": N_("Handed over"),
    "email": N_("E-mailed"),
}
BUYER_KINDS = {"company": N_("Company"), "person": N_("Individual")}
PRICE_KINDS = {"part": N_("Part"), "labour": N_("Labour")}
UNITS = {"piece": N_("piece"), "set": N_("set"), "metre": N_("metre"), "hour": N_("hour"), "item": N_("item")}
TAX_RATES = (("0", "0%"), ("10", "1%"), ("30", "3%"), ("60", "6%"), ("90", "9%"), ("130", "13%"))  # permille

register_actions(
    {
        "money.view": Action(N_("See finance's queues and the cash journal"), ("finance", "manager")),
        "prices.edit": Action(N_("Keep the price list"), ("finance", "admin")),
        "charge.amend": Action(N_("Change a job's charge (with a reason)"), ("manager", "finance")),
        "money.collect": Action(
            N_("Collect a fee on site"),
            ("manager",),
            own=("technician",),
            own_label=N_("only on jobs dispatched to them"),
        ),
        "money.hand": Action(N_("Hand collected money over to finance"), ("technician", "manager")),
        "handover.view": Action(
            N_("Read handover sheets"),
            ("finance", "manager"),
            own=("technician",),
            own_label=N_("only their own"),
        ),
        "money.confirm": Action(N_("Confirm handovers, record payments"), ("finance",)),
        "invoice.issue": Action(N_("Issue and reverse invoices"), ("finance",)),
        "journal.close": Action(N_("Close a day of the cash journal"), ("finance",)),
    },
    group=N_("Fees and invoices"),
)

register_settings(
    [
        SettingSpec(
            "labour_hour_code",
            "text",
            "RG-H",
            N_("Price-list code of the hourly labour rate"),
            hint=N_("Paid service charges the time on site in half hours at this rate."),
        ),
        SettingSpec(
            "receivable_overdue_days",
            "int",
            30,
            N_("A receivable is overdue after (days)"),
            minimum=1,
            maximum=365,
        ),
    ],
    section=N_("Fees and invoices"),
)
