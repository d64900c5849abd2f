"""Intake (Art. 7): the clerk registers a call on one screen while the customer talks.

The screen is one template with four fragments: the search results, the inline new-customer
form, the workspace (customer panel and registration form) and the service-type proposal
inside it. Every fragment has a plain URL that renders the whole page without JavaScript.
"""

import re

from flask import Blueprint, abort, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from htmx_flask import make_response

from models import Customer, Equipment, Job, RuleError
from models.core import N_
from models.customers import COVERAGE_LABELS, customers_with_phones, equipment_with_coverage
from models.service import SERVICE_TYPES, Chaser, last_service, open_jobs_of, register_call
from views.common import (
    MAX_INT,
    choices,
    form_error,
    int_arg,
    is_htmx,
    render,
    render_block,
    requires,
    see_other,
    text_arg,
)
from views.customers.forms import CustomerForm, EquipmentForm
from views.intake.forms import RegisterForm
from views.shell import nav

bp = Blueprint("intake", __name__, url_prefix="/intake")
nav("intake.index", _l("Register a call"), "intake.register", order=25)

PAGE = "intake/index.html"
RESULTS = 10


def _customer(customer_id):
    if not customer_id or not 0 < customer_id <= MAX_INT:
        return None
    return Customer.get_or_none(Customer.id == customer_id)


def _workspace(form, customer):
    """The customer panel and the registration form: equipment, coverage, open jobs, proposal."""
    equipment = equipment_with_coverage(customer) if customer else []
    by_id = {item.id: item for item in equipment}
    form.customer.data = customer.id if customer else None
    if form.equipment.data not in by_id:
        form.equipment.data = equipment[0].id if len(equipment) == 1 else None
    selected = by_id.get(form.equipment.data)
    proposed = Job.propose_type(selected) if selected else None
    previous = form.proposed_type.data
    # Keep a type the clerk changed; follow the proposal when it changed (other equipment).
    if proposed and (form.service_type.data in (None, "", previous) or previous != proposed):
        form.service_type.data = proposed
    form.proposed_type.data = proposed or ""
    form.service_type.choices = choices(
        (key, gettext("%(type)s (proposed)", type=gettext(label)) if key == proposed else gettext(label))
        for key, label in SERVICE_TYPES.items()
    )
    return {
        "form": form,
        "customer": customer,
        "phones": customer.phone_list if customer else [],
        "equipment": equipment,
        "selected": selected,
        "proposed": proposed,
        "open_jobs": Job.open_for_equipment(list(by_id)),
        "open_without_equipment": open_jobs_of(None, customer) if customer else [],
        "last": last_service(selected),
        "coverage_labels": COVERAGE_LABELS,
        "service_types": SERVICE_TYPES,
    }


def _page(form=None, customer=None, q="", new_customer=None, add_equipment=None, **extra):
    """Everything the intake page shows; a fragment uses its part."""
    results = customers_with_phones(Customer.search(q, limit=RESULTS)) if q else []
    if new_customer is None:
        # A searched phone number goes into the new file (the script does it as one types).
        phone = q if re.fullmatch(r"[0-9+\-\s()]{5,}", q or "") else None
        new_customer = CustomerForm(prefix="nc", formdata=None, phone=phone)
    return {
        "q": q,
        "results": results,
        "new_customer": new_customer,
        "add_equipment": add_equipment or EquipmentForm(prefix="eq", formdata=None),
        **_workspace(form or RegisterForm(formdata=None), customer),
        **extra,
    }


@bp.get("/")
@requires("intake.register")
def index():
    """The intake screen: find the caller, pick the equipment, write the fault, register."""
    form = RegisterForm(formdata=None, equipment=int_arg("equipment"))
    registered = None
    if int_arg("registered") or int_arg("chased"):
        registered = Job.get_or_none(Job.id == (int_arg("registered") or int_arg("chased")))
        if registered is not None and not registered.can_view(current_user):
            registered = None
    context = _page(
        form,
        _customer(int_arg("customer")),
        q=text_arg("q", 60),
        registered=registered,
        chased=bool(int_arg("chased")),
    )
    return render(PAGE, **context)


@bp.get("/search")
@requires("intake.register")
def search():
    """Type-ahead: customers matching a phone, name or serial-number fragment."""
    return render(PAGE, block="results", **_page(q=text_arg("q", 60)))


@bp.get("/customer/<int:customer_id>")
@requires("intake.register")
def customer(customer_id):
    """The customer panel with the registration form for this customer."""
    found = _customer(customer_id) or abort(404)
    return render(PAGE, block="workspace", **_page(customer=found))


