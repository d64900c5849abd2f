"""Customer files (客户资料袋): customers, their phones, equipment and maintenance contracts."""

import calendar
import datetime
import re

from peewee import (
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    IntegrityError,
    TextField,
    fn,
)

from models.core import (
    N_,
    Action,
    BaseModel,
    Event,
    RuleError,
    Subject,
    db,
    now,
    register_actions,
    register_subject,
    require,
    today,
)

CUSTOMER_KINDS = {"company": N_("Company"), "person": N_("Person")}
COVERAGE_LABELS = {
    "contract": N_("Under contract"),
    "warranty": N_("In warranty"),
    "none": N_("Out of warranty"),
    "unknown": N_("Warranty unknown"),
}


def phone_digits(number):
    return re.sub(r"\D", "", number or "")


class Customer(BaseModel):
    subject = "customer"

    kind = CharField(max_length=10, default="company")
    name = CharField(max_length=100, index=True)
    contact_person = CharField(max_length=60, default="")
    address = CharField(max_length=200, default="")
    notes = TextField(default="")
    created_at = DateTimeField(default=now)

    @property
    def kind_label(self):
        return CUSTOMER_KINDS.get(self.kind, self.kind)

    @classmethod
    def with_phones(cls, numbers, exclude=None):
        """Customers on file with any of these phone numbers (compared as digits)."""
        digits = [phone_digits(n) for n in numbers if len(phone_digits(n)) >= 5]
        if not digits:
            return []
        query = cls.select().join(CustomerPhone).where(CustomerPhone.digits.in_(digits))
        if exclude is not None:
            query = query.where(cls.id != exclude)
        return list(query.distinct().order_by(cls.name))

    @classmethod
    def register(
        cls,
        by,
        name,
        kind="company",
        contact_person="",
        address="",
        phones=(),
        notes="",
        confirm_duplicate=False,
    ):
        """Open a new customer file with at least one phone number and the address (Art. 7).

        A phone number already on another file is refused unless the clerk confirms that this
        is a different customer: the same caller is not filed twice by accident.
        """
        require(by, "customers.edit")
        name = (name or "").strip()
        if not name:
            raise RuleError(N_("A customer needs a name."), field="name")
        numbers = [p.strip() for p in phones if p and p.strip()]
        if not numbers:
            raise RuleError(N_("A customer needs at least one phone number."), field="phone")
        if not (address or "").strip():
            raise RuleError(N_("Enter the address: the technician goes there."), field="address")
        same = cls.with_phones(numbers)
        if same and not confirm_duplicate:
            raise RuleError(
                N_(
                    "This phone number is already on file for %(name)s. "
                    "Open that file, or confirm a new customer."
                ),
                field="phone",
                name=same[0].name,
            )
        with db.atomic():
            customer = cls.create(
                kind=kind, name=name, contact_person=contact_person, address=address, notes=notes
            )
            for number in numbers:
                customer.add_phone(number)
            Event.record(by, customer, "create", note=name)
        return customer

    def update_file(self, by, **fields):
        require(by, "customers.edit")
        if "name" in fields and not (fields["name"] or "").strip():
            raise RuleError(N_("A customer needs a name."), field="name")
        with db.atomic():
            changes = {}
            for key, value in fields.items():
                if getattr(self, key) != value:
                    changes[key] = [getattr(self, key), value]
                    setattr(self, key, value)
            if changes:
                self.save()
                Event.record(by, self, "edit", data=changes)

    def add_phone(self, number, label=""):
        digits = phone_digits(number)
        if len(digits) < 5:
            raise RuleError(N_("A phone number needs at least 5 digits."), field="phone")
        return CustomerPhone.create(customer=self, number=number.strip(), digits=digits, label=label)

    def set_phones(self, by, numbers):
        """Replace the phone list (kept as rows so a fragment search is one query)."""
        require(by, "customers.edit")
        numbers = [n.strip() for n in numbers if n and n.strip()]
        if not numbers:
            raise RuleError(N_("A customer needs at least one phone number."), field="phone")
        with db.atomic():
            old = [p.number for p in self.phones]
            if old == numbers:
                return
            CustomerPhone.delete().where(CustomerPhone.customer == self).execute()
            for number in numbers:
                self.add_phone(number)
            Event.record(by, self, "phones", data={"from": old, "to": numbers})

    def revise(self, by, phones, **fields):
        """Change the file's details and its phone list together: both or neither."""
        with db.atomic():
            self.update_file(by, **fields)
            self.set_phones(by, phones)

    @property
    def phone_list(self):
        return [p.number for p in self.phones]

    @property
    def first_phone(self):
        phones = self.phone_list
        return phones[0] if phones else ""

    @classmethod
    def search(cls, text, limit=20):
        """Customers matching any fragment of a phone number, name, contact or serial number."""
        text = (text or "").strip()
        if not text:
            return cls.select().where(cls.id < 0)
        digits = phone_digits(text)
        matches = (
            (fn.LOWER(cls.name).contains(text.lower()))
            | (fn.LOWER(cls.contact_person).contains(text.lower()))
            | cls.id.in_(Equipment.select(Equipment.customer).where(Equipment.serial.contains(text)))
        )
        if len(digits) >= 3:
            matches |= cls.id.in_(
                CustomerPhone.select(CustomerPhone.customer).where(CustomerPhone.digits.contains(digits))
            )
        return cls.select().where(matches).order_by(cls.name).limit(limit)

    def __str__(self):
        return self.name


