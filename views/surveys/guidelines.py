"""The service guidelines (客户服务准则): the current version for staff, with Art. 5's motto and
the rules the software enforces read from the settings; every version, a diff between two; the
administrator's editor. Markdown is rendered with raw HTML off, so markup never executes."""

from flask import Blueprint, abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from models import RuleError, User
from models.surveys import GuidelineVersion, enforced_rules
from views.common import field_or_raise, int_arg, render, requires, see_other
from views.records import link_records
from views.shell import nav
from views.surveys.forms import GuidelineForm

bp = Blueprint("guidelines", __name__, url_prefix="/guidelines")
nav("guidelines.show", _l("Service guidelines"), "guidelines.view", order=95)
link_records("guideline", "guidelines.version", "version_id")

_markdown = None


def markdown(text):
    """CommonMark without raw HTML; links to javascript: and the like are refused by the parser.
    The parser is loaded on first use: only the guidelines pages need it (a worker's memory)."""
    global _markdown
    if _markdown is None:
        from markdown_it import MarkdownIt

        _markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return Markup(_markdown.render(text or ""))


def _version(version_id):
    return GuidelineVersion.get_or_none(GuidelineVersion.id == version_id) or abort(404)


@bp.get("/")
@requires("guidelines.view")
def show():
    """The current guidelines, the motto (Art. 5) and what the software enforces; printable."""
    current = GuidelineVersion.current()
    return render(
        "guidelines/show.html",
        version=current,
        html=markdown(current.text) if current else None,
        writer=_writer(current),
        rules=enforced_rules(),
    )


def _writer(version):
    return User.get_or_none(User.id == version.created_by_id) if version else None


@bp.get("/versions")
@requires("guidelines.view")
def versions():
    """Every version: who wrote it, when, what changed."""
    return render("guidelines/versions.html", versions=GuidelineVersion.history())


@bp.get("/versions/<int:version_id>")
@requires("guidelines.view")
def version(version_id):
    """One earlier version as it read."""
    found = _version(version_id)
    return render(
        "guidelines/show.html",
        version=found,
        html=markdown(found.text),
        writer=_writer(found),
        rules=enforced_rules(),
        old=found.id != GuidelineVersion.current().id,
    )


@bp.get("/diff")
@requires("guidelines.view")
def diff():
    """What changed between two versions (the previous one and the newest by default)."""
    history = GuidelineVersion.history()
    if not history:
        abort(404)
    by_id = {v.id: v for v in history}
    new = by_id.get(int_arg("to")) or history[0]
    older = [v for v in history if v.number < new.number]
    old = by_id.get(int_arg("from")) or (older[0] if older else new)
    if old.number > new.number:
        old, new = new, old
    return render("guidelines/diff.html", old=old, new=new, lines=old.diff(new), versions=history)


@bp.get("/edit")
@requires("guidelines.edit")
def edit():
    """The administrator's editor: the current text in Markdown."""
    current = GuidelineVersion.current()
    form = GuidelineForm(formdata=None, text=current.text if current else "")
    return render("guidelines/edit.html", form=form, version=current)


@bp.post("/edit")
@requires("guidelines.edit")
def save():
    """Save the text as a new version (the old ones are kept)."""
    form = GuidelineForm()
    if form.validate_on_submit():
        try:
            GuidelineVersion.publish(current_user, form.text.data, form.note.data)
        except RuleError as error:
            field_or_raise(form, error)
        else:
            return see_other("guidelines.show")
    return render("guidelines/edit.html", form=form, version=GuidelineVersion.current(), status=422)