@bp.get("/propose")
@requires("intake.register")
def propose():
    """The service type proposed for one piece of equipment (Art. 6), with its reason."""
    item = Equipment.get_or_none(Equipment.id == int_arg("equipment")) or abort(404)
    form = RegisterForm(formdata=None, equipment=item.id)
    return render(PAGE, block="proposal", **_page(form, item.customer))


@bp.post("/customers")
@requires("customers.edit")
def new_customer():
    """Open a customer file without leaving the screen; answer with the new customer's panel."""
    form = CustomerForm(prefix="nc")
    if form.validate_on_submit():
        try:
            created = Customer.register(
                current_user,
                phones=form.phone_numbers(),
                confirm_duplicate=form.confirm_duplicate.data,
                **form.details(),
            )
        except RuleError as error:
            form_error(form, error)
        else:
            if not is_htmx():
                return see_other("intake.index", customer=created.id)
            # What the clerk already typed in the registration form comes along (hx-include).
            context = _page(RegisterForm(), created)
            body = render_block(PAGE, "workspace", **context) + render_block(
                PAGE, "new_customer", oob=True, **context
            )
            response = make_response(body, push_url=url_for("intake.index", customer=created.id))
            response.vary.add("HX-Request")
            return response
    if is_htmx():
        response = render(PAGE, block="new_customer", status=422, **_page(new_customer=form))
        response.headers.update({"HX-Retarget": "#new-customer", "HX-Reswap": "outerHTML"})
        return response
    return render(PAGE, status=422, **_page(new_customer=form))


@bp.post("/customer/<int:customer_id>/equipment")
@requires("customers.edit")
def add_equipment(customer_id):
    """Add equipment to the caller's file; answer with the panel, the new equipment chosen."""
    found = _customer(customer_id) or abort(404)
    equipment_form = EquipmentForm(prefix="eq")
    form = RegisterForm()  # what the clerk already typed comes along (hx-include)
    if equipment_form.validate_on_submit():
        try:
            item = equipment_form.register(current_user, found)
        except RuleError as error:
            form_error(equipment_form, error)
        else:
            if not is_htmx():
                return see_other("intake.index", customer=found.id, equipment=item.id)
            form.equipment.data = item.id
            return render(PAGE, block="workspace", **_page(form, found))
    return render(PAGE, block="workspace", status=422, **_page(form, found, add_equipment=equipment_form))


@bp.post("/register")
@requires("intake.register")
def register():
    """Record the call in the service register and give it its voucher number (Art. 7)."""
    form = RegisterForm()
    form.service_type.choices = choices(SERVICE_TYPES.items())
    found = _customer(form.customer.data)
    if form.validate_on_submit():
        try:
            job = _register(form, found)
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("intake.index", registered=job.id)
    return render(PAGE, block="workspace", status=422, **_page(form, found))


def _register(form, customer):
    """Job.register with the form's data; a call without a customer must say it is internal work."""
    if customer is None:
        if not form.internal.data:
            raise RuleError(N_("Find the caller's file first, or tick internal work."), field="internal")
        equipment, service_type = None, "internal"
    else:
        equipment = None
        if form.equipment.data:
            equipment = Equipment.get_or_none(Equipment.id == form.equipment.data)
        if equipment is None:
            raise RuleError(N_("Choose the customer's equipment."), field="equipment")
        # Left as proposed: the model proposes again from today's warranty and contracts.
        chosen = form.service_type.data
        service_type = None if not chosen or chosen == form.proposed_type.data else chosen
    appointment = None
    if form.appointment_day.data:
        appointment = (
            form.appointment_day.data,
            form.appointment_slot.data,
            not form.appointment_preferred.data,
        )
    return register_call(
        current_user,
        duplicate_reason=form.duplicate_reason.data,
        appointment=appointment,
        customer=customer,
        equipment=equipment,
        channel=form.channel.data,
        fault=form.fault.data,
        preferred_time=form.preferred_time.data,
        service_type=service_type,
        type_reason=form.type_reason.data,
        contact_person=(form.contact_person.data or "").strip(),
        phone=(form.phone.data or "").strip() or None,
    )


@bp.post("/jobs/<int:job_id>/chase")
@requires("intake.register")
def chase(job_id):
    """The caller's equipment already has an open job: add this call to it (催修), no new voucher."""
    job = Job.get_or_none(Job.id == job_id)
    if job is None or not job.can_view(current_user):
        abort(404)
    form = RegisterForm()
    if not form.validate_on_submit():
        raise RuleError(N_("This form is damaged. Reload the page."))
    try:
        Chaser.add(current_user, job, form.fault.data)
    except RuleError as error:
        form_error(form, error)
        return render(PAGE, block="workspace", status=422, **_page(form, _customer(form.customer.data)))
    return see_other("intake.index", chased=job.id)