class CustomerPhone(BaseModel):
    customer = ForeignKeyField(Customer, backref="phones", on_delete="CASCADE")
    number = CharField(max_length=40)
    digits = CharField(max_length=40, index=True)
    label = CharField(max_length=20, default="")


class Equipment(BaseModel):
    subject = "equipment"

    customer = ForeignKeyField(Customer, backref="equipment")
    product_model = CharField(max_length=80)
    spec = CharField(max_length=120, default="")
    serial = CharField(max_length=80, default="", index=True)
    purchase_date = DateField(null=True)
    purchase_place = CharField(max_length=120, default="")
    warranty_end = DateField(null=True)
    notes = TextField(default="")
    created_at = DateTimeField(default=now)

    @classmethod
    def register(
        cls,
        by,
        customer,
        product_model,
        spec="",
        serial="",
        purchase_date=None,
        purchase_place="",
        warranty_end=None,
        notes="",
    ):
        """Record a product the customer bought."""
        require(by, "customers.edit")
        if not (product_model or "").strip():
            raise RuleError(N_("Enter the product model."), field="product_model")
        if warranty_end is None and purchase_date is not None:
            warranty_end = ProductModel.warranty_end_for(product_model, purchase_date)
        if purchase_date and warranty_end and warranty_end < purchase_date:
            raise RuleError(N_("The warranty cannot end before the purchase."), field="warranty_end")
        if purchase_date and purchase_date > today():
            raise RuleError(N_("The purchase date is in the future."), field="purchase_date")
        with db.atomic():
            item = cls.create(
                customer=customer,
                product_model=product_model.strip(),
                spec=spec.strip(),
                serial=serial.strip(),
                purchase_date=purchase_date,
                purchase_place=purchase_place.strip(),
                warranty_end=warranty_end,
                notes=notes,
            )
            Event.record(by, item, "create", note=f"{product_model} {serial}".strip())
        return item

    def active_contract(self, on=None):
        on = on or today()
        return (
            Contract.select()
            .join(ContractEquipment)
            .where(
                ContractEquipment.equipment == self,
                Contract.start <= on,
                Contract.end >= on,
                Contract.voided_at.is_null(),
            )
            .first()
        )

    def coverage(self, on=None, contract=None):
        """'contract', 'warranty' or 'none' on a day (Art. 6 b/c).

        ``contract``: the active contract when the caller knows it, False when it knows there
        is none, None to look it up.
        """
        on = on or today()
        if contract is None:
            contract = self.active_contract(on)
        if contract:
            return "contract"
        if self.warranty_end is None:
            return "unknown"  # never shown as out of warranty: nobody knows yet
        if self.warranty_end >= on:
            return "warranty"
        return "none"

    @property
    def label(self):
        return " ".join(x for x in (self.product_model, self.spec) if x)

    def __str__(self):
        return self.label


class Contract(BaseModel):
    """A maintenance contract (商品保养合同书) covering some of a customer's equipment."""

    subject = "contract"

    customer = ForeignKeyField(Customer, backref="contracts")
    number = CharField(max_length=40, unique=True)
    start = DateField()
    end = DateField()
    notes = TextField(default="")
    created_at = DateTimeField(default=now)
    voided_at = DateTimeField(null=True)

    @classmethod
    def register(cls, by, customer, number, start, end, equipment_ids, notes=""):
        require(by, "customers.edit")
        number = (number or "").strip()
        if not number:
            raise RuleError(N_("Enter the contract number."), field="number")
        if end < start:
            raise RuleError(N_("The contract cannot end before it starts."), field="end")
        items = list(
            Equipment.select().where(Equipment.customer == customer, Equipment.id.in_(equipment_ids))
        )
        if not items:
            raise RuleError(N_("Choose the equipment the contract covers."), field="equipment")
        try:
            with db.atomic():
                if cls.select().where(cls.number == number).exists():
                    raise RuleError(N_("That contract number already exists."), field="number")
                contract = cls.create(customer=customer, number=number, start=start, end=end, notes=notes)
                for item in items:
                    ContractEquipment.create(contract=contract, equipment=item)
                Event.record(by, contract, "create", note=number, data={"equipment": [i.id for i in items]})
        except IntegrityError:  # the same number recorded at the same moment
            raise RuleError(N_("That contract number already exists."), field="number") from None
        return contract

    def is_active(self, on=None):
        on = on or today()
        return self.voided_at is None and self.start <= on <= self.end


