"""Forms of the surveys: a questionnaire and its questions, a call's outcome, the answers
(built from the questions of one version), a campaign, the guidelines."""

from flask import request
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput, ListWidget

from models.surveys import CHANNELS, CUSTOMER_TYPES, OPINIONS, QUESTION_KINDS, RATINGS, TAGS
from models.surveys.answers import MAX_TEXT
from views.common import MAX_INT, choices
from views.forms import BaseForm, QuickCheckbox, QuickRadio, VersionForm


def _labelled(mapping):
    return choices((key, _l(label)) for key, label in mapping.items())


def _checks():
    return {"widget": ListWidget(prefix_label=False), "option_widget": QuickCheckbox()}


class QuestionnaireForm(BaseForm):
    name = StringField(_l("Questionnaire name"), validators=[DataRequired(), Length(max=100)])
    intro = TextAreaField(_l("Greeting shown to the customer"), validators=[Length(max=1000)])


class QuestionForm(BaseForm):
    text = StringField(_l("Question"), validators=[DataRequired(), Length(max=300)])
    kind = RadioField(_l("Kind of answer"), choices=_labelled(QUESTION_KINDS), default="rating")
    opinion = RadioField(_l("About (Art. 15)"), choices=_labelled(OPINIONS), default="service")
    options = TextAreaField(_l("Choices, one a line"), validators=[Length(max=1000)])
    required = BooleanField(_l("An answer is required"), default=True)

    def option_list(self):
        return [line for line in (self.options.data or "").splitlines() if line.strip()]


class MoveForm(BaseForm):
    step = IntegerField(widget=HiddenInput(), validators=[InputRequired(), AnyOf([-1, 1])])


OUTCOMES = ("answered", "no_answer", "refused", "call_back")


class OutcomeForm(BaseForm):
    """How the call went; the answers themselves are in the answer form beside it."""

    outcome = StringField(validators=[AnyOf(OUTCOMES)])
    channel = RadioField(
        _l("The answers came"),
        choices=choices((k, _l(CHANNELS[k])) for k in ("phone", "paper")),
        default="phone",
    )
    call_back_at = DateTimeLocalField(_l("Call back at"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=300)])


def answer_form(version, questions, **kwargs):
    """A form with one field per question of ``version`` (and a tag beside each free text)."""

    class AnswerForm(BaseForm):
        version_id = IntegerField(widget=HiddenInput(), validators=[InputRequired()])

    for q in questions:
        missing = {
            "rating": _l("Please choose a rating."),
            "text": _l("Please write your answer."),
        }.get(q.kind, _l("Please choose an answer."))
        presence = [InputRequired(message=missing)] if q.required else [Optional()]
        if q.kind == "rating":
            field = RadioField(
                q.text,
                choices=choices((str(r), str(r)) for r in RATINGS),
                validators=presence,
                option_widget=QuickRadio(),
            )
        elif q.kind == "single":
            field = RadioField(
                q.text,
                choices=choices((o, o) for o in q.options),
                validators=presence,
                option_widget=QuickRadio(),
            )
        elif q.kind == "multiple":
            field = SelectMultipleField(
                q.text, choices=choices((o, o) for o in q.options), validators=presence, **_checks()
            )
        else:
            field = TextAreaField(q.text, validators=[*presence, Length(max=MAX_TEXT)])
            tag = RadioField(
                _l("This is"),
                choices=_labelled(TAGS),
                default="remark",
                validators=[Optional()],
                option_widget=QuickRadio(),
            )
            setattr(AnswerForm, f"t{q.id}", tag)
        setattr(AnswerForm, f"q{q.id}", field)
    kwargs.setdefault("version_id", version.id)
    return AnswerForm(**kwargs)


def answer_values(form, questions):
    """question id -> the value the model expects."""
    values = {}
    for q in questions:
        data = form[f"q{q.id}"].data
        if q.kind == "text":
            values[q.id] = (data, form[f"t{q.id}"].data)
        else:
            values[q.id] = data
    return values


class CampaignForm(BaseForm):
    name = StringField(_l("Campaign name"), validators=[DataRequired(), Length(max=100)])
    questionnaire = SelectField(_l("Questionnaire"), coerce=int, choices=[], validators=[InputRequired()])
    served_from = DateField(_l("Customers served from"), validators=[InputRequired()])
    served_to = DateField(_l("to"), validators=[InputRequired()])
    types = SelectMultipleField(
        _l("Service types"), choices=choices((k, _l(v)) for k, v in CUSTOMER_TYPES), **_checks()
    )
    product_model = StringField(_l("Product model contains"), validators=[Length(max=80)])
    contract_only = BooleanField(_l("Only customers with a maintenance contract"))


class DismissForm(VersionForm):
    reason = StringField(_l("Why no complaint is needed"), validators=[Length(max=300)])


class ConsiderForm(VersionForm):
    note = StringField(_l("What we make of it (optional)"), validators=[Length(max=1000)])


class GuidelineForm(BaseForm):
    text = TextAreaField(_l("The guidelines (Markdown)"), validators=[Length(max=50_000)])
    note = StringField(_l("What changed"), validators=[Length(max=200)])


def form_id(name):
    """A positive id from the posted form, or None (never a number the database cannot hold)."""
    value = request.form.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_INT else None
