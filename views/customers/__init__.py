"""Customer files (客户资料袋): search, the file, its equipment, contracts and service history."""

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from playhouse.flask_utils import PaginatedQuery

from models import Contract, Customer, Equipment, Job, RuleError
from models.customers import (
    COVERAGE_LABELS,
    CUSTOMER_KINDS,
    ProductModel,
    contracts_with_equipment,
    customers_with_phones,
    equipment_with_coverage,
)
from views.common import choices, form_error, int_arg, render, requires, see_other, text_arg
from views.customers.forms import ContractForm, CustomerForm, EquipmentForm, ProductModelForm
from views.records import link_records
from views.shell import nav

bp = Blueprint("customers", __name__, url_prefix="/customers")
link_records("customer", "customers.show", "customer_id")
nav("customers.index", _l("Customer files"), "customers.view", order=60)

PAGE_SIZE = 25


def _customer(customer_id):
    return Customer.get_or_none(Customer.id == customer_id) or abort(404)


def _status(form):
    return 422 if form.errors or form.form_errors else 200


@bp.get("/")
@requires("customers.view")
def index():
    """Customer files, all or those matching a phone, name, contact or serial fragment."""
    q = text_arg("q", 60)
    query = Customer.search(q, limit=None) if q else Customer.select().order_by(Customer.name, Customer.id)
    page = PaginatedQuery(query, paginate_by=PAGE_SIZE, page=int_arg("page") or 1)
    customers = customers_with_phones(page.get_object_list())
    return render(
        "customers/index.html",
        block="results",
        q=q,
        page=page,
        page_count=page.get_page_count(),
        customers=customers,
        kinds=CUSTOMER_KINDS,
    )


@bp.route("/new", methods=["GET", "POST"])
@requires("customers.edit")
def new():
    """Open a new customer file."""
    form = CustomerForm()
    if form.validate_on_submit():
        try:
            customer = Customer.register(
                current_user,
                phones=form.phone_numbers(),
                confirm_duplicate=form.confirm_duplicate.data,
                **form.details(),
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("customers.show", customer_id=customer.id)
    return render("customers/form.html", form=form, customer=None, status=_status(form))


@bp.get("/<int:customer_id>")
@requires("customers.view")
def show(customer_id):
    """The file: details, phones, equipment and its coverage, contracts, every job done."""
    customer = _customer(customer_id)
    equipment = equipment_with_coverage(customer)
    jobs = Job.readable_by(current_user, Job.with_people().where(Job.customer == customer))
    return render(
        "customers/show.html",
        customer=customer,
        phones=customer.phone_list,
        equipment=equipment,
        equipment_by_id={item.id: item for item in equipment},
        contracts=contracts_with_equipment(customer),
        jobs=list(jobs.order_by(Job.registered_at.desc(), Job.id.desc())),
        coverage_labels=COVERAGE_LABELS,
    )


@bp.route("/<int:customer_id>/edit", methods=["GET", "POST"])
@requires("customers.edit")
def edit(customer_id):
    """Change the file's details and phone numbers."""
    customer = _customer(customer_id)
    form = CustomerForm(obj=customer, phone="\n".join(customer.phone_list))
    if form.validate_on_submit():
        try:
            customer.revise(current_user, form.phone_numbers(), **form.details())
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("customers.show", customer_id=customer.id)
    return render("customers/form.html", form=form, customer=customer, status=_status(form))


@bp.route("/<int:customer_id>/equipment/new", methods=["GET", "POST"])
@requires("customers.edit")
def new_equipment(customer_id):
    """Add a product the customer bought to the file."""
    customer = _customer(customer_id)
    form = EquipmentForm()
    if form.validate_on_submit():
        try:
            form.register(current_user, customer)
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("customers.show", customer_id=customer.id)
    return render("customers/equipment_form.html", form=form, customer=customer, status=_status(form))


@bp.route("/<int:customer_id>/contracts/new", methods=["GET", "POST"])
@requires("customers.edit")
def new_contract(customer_id):
    """Record a maintenance contract (商品保养合同书) and the equipment it covers."""
    customer = _customer(customer_id)
    items = list(Equipment.select().where(Equipment.customer == customer).order_by(Equipment.id))
    form = ContractForm()
    form.equipment.choices = choices(
        (item.id, " · ".join(x for x in (item.label, item.serial) if x)) for item in items
    )
    if form.validate_on_submit():
        try:
            Contract.register(
                current_user,
                customer,
                form.number.data,
                form.start.data,
                form.end.data,
                form.equipment.data,
                notes=(form.notes.data or "").strip(),
            )
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("customers.show", customer_id=customer.id)
    return render(
        "customers/contract_form.html", form=form, customer=customer, items=items, status=_status(form)
    )


def _product_models(form, status=200):
    models = list(ProductModel.select().order_by(ProductModel.model))
    return render("customers/product_models.html", form=form, models=models, status=status)


@bp.get("/product-models")
@requires("customers.view")
def product_models():
    """The products the company sells and their free warranty: equipment of a known model
    gets its warranty end from the purchase date."""
    return _product_models(ProductModelForm(formdata=None))


@bp.post("/product-models")
@requires("customers.edit")
def add_product_model():
    form = ProductModelForm()
    if form.validate_on_submit():
        try:
            ProductModel.add(current_user, form.model.data, form.name.data, form.warranty_months.data)
        except RuleError as error:
            form_error(form, error)
        else:
            return see_other("customers.product_models")
    return _product_models(form, status=422)