class ProductModel(BaseModel):
    """A product the company sells: its warranty gives the equipment's warranty end from the
    purchase date when the model is known."""

    subject = "product_model"

    model = CharField(max_length=80, unique=True)
    name = CharField(max_length=100, default="")
    warranty_months = IntegerField(default=12)
    created_at = DateTimeField(default=now)

    class Meta:
        table_name = "product_model"

    @classmethod
    def add(cls, by, model, name="", warranty_months=12):
        require(by, "customers.edit")
        model = (model or "").strip()[:80]
        if not model:
            raise RuleError(N_("Enter the product model."), field="model")
        if not isinstance(warranty_months, int) or not 0 <= warranty_months <= 240:
            raise RuleError(N_("Enter the warranty in months, from 0 to 240."), field="warranty_months")
        try:
            with db.atomic():
                item = cls.create(
                    model=model, name=(name or "").strip()[:100], warranty_months=warranty_months
                )
                Event.record(by, item, "create", note=model, data={"months": warranty_months})
        except IntegrityError:
            raise RuleError(N_("That product model is already on the list."), field="model") from None
        return item

    @classmethod
    def warranty_end_for(cls, product_model, purchase_date):
        found = cls.get_or_none(cls.model == (product_model or "").strip())
        if found is None:
            return None
        months = purchase_date.month - 1 + found.warranty_months
        year, month = purchase_date.year + months // 12, months % 12 + 1
        day = min(purchase_date.day, calendar.monthrange(year, month)[1])
        return datetime.date(year, month, day) - datetime.timedelta(days=1)


class ContractEquipment(BaseModel):
    contract = ForeignKeyField(Contract, backref="covered", on_delete="CASCADE")
    equipment = ForeignKeyField(Equipment, backref="contract_links", on_delete="CASCADE")

    class Meta:
        indexes = ((("contract", "equipment"), True),)


def equipment_with_coverage(customer, on=None):
    """The customer's equipment, each with .coverage and .contract set, in two queries."""
    on = on or today()
    items = list(Equipment.select().where(Equipment.customer == customer).order_by(Equipment.id))
    active = {}
    if items:
        rows = (
            ContractEquipment.select(ContractEquipment.equipment, Contract)
            .join(Contract)
            .where(
                ContractEquipment.equipment.in_([i.id for i in items]),
                Contract.start <= on,
                Contract.end >= on,
                Contract.voided_at.is_null(),
            )
        )
        for row in rows:
            active.setdefault(row.equipment_id, row.contract)
    for item in items:
        item.contract = active.get(item.id)
        item.coverage_state = "contract" if item.contract else item.coverage(on, contract=False)
    return items


def customers_with_phones(query):
    """Attach .phones_text to each customer of a query with one more query."""
    customers = list(query)
    if customers:
        phones = {}
        for p in (
            CustomerPhone.select()
            .where(CustomerPhone.customer.in_([c.id for c in customers]))
            .order_by(CustomerPhone.id)
        ):
            phones.setdefault(p.customer_id, []).append(p.number)
        for c in customers:
            c.phones_text = " / ".join(phones.get(c.id, []))
    return customers


def contracts_with_equipment(customer):
    """The customer's contracts, newest first, each with .equipment_ids set, in two queries."""
    contracts = list(Contract.select().where(Contract.customer == customer).order_by(Contract.start.desc()))
    covered = {}
    if contracts:
        for link in ContractEquipment.select().where(
            ContractEquipment.contract.in_([c.id for c in contracts])
        ):
            covered.setdefault(link.contract_id, []).append(link.equipment_id)
    for contract in contracts:
        contract.equipment_ids = covered.get(contract.id, [])
    return contracts


# ---- what this domain registers with the core ------------------------------------------

register_actions(
    {
        "customers.view": Action(N_("Read customer files"), ("clerk", "manager", "finance")),
        "customers.edit": Action(N_("Edit customer files"), ("clerk", "manager")),
    },
    group=N_("Customer files"),
)

CUSTOMER_FIELDS = {
    "name": N_("Name"),
    "kind": N_("Kind"),
    "contact_person": N_("Contact"),
    "address": N_("Address"),
    "notes": N_("Notes"),
}


def _names(model, column):
    return lambda ids: {
        row.id: getattr(row, column.name)
        for row in model.select(model.id, column).where(model.id.in_(list(ids)))
    }


register_subject(
    Subject(
        "customer",
        N_("Customer"),
        actions={
            "create": N_("opened the customer file"),
            "edit": N_("edited the customer file"),
            "phones": N_("changed the phone numbers"),
        },
        fields=CUSTOMER_FIELDS,
        reader="customers.view",
        titles=_names(Customer, Customer.name),
    )
)
register_subject(
    Subject(
        "equipment",
        N_("Equipment"),
        actions={"create": N_("added the equipment")},
        reader="customers.view",
        titles=lambda ids: {
            row.id: " ".join(x for x in (row.product_model, row.serial) if x)
            for row in Equipment.select(Equipment.id, Equipment.product_model, Equipment.serial).where(
                Equipment.id.in_(list(ids))
            )
        },
    )
)
register_subject(
    Subject(
        "contract",
        N_("Maintenance contract"),
        actions={"create": N_("recorded the contract")},
        reader="customers.view",
        titles=_names(Contract, Contract.number),
    )
)
register_subject(
    Subject(
        "product_model",
        N_("Product model"),
        actions={"create": N_("added the product model")},
        titles=_names(ProductModel, ProductModel.model),
    )
)
